"""Report -> metadata: title, subtitle, year, period, document type, level, outline.

Each question has its own module: titles (标题 and subtitle), years, genres (文种),
levels (层级, with the gazetteer in places); the type and level lists are data
(doctypes.toml, extendable per corpus, loaded by doctypes)."""
from __future__ import annotations

import bisect
import re
from collections import defaultdict
from dataclasses import dataclass

from search import genres, levels, titles, years
from search.clean import Report
from search.doctypes import OTHER, DocLists, default_lists
from search.lines import fold, scan_window
from search.places import find_places

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

_PERIODS = (  # checked in order; the first match wins
    ("前三季度", r"前三季度"),
    ("第一季度", r"第?[一1]季度"), ("第二季度", r"第?[二2]季度"),
    ("第三季度", r"第?[三3]季度"), ("第四季度", r"第?[四4]季度"),
    ("上半年", r"上半年|半年来|1[-—~至到]6月"), ("下半年", r"下半年"),
    ("月度", r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})月份?(?:工作|总结|汇报|计划)|月份|月度|月报"),
    ("全年", r"全年|年度|年终|一年来"),
)
@dataclass(frozen=True)
class Heading:
    depth: int  # 1 一、 2 （一） 3 1. / 1、 4 （1） 5 一是… lead sentences
    text: str  # heading text: the line, or its first sentence, at most 60 chars
    offset: int  # char offset in report.text


@dataclass(frozen=True)
class Meta:
    title: str  # the document's 标题: a title line of the text, else from the file name, else built
    subtitle: str  # a line such as ——在…会议上的讲话 under the title, or ""
    year: int | None
    period: str  # 全年 / 上半年 / 下半年 / 第一季度 … / 月度 / ""
    doc_type: str  # one of the type list (doctypes.toml): 政府工作报告 … 汇报 / 报告 / 其他
    level: str  # one of the level list: 中央 / 省 / 市 / 县 / 区 / 乡镇 / 村 / 企业 / 机关 / ""
    outline: tuple[Heading, ...]


def extract_meta(report: Report, filename: str = "",
                 styled_headings: tuple[tuple[int, str], ...] = (), lists: DocLists | None = None) -> Meta:
    """`styled_headings` are (depth, text) pairs that the file's format marked as headings
    (docx heading styles, html h1-h4, Markdown #), in reading order; see readers.read_document.
    `lists` are the type and level lists in effect (doctypes.load_lists(corpus)); default built-in."""
    lists = lists or default_lists()
    text_lines = report.text.split("\n") if report.text else []

    def ends_with_type(s: str) -> bool:
        return bool(genres.title_type(s, lists))

    found = titles.from_text(text_lines, ends_with_type, styled_headings)
    folded = fold("\n".join(scan_window(text_lines))).split("\n")  # what the cues are read from
    start = found.line + found.lines_used if found.line is not None else 0
    body = folded[start:]
    title = found.title
    from_file = titles.from_filename(filename)
    if not title or (genres.is_generic(title, lists) and title in from_file and len(from_file) > len(title)):
        title = from_file or title  # 政府工作报告 in the text, 2026年广东省政府工作报告 as the file name
    opening = "\n".join(text_lines[start:start + 6])[:3000]
    named = title  # a title the text or the file gives is a cue for the type; one built from the text is not
    title = title or titles.built(opening)
    doc_type = genres.find_type(named, found.subtitle, body, lists)
    year = years.find_year(title, found.subtitle, folded, filename, doc_type, found.line)
    level = levels.find_level(named, found.subtitle, body, lists, folded[:found.line or 0])
    if not title:
        title = titles.built_from_type(doc_type, year, _issuer_name(found.subtitle, opening)) \
            or _fallback_title(doc_type, year, text_lines)
    lead = next((p for p in report.paragraphs if len(p) >= 20), "")  # skips a salutation like 县委：
    period = _first(_PERIODS, title) or _first(_PERIODS[:7], lead)  # body: half-years, quarters
    if not period and doc_type in ("总结", "汇报", "述职报告"):
        period = "全年"
    return Meta(
        title=title,
        subtitle=found.subtitle if found.line is not None or not found.title else "",
        year=year,
        period=period,
        doc_type=doc_type,
        level=level,
        outline=tuple(_with_styled(outline(report.text), report.text, styled_headings)),
    )


def _first(table: tuple[tuple[str, str], ...], text: str) -> str:
    return next((value for value, pattern in table if re.search(pattern, text)), "")


def _issuer_name(subtitle: str, opening: str) -> str:
    """国务院, or the province / city a 政府工作报告's subtitle or opening names."""
    if re.search(r"代表(?:中华人民共和国)?国务院|受国务院", opening):
        return "国务院"
    for text in (subtitle, opening):
        for _, name, _ in find_places(text):
            return name
    return ""


def _fallback_title(doc_type: str, year: int | None, text_lines: list[str]) -> str:
    """Nothing names the document: its type and year, else its first words."""
    if doc_type != OTHER:
        return f"{year}年{doc_type}" if year else doc_type
    first = text_lines[0] if text_lines else ""
    cut = re.split(r"[。！？；]", first, maxsplit=1)[0]
    return cut[:30] + ("…" if len(cut) > 30 else "")


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
