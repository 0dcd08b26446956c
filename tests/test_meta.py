"""search.meta: values pinned for the five seeds (checked by reading them), plus unit cases."""
from __future__ import annotations

from pathlib import Path

import pytest

from search.clean import clean
from search.meta import Heading, extract_meta

CORPUS = Path(__file__).parent.parent / "corpus"


def seed(prefix: str):
    path = next(CORPUS.glob(f"{prefix}_*.txt"))
    report = clean(path.read_text(encoding="utf-8"))
    return report, extract_meta(report, path.name)


EXPECTED = {
    # prefix: (title, year, period, doc_type, level, depth-1 count, first outline entries as (depth, text))
    "000": ("关于2023年全县基层党建工作开展情况的汇报", 2023, "全年", "汇报", "县", 3, [
        (1, "一、工作开展情况"),
        (2, "（一）坚持严抓严管严促，推动基层组织全面过硬。"),
        (5, "一是理清思路定任务。"),
        (5, "二是观摩评比压责任。"),
        (5, "三是练就本领促提升。"),
        (2, "（二）突出基层基础基本，推动基层党建提质增效。"),
    ]),
    "001": ("2023年乡镇党建工作情况汇报", 2023, "全年", "汇报", "乡镇", 3, [
        (1, "一、2023年工作开展情况"),
        (2, "（一）加强党的领导，把稳政治方向不走偏。"),
        (5, "一是坚持理论中心组学习制度和第一议题制度，制定学习计划。"),
        (5, "二是坚持民主集中制，凡“三重一大”事项均提交党委会议研究审定，"
            "构建了决策科学，执行坚决、监督有力的权力运行体系。"),
    ]),
    "002": ("区委2022年基层党建工作总结", 2022, "全年", "总结", "区", 4, [
        (1, "一、聚焦主责主业，推动基层党建重点任务落地见效。"),
        (5, "一是系统化推进重点任务落实。"),
        (5, "二是突出主题主线庆祝建党系列活动。"),
        (5, "三是推动基层党支部工作更加规范。"),
        (5, "四是扎实开展农村发展党员违规违纪问题排查整顿。"),
        (1, "二、坚持统筹推进，全领域拓展基层党建组织建设工作。"),
    ]),
    "003": ("党组织书记抓基层党建工作述职报告", 2023, "全年", "述职报告", "乡镇", 3, [
        (1, "一、工作成效及特色亮点"),
        (2, "（一）强化履职担当，压实党建“主责任”"),
        (5, "一是抓实党建责任落实。"),
        (5, "二是夯实党建工作基础。"),
        (5, "三是持续传导党建责任压力。"),
        (2, "（二）加强基层党组织建设，凝聚乡村振兴合力。"),
    ]),
    "004": ("2020年上半年全县基层党建工作总结", 2020, "上半年", "总结", "县", 6, [
        (1, "一、聚焦政治和思想重点，持续强化基层组织政治功能"),
        (5, "一是开展基层党组织书记集中轮训行动。"),
        (5, "二是开展党员教育培训质量提升行动。"),
        (5, "三是推进党的组织生活规范化。"),
        (1, "二、聚焦建设过硬基层组织重点，持续提长基层组织组织力"),
    ]),
}


@pytest.mark.parametrize("prefix", sorted(EXPECTED))
def test_seed_meta(prefix: str) -> None:
    title, year, period, doc_type, level, depth1, first = EXPECTED[prefix]
    report, meta = seed(prefix)
    assert report.title == title
    assert (meta.year, meta.period, meta.doc_type, meta.level) == (year, period, doc_type, level)
    assert sum(h.depth == 1 for h in meta.outline) == depth1
    assert [(h.depth, h.text) for h in meta.outline[: len(first)]] == first
    for heading in meta.outline:
        assert report.text.startswith(heading.text, heading.offset)
        assert len(heading.text) <= 60
    offsets = [h.offset for h in meta.outline]
    assert offsets == sorted(offsets)


