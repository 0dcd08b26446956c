"""Search semantics on the seeds: exact matching, query syntax, results."""
from __future__ import annotations

import pytest

from search.analysis import fold
from search.highlight import SENTENCE_END, hit_spans, snippets
from search.phrase import lookup
from search.query import QueryTooLong
from search.searcher import UnknownReport

# phrase -> (occurrences, reports) in the cleaned seeds. Several of these break
# token-based phrase queries: punctuation inside (工作。一是, 党建工作，),
# substrings inside jieba words (组织建设 in 党组织建设, 治党 in 从严治党),
# strings across word boundaries (建工 = 党建|工作), digits, Latin, case.
PHRASES = {
    "压紧压实": (2, 2),
    "组织建设": (10, 5),
    "党组织建设": (6, 4),
    "治党": (4, 2),
    "建工": (73, 5),
    "党建工作": (72, 5),
    "党建工作，": (6, 4),
    "工作。一是": (2, 2),
    "2023年": (11, 3),
    "一网通建": (1, 1),
    "户均增收": (1, 1),
    "社会公众安全感": (1, 1),
    "三会一课": (4, 2),
    "第一书记": (6, 4),
    "X市": (6, 1),
    "x市": (6, 1),
    "党": (589, 5),
    "“两个覆盖”": (3, 3),
    "XX万": (3, 1),
    "**村": (8, 1),
    "PPT": (0, 0),        # only in an ad, which cleaning removes
    "公众号": (0, 0),
    "哒哒": (0, 0),
}


@pytest.mark.parametrize("phrase,expected", PHRASES.items())
def test_phrase_counts(library, cleaned_seeds, phrase, expected):
    result = lookup(library, phrase, per_page=1000)
    needle = fold(phrase)
    oracle = [fold(t).count(needle) for t in cleaned_seeds.values()]
    assert (sum(oracle), sum(1 for c in oracle if c)) == expected
    assert (result.total_occurrences, result.total_reports) == expected
    assert sum(line.count for line in result.lines) == expected[0]
    search = library.search(phrase if " " not in phrase else f'"{phrase}"')
    assert search.total == expected[1]


def test_kwic_lines_show_context_within_the_paragraph(library):
    result = lookup(library, "压紧压实")
    assert [l.match for l in result.lines] == ["压紧压实", "压紧压实"]
    for line in result.lines:
        text = library.report(line.id).text
        assert text[line.offset:line.offset + 4] == "压紧压实"
        assert text[line.offset - len(line.left):line.offset] == line.left
        assert "\n" not in line.left + line.right
        assert len(line.left) <= 30 and len(line.right) <= 30
        assert line.match in line.sentence and line.sentence[-1] in SENTENCE_END
    assert dict(result.before) == {"责任": 1} and dict(result.after) == {"村级": 1}


def test_phrase_sorts_and_pages(library):
    by_rank = lookup(library, "第一书记", per_page=100)
    by_left = lookup(library, "第一书记", sort="left", per_page=100)
    by_right = lookup(library, "第一书记", sort="right", per_page=100)
    # Sorted as matched: by the folded contexts.
    lefts = [fold(l.left)[::-1] for l in by_left.lines]
    rights = [fold(l.right) for l in by_right.lines]
    assert lefts == sorted(lefts) and rights == sorted(rights)
    assert sorted(l.offset for l in by_rank.lines) == sorted(l.offset for l in by_left.lines)
    page2 = lookup(library, "党", page=2, per_page=50)
    assert page2.page == 2 and len(page2.lines) == 50 and page2.total_occurrences == 589
    beyond = lookup(library, "党", page=999)
    assert beyond.lines == [] and beyond.total_occurrences == 589
    assert sum(by_rank.by_year.values()) == by_rank.total_occurrences


def test_duplicate_lines_are_grouped(tmp_path):
    from search.indexer import index_corpus
    from search.searcher import Library
    corpus = tmp_path / "c"
    corpus.mkdir()
    sentence = "要把压紧压实管党治党政治责任作为重要任务，持续用力。"
    (corpus / "a.txt").write_text(f"2021年甲县工作总结\n{sentence}\n", "utf-8")
    (corpus / "b.txt").write_text(f"2022年乙县工作总结\n{sentence}\n", "utf-8")
    (corpus / "c.txt").write_text("2022年丙县工作汇报\n我们压紧压实责任。\n", "utf-8")
    index_corpus(corpus, tmp_path / "ix", jobs=1)
    result = lookup(Library(tmp_path / "ix"), "压紧压实")
    assert result.total_occurrences == 3 and result.total_reports == 3
    assert sorted(l.count for l in result.lines) == [1, 2]
    grouped = next(l for l in result.lines if l.count == 2)
    assert {grouped.id, *(o["id"] for o in grouped.also_in)} == {"a.txt", "b.txt"}
    assert {o["title"] for o in grouped.also_in} <= {"2021年甲县工作总结", "2022年乙县工作总结"}


