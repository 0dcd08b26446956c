"""The document's 标题 and subtitle: from the text's first lines, else from the
file name, else built from what the text says it is."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath

from . import lines as L

WINDOW = 15  # a title is among the first non-empty lines
MAX_TITLE = 100
_DATELINE = re.compile(r"^(?:新华社|中新社|人民网|央视网|本报讯?)[^，。]{0,12}?(?:\d{1,2}月\d{1,2}日)?电")
_BODY_START = re.compile(r"(?=为了?|根据|按照|近年来|当前|随着|党的|现将|各(?:省|市|县|区|单位|部门))")
_DATE_PAREN = re.compile(r"[（(]\s*(?:(?:1[89]|20)\d{2}|[〇○零一二三四五六七八九]{4})\s*年[^（）()]{0,30}[）)]")
_DOC_NUMBER_TAIL = re.compile(r"\s*[（(][^（）()]{0,10}[〔［\[]\d{4}[〕］\]]\s*\d{1,4}\s*号[）)]$")
_PAREN = re.compile(r"(?:\s*[（(][^（）()]{1,14}[）)])+")
_CONTINUATION = re.compile(r"^(?:的|地|得|和|与|及|或|等|了|着|是|并|而)(?![一二三四五六七八九十]|次)")
_SPEECH_SUBTITLE = re.compile(r"^在[^，。；]{2,80}(?:上|时|中)的(?:主旨)?(?:讲话|报告|工作报告|致辞|发言|演讲)$")
_COPY_SUFFIX = re.compile(r"(?:[\s_\-－]*(?:副本|拷贝|copy|Copy|COPY)|\s*[(（]\d{1,3}[)）]|[\s_\-－]+\d{1,2})$")
_DATE_PREFIX = re.compile(r"^(?:(?:19|20)\d{6}|(?:19|20)\d{2}[-_.](?:0?[1-9]|1[0-2])[-_.]\d{1,2})(?:[\s_\-－.]+|(?=[\u4e00-\u9fff]))")
_AUTHOR_PREFIX = re.compile(r"^[\u4e00-\u9fff]{2,4}[：:]\s*(?=\S{4})")
# 习近平在…上的讲话 as a file name: the official title is 在…上的讲话, the speaker is the author.
_SPEAKER_PREFIX = re.compile(r"^[\u4e00-\u9fff]{2,3}(?=在[^，。]{2,80}(?:上|时|中)?的(?:主旨)?(?:讲话|致辞|发言|演讲|报告)$)")
_PLACEHOLDER = re.compile(r"^(?:新建|未命名|无标题|文档|新文档|Document|document|untitled|Untitled)[\s\d_\-()（）]*")


@dataclass(frozen=True)
class TextTitle:
    title: str  # "" when the text has no title line
    subtitle: str
    line: int | None  # index of the title's (first) line, None for none or a prefix of a long line
    lines_used: int  # title lines joined into it
    styled: bool  # the file's format marked it as the title (a Markdown # or a docx Title style)


def from_text(text_lines: list[str], ends_with_type: Callable[[str], bool], styled: tuple[tuple[int, str], ...] = ()) -> TextTitle:
    """`ends_with_type(s)` tells whether s ends with a type word (讲话, 通知, 政府工作报告 …)."""
    window = [line.strip() for line in text_lines[:WINDOW]]
    subtitle = ""
    for i, line in enumerate(window):
        if len(line) > MAX_TITLE:
            prefix = _long_line_prefix(line, ends_with_type) if i == 0 else ""
            return TextTitle(prefix, subtitle, None, 0, False)
        if L.is_subtitle(line):
            subtitle = subtitle or line
            continue
        if L.is_aside(line) or L.is_date_line(line) or L.is_speaker(line):
            continue
        if not L.is_title_like(line):
            break  # a salutation, a heading, a sentence: the body starts without a title
        if any(re.match(r"[。，；、：]", nxt) for nxt in window[i + 1:i + 3]) or line.endswith(("，", ",", "、", "；")) \
                or (i + 1 < len(window) and _CONTINUATION.match(window[i + 1]) and not ends_with_type(line)
                    and not ends_with_type(line + window[i + 1])):
            break  # a sentence broken over lines (…所作的 / 政府工作报告 / 。会议…, …核心装备 / 的重要组成…)
        is_styled = bool(styled) and styled[0][1].strip() == line
        title, used = (line, 1) if is_styled else _join(window, i, ends_with_type)
        title = _DOC_NUMBER_TAIL.sub("", title)
        subtitle = subtitle or _subtitle_after(window, i + used)
        if subtitle and not is_styled and _SPEECH_SUBTITLE.match(L.DASH.sub("", subtitle)) \
                and not L.FULL_DATE.search(L.fold(subtitle)):
            # ——在…大会上的报告 is part of the full title of a speech or report
            return TextTitle(f"{title}——{L.DASH.sub('', subtitle)}", "", i, used, False)
        return TextTitle(title, subtitle, i, used, is_styled)
    return TextTitle("", subtitle, None, 0, False)


def _join(window: list[str], i: int, ends_with_type) -> tuple[str, int]:
    """A title broken over lines: 政府工作报 / 告, a trailing （征求意见稿）, or two
    title lines followed by the subtitle, date or speaker."""
    title = window[i]
    nxt = window[i + 1] if i + 1 < len(window) else ""
    if nxt and L.unbalanced(title) and len(title + nxt) <= MAX_TITLE and not L.reads_as_sentence(nxt) \
            and not L.is_salutation(nxt):
        return title + nxt, 2  # 关于印发《…管理办法 / （试行）》的通知
    if nxt and len(nxt) <= 30 and not L.reads_as_sentence(nxt) and not ends_with_type(title) \
            and ends_with_type(title + nxt) and not L.is_heading(nxt):
        return title + nxt, 2  # 政府工作报 / 告, 移动智能终端应用软件预置 / 和分发管理暂行规定
    if nxt and _PAREN.fullmatch(nxt) and not L.is_date_line(nxt):  # （征求意见稿）, not （2024年2月20日）
        return title + nxt, 2
    after = window[i + 2] if i + 2 < len(window) else ""
    if nxt and L.is_title_like(nxt) and len(nxt) <= 40 and not ends_with_type(title) \
            and nxt not in title and title not in nxt \
            and (L.is_subtitle(after) or L.is_date_line(after) or L.is_speaker(after) or L.is_salutation(after)):
        return f"{title} {nxt}", 2
    return title, 1


def _subtitle_after(window: list[str], start: int) -> str:
    for line in window[start:start + 4]:
        if L.is_subtitle(line):
            return line
        if not (L.is_aside(line) or L.is_date_line(line) or L.is_speaker(line)):
            break
    return ""


def _long_line_prefix(line: str, ends_with_type) -> str:
    """A text flattened to one line: the title is what comes before its date
    (（2020年11月20日，北京）) or before the ※ that marks the author, or a head that
    ends with a type word right before the body's first words (…指导意见为贯彻…)."""
    line = _DATELINE.sub("", line)
    cut = None
    if m := _DATE_PAREN.search(line, 0, 160):
        cut = m.start()
    elif (star := line.find("※", 0, 120)) > 0:
        cut = star
    else:
        cut = next((m.start() for m in _BODY_START.finditer(line, 4, 80) if ends_with_type(line[:m.start()])), None)
    prefix = line[:cut].strip() if cut else ""
    return prefix if 4 <= len(prefix) <= MAX_TITLE and not L.reads_as_sentence(prefix) else ""