def test_seed_outline_details() -> None:
    _, m000 = seed("000")
    assert [h.text for h in m000.outline if h.depth == 1] == \
        ["一、工作开展情况", "二、存在的问题", "三、下一步工作计划"]
    problems = [h for h in m000.outline if h.depth == 5 and h.text.endswith("；")]
    assert [h.text[:2] for h in problems] == ["一是", "二是"]  # lead sentences end at ；
    assert problems[0].text == ("一是党建引领乡村全面振兴内生动力还没有充分激活，"
                                "农村对优秀青年的吸引还不足，抓产业促发展的能力还不够强；")
    _, m001 = seed("001")
    long_lead = next(h for h in m001.outline if h.text.startswith("一是扎实推进“红网格”建设"))
    assert len(long_lead.text) == 60 and not long_lead.text.endswith("。")  # trimmed: no 。 within 60 chars
    _, m003 = seed("003")
    assert sum(h.depth == 2 for h in m003.outline) == 6
    # 一是 after a colon inside a paragraph is a lead sentence too
    assert any(h.text == "一是主动作为意识不强，被动应付思想时常作怪。" for h in m003.outline)
    _, m004 = seed("004")
    assert len(m004.outline) == 6 + 19  # six sections, nineteen lead sentences


def meta_of(text: str, filename: str = ""):
    report = clean(text)
    return extract_meta(report, filename)


def test_heading_forms() -> None:
    text = ("标题\n一、总体情况\n（一）组织建设\n(二)队伍建设\n1.加强学习。认真学习。\n2、强化责任\n（1）细化措施\n"
            "12.5万元资金已到位。\n2023年，全县共有党员X名。\n统一是前提，落实是关键。\n十、其他")
    outline = meta_of(text).outline
    assert [(h.depth, h.text) for h in outline] == [
        (1, "一、总体情况"), (2, "（一）组织建设"), (2, "(二)队伍建设"), (3, "1.加强学习。"),
        (3, "2、强化责任"), (4, "（1）细化措施"), (1, "十、其他")]
    assert outline[0] == Heading(1, "一、总体情况", 3)


def test_lead_sentences() -> None:
    text = "标题\n工作中：一是抓学习；二是抓落实。三是抓成效，确保到位。其中唯一是关键。"
    outline = meta_of(text).outline
    assert [(h.text, h.offset) for h in outline] == [
        ("一是抓学习；", text.index("一是")), ("二是抓落实。", text.index("二是")),
        ("三是抓成效，确保到位。", text.index("三是"))]


@pytest.mark.parametrize(
    ("title", "period", "doc_type"),
    [
        ("2023年工作总结", "全年", "总结"),
        ("2023年上半年工作总结", "上半年", "总结"),
        ("2023年下半年工作计划", "下半年", "计划"),
        ("2023年第一季度工作汇报", "第一季度", "汇报"),
        ("2023年三季度工作情况报告", "第三季度", "报告"),  # 报告 is a type of its own
        ("2023年前三季度工作总结", "前三季度", "总结"),
        ("2023年5月份工作总结", "月度", "总结"),
        ("2023年度述职报告", "全年", "述职报告"),
        ("在全县基层党建工作会议上的讲话", "", "讲话"),
        ("2024年基层党建工作实施方案", "", "方案"),
        ("基层党建工作要点", "", "计划"),
        ("基层党建工作情况", "", "其他"),
    ],
)
def test_period_and_type_from_title(title: str, period: str, doc_type: str) -> None:
    meta = meta_of(f"{title}\n正文。")
    assert (meta.period, meta.doc_type) == (period, doc_type)


def test_type_and_period_from_body() -> None:
    meta = meta_of("有关情况\n今年上半年，我县扎实推进各项工作，现总结如下：\n一、工作情况")
    assert (meta.doc_type, meta.period, meta.level) == ("总结", "上半年", "县")


