"""Search semantics on the seeds: query syntax, results, snippets (phrase
lookup: test_phrase.py)."""
from __future__ import annotations

import pytest

from search.analysis import fold
from search.highlight import hit_spans, snippets
from search.phrase import lookup
from search.query import QueryTooLong, parse, split_phrase
from search.searcher import UnknownReport

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


# A malformed query -> the literal terms it degrades to (the contract, written out, not asked of the parser).
MALFORMED = {'"压紧压实': ["压紧压实"], "OR": ["OR"], "压紧压实 OR": ["压紧压实"], "-": ["-"],
             "year:abc": ["year:abc"], "((党建": ["((党建"], "title:": ["title:"], '"" 党建': ["党建"]}


def test_malformed_queries_degrade_to_literal_terms(library, cleaned_seeds):
    folded = {name: fold(text) for name, text in cleaned_seeds.items()}
    for text, terms in MALFORMED.items():
        result = library.search(text)  # never raises
        expected = {name for name, t in folded.items() if all(fold(term) in t for term in terms)}
        assert result.total == len(expected), (text, terms)
        assert {h.id for h in result.hits} == expected, (text, terms)
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
        return {(ln.id, ln.offset): (ln.count, sorted(o["id"] for o in ln.also_in)) for ln in result.lines}
    assert groups(ranked) == groups(by_left)
    assert sum(ln.count for ln in ranked.lines) == ranked.total_occurrences
    first_page = lookup(library, phrase, per_page=7)
    second_page = lookup(library, phrase, per_page=7, page=2)
    assert [(ln.id, ln.offset) for ln in first_page.lines + second_page.lines] == \
        [(ln.id, ln.offset) for ln in ranked.lines[:14]]


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


def test_a_sentence_repeated_in_a_report_is_one_snippet():
    text = ("标题\n一是压实责任，推动基层党建提质增效。二是强化保障。"
            "一是压实责任，推动基层党建提质增效。三是基层党建示范点建设。")
    folded = fold(text)
    shown = ["".join(seg.text for seg in snip) for snip in snippets(text, folded, hit_spans(folded, ["基层党建"]))]
    assert shown == ["一是压实责任，推动基层党建提质增效。", "三是基层党建示范点建设。"]


# ---------------------------------------------------------------- typed as an IME types (issue 13)

@pytest.mark.parametrize("typed", ["“压紧压实”", "「压紧压实」", "『压紧压实』", "＂压紧压实＂", '"压紧压实"'])
def test_input_method_quotes_are_quotes(library, typed):
    assert parse(typed).required == parse("压紧压实").required
    assert library.search(typed).total == 2


def test_phrases_in_input_method_quotes_keep_their_spaces_and_fields():
    query = parse("title：“基层 党建” 「压紧压实 责任」")
    assert [(t.text, t.field) for g in query.required for t in g] == [("基层 党建", "title"),
                                                                    ("压紧压实 责任", None)]


@pytest.mark.parametrize(("typed", "same_as"), [
    ("“压紧压实", "压紧压实"),          # an opening quote never closed
    ("压紧压实”", "压紧压实"),
    ("基层”党建", "基层 党建"),         # a stray quote between two words separates them
    ("基层「党建 责任", "基层 党建 责任"),
    ("-基层”党建 压实", "压实 -基层 -党建")])
def test_a_stray_quote_separates_words_and_never_joins_them(library, typed, same_as):
    query, expected = parse(typed), parse(same_as)
    assert (query.required, query.excluded) == (expected.required, expected.excluded)
    assert ids(library.search(typed)) == ids(library.search(same_as))
    assert "基层党建" not in {t.text for g in query.required for t in g}