# ---------------------------------------------------------------- query syntax

def ids(result):
    return {h.id for h in result.hits}


def containing(cleaned, *needles):
    return {name for name, text in cleaned.items() if all(fold(n) in fold(text) for n in needles)}


def test_and_or_not(library, cleaned_seeds):
    assert ids(library.search("治党 三会一课")) == containing(cleaned_seeds, "治党", "三会一课")
    either = ids(library.search("一网通建 OR 户均增收"))
    assert either == containing(cleaned_seeds, "一网通建") | containing(cleaned_seeds, "户均增收")
    assert len(either) == 2
    without = ids(library.search("党建 -治党"))
    assert without == containing(cleaned_seeds, "党建") - containing(cleaned_seeds, "治党")
    assert without and not without & containing(cleaned_seeds, "治党")


def test_quoted_phrase_and_fields(library, cleaned_seeds):
    assert library.search('"工作。一是"').total == 2
    titles = library.search("title:汇报")
    assert ids(titles) == {h.id for h in titles.hits if "汇报" in h.title} and titles.total == 2
    heading = library.search("heading:存在的问题")
    assert heading.total >= 1
    for hit in heading.hits:
        view = library.report(hit.id)
        assert any("存在的问题" in h["text"] for h in view.outline)


def test_filters(library):
    assert {h.year for h in library.search("党建 year:2023").hits} == {2023}
    ranged = library.search("党建 year:2020-2022")
    assert {h.year for h in ranged.hits} == {2020, 2022}
    assert {h.type for h in library.search("党建 type:述职报告").hits} == {"述职报告"}
    assert {h.level for h in library.search("level:县 党建").hits} == {"县"}
    assert library.search("党建 type:不存在的类型").total == 0


def test_malformed_queries_degrade_to_literal_terms(library):
    for text in ['"压紧压实', 'OR', '压紧压实 OR', '-', 'year:abc', '((党建', 'title:', '"" 党建']:
        result = library.search(text)  # never raises
        assert result.total >= 0
    assert library.search('"压紧压实').total == 2
    assert library.search("year:abc").total == 0  # literal text, not in any report


def test_long_query_is_an_error():
    from search.query import parse
    with pytest.raises(QueryTooLong) as err:
        parse("党" * 201)
    assert "200" in str(err.value)


def test_results_facets_snippets_and_sorting(library):
    result = library.search("组织建设")
    assert result.total == 5 and len(result.hits) == 5
    assert sum(result.facets["year"].values()) == 5
    assert result.facets["type"] == {"汇报": 2, "总结": 2, "述职报告": 1}
    for hit in result.hits:
        assert 1 <= len(hit.snippets) <= 3
        for snip in hit.snippets:
            text = "".join(s.text for s in snip)
            marked = [s.text for s in snip if s.match]
            assert marked and all(fold(m) == "组织建设" for m in marked)
            assert text.count("组织建设") == len(marked)  # every occurrence marked
            assert len(text) <= 125
    scores = [h.score for h in result.hits]
    assert scores == sorted(scores, reverse=True)
    newest = [h.year for h in library.search("组织建设", sort="newest").hits]
    assert newest == sorted(newest, reverse=True)
    oldest = [h.year for h in library.search("组织建设", sort="oldest").hits]
    assert oldest == sorted(oldest)


def test_title_boost_ranks_title_matches_first(library):
    result = library.search("述职报告")
    assert result.hits[0].title == "党组织书记抓基层党建工作述职报告"


def test_paging(library):
    first = library.search("党", per_page=2)
    assert first.pages == 3 and len(first.hits) == 2
    third = library.search("党", page=3, per_page=2)
    assert len(third.hits) == 1
    assert library.search("党", page=50, per_page=2).hits == []
    seen = [h.id for p in (1, 2, 3) for h in library.search("党", page=p, per_page=2).hits]
    assert len(set(seen)) == 5


def test_empty_result_says_which_term_matched_nothing(library):
    result = library.search("党建 不存在的提法")
    assert result.total == 0 and result.term_reports == {"党建": 5, "不存在的提法": 0}


