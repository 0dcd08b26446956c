"""Report -> metadata: year, period, document type, administrative level, outline."""
from __future__ import annotations

import bisect
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from search.clean import Report

_NUM = "一二三四五六七八九十"
# Heading forms at the start of a line, by depth.
_HEADING_FORMS = (
    (1, re.compile(rf"[{_NUM}]{{1,3}}、")),
    (2, re.compile(rf"[（(][{_NUM}]{{1,3}}[）)]")),
    (3, re.compile(r"\d{1,2}(?:[.．](?!\d)|、)")),
    (4, re.compile(r"[（(]\d{1,2}[）)]")),
)
# 一是 … 十是 at the start of a line or right after a sentence/clause boundary.
_LEAD = re.compile(rf"(?<![^。；：:！？，])[{_NUM}]{{1,2}}是")
_SENTENCE_END = re.compile(r"[。！？]")
_LEAD_END = re.compile(r"[。！？；]")
_MAX_HEADING = 60

_YEAR = re.compile(r"(?<![0-9A-Za-z])(?:19|20)\d{2}(?![0-9A-Za-z])")
_PERIODS = (  # checked in order; the first match wins
    ("前三季度", r"前三季度"),
    ("第一季度", r"第?[一1]季度"), ("第二季度", r"第?[二2]季度"),
    ("第三季度", r"第?[三3]季度"), ("第四季度", r"第?[四4]季度"),
    ("上半年", r"上半年|半年来|1[-—~至到]6月"), ("下半年", r"下半年"),
    ("月度", r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})月份?(?:工作|总结|汇报|计划)|月份|月度|月报"),
    ("全年", r"全年|年度|年终|一年来"),
)
_TYPES = (  # checked in order: 述职报告 before 报告
    ("述职报告", r"述职"), ("讲话", r"讲话|致辞|发言|讲稿"), ("总结", r"总结"),
    ("汇报", r"汇报|报告"), ("方案", r"方案"), ("计划", r"计划|规划|打算|要点"),
)
_BODY_TYPES = (("述职报告", r"述职如下"), ("总结", r"总结如下"), ("汇报", r"汇报如下|报告如下"))
_TITLE_LEVELS = (  # the earliest match in the title wins
    ("省", r"全省|省委|省政府|省级|省直"), ("市", r"全市|市委|市政府|市级|市直"),
    ("县", r"县"), ("区", r"全区|区委|区政府|区级|区直|[^社园景城辖片街]区(?=\d{4}年)"),
    ("乡镇", r"乡镇|街道|全镇|全乡|镇党委|乡党委|镇(?=\d{4}年)|乡(?=\d{4}年)"),
    ("村", r"全村|村党|村委|村“两委”"), ("机关", r"机关"),
)
_BODY_LEVELS = (
    ("省", r"我省"), ("市", r"我市"), ("县", r"我县"), ("区", r"我区"),
    ("乡镇", r"我镇|我乡|我街道|全镇|全乡|[乡镇]党委"), ("村", r"我村"),
)


@dataclass(frozen=True)
class Heading:
    depth: int  # 1 一、 2 （一） 3 1. / 1、 4 （1） 5 一是… lead sentences
    text: str  # heading text: the line, or its first sentence, at most 60 chars
    offset: int  # char offset in report.text


@dataclass(frozen=True)
class Meta:
    title: str  # the document's 标题 (the text's first line, or from the file name)
    subtitle: str  # a line such as ——在…会议上的讲话 under the title, or ""
    year: int | None
    period: str  # 全年 / 上半年 / 下半年 / 第一季度 … / 月度 / ""
    doc_type: str  # 汇报 / 总结 / 述职报告 / 讲话 / 方案 / 计划 / 其他
    level: str  # 省 / 市 / 县 / 区 / 乡镇 / 村 / 机关 / ""
    outline: tuple[Heading, ...]


def extract_meta(report: Report, filename: str = "",
                 styled_headings: tuple[tuple[int, str], ...] = ()) -> Meta:
    """`styled_headings` are (depth, text) pairs that the file's format marked as headings
    (docx heading styles, html h1-h4), in reading order; see readers.read_document."""
    opening = "\n".join(report.paragraphs[:3])
    doc_type = _first(_TYPES, report.title) or _first(_BODY_TYPES, opening) or "其他"
    lead = next((p for p in report.paragraphs if len(p) >= 20), "")  # skips a salutation like 县委：
    period = _first(_PERIODS, report.title) or _first(_PERIODS[:7], lead)  # body: half-years, quarters
    if not period and doc_type in ("总结", "汇报", "述职报告"):
        period = "全年"
    return Meta(
        title=report.title,
        subtitle="",
        year=_year(report.title, opening, filename),
        period=period,
        doc_type=doc_type,
        level=_earliest(_TITLE_LEVELS, report.title) or _earliest(_BODY_LEVELS, opening),
        outline=tuple(_with_styled(outline(report.text), report.text, styled_headings)),
    )


def _first(table: tuple[tuple[str, str], ...], text: str) -> str:
    return next((value for value, pattern in table if re.search(pattern, text)), "")


def _earliest(table: tuple[tuple[str, str], ...], text: str) -> str:
    found = [(m.start(), value) for value, pattern in table if (m := re.search(pattern, text))]
    return min(found)[1] if found else ""


def _year(title: str, opening: str, filename: str) -> int | None:
    if m := _YEAR.search(title):
        return int(m.group())
    counts = Counter(m.group() for m in _YEAR.finditer(opening))
    if counts:
        return int(counts.most_common(1)[0][0])  # ties: the first seen
    m = _YEAR.search(filename)
    return int(m.group()) if m else None


def outline(text: str) -> list[Heading]:
    """Headings of a cleaned text (its first line, the title, is skipped)."""
    headings: list[Heading] = []
    start = 0
    for i, line in enumerate(text.split("\n")):
        if i > 0:
            for depth, form in _HEADING_FORMS:
                if form.match(line):
                    headings.append(Heading(depth, _sentence(line, _SENTENCE_END), start))
                    break
            for m in _LEAD.finditer(line):
                headings.append(Heading(5, _sentence(line[m.start():], _LEAD_END), start + m.start()))
        start += len(line) + 1
    return headings


def _with_styled(headings: list[Heading], text: str,
                 styled: tuple[tuple[int, str], ...]) -> list[Heading]:
    """Add a heading for each line (after the title) whose stripped text equals a styled
    heading, unless a pattern heading already starts there. Styled headings are matched
    in order, so a body line that repeats an earlier heading's text is not taken for it."""
    if not styled:
        return headings
    positions: dict[str, list[int]] = defaultdict(list)
    for i, (_, heading_text) in enumerate(styled):
        positions[heading_text.strip()].append(i)
    taken = {h.offset for h in headings}
    added = []
    next_styled = 0
    start = 0
    for i, line in enumerate(text.split("\n")):
        stripped = line.strip()
        candidates = positions.get(stripped) if i > 0 and stripped else None
        if candidates and (k := bisect.bisect_left(candidates, next_styled)) < len(candidates):
            next_styled = candidates[k] + 1
            offset = start + line.index(stripped)
            if offset not in taken:
                added.append(Heading(min(max(styled[candidates[k]][0], 1), 4), stripped[:_MAX_HEADING], offset))
        start += len(line) + 1
    return sorted(headings + added, key=lambda h: h.offset)


def _sentence(text: str, end: re.Pattern[str]) -> str:
    """Up to and including the first sentence end, trimmed to the heading limit."""
    m = end.search(text)
    return (text[: m.end()] if m else text)[:_MAX_HEADING].strip()