def test_full_width_minus_and_chinese_or(library, cleaned_seeds):
    without = ids(library.search("党建 -治党"))
    assert ids(library.search("党建 －治党")) == without and without
    either = ids(library.search("一网通建 OR 户均增收"))
    assert len(either) == 2
    for typed in ("一网通建 或 户均增收", "一网通建 or 户均增收", "一网通建 | 户均增收", "一网通建|户均增收",
                  "一网通建 ｜ 户均增收"):
        assert ids(library.search(typed)) == either, typed
    assert [len(g) for g in parse("-一网通建|户均增收").required] == []
    assert [t.text for t in parse("-一网通建|户均增收").excluded] == ["一网通建", "户均增收"]


def test_operators_with_nothing_to_join_are_dropped(library):
    assert parse("党建 OR").required == parse("党建").required
    assert parse("OR 党建").required == parse("党建").required
    assert library.search("党建 OR").total == library.search("党建").total == 5
    assert library.search("党建 或").total == 5
    # alone, an operator word is the text searched for
    assert [t.text for g in parse("OR").required for t in g] == ["OR"]
    assert [t.text for g in parse("或").required for t in g] == ["或"]


def test_a_phrase_lookup_from_a_search_box_takes_the_filters_as_filters():
    phrase, filters = split_phrase("乡村振兴 year:2023 type:汇报")
    assert phrase == "乡村振兴"
    assert (filters.years, filters.types) == ((2023, 2023), {"汇报"})
    assert split_phrase("“压紧压实” -level:村") == ("压紧压实", split_phrase("-level:村")[1])
    assert split_phrase("压紧压实 责任")[0] == "压紧压实 责任"      # spaces stay: a phrase
    assert split_phrase("year:abc")[0] == "year:abc"               # not a filter: text


# ---------------------------------------------------------------- snippets (issue 13)

LONG = ("关于加强系统观念的工作汇报\n"
        "我们坚持以习近平新时代中国特色社会主义思想为指导，全面贯彻党的二十大精神，深入学习贯彻"
        "习近平总书记关于党的建设的重要思想，完整准确全面贯彻新发展理念，牢固树立系统观念，"
        "统筹发展和安全，推动高质量发展取得新成效，各项工作稳步推进，群众满意度持续提升，"
        "为全面建设社会主义现代化国家贡献力量。\n二是强化保障。")


def shown(text: str, needles: list[str]) -> list[str]:
    folded = fold(text)
    return ["".join(s.text for s in snip) for snip in snippets(text, folded, hit_spans(folded, needles))]


def test_a_long_sentence_is_cut_at_a_clause_boundary():
    [snip] = shown(LONG, ["系统观念"])
    assert snip.startswith("…") and snip[1:3] in {"全面", "深入", "完整", "习近", "牢固"}, snip
    assert "系统观念" in snip and len(snip) <= 125
    assert not snip.startswith("…统观念")


def test_the_title_is_not_a_snippet_when_the_body_has_hits():
    text = "基层党建工作总结\n今年基层党建工作扎实推进。\n"
    assert shown(text, ["基层党建"]) == ["今年基层党建工作扎实推进。"]
    # only the title has it: the opening of the body instead
    assert shown("关于系统观念的汇报\n今年工作扎实推进。\n", ["系统观念"]) == ["今年工作扎实推进。"]


def test_an_empty_query_shows_whole_opening_sentences():
    [snip] = shown(LONG, [])
    assert snip.endswith("…") and not snip.endswith("，…")
    assert snip.startswith("我们坚持") and len(snip) <= 121
    assert shown("标题\n短的开头。第二句也短。\n", []) == ["短的开头。第二句也短。"]


def test_a_title_said_again_under_the_title_is_no_snippet():
    text = ("政府工作报告。 记者 摄\n政府工作报告\n（2026年1月27日在省第十四届人民代表大会上）\n省长 某某\n各位代表：\n"
            "现在，我代表省人民政府向大会报告工作，请予审议。\n一、回顾\n政府工作报告提出的目标全面完成。\n")
    assert shown(text, ["政府工作报告"]) == ["政府工作报告提出的目标全面完成。"]
    assert shown(text, ["某某"]) == ["现在，我代表省人民政府向大会报告工作，请予审议。"]
    assert shown(text, []) == ["现在，我代表省人民政府向大会报告工作，请予审议。"]