def from_filename(filename: str) -> str:
    """The title a file name gives, or "" when it says nothing (gwr_001.txt, 新建文档)."""
    stem = PurePath(filename).name
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    stem = stem.strip()
    while (cut := _COPY_SUFFIX.sub("", stem)) != stem:
        stem = cut.strip()
    stem = _DATE_PREFIX.sub("", stem)
    stem = _AUTHOR_PREFIX.sub("", stem)
    stem = _SPEAKER_PREFIX.sub("", stem)
    if len(L.CJK.findall(stem)) < 2 or _PLACEHOLDER.fullmatch(stem):
        return ""
    return stem[:MAX_TITLE]


# 特制定《X》, …编制了《X》（以下简称…）: the text names itself.
_NAMES_ITSELF = re.compile(r"(?:制定|编制|研究制定|组织制定|形成|印发|发布)了?《([^《》]{4,80})》(?:[（(]以下简称|[，。]?(?:现|特)|$)"
                           r"|《([^《》]{4,80})》[（(]以下简称")
_REPORT_ON = re.compile(r"向[^。，]{0,30}(?:大会|会议)(?:提出|作|做)(关于[^。，；]{2,60}?的(?:报告|说明))")
_HEREBY = (  # 现就X报告如下 -> 关于X的报告
    (re.compile(r"现(?:就|将)([^。，；：]{2,40}?)(报告|汇报|总结|通知)如下"), "关于{0}的{1}"),
    (re.compile(r"(?:现|特)(?:就|对)([^。，；：]{2,40}?)提出(?:以下|如下)(?:实施|指导)?意见"), "关于{0}的意见"),
    (re.compile(r"(?:特|现)?(?:制定|编制)本([^。，；：]{2,8}?)(?:[。，；]|$)"), "{0}"),
)


def built(opening: str) -> str:
    """A title from what the opening says the text is (…向大会作关于…的报告), when
    neither the text nor the file name has one."""
    if m := _REPORT_ON.search(opening):
        return m.group(1)
    if m := _NAMES_ITSELF.search(opening[:600]):
        return m.group(1) or m.group(2)
    for pattern, form in _HEREBY:
        if m := pattern.search(opening):
            return form.format(*m.groups())
    return ""


def built_from_type(doc_type: str, year: int | None, issuer: str) -> str:
    """2019年国务院政府工作报告 for a 政府工作报告 that starts with 各位代表."""
    if doc_type == "政府工作报告":
        return f"{year}年{issuer}政府工作报告" if year else f"{issuer}政府工作报告"
    return ""
