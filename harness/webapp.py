"""The web tests' app (tests/test_web*.py): the real Flask app through its
test client, on the session's seed index (`client`) or on a corpus of the
test's own that it may change (`own`); and readers of the pages."""
from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from search.indexer import index_corpus
from web import create_app

SEED = "000_76dcab7e818b9862.txt"        # 2023 县 汇报, has noise and 压紧压实
XSS = "<script>alert(1)</script>"


def make_app(index: Path, corpus: Path):
    return create_app({"INDEX_DIR": index, "CORPUS_DIR": corpus, "TESTING": True, "WARM_UP": False})


@pytest.fixture(scope="module", name="client")
def client_fixture(seed_index):
    corpus, index = seed_index
    return make_app(index, corpus).test_client()


@pytest.fixture(name="own")
def own_fixture(tmp_path, corpus_copy):
    """A corpus of our own (seeds + extras) and its index; tests may change it."""
    index = tmp_path / "index"

    def build(extra: dict[str, str] | None = None):
        for name, text in (extra or {}).items():
            path = corpus_copy / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        summary = index_corpus(corpus_copy, index, jobs=1)
        assert not summary.skipped, summary.skipped
        return make_app(index, corpus_copy).test_client()

    build.corpus, build.index = corpus_copy, index
    return build


def get(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code, response.data[:500])
    return response


def text_of(response) -> str:
    return response.get_data(as_text=True)


def result_ids(page: str) -> list[str]:
    """Report ids of the result titles, in order."""
    hrefs = re.findall(r'<li class="result"[^>]*>\s*<h2><a href="([^"]+)"', page)
    return [unquote(urlsplit(html.unescape(h)).path.removeprefix("/report/")) for h in hrefs]


def strip_tags(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def generated(i: int, year: int) -> str:
    return (f"{year}年第{i}号基层组织建设工作总结\n"
            f"一、主要做法\n今年以来，我们把组织建设摆在突出位置，压紧压实责任，第{i}项工作落地见效。\n"
            f"二、下一步打算\n继续抓好组织建设。\n")
