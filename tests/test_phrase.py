"""Phrase lookup (search.phrase) on the seed index: exact counts, KWIC lines,
sorts and pages, grouping of duplicate lines, and the concordance order
(sort keys in pinyin, collocations, facets)."""
from __future__ import annotations

import pytest

from search.analysis import fold
from search.highlight import SENTENCE_END
from search.phrase import lookup
from search.sortkey import pinyin_key


def word_at(line, side: str) -> str:
    """A line's sort key word (its span in the left or right context)."""
    if line.key is None:
        return ""
    a, b = line.key
    return fold(line.left if side == "left" else line.right)[a:b]


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
    assert [ln.match for ln in result.lines] == ["压紧压实", "压紧压实"]
    for line in result.lines:
        text = library.report(line.id).text
        assert text[line.offset:line.offset + 4] == "压紧压实"
        assert text[line.offset - len(line.left):line.offset] == line.left
        assert "\n" not in line.left + line.right
        assert len(line.left) <= 30 and len(line.right) <= 30
        assert line.match in line.sentence and line.sentence[-1] in SENTENCE_END
    assert {c.word: c.count for c in result.before} == {"责任": 1}
    assert {c.word: c.count for c in result.after} == {"村级": 1}


def test_phrase_sorts_and_pages(library):
    by_rank = lookup(library, "第一书记", per_page=100)
    by_left = lookup(library, "第一书记", sort="left", per_page=100)
    by_right = lookup(library, "第一书记", sort="right", per_page=100)
    # Sorted by the first word left / right of the phrase, in pinyin order.
    lefts = [pinyin_key(word_at(ln, "left")) for ln in by_left.lines]
    rights = [pinyin_key(word_at(ln, "right")) for ln in by_right.lines]
    assert lefts == sorted(lefts) and rights == sorted(rights)
    assert len(set(lefts)) > 1 and len(set(rights)) > 1
    assert sorted(ln.offset for ln in by_rank.lines) == sorted(ln.offset for ln in by_left.lines)
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
    assert sorted(ln.count for ln in result.lines) == [1, 2]
    grouped = next(ln for ln in result.lines if ln.count == 2)
    assert {grouped.id, *(o["id"] for o in grouped.also_in)} == {"a.txt", "b.txt"}
    assert {o["title"] for o in grouped.also_in} <= {"2021年甲县工作总结", "2022年乙县工作总结"}



def test_sorting_a_very_common_string_orders_its_first_occurrences(library, monkeypatch):
    """Sorting every line of 的 took seconds; a sort by context orders the
    first SORT_AT_MOST occurrences in rank order, and says so."""
    from search import phrase as phrase_module
    monkeypatch.setattr(phrase_module, "SORT_AT_MOST", 60)
    common = lookup(library, "的", sort="left", per_page=1000)
    assert common.total_occurrences > 60 and common.lines_from == 60
    assert sum(line.count for line in common.lines) == 60
    keys = [pinyin_key(word_at(line, "left")) for line in common.lines]
    assert keys == sorted(keys)
    assert lookup(library, "的").lines_from == common.total_occurrences   # rank order: all, lazily
    rare = lookup(library, "压紧压实", sort="right")
    assert rare.lines_from == rare.total_occurrences


# ---------------------------------------------------------------- concordance order (issue 13)

def test_sort_keys_skip_punctuation_and_follow_pinyin():
    from search.sortkey import sort_keys
    contexts = [("我们要全面", "责任"), ("坚持把", "，工作"), ("。", ""), ("各地层层", "。主体责任"),
                ("党委2023年", "党建")]
    lefts = sort_keys(contexts, "left")
    words = [contexts[i][0][slice(*lefts[i][1])] for i in range(len(contexts))]
    assert words == ["全面", "把", "", "层层", "年"]
    order = sorted(range(len(contexts)), key=lambda i: lefts[i][0])
    assert [words[i] for i in order] == ["", "把", "层层", "年", "全面"]   # ba < ceng < nian < quan
    rights = sort_keys(contexts, "right")
    assert [contexts[i][1][slice(*rights[i][1])] for i in range(len(contexts))] == \
        ["责任", "工作", "", "主体责任", "党建"]
    assert pinyin_key("阿") < pinyin_key("白") < pinyin_key("中") and pinyin_key("2") < pinyin_key("阿")


def test_lines_sorted_by_context_mark_their_key(library):
    result = lookup(library, "党建工作", sort="right", per_page=30)
    assert all(line.key for line in result.lines if fold(line.right).strip("，。、；：！？ "))
    for line in result.lines:
        if line.key:
            a, b = line.key
            assert 0 <= a < b <= len(line.right)
    assert lookup(library, "党建工作", sort="rank").lines[0].key is None


def test_collocations_are_ranked_by_strength_without_function_words(library):
    from search.colloc import FUNCTION_WORDS, log_likelihood
    result = lookup(library, "党建工作")
    assert result.before and result.after
    for side in (result.before, result.after):
        assert not {c.word for c in side} & FUNCTION_WORDS
        assert [c.score for c in side] == sorted((c.score for c in side), reverse=True)
        assert all(c.score > 0 and c.count >= 2 for c in side)
    assert result.before[0].word == "基层"
    # more often together than chance: positive; less: negative
    assert log_likelihood(20, 50, 100, 10_000) > 0 > log_likelihood(1, 50, 1000, 10_000)


def test_phrase_facets_keep_the_other_values_of_a_chosen_group(library):
    from search.query import Filters
    chosen = lookup(library, "党建工作", filters=Filters(types={"述职报告"}))
    everything = lookup(library, "党建工作")
    assert chosen.facets["type"] == everything.facets["type"]          # its own selection left out
    assert set(chosen.facets["year"]) == {"2023"}                       # the others' applied
    assert chosen.total_occurrences == everything.facets["type"]["述职报告"]


def test_the_context_of_every_occurrence_is_its_paragraph_within_thirty_characters(library):
    """kwic.contexts against its definition, read from each report's own folded
    text: every occurrence of strings found at paragraph starts and ends, and
    the first and last character of every report."""
    import numpy as np

    from search import kwic
    from search.highlight import find_all

    gen = library.snapshot()
    docs, offsets, widths = [], [], []
    for d in range(gen.n):
        text = gen.folded(d)
        for needle in ["一、", "。", "工作", "党建", "(一)", text[:1], text[-1:]]:
            for p in find_all(text, needle) if needle else []:
                docs.append(d), offsets.append(p), widths.append(len(needle))
    assert len(docs) > 500
    got = []
    for width in sorted(set(widths)):  # contexts() takes one width at a time
        rows = [i for i, w in enumerate(widths) if w == width]
        found = kwic.contexts(gen, np.array([docs[i] for i in rows]), np.array([offsets[i] for i in rows]), width)
        got += list(zip(rows, found, strict=True))
    for i, (left, right) in got:
        text, p, w = gen.folded(docs[i]), offsets[i], widths[i]
        assert left == text[max(0, p - kwic.CONTEXT):p].rpartition("\n")[2], (docs[i], p)
        assert right == text[p + w:p + w + kwic.CONTEXT].partition("\n")[0], (docs[i], p)
    assert any(left == "" for _, (left, _) in got) and any(right == "" for _, (_, right) in got)
