"""search.clean on text saved from WeChat articles and web pages (noise at the
top, in the middle and at the end; lookalikes kept), and the rule engine's
while / anchor / within keys."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.cleaning import check_invariants, cleaned
from search.clean import clean, corpus_rules, load_rules

GOLDEN = Path(__file__).parent / "golden"


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
    ("disclaimer", "bottom", ("免责声明", "本公众号所发布的文章仅供学习交流，不代表本平台观点。",
                              "如涉及版权问题，请联系我们删除。")),
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
              "本作品不适用于该法，属于\n公有领域\n。\n注：中文维基文库社群认为……\n"
              "Public domain\nPublic domain\nfalse\nfalse\n")
    report = clean(body + footer)
    assert report.text + "\n" == clean(body).text + "\n"
    assert "licence-footer" in {s.rule for s in report.removed}
