"""Fixtures: a real index built from real files in a temporary folder, and
real servers started for a test and stopped after it. The helpers they use
are the package harness/ (on the path by pyproject's pytest `pythonpath`)."""
from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from harness.drafts import build_library
from harness.paths import SEEDS, copy_seeds
from harness.served import Served
from search.clean import clean
from search.indexer import index_corpus
from search.readers import read_text
from search.searcher import Library


def pytest_configure(config) -> None:
    # Ctrl+C as a terminal gives it. Started in the background of a script (as
    # CI may start it), the test run ignores SIGINT, and so would every command
    # it starts: the tests that press Ctrl+C in one would find it deaf.
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


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


@pytest.fixture(scope="session")
def draft_library(tmp_path_factory) -> tuple[Path, Path, Library]:
    """(corpus, index, library) of harness.drafts.build_library, built once; tests must not change it."""
    base = tmp_path_factory.mktemp("draft")
    corpus = build_library(base / "corpus")
    index = base / "index"
    summary = index_corpus(corpus, index, jobs=1)
    assert not summary.skipped
    return corpus, index, Library(index)


@pytest.fixture
def serve() -> Iterator[Callable[..., Served]]:
    """serve(*args, **options) starts `python -m search serve --port 0 *args`
    (harness.served.Served) and returns it once its banner is out; every
    server started so is stopped when the test ends."""
    started: list[Served] = []

    def start(*args: str, **options) -> Served:
        started.append(Served(*args, **options))
        return started[-1]

    yield start
    for server in started:
        server.stop()