@pytest.mark.parametrize(
    ("title", "level"),
    [("全省基层党建工作总结", "省"), ("市委2023年工作总结", "市"), ("XX县2023年工作总结", "县"),
     ("区委2022年基层党建工作总结", "区"), ("XX区2022年工作总结", "区"), ("2023年乡镇党建工作情况汇报", "乡镇"),
     ("XX镇2023年工作总结", "乡镇"), ("XX街道党工委工作总结", "乡镇"), ("村党支部书记述职报告", "村"),
     ("机关党建工作总结", "机关"), ("城市社区党建工作总结", ""), ("乡村振兴工作总结", "")],
)
def test_level_from_title(title: str, level: str) -> None:
    assert meta_of(f"{title}\n今年以来，各项工作有序推进。").level == level


def test_level_from_body_opening() -> None:
    assert meta_of("述职报告\n今年以来，我镇严格按照要求推进工作。").level == "乡镇"
    assert meta_of("述职报告\n一年来，在县委的正确领导下，长城乡党委坚持……").level == "乡镇"
    assert meta_of("述职报告\n一年来，在县委的正确领导下，各项工作有序推进。").level == ""


def test_year_sources() -> None:
    assert meta_of("2021年工作总结\n2019年以来……").year == 2021
    assert meta_of("工作总结\n2022年以来，2023年……2023年……", "2020总结.txt").year == 2020  # the name before the body
    assert meta_of("工作总结\n2022年以来，2023年……2023年……").year == 2023  # the body: its commonest year
    assert meta_of("工作总结\n今年以来……", "2020年工作总结.docx").year == 2020
    assert meta_of("工作总结\n今年以来……", "a2019b_76dcab7e.txt").year is None
    assert meta_of("工作总结\n今年以来……").year is None
    assert meta_of("工作总结\n完成12023项任务。").year is None


def test_empty_report() -> None:
    meta = meta_of("")
    assert (meta.year, meta.period, meta.doc_type, meta.level, meta.outline) == (None, "", "其他", "", ())


def test_styled_headings_join_the_outline() -> None:
    text = ("区委工作总结\n一、主要做法\n抓好组织建设\n今年以来成效明显。\n"
            "  强化政治引领  \n（一）细化措施\n抓好组织建设")
    report = clean(text)
    styled = ((1, "区委工作总结"), (1, "一、主要做法"), (2, "抓好组织建设"), (3, "强化政治引领"), (9, "（一）细化措施"))
    outline = extract_meta(report, styled_headings=styled).outline
    body = report.text
    assert [(h.depth, h.text, h.offset) for h in outline] == [
        (1, "一、主要做法", body.index("一、")),  # the pattern heading stays, no duplicate
        (2, "抓好组织建设", body.index("抓好")),
        (3, "强化政治引领", body.index("强化")),  # offset of the text, not of the indent
        (2, "（一）细化措施", body.index("（一）")),
    ]  # the title line is skipped; the later repeat of 抓好组织建设 is body text (one styled heading, matched once)
    assert extract_meta(report).outline == tuple(h for h in outline
                                                 if h.text != "抓好组织建设" and h.text != "强化政治引领")


def test_styled_headings_from_a_docx(tmp_path) -> None:
    docx = pytest.importorskip("docx")
    from search.readers import read_document

    doc = docx.Document()
    doc.add_heading("2023年工作总结", level=0)
    doc.add_heading("主要成效", level=1)
    doc.add_paragraph("今年以来，一是抓学习；二是抓落实。")
    doc.add_heading("存在不足", level=2)
    doc.add_paragraph("主要成效")  # body text that repeats a heading, after it: not a heading
    doc.save(tmp_path / "r.docx")
    extracted = read_document(tmp_path / "r.docx")
    report = clean(extracted.text)
    meta = extract_meta(report, "r.docx", extracted.headings)
    assert [(h.depth, h.text) for h in meta.outline] == [
        (1, "主要成效"), (5, "一是抓学习；"), (5, "二是抓落实。"), (2, "存在不足")]
    offsets = [h.offset for h in meta.outline]
    assert offsets == sorted(offsets)
    assert all(report.text.startswith(h.text, h.offset) for h in meta.outline)


# ------------------------------------------------------------ real-world shapes (issue 10)

FIXTURES = Path(__file__).parent / "fixtures" / "meta"


