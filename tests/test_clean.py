"""search.clean: golden seeds, every noise kind, user rules, and the deletion
invariant (saved WeChat and web pages, the rule engine: test_clean_pages.py)."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.cleaning import check_invariants, cleaned
from search.clean import clean, corpus_rules, load_rules

CORPUS = Path(__file__).parent.parent / "corpus"
GOLDEN = Path(__file__).parent / "golden"
SEEDS = sorted(CORPUS.glob("*.txt"))
NOISE = ("公众号", "哒哒", "素材库", "paidbegin", "paidend", "会员", "QQ群", "3484字", "3631字", "转载自",
         "仅供学习", "酷乐文行", "代笔", "，，")
MASKED = re.compile(r"(?<![A-Za-z])X+(?![A-Za-z])|\*{2,}")


def raw(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name)
def test_golden(path: Path) -> None:
    report = clean(raw(path))
    assert report.text + "\n" == (GOLDEN / path.name).read_text(encoding="utf-8")
    check_invariants(raw(path), report)


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name)
def test_seed_noise_gone_content_kept(path: Path) -> None:
    text = raw(path)
    cleaned = clean(text).text
    for noise in NOISE:
        assert noise not in cleaned
    assert "[" not in cleaned and "】]" not in cleaned and "##" not in cleaned
    assert len(MASKED.findall(cleaned)) == len(MASKED.findall(text))
    assert cleaned.count("X") == text.count("X")


def test_seed_specifics() -> None:
    texts = {p.name[:3]: clean(raw(p)) for p in SEEDS}
    assert texts["000"].title == "关于2023年全县基层党建工作开展情况的汇报"
    assert "三、下一步工作计划" in texts["000"].paragraphs
    assert texts["000"].paragraphs[-1].endswith("切实推动非公经济和社会组织党建工作提质增效。")
    assert "一网通建、一网统管" in texts["001"].text
    assert texts["001"].title == "2023年乡镇党建工作情况汇报"
    assert texts["002"].text.count("*") == raw(SEEDS[2]).count("*")
    t3 = texts["003"].text
    assert "开展联系指导4次，助推基层党建工作任务落实到位" in t3
    assert "户均增收XX元" in t3 and "社会公众安全感" in t3 and "联系点制度，坚持" in t3
    assert texts["004"].title == "2020年上半年全县基层党建工作总结"
    assert texts["004"].paragraphs[0].startswith("今年上半年，全县各级基层党组织")


@pytest.mark.parametrize(
    "watermark",
    [
        "[最新%热点素材尽在^【#公&*众号：哒哒君】]",
        "[最~新热点素材#尽在&【公众号：%老*君】]",
        "[最新热点*素材&尽在【公众号：@长#君】%]",
        "[最$新热=点素材!尽在【公?众号：+笔_杆|子】]",  # new account name, new junk
        "[更多精品材料尽在【微信公众号：老张说公文2024】]",
        "[最新热点素材尽在【公众号：某某学习】 ]",
        "[最新热点素材尽在【公众号：】]",
    ],
)
def test_watermarks_removed(watermark: str) -> None:
    assert cleaned(f"标题\n确保责任压紧压实。{watermark}任务落实落地。") == "标题\n确保责任压紧压实。任务落实落地。"


def test_watermark_across_a_line_break_keeps_the_break() -> None:
    text = "标题\n三、下一步工作计划[最*#@新热^点素材尽在【\n公众&号：哒哒君】]\n下一步，我们将抓住主线。"
    assert cleaned(text) == "标题\n三、下一步工作计划\n下一步，我们将抓住主线。"
    glued = "标题\n三、下一步工作计划[最新热点素材尽在【\n公众号：新号君】]下一步，我们将抓住主线。"
    assert cleaned(glued) == "标题\n三、下一步工作计划\n下一步，我们将抓住主线。"


@pytest.mark.parametrize("text", ["印发《通知》[2023]5号文件。", "[注：数据截至6月底]全县共有党员X名。",
                                  "公众号[注：素材来源]", "[素材【公众号：某某君】与其他文字混在一起的很长的括号内容]"])
def test_other_brackets_kept(text: str) -> None:
    assert cleaned("标题\n" + text) == "标题\n" + text


def test_paid_markers_inside_words() -> None:
    text = ("标题\n一网通##paidbegin##建、户##paidbegin##均增收\n"
            "##paidbegin##三、下一步工作计划\n正文##PaidEnd##\n##paidend##\n")
    assert cleaned(text) == "标题\n一网通建、户均增收\n三、下一步工作计划\n正文"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("开展联系指导4次，转载自公众号：甄公子的自学笔记助推基层党建工作任务落实到位",
         "开展联系指导4次，助推基层党建工作任务落实到位"),
        ("确保落实，转载自公众号：老张写作助推工作", "确保落实，助推工作"),
        ("确保落实，转自微信公众号：小李公文写作推动发展", "确保落实，推动发展"),
        ("确保落实，转载自公众号：县委办老君笔记推动发展", "确保落实，推动发展"),
        # no known ending within reach: only the marker goes, nothing we are unsure of
        ("确保落实，转载自公众号：推动基层党建工作任务落实到位", "确保落实，推动基层党建工作任务落实到位"),
    ],
)
def test_repost_credit(text: str, expected: str) -> None:
    assert cleaned("标题\n" + text) == "标题\n" + expected


@pytest.mark.parametrize(
    "title",
    ["关于2023年全县基层党建工作开展情况的汇报（3484字）", "关于2023年全县基层党建工作开展情况的汇报(3484字)",
     "关于2023年全县基层党建工作开展情况的汇报（3484 字）", "关于2023年全县基层党建工作开展情况的汇报 3484 字",
     "  关于2023年全县基层党建工作开展情况的汇报（全文3484字） "],
)
def test_word_count_in_title(title: str) -> None:
    report = clean(f"\n\n{title}\n正文9000万字材料，（3484字）保留。")
    assert report.title == "关于2023年全县基层党建工作开展情况的汇报"
    assert report.paragraphs == ["正文9000万字材料，（3484字）保留。"]
    assert {s.rule for s in report.removed} <= {"word-count", "whitespace"}


def test_comma_runs_and_whitespace() -> None:
    text = "\ufeff\u3000\u3000标题  \r\n\r\n\n\xa0 正文，，，继续，，推进   落实\t\t到位。 \n\u3000\n  第二段\u3000\n\n"
    assert cleaned(text) == "标题\n正文，继续，推进 落实\t到位。\n第二段"


def test_ad_header_block_and_ad_lines_with_new_names() -> None:
    text = (
        "\n仅供学习，严禁外传\n笔杆文苑\n自建平台、实时分享\n\n【打击倒卖活动】\n会员群：    免费QQ群：   \n\n"
        "2024年工作总结\n正文第一段。\n"
        "【笔杆子素材库】——每天更新材料500多篇\n欢迎加入“笔杆子素材库vip会员”，海量材料！\n【笔杆子代笔】——原创高质量保障\n"
    )
    assert cleaned(text) == "2024年工作总结\n正文第一段。"


def test_ad_header_without_end_is_kept() -> None:
    text = "仅供学习 禁止外传\n2024年工作总结\n正文第一段。"
    assert cleaned(text) == text


def test_ad_header_must_be_near_the_top() -> None:
    text = "标题\n" + "段落。\n" * 20 + "仅供学习 禁止外传\n内容\n会员群：\n结尾。"
    assert "仅供学习" in cleaned(text)


def test_report_properties() -> None:
    assert clean("").text == "" and clean("").paragraphs == [] and clean(" \n ").title == ""
    only_title = clean("  标题  \n\n")
    assert (only_title.title, only_title.body, only_title.text, only_title.paragraphs) == ("标题", "", "标题", [])
    report = clean("标题\n甲\n乙")
    assert (report.body, report.text, report.paragraphs) == ("甲\n乙", "标题\n甲\n乙", ["甲", "乙"])


def test_removed_spans_name_their_rules() -> None:
    text = "标题（100字）\n甲##paidend##乙，，丙\n"
    report = clean(text)
    assert [(text[s.start : s.end], s.rule) for s in report.removed] == [
        ("（100字）", "word-count"), ("##paidend##", "paid-marker"), ("，", "comma-run"), ("\n", "whitespace")]


def test_user_rules_file(tmp_path: Path) -> None:
    text = "标题\n全面推进。本文由某某编辑部整理发布。持续用力。"
    assert corpus_rules(tmp_path) == load_rules()
    assert clean(text, corpus_rules(tmp_path)).text == text
    rules_file = tmp_path / "clean_rules.toml"
    rules_file.write_text(
        "[[rule]]\nkind = 'span'\nname = 'editor-credit'\nfind = '本文由\\w{1,12}?(?:编辑部|工作室)整理(?:发布)?。'\n",
        encoding="utf-8")
    report = clean(text, corpus_rules(tmp_path))
    assert report.text == "标题\n全面推进。持续用力。"
    assert "editor-credit" in {s.rule for s in report.removed}
    assert corpus_rules(tmp_path) is corpus_rules(tmp_path)  # cached
    rules_file.write_text("[[rule]]\nkind = 'line'\nname = 'drop-title'\nfind = '^标题$'\n", encoding="utf-8")
    os.utime(rules_file, ns=(1, 10**18))  # a new mtime even on coarse clocks
    assert clean(text, corpus_rules(tmp_path)).text == "全面推进。本文由某某编辑部整理发布。持续用力。"
    # built-in rules still apply alongside the user's
    assert clean("标题##paidend##\n正文", corpus_rules(tmp_path)).text == "正文"


@pytest.mark.parametrize(
    "toml",
    ["[[rule]]\nkind = 'span'\nname = 'x'\n", "[[rule]]\nkind = 'magic'\nname = 'x'\nfind = 'a'\n",
     "[[rule]]\nkind = 'span'\nname = 'x'\nfind = '('\n",
     "[[rule]]\nkind = 'line'\nname = 'x'\nfind = 'a'\nfnid = 'b'\n",
     "[[rule]]\nkind = 'block'\nname = 'x'\nstart = 'a'\n",
     "[[rule]]\nkind = 'span'\nname = 'x'\nfind = 'a'\nscope = 'body'\n",
     "[[rule]]\nkind = 'span'\nname = 'x'\nfind = 3\n"],
)
def test_bad_user_rules_are_reported(tmp_path: Path, toml: str) -> None:
    path = tmp_path / "clean_rules.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ValueError, match="规则「x」"):
        load_rules(path)


def test_invalid_toml_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "clean_rules.toml"
    path.write_text("[[rule]\nkind = ", encoding="utf-8")
    with pytest.raises(ValueError, match="不是有效的 TOML"):
        corpus_rules(tmp_path)


FRAGMENTS = st.sampled_from([
    "\n", " ", "  ", "\u3000", "\xa0", "\t", "\r", "\r\n", "，", "，，，", "X", "**", "公众", "社会公众安全感",
    "##paidbegin##", "##paidend##", "[", "]", "【", "】", "[最新%热点素材尽在^【#公&*众号：哒哒君】]",
    "[最新热点素材尽在【\n公众号：哒哒君】]", "转载自公众号：", "甄公子的自学笔记", "（3484字）", "3484 字",
    "仅供学习 禁止外传", "会员群：  免费QQ群：", "【哒哒素材库】", "欢迎加入“哒哒素材库svip会员”", "一是", "。",
    "\u2028", "\x85", "\x0c", "\u200b", "\ufeff",
])


@settings(max_examples=400, deadline=None)
@given(st.lists(FRAGMENTS | st.text(max_size=8), max_size=40).map("".join))
def test_deletion_invariant_on_noisy_text(text: str) -> None:
    check_invariants(text, clean(text))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_deletion_invariant_on_random_text(text: str) -> None:
    check_invariants(text, clean(text))
