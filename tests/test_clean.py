"""search.clean: golden seeds, every noise kind, user rules, and the deletion invariant."""
from __future__ import annotations

import itertools
import os
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search.clean import RemovedSpan, Report, clean, corpus_rules, load_rules

CORPUS = Path(__file__).parent.parent / "corpus"
GOLDEN = Path(__file__).parent / "golden"
SEEDS = sorted(CORPUS.glob("*.txt"))
NOISE = ("公众号", "哒哒", "素材库", "paidbegin", "paidend", "会员", "QQ群", "3484字", "3631字", "转载自",
         "仅供学习", "酷乐文行", "代笔", "，，")
MASKED = re.compile(r"(?<![A-Za-z])X+(?![A-Za-z])|\*{2,}")


def raw(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def apply_deletions(text: str, removed: list[RemovedSpan]) -> str:
    out, pos = [], 0
    for span in removed:
        out.append(text[pos : span.start])
        pos = span.end
    return "".join(out) + text[pos:]


def check_invariants(text: str, report: Report) -> None:
    assert apply_deletions(text, report.removed) == report.text
    ends = [(s.start, s.end) for s in report.removed]
    assert all(s < e for s, e in ends) and all(a[1] <= b[0] for a, b in itertools.pairwise(ends))
    lines = report.text.split("\n") if report.text else []
    assert all(line and line == line.strip() for line in lines)
    assert report.text.splitlines() == lines
    assert report.paragraphs == lines[1:]
    assert report.title == (lines[0] if lines else "")
    assert "  " not in report.text


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


def cleaned(text: str) -> str:
    report = clean(text)
    check_invariants(text, report)
    return report.text


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
    text = "标题\n一网通##paidbegin##建、户##paidbegin##均增收\n##paidbegin##三、下一步工作计划\n正文##PaidEnd##\n##paidend##\n"
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
     "[[rule]]\nkind = 'span'\nname = 'x'\nfind = '('\n", "[[rule]]\nkind = 'line'\nname = 'x'\nfind = 'a'\nfnid = 'b'\n",
     "[[rule]]\nkind = 'block'\nname = 'x'\nstart = 'a'\n", "[[rule]]\nkind = 'span'\nname = 'x'\nfind = 'a'\nscope = 'body'\n",
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


# ------------------------------------------------------------ saved WeChat pages
# A report as text extracted from a saved WeChat article: noise lines go at the
# top (right under the title), in the middle or at the end. Each noise case must
# leave exactly the report; each lookalike must stay exactly where it was.

WX_TITLE = "关于2023年全县基层党建工作的汇报"
WX_HEAD = ["县委：", "现将2023年全县基层党建工作汇报如下。", "一、工作开展情况",
           "（一）坚持高位推动。县委常委会会议专题研究基层党建工作4次，压紧压实各级党组织书记抓党建责任。",
           "（二）夯实基层基础。全面推行支部标准化建设，建成党群服务中心35个。"]
WX_TAIL = ["二、存在的问题", "一是部分党组织书记抓党建意识不强。二是党员教育管理方式单一。",
           "三、下一步工作计划", "坚持问题导向，持续推动基层党建工作提质增效。"]


def wx_page(top: tuple[str, ...] = (), middle: tuple[str, ...] = (), bottom: tuple[str, ...] = ()) -> str:
    return "\n".join([WX_TITLE, *top, *WX_HEAD, *middle, *WX_TAIL, *bottom])


WX_NOISE = [
    ("wechat-follow", "top", ("点击上方蓝字关注我们",)),
    ("wechat-follow", "top", ("↑点击上方“组工在线”关注",)),
    ("wechat-follow", "top", ("点击蓝字 关注我们",)),
    ("wechat-follow", "top", ("▲点击上方蓝字关注，设为星标",)),
    ("wechat-scan", "bottom", ("长按识别二维码关注",)),
    ("wechat-scan", "bottom", ("长按二维码识别关注",)),
    ("wechat-scan", "bottom", ("微信扫一扫关注该公众号",)),
    ("wechat-scan", "middle", ("扫码关注我们",)),
    ("wechat-ui", "bottom", ("阅读原文",)),
    ("wechat-ui", "bottom", ("点击“阅读原文”了解更多",)),
    ("wechat-ui", "bottom", ("轻触阅读原文",)),
    ("wechat-ui", "bottom", ("预览时标签不可点",)),
    ("wechat-ui", "bottom", ("继续滑动看下一个",)),
    ("wechat-ui", "bottom", ("微信扫一扫", "关注该公众号")),  # the QR box: two lines in the page
    ("wechat-ui", "bottom", ("取消 允许",)),
    ("wechat-ui", "bottom", ("赞 在看 分享",)),
    ("wechat-ui", "bottom", ("分享 留言 收藏",)),
    ("wechat-ui", "bottom", ("视频 小程序 赞，轻点两下取消赞 在看，轻点两下取消在看",)),
    ("wechat-byline", "top", ("原创 张三 组工在线 2023-06-01 09:30 发表于江苏",)),
    ("wechat-byline", "top", ("组工在线 2023-06-01 09:30",)),
    ("editor-credit", "bottom", ("编辑：李四  审核：王五",)),
    ("editor-credit", "bottom", ("责任编辑｜王五",)),
    ("editor-credit", "bottom", ("文/张三 图/李四 排版/赵六",)),
    ("editor-credit", "middle", ("本期编辑：张三",)),
    ("disclaimer", "bottom", ("免责声明：本文来源于网络，版权归原作者所有，如有侵权请联系删除。",)),
    ("disclaimer", "bottom", ("免责声明", "本公众号所发布的文章仅供学习交流，不代表本平台观点。", "如涉及版权问题，请联系我们删除。")),
    ("disclaimer", "bottom", ("【版权声明】本文为原创，转载请注明出处。",)),
    ("rights-notice", "bottom", ("图片来源网络，侵删",)),
    ("rights-notice", "middle", ("部分图片来源于网络，如有侵权请联系删除",)),
    ("rights-notice", "bottom", ("文章来源于网络，版权归原作者所有",)),
    ("related-list", "bottom", ("往期推荐", "▶ 全县召开基层党建工作推进会", "▶ 以高质量党建引领乡村振兴")),
    ("related-list", "bottom", ("▼往期精选▼", "1. 如何写好述职报告？", "2. 年终总结的十个提法")),
    ("related-list", "bottom", ("推荐阅读：", "乡镇党委书记抓党建述职报告")),
    ("related-list", "bottom", ("喜欢此内容的人还喜欢", "乡村振兴的十个关键词", "组工在线")),
    ("source-credit", "top", ("来源：某某日报",)),
    ("source-credit", "top", ("来源：新华社",)),
    ("source-credit", "middle", ("来源：组工在线公众号",)),
    ("source-credit", "middle", ("来源：微信公众号“组工在线”",)),
    ("source-credit", "middle", ("本文来源：人民网",)),
    ("source-credit", "middle", ("文章来源：某某县融媒体中心",)),
    ("source-credit", "middle", ("来源丨组工在线",)),
    ("source-credit", "middle", ("本文转自人民日报",)),
    ("source-credit", "middle", ("转载自：共产党员网",)),
    ("source-credit", "bottom", ("来源：人民网",)),
    ("source-credit", "bottom", ("来源：某某日报",)),
]

WX_LOOKALIKES = [
    ("middle", "认真阅读原文件精神，逐条对照落实。"),
    ("middle", "阅读原文原著，读懂弄通悟透"),
    ("bottom", "组织党员阅读原文"),
    ("middle", "群众只要点击上方的“办事指南”栏目，即可关注办理进度。"),
    ("middle", "办事群众要点击上方“预约”按钮并关注进度，减少排队等候"),
    ("middle", "全面推广“码上办”二维码服务，群众扫码即可办理。"),
    ("bottom", "扫码关注“清廉某某”平台的群众达1.2万人。"),
    ("bottom", "分享、收藏、转发量达到1.5万次。"),
    ("top", "2023年12月1日"),
    ("top", "（2023年12月1日在全县组织工作会议上的讲话）"),
    ("middle", "2023-06-01 09:30，县委召开常委会会议。"),
    ("bottom", "填报人：张三 审核：李四"),
    ("bottom", "审核：县纪委监委"),
    ("bottom", "编辑：负责稿件编辑。"),
    ("bottom", "建立容错纠错免责机制，激励干部担当作为。"),
    ("bottom", "免责事项清单"),
    ("middle", "严厉打击侵权盗版行为，及时删除违法有害信息。"),
    ("middle", "图片来源于基层一线，真实反映群众生活。"),
    ("bottom", "如有侵权行为，依法严肃处理。"),
    ("bottom", "往期推荐的经验做法，要在全县推广。"),
    ("bottom", "推荐阅读《习近平谈治国理政》等书目"),
    ("top", "来源：国家统计局"),
    ("middle", "来源：国家统计局"),
    ("bottom", "来源：国家统计局"),
    ("bottom", "数据来源：国家统计局"),
    ("bottom", "资料来源：县统计年鉴"),
    ("bottom", "来源：国家统计局网站"),
    ("bottom", "来源：县财政局"),
    ("middle", "内容来源广泛，形式丰富多样。"),
    ("middle", "来源：新华社"),  # a bare source in the body is not a credit line
    ("middle", "来源：微信、微博等网络平台"),
    ("bottom", "信息来源：微信、微博、抖音等平台"),
    ("bottom", "| 来源 | 数量 |"),  # Markdown table rows
    ("bottom", "| 编辑 | 审核 |"),
]


@pytest.mark.parametrize(("rule", "where", "noise"), WX_NOISE, ids=lambda v: v if isinstance(v, str) else v[0])
def test_wechat_noise_removed(rule: str, where: str, noise: tuple[str, ...]) -> None:
    text = wx_page(**{where: noise})
    report = clean(text)
    check_invariants(text, report)
    assert report.text == wx_page()
    assert {s.rule for s in report.removed} - {"whitespace"} == {rule}


@pytest.mark.parametrize(("where", "line"), WX_LOOKALIKES, ids=lambda v: v)
def test_wechat_lookalikes_kept(where: str, line: str) -> None:
    text = wx_page(**{where: (line,)})
    assert cleaned(text) == text


@pytest.mark.parametrize(
    ("noise", "kept"),
    [
        # a list of titles, then the report goes on: the block stops before it
        (("往期推荐", "全县召开基层党建工作推进会"), ("以上汇报，请审议。",)),
        (("推荐阅读", "如何写好述职报告"), ("四、工作建议", "建议加大投入")),
        (("往期精选", "以高质量党建引领乡村振兴"), ("（一）加强组织领导",)),
        (("往期回顾", "以高质量党建引领乡村振兴"), ("县委组织部：",)),
        # a notice, then lines that no longer speak of rights
        (("免责声明：本文来源于网络，版权归原作者所有。",), ("中共某某县委组织部", "2023年12月1日")),
        (("版权声明", "转载请注明出处。"), ("以上汇报，请审议。",)),
    ],
)
def test_wechat_blocks_stop_where_the_noise_stops(noise: tuple[str, ...], kept: tuple[str, ...]) -> None:
    assert cleaned(wx_page(bottom=noise + kept)) == wx_page(bottom=kept)


def test_wechat_blocks_only_near_the_end() -> None:
    far = tuple(f"第{i}段正文内容。" for i in range(40))
    for heading in ("往期推荐", "免责声明："):
        text = wx_page(middle=(heading, "全县召开基层党建工作推进会") + far)
        assert cleaned(text) == text
    # far from the end the label alone goes; the titles after it cannot be told from the report
    report = clean(wx_page(middle=("喜欢此内容的人还喜欢", "乡村振兴的十个关键词") + far))
    assert report.text == wx_page(middle=("乡村振兴的十个关键词",) + far)
    assert {s.rule for s in report.removed} == {"wechat-ui", "whitespace"}


def test_bare_source_credit_only_near_top_or_end() -> None:
    body = tuple(f"第{i}段正文内容。" for i in range(10))
    assert cleaned(wx_page(top=("来源：新华社",), middle=body)) == wx_page(middle=body)
    assert cleaned(wx_page(bottom=("来源：新华社",), middle=body)) == wx_page(middle=body)
    kept = wx_page(middle=("来源：新华社",) + body)
    assert cleaned(kept) == kept


WX_HTML = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>关于2023年全县基层党建工作的汇报</title>
<script>var biz = "MzA5";</script></head><body><div id="img-content">
<h1 class="rich_media_title">关于2023年全县基层党建工作的汇报</h1>
<div id="meta_content"><span>原创</span> <span>张三</span> <a id="js_name">组工在线</a>
<em id="publish_time">2023-06-01 09:30</em> <em>发表于江苏</em></div>
<div id="js_content">
<section><p><span>↑点击上方“组工在线”关注</span></p></section>
<p>来源：某某日报</p>
<p>县委：</p>
<p>现将2023年全县基层党建工作汇报如下。一是认真阅读原文件精神，逐条对照落实。</p>
<p>二是全面推广“码上办”二维码服务，往期推荐的经验做法继续深化。</p>
<p>三是建立容错纠错免责机制，激励干部担当作为。</p>
<p>表1 全县党组织数量</p>
<table><tr><td>指标</td><td>数量</td></tr><tr><td>党组织</td><td>120</td></tr></table>
<p>来源：国家统计局</p>
<p>以上汇报，请审议。</p>
<p>编辑：李四&nbsp;&nbsp;审核：王五</p>
<p><strong>往期推荐</strong></p>
<p><a href="#">全县召开基层党建工作推进会</a></p>
<p><a href="#">以高质量党建引领乡村振兴</a></p>
<p>免责声明：本文来源于网络，版权归原作者所有，如有侵权请联系删除。</p>
<p><img src="qr.png"></p><p>长按识别二维码关注</p>
</div>
<div class="rich_media_tool"><a id="js_view_source">阅读原文</a></div>
<div>预览时标签不可点</div>
<div id="js_pc_qr_code"><p>微信扫一扫<br>关注该公众号</p></div>
<div><span>视频</span> <span>小程序</span> <span>赞</span>，轻点两下取消赞 <span>在看</span>，轻点两下取消在看</div>
<div>分享 留言 收藏</div>
</div></body></html>
"""


def test_saved_wechat_html_page(tmp_path: Path) -> None:
    from search.readers import read_text

    path = tmp_path / "page.html"
    path.write_text(WX_HTML, encoding="utf-8")
    text = read_text(path)
    report = clean(text)
    check_invariants(text, report)
    assert report.text.split("\n") == [
        "关于2023年全县基层党建工作的汇报", "县委：",
        "现将2023年全县基层党建工作汇报如下。一是认真阅读原文件精神，逐条对照落实。",
        "二是全面推广“码上办”二维码服务，往期推荐的经验做法继续深化。",
        "三是建立容错纠错免责机制，激励干部担当作为。",
        "表1 全县党组织数量", "指标", "数量", "党组织", "120", "来源：国家统计局", "以上汇报，请审议。"]
    # the page around the article (byline, toolbar, QR box) may already be left out
    # by the reader; the noise inside the article is the rules' job
    assert {s.rule for s in report.removed} >= {"wechat-follow", "source-credit", "editor-credit", "related-list",
                                                 "disclaimer", "wechat-scan"}


# ------------------------------------------------- the rule engine: while, anchor, within

def test_block_while_anchored_at_the_bottom(tmp_path: Path) -> None:
    (tmp_path / "clean_rules.toml").write_text(
        "[[rule]]\nkind = 'block'\nname = 'appendix-list'\nanchor = 'bottom'\nwithin = 4\n"
        "start = '^附：$'\nwhile = '^\\d+\\. '\n", encoding="utf-8")
    rules = corpus_rules(tmp_path)
    text = "标题\n正文。\n附：\n1. 甲\n\n2. 乙\n结语。"
    report = clean(text, rules)
    assert report.text == "标题\n正文。\n结语。"
    assert [text[s.start : s.end] for s in report.removed if s.rule == "appendix-list"] == ["附：\n1. 甲\n\n2. 乙"]
    # every start line in the window opens a block
    assert clean("标题\n附：\n1. 甲\n附：\n2. 乙", rules).text == "标题"
    # a start line above the last 4 lines is left alone
    far = "标题\n附：\n1. 甲\n一。\n二。\n三。\n四。"
    assert clean(far, rules).text == far


def test_line_rule_within_top_and_bottom(tmp_path: Path) -> None:
    (tmp_path / "clean_rules.toml").write_text(
        "[[rule]]\nkind = 'line'\nname = 'top-note'\nwithin = 2\nfind = '^注$'\n"
        "[[rule]]\nkind = 'line'\nname = 'end-note'\nwithin = 1\nanchor = 'bottom'\nfind = '^完$'\n", encoding="utf-8")
    rules = corpus_rules(tmp_path)
    report = clean("标题\n\n注\n注\n完\n正文。\n完", rules)
    assert report.text == "标题\n注\n完\n正文。"
    assert {s.rule for s in report.removed} == {"top-note", "end-note", "whitespace"}


@pytest.mark.parametrize(
    "toml",
    ["[[rule]]\nkind = 'block'\nname = 'x'\nstart = 'a'\nend = 'b'\nwhile = 'c'\n",
     "[[rule]]\nkind = 'block'\nname = 'x'\nstart = 'a'\nwhile = 'c'\nanchor = 'middle'\n",
     "[[rule]]\nkind = 'line'\nname = 'x'\nfind = 'a'\nwithin = 0\n",
     "[[rule]]\nkind = 'line'\nname = 'x'\nfind = 'a'\nwithin = '3'\n",
     "[[rule]]\nkind = 'span'\nname = 'x'\nfind = 'a'\nanchor = 'bottom'\n",
     "[[rule]]\nkind = 'block'\nname = 'x'\nstart = 'a'\nwhile = '('\n"],
)
def test_bad_block_and_window_keys_are_reported(tmp_path: Path, toml: str) -> None:
    path = tmp_path / "clean_rules.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ValueError, match="规则「x」"):
        load_rules(path)


WX_FRAGMENTS = st.sampled_from(
    ["\n", " ", "\u3000", "。", "往期推荐", "免责声明：", "版权归原作者所有", "阅读原文", "点击上方蓝字关注我们",
     "长按识别二维码关注", "来源：", "国家统计局", "人民网", "公众号", "编辑：李四", " 审核：王五", "赞 在看 分享",
     "图片来源网络，侵删", "原创 ", "2023-06-01 09:30", "一、", "以上汇报，请审议。"])


@settings(max_examples=300, deadline=None)
@given(st.lists(WX_FRAGMENTS | st.text(max_size=6), max_size=40).map("".join))
def test_deletion_invariant_on_wechat_noise(text: str) -> None:
    check_invariants(text, clean(text))


# ------------------------------------------------------------ text saved from web pages
# A page flattened to text: the page's toolbars, breadcrumbs and source lines come
# one word a line around the headline, and related links follow the article. Each
# noise case must leave exactly the report; each lookalike must stay where it was.

FIXTURES = Path(__file__).parent / "fixtures" / "meta"


def test_golden_web_page() -> None:
    raw_text = (FIXTURES / "web_page.txt").read_text(encoding="utf-8")
    report = clean(raw_text)
    assert report.text + "\n" == (GOLDEN / "web_page.txt").read_text(encoding="utf-8")
    check_invariants(raw_text, report)
    assert {s.rule for s in report.removed} >= {"web-toolbar", "breadcrumb", "web-source", "related-links",
                                                "footnote-marker", "invisible"}
    assert report.title == "2024年XX市政府工作报告"
    assert "来源：国家统计局的数据显示" in report.text  # a source in a sentence stays
    assert "①" in report.text and "注：①" in report.text  # the report's own notes stay


def test_golden_markdown_report() -> None:
    from search.readers import read_document

    document = read_document(FIXTURES / "markdown_report.md")
    report = clean(document.text)
    assert report.text + "\n" == (GOLDEN / "markdown_report.txt").read_text(encoding="utf-8")
    assert document.headings == ((1, "团结奋斗 再创佳绩"), (2, "一、主要成效"), (3, "（一）存在的问题"))
    for markup in ("#", "<", ">", "](", "**", "`", "title:", "https://", "badge"):
        assert markup not in report.text, markup
    assert "详见工作台账。" in report.text and "压紧压实主体责任" in report.text  # link and tag text kept


WEB_BODY = ("各位代表：", "现在，我代表市人民政府，向大会报告工作，请予审议。", "一、2023年工作回顾",
            "过去一年，全市经济运行稳中有进，城镇新增就业3.1万人。", "二、2024年主要任务",
            "坚持稳中求进，办好十件民生实事。", "各位代表！让我们团结奋斗，再创佳绩！")
WEB_TITLE = "2024年XX市政府工作报告"


def web_page(top: tuple[str, ...] = (), under: tuple[str, ...] = (), middle: tuple[str, ...] = (),
             bottom: tuple[str, ...] = ()) -> str:
    return "\n".join([*top, WEB_TITLE, *under, *WEB_BODY[:4], *middle, *WEB_BODY[4:], *bottom])


WEB_NOISE = [
    ("web-toolbar", "top", ("下载", "打印", "全屏", "收藏")),
    ("web-toolbar", "top", ("【字号：", "加大", "还原", "减小", "】")),
    ("web-toolbar", "top", ("【字体：大 中 小】",)),
    ("web-toolbar", "under", ("【字体：", "小", "中", "大", "】", "分享：")),
    ("web-toolbar", "bottom", ("【打印本页】【关闭窗口】",)),
    ("web-toolbar", "under", ("【字体：大 中 小】【打印】【关闭】",)),
    ("web-source", "under", ("浏览次数：3581",)),
    ("web-source", "bottom", ("阅读量：",)),
    ("web-toolbar", "bottom", ("扫一扫在手机打开当前页", "【", "打印本页", "】", "分享到微信", "×")),
    ("breadcrumb", "top", ("您的位置：首页 > 政务公开 > 工作报告",)),
    ("breadcrumb", "top", ("当前位置：", "首页", ">", "政务信息", ">", "要闻")),
    ("web-source", "under", ("来源：XX日报 时间：2024-01-22 浏览次数：3581",)),
    ("web-source", "under", ("发表时间：", "2024-01-22 09:45:30", "来源：", "XX日报客户端", "阅读量：")),
    ("web-source", "under", ("2024年01月22日 07时41分",)),
    ("web-source", "bottom", ("（来源：XX日报）",)),
    ("related-links", "bottom", ("相关报道：", "XX市两会开幕", "代表热议政府工作报告")),
    ("related-links", "bottom", ("责任编辑：", "李四", "相关链接>>", "abcd39f1:", "解读政府工作报告", "关闭窗口")),
    ("related-links", "bottom", ("》》点击图片进入专题《《",)),
    ("database-header", "top", ("【法宝引证码】CLI.12.748997",)),
]


@pytest.mark.parametrize(("rule", "where", "noise"), WEB_NOISE, ids=lambda v: v if isinstance(v, str) else "")
def test_web_noise_removed(rule: str, where: str, noise: tuple[str, ...]) -> None:
    report = clean(web_page(**{where: noise}))
    assert report.text == web_page()
    assert rule in {s.rule for s in report.removed}


WEB_LOOKALIKES = [
    ("middle", "请于3日内下载、打印并收藏报名表。"),  # toolbar words in a sentence
    ("middle", "大"),  # a one-character line with no font-size switch before it
    ("top", "当前位置：我县在全市排名第三。"),  # no 首页, no separator: not a breadcrumb
    ("under", "时间：2024年1月20日 地点：市人民会堂"),  # a 纪要's header: 地点 is no page field
    ("under", "2024年1月20日"),  # a date line has no clock time
    ("middle", "来源：国家统计局的数据显示，消费稳步恢复。"),
    ("middle", "相关报道要及时准确。"),
    ("middle", "点击进入系统后，按提示操作。"),
    ("middle", "注：①民生实事清单另行印发。"),  # a report's own note
    ("middle", "［27］五个必须："),
    ("bottom", "[1] 洛阳铲，是考古钻探工具。"),  # a footnote itself (its marker starts the line)
    ("middle", "本作品获得省级奖项，版权归作者所有。"),  # not a wiki licence footer
]


@pytest.mark.parametrize(("where", "line"), WEB_LOOKALIKES)
def test_web_lookalikes_kept(where: str, line: str) -> None:
    page = web_page(**{where: (line,)})
    assert clean(page).text == page


def test_footnote_markers_and_invisible_characters() -> None:
    text = "标题\n会议由孙亚芳、徐直军[1]、郭平[12]主持\u200b，详见《决定》[3]。\n[1] 时任董事长。"
    assert clean(text).text == "标题\n会议由孙亚芳、徐直军、郭平主持，详见《决定》。\n[1] 时任董事长。"
    assert clean("标题\n[2023]年度计划\u200e，共[1]项").text == clean("标题\n[2023]年度计划，共[1]项").text
    assert "[2023]" in clean("标题\n[2023]年度计划").text  # four digits: not a footnote marker


def test_wiki_licence_footer_removed() -> None:
    body = "各位代表：\n现在，我代表国务院，向大会报告政府工作。\n" + "一、工作回顾\n过去一年，经济运行总体平稳。\n" * 3
    footer = ("本作品是中华人民共和国的\n法律\n、\n法规\n，根据《\n中华人民共和国著作权法\n》第五条第一项，"
              "本作品不适用于该法，属于\n公有领域\n。\n注：中文维基文库社群认为……\nPublic domain\nPublic domain\nfalse\nfalse\n")
    report = clean(body + footer)
    assert report.text + "\n" == clean(body).text + "\n"
    assert "licence-footer" in {s.rule for s in report.removed}