def read_meta(path: Path, filename: str | None = None):
    from search.readers import read_document

    document = read_document(path)
    return extract_meta(clean(document.text), filename or path.name, document.headings)


def test_saved_web_page_meta() -> None:
    meta = read_meta(FIXTURES / "web_page.txt")
    assert meta.title == "2024年XX市政府工作报告"
    assert meta.subtitle == "——2024年1月20日在XX市第十七届人民代表大会第三次会议上"
    assert (meta.year, meta.doc_type, meta.level) == (2024, "政府工作报告", "市")


def test_markdown_report_meta() -> None:
    meta = read_meta(FIXTURES / "markdown_report.md")
    assert meta.title == "团结奋斗 再创佳绩"  # the # heading, without # or emphasis markers
    assert meta.subtitle == "——在全县组织工作会议上的讲话"
    assert (meta.year, meta.doc_type, meta.level) == (2023, "讲话", "县")
    assert [(h.depth, h.text) for h in meta.outline if h.depth <= 2] == [(1, "一、主要成效"), (2, "（一）存在的问题")]


@pytest.mark.parametrize(
    ("text", "filename", "title"),
    [
        ("各位代表：\n现在，我代表国务院，向大会报告政府工作，请予审议。\n一、2018年工作回顾\n过去一年……",
         "2019年国务院政府工作报告.txt", "2019年国务院政府工作报告"),  # a salutation is no title: the file name
        ("各位代表：\n现在，我代表国务院，向大会报告政府工作，请予审议。\n一、2018年工作回顾\n过去一年……",
         "gwr_012.txt", "2019年国务院政府工作报告"),  # a code name says nothing: built from the text
        ("同志们：\n今天召开全县组织工作会议。", "在全县组织工作会议上的讲话(1).txt", "在全县组织工作会议上的讲话"),
        ("同志们：\n今天召开全县组织工作会议。", "20230512_在全县组织工作会议上的讲话 - 副本.txt",
         "在全县组织工作会议上的讲话"),
        ("【法宝引证码】CLI.12.748997\n关于加强基层党建工作的通知\n各乡镇：\n现将有关事项通知如下。", "a.txt",
         "关于加强基层党建工作的通知"),  # a database header is no title
        ("——在全县组织工作会议上的讲话\n同志们：\n今天……", "b.txt", "讲话"),  # a subtitle is no title
        ("政府工作报\n告\n——2017年3月5日在第十二届全国人民代表大会第五次会议上\n各位代表：\n现在……", "c.txt",
         "政府工作报告"),  # a title broken over two lines
        ("高举旗帜\n团结奋斗\n——在中国共产党第二十次全国代表大会上的报告\n（2022年10月16日）\n同志们：", "d.txt",
         "高举旗帜 团结奋斗——在中国共产党第二十次全国代表大会上的报告"),
        ("关于印发《XX县基层党建工作\n考核办法》的通知\n各乡镇党委：\n现将考核办法印发给你们。", "e.txt",
         "关于印发《XX县基层党建工作考核办法》的通知"),
        ("国务院文件\n国发〔2023〕5号\n国务院关于加强数字政府建设的指导意见\n各省、自治区、直辖市人民政府：", "f.txt",
         "国务院关于加强数字政府建设的指导意见"),  # the red header and the 发文字号 are no title
        ("关于开展试点工作的通知（教师函〔2021〕13号）\n各省级教育行政部门：", "g.txt", "关于开展试点工作的通知"),
    ],
)
def test_titles(text: str, filename: str, title: str) -> None:
    assert meta_of(text, filename).title == title


