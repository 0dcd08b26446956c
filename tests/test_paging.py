"""Pages of a generated library large enough that a page is a small part of
the matches: a search sorts only the candidates of its page, and a phrase
lookup orders only its first reports until a page reads past them. Either
way the pages must join into the one order a full sort gives."""
from __future__ import annotations

import pytest

from harness.corpus import make_corpus
from search import matching, phrase
from search.analysis import fold
from search.indexer import index_corpus
from search.phrase import lookup
from search.searcher import Library


@pytest.fixture(scope="module")
def big_library(tmp_path_factory) -> Library:
    base = tmp_path_factory.mktemp("paging")
    make_corpus(160, base / "corpus", seed=5)
    summary = index_corpus(base / "corpus", base / "index", jobs=1)
    assert not summary.skipped
    return Library(base / "index")


@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
@pytest.mark.parametrize("query", ["工作", "的 发展", "党建 year:2018-2030"])
def test_the_pages_of_every_sort_join_into_the_whole_order(big_library, query, sort):
    whole = big_library.search(query, sort=sort, per_page=10_000)
    assert whole.total >= 40 and len(whole.hits) == whole.total
    paged = [h for p in range(1, 6) for h in big_library.search(query, sort=sort, page=p, per_page=7).hits]
    assert [(h.id, round(h.score, 9)) for h in paged] == [(h.id, round(h.score, 9)) for h in whole.hits[:35]]
    assert big_library.search(query, sort=sort, page=2, per_page=7).total == whole.total


def test_a_phrase_page_past_the_first_ranked_reports_is_the_same(big_library, monkeypatch):
    wanted = {(needle, sort, page): [(line.id, line.offset, line.count)
                                     for line in lookup(big_library, needle, sort=sort, page=page,
                                                        per_page=20).lines]
              for needle in ("工作", "的", "党建")
              for sort in ("rank", "left")
              for page in (1, 3)}
    assert all(wanted.values())
    monkeypatch.setattr(phrase, "RANKED_FIRST", 3)  # order only three reports at first
    big_library.answers.clear()
    for (needle, sort, page), lines in wanted.items():
        got = lookup(big_library, needle, sort=sort, page=page, per_page=20)
        assert [(line.id, line.offset, line.count) for line in got.lines] == lines, (needle, sort, page)


def test_a_phrase_too_common_for_offsets_reads_the_same_lines_from_the_texts(big_library, monkeypatch):
    """Past OFFSETS_AT_MOST occurrences the suffix arrays give counts only and
    the lines come from reading the first reports: the same lines, counts,
    collocations and totals."""
    def answer(needle, sort, page):
        r = lookup(big_library, needle, sort=sort, page=page, per_page=20)
        return (r.total_occurrences, r.total_reports, r.total_groups,
                [(line.id, line.offset, line.left, line.right, line.count) for line in r.lines],
                [c.to_json() for c in r.before + r.after])
    cases = [(needle, sort, page) for needle in ("工作", "党建", "发展", "推进")
             for sort in ("rank", "left") for page in (1, 2)]
    wanted = {case: answer(*case) for case in cases}
    assert all(w[3] for w in wanted.values())
    assert matching.find(big_library.snapshot(), fold("发展")).offsets is not None  # offsets by default here
    monkeypatch.setattr(matching, "OFFSETS_AT_MOST", 0)
    assert matching.find(big_library.snapshot(), fold("发展")).offsets is None
    big_library.answers.clear()
    for case in cases:
        assert answer(*case) == wanted[case], case