def test_report_view(library):
    view = library.report("000_76dcab7e818b9862.txt", "压紧压实")
    assert view.title == "关于2023年全县基层党建工作开展情况的汇报"
    assert [view.text[a:b] for a, b in view.hits] == ["压紧压实"]
    assert view.outline and view.outline[0]["depth"] == 1
    with pytest.raises(UnknownReport):
        library.report("../etc/passwd")



@pytest.mark.parametrize("phrase", ["党建工作", "一是", "组织建设", "第一书记", "党"])
def test_rank_pages_count_groups_like_the_full_grouping(library, phrase):
    """Rank order makes only the page's lines and counts them from the
    sentence index; sorting by context groups every occurrence. Same groups."""
    ranked = lookup(library, phrase, per_page=1000)
    by_left = lookup(library, phrase, sort="left", per_page=1000)
    def groups(result):
        return {(l.id, l.offset): (l.count, sorted(o["id"] for o in l.also_in)) for l in result.lines}
    assert groups(ranked) == groups(by_left)
    assert sum(l.count for l in ranked.lines) == ranked.total_occurrences
    first_page = lookup(library, phrase, per_page=7)
    second_page = lookup(library, phrase, per_page=7, page=2)
    assert [(l.id, l.offset) for l in first_page.lines + second_page.lines] == \
        [(l.id, l.offset) for l in ranked.lines[:14]]


def test_negated_filters_leave_reports_out(library):
    everything = {h.id for h in library.search("党建").hits}
    not_2023 = library.search("党建 -year:2023")
    assert not_2023.total == 2 and {h.year for h in not_2023.hits} == {2020, 2022}
    assert {h.type for h in library.search("党建 -type:汇报").hits} == {"总结", "述职报告"}
    assert {h.level for h in library.search("-level:乡镇 党建").hits} == {"县", "区"}
    assert {h.id for h in library.search("党建 -year:2000").hits} == everything


def test_touching_hits_are_separate():
    from search.highlight import hit_spans
    assert hit_spans("金额为*****元", ["**"]) == [(3, 5), (5, 7)]  # as str.count counts them
    assert hit_spans("党建工作", ["党建", "建工"]) == [(0, 3)]         # overlapping ones merge


def test_phrase_pages_of_copied_reports_do_not_promise_empty_pages(tmp_path):
    from search.indexer import index_corpus
    from search.searcher import Library
    corpus = tmp_path / "c"
    corpus.mkdir()
    body = "\n".join(f"第{i}条，要压实第{i}项责任。" for i in range(60))
    for n in range(30):  # 30 copies: 1800 occurrences in 60 distinct sentences
        (corpus / f"r{n:02d}.txt").write_text(f"2023年第{n}份材料\n{body}\n", "utf-8")
    index_corpus(corpus, tmp_path / "ix", jobs=1)
    library = Library(tmp_path / "ix")
    first = lookup(library, "压实", per_page=50)
    assert first.total_occurrences == 1800 and len(first.lines) == 50
    assert all(line.count == 30 for line in first.lines)
    assert first.pages == 2
    second = lookup(library, "压实", per_page=50, page=2)
    assert len(second.lines) == 10 and second.pages == 2 and second.total_lines == 60


def test_sorting_a_very_common_string_orders_its_first_occurrences(library, monkeypatch):
    """Sorting every line of 的 took seconds; a sort by context orders the
    first SORT_AT_MOST occurrences in rank order, and says so."""
    from search import phrase as phrase_module
    monkeypatch.setattr(phrase_module, "SORT_AT_MOST", 60)
    common = lookup(library, "的", sort="left", per_page=1000)
    assert common.total_occurrences > 60 and common.lines_from == 60
    assert sum(line.count for line in common.lines) == 60
    keys = [fold(line.left)[::-1] for line in common.lines]
    assert keys == sorted(keys)
    assert lookup(library, "的").lines_from == common.total_occurrences   # rank order: all, lazily
    rare = lookup(library, "压紧压实", sort="right")
    assert rare.lines_from == rare.total_occurrences


def test_a_sentence_repeated_in_a_report_is_one_snippet():
    text = ("标题\n一是压实责任，推动基层党建提质增效。二是强化保障。"
            "一是压实责任，推动基层党建提质增效。三是基层党建示范点建设。")
    folded = fold(text)
    shown = ["".join(seg.text for seg in snip) for snip in snippets(text, folded, hit_spans(folded, ["基层党建"]))]
    assert shown == ["一是压实责任，推动基层党建提质增效。", "三是基层党建示范点建设。"]