def test_a_text_on_one_huge_line_is_no_title() -> None:
    line = "各项工作扎实推进，" * 200_000  # 1.8 M characters, no line break
    meta = meta_of(line, "x.txt")
    assert len(meta.title) <= 40
    one_line = "在全县组织工作会议上的讲话（2023年2月12日）张三同志们：" + "今天我们召开会议，" * 1000
    assert meta_of(one_line, "y.txt").title == "在全县组织工作会议上的讲话"
    assert meta_of(one_line, "y.txt").year == 2023


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("政府工作报告\n——2025年1月14日在XX省第十四届人民代表大会第三次会议上\n各位代表：\n一、2024年工作回顾", 2025),
        ("各位代表：\n现在，我代表省人民政府，向大会报告工作。\n一、2024年工作回顾\n2024年，全省……", 2025),
        ("关于加快发展的意见\n到2035年，基本建成；2030年前实现目标。\n（2024—2026年）行动安排", 2024),
        ("纪念大会上的讲话\n1921年建党以来，我们党……", None),
        ("工作方案\n到2027年，建成示范区。", None),  # a target year never counts
        ("关于开展检查的通知\n各乡镇：\n现将有关事项通知如下。\nXX县人民政府办公室\n2023年5月8日", 2023),  # 落款
        ("会议纪要\n时间：2022年3月1日 地点：县委会议室\n会议研究了……", 2022),
        ("在第十四届全国人民代表大会第三次会议上的讲话\n各位代表：", 2025),  # the session's year
        ("工作总结\n今年以来……", None),
        ("国办发〔2019〕12号\n关于做好某项工作的通知\n各地区、各部门：\n2018年以来……", 2019),  # its 发文字号
    ],
)
def test_years(text: str, year: int | None) -> None:
    assert meta_of(text).year == year


@pytest.mark.parametrize(
    ("text", "doc_type"),
    [
        ("2026年北京市政府工作报告\n各位代表：", "政府工作报告"),
        ("各位代表：\n现在，我代表国务院，向大会报告政府工作，请予审议。", "政府工作报告"),
        ("关于1980年国民经济计划的报告\n各位代表：\n我受国务院的委托，现在向大会提出关于1980年国民经济计划的报告。",
         "政府工作报告"),  # 报告 in the title, the opening says which: the narrower type
        ("同志们：\n现在，我代表第十九届中央委员会向大会作报告。", "党代会报告"),
        ("励精图治，再创辉煌\n——在财经系统干部大会上的讲话\n希望你们……", "讲话"),  # the undated subtitle says it
        ("2025年XX省政府工作报告\n——2025年1月14日在XX省人民代表大会上的讲话\n各位代表：", "政府工作报告"),
        ("回信XX学校的同学们：\n来信收悉。", "书信"),
        ("与XX代表处座谈纪要\n2014年4月9日", "纪要"),
        ("关于加强数字政府建设的指导意见\n各省、自治区、直辖市人民政府：", "意见"),
        ("XX市人工智能产业发展若干政策\n第一条 为……", "意见"),
        ("关于印发《XX管理办法》的通知\n各单位：", "通知"),
        ("各相关单位：\n现将《XX管理办法》印发给你们，请认真贯彻执行。", "通知"),
        ("第十四届全国人民代表大会第三次会议关于政府工作报告的决议", "决议"),
        ("XX管理暂行办法\n第一章 总则", "办法"),
        ("智能网联汽车道路测试管理规范（试行）\n第一条", "办法"),
        ("XX数据安全技术要求\n本文件规定了数据安全的技术要求。", "办法"),
        ("2018年XX工作要点\n一、总体要求", "计划"),
        ("数字山东2019行动方案", "方案"),
        ("山东省“十四五”科技创新规划", "规划"),
        ("XX行动计划（2024—2026年）", "计划"),
        ("2023年度述职报告", "述职报告"),
        ("2023年度项目申报指南", "其他"),
        ("XX政策解读", "其他"),
        ("赴美考察散记\n三年前……", "其他"),
    ],
)
def test_types(text: str, doc_type: str) -> None:
    assert meta_of(text).doc_type == doc_type


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("各位代表：\n现在，我代表国务院，向大会报告政府工作。", "中央"),
        ("政府工作报告\n——2026年1月25日在上海市第十六届人民代表大会第四次会议上\n上海市市长 张三\n各位代表：", "省"),
        ("2026年宁夏回族自治区政府工作报告\n各位代表：", "省"),
        ("政府工作报告\n自治区人民政府主席 张三\n各位代表：", "省"),
        ("2026年XX市政府工作报告\n各位代表：\n现在，我代表市人民政府，向大会报告工作。", "市"),
        ("济南市人工智能产业发展若干政策\n第一条", "市"),
        ("数字山东2019行动方案", "省"),
        ("商务部关于支持上海建设示范区的函\n上海市人民政府：", "中央"),  # the issuer, not the place mentioned
        ("关于开展试点的通知\n各省、自治区、直辖市工业和信息化主管部门：\n现将有关事项通知如下。", "中央"),  # 主送机关
        ("关于开展试点的通知\n各区、市工业和信息化主管部门：\n现将有关事项通知如下。", "市"),
        ("在深圳经济特区建立40周年庆祝大会上的讲话\n同志们：\n我国改革开放……国家……全国……", "中央"),
        ("我们需要什么样的干部\n公司业务正在进入高速发展时期，员工……客户……公司……", "企业"),
        ("工作总结\n今年以来，在上级的正确领导下，各项工作有序推进。", ""),
        ("国办发〔2019〕12号\n关于做好某项工作的通知\n各单位：\n现将有关事项通知如下。", "中央"),
    ],
)
def test_levels(text: str, level: str) -> None:
    assert meta_of(text).level == level


