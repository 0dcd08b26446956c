"""Fixtures: a real index built from real files in a temporary folder."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from search.clean import clean
from search.indexer import index_corpus
from search.readers import read_text
from search.searcher import Library

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "corpus").glob("*.txt"))


def copy_seeds(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for seed in SEEDS:
        shutil.copy(seed, dest / seed.name)
    return dest


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory) -> tuple[Path, Path]:
    """(corpus, index) built once from the five seeds; tests must not change it."""
    base = tmp_path_factory.mktemp("seeds")
    corpus = copy_seeds(base / "corpus")
    index = base / "index"
    summary = index_corpus(corpus, index, jobs=1)
    assert summary.added == len(SEEDS) and not summary.skipped
    return corpus, index


@pytest.fixture(scope="session")
def library(seed_index) -> Library:
    return Library(seed_index[1])


@pytest.fixture(scope="session")
def cleaned_seeds() -> dict[str, str]:
    """Report id -> cleaned text, straight from the cleaner (the oracle for counts)."""
    return {p.name: clean(read_text(p)).text for p in SEEDS}


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    return copy_seeds(tmp_path / "corpus")