def test_type_and_level_lists_are_data(tmp_path) -> None:
    from search.doctypes import BUILTIN_LISTS, META_VERSION, list_files, load_lists

    assert list_files(tmp_path) == [BUILTIN_LISTS] and META_VERSION
    (tmp_path / "doctypes.toml").write_text(
        "[[type]]\nname = '调研报告'\nrefines = '报告'\ntitle = ['调研报告', '调查报告']\n"
        "[[type]]\nname = '讲话'\ntitle = ['开班动员']\n"
        "[[level]]\nname = '企业'\nissuer = ['XX银行']\n", encoding="utf-8")
    lists = load_lists(tmp_path)
    assert list_files(tmp_path) == [BUILTIN_LISTS, tmp_path / "doctypes.toml"]
    names = lists.type_names()
    assert names.index("调研报告") == len(names) - 2 and names[-1] == "其他"  # new types go before 其他
    report = clean("关于乡村振兴的调研报告\n正文。")
    assert extract_meta(report).doc_type == "报告"
    assert extract_meta(report, lists=lists).doc_type == "调研报告"
    assert extract_meta(clean("XX培训班开班动员\n同志们："), lists=lists).doc_type == "讲话"
    assert extract_meta(clean("XX银行2023年工作总结\n正文。"), lists=lists).level == "企业"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[[type]\nname = 'x'\n", r"doctypes\.toml：不是有效的 TOML（.*line 1"),
        ("[[type]]\nname = '讲话'\ntitle = ['(讲话']\n",
         r"doctypes\.toml：第 1 个 \[\[type\]\]（讲话）：title 的第 1 条 '\(讲话' 不是有效的正则表达式"),
        ("[[level]]\nname = '企业'\nissuer = ['ok', '[x']\n",
         r"第 1 个 \[\[level\]\]（企业）：issuer 的第 2 条 '\[x' 不是有效的正则表达式"),
        ("[[type]]\nname = 'x'\ntitles = ['a']\n", r"第 1 个 \[\[type\]\]（x）：不认识的键 titles"),
        ("[[type]]\ntitle = ['a']\n", r"第 1 个 \[\[type\]\]：缺少 name"),
        ("[[level]]\nname = 'x'\nmin_hits = 0\n", r"min_hits 应是正整数"),
        ("[types]\nname = 'x'\n", r"不认识的表 types"),
    ],
)
def test_a_broken_list_file_names_the_file_entry_and_fault(tmp_path, content: str, message: str) -> None:
    from search.doctypes import ListFileError, load_lists

    (tmp_path / "doctypes.toml").write_text(content, encoding="utf-8")
    with pytest.raises(ListFileError, match=message) as caught:
        load_lists(tmp_path)
    assert str(tmp_path / "doctypes.toml") in str(caught.value)
    assert isinstance(caught.value, ValueError)
