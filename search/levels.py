"""The level (层级) of whoever issued or delivered a document.

Read from where a document names its issuer, in order: the title's head
(商务部关于…, 山东省“十四五”…), the meeting of the subtitle (在北京市第十六届
人民代表大会…上), a speaker line (省长 王予波), 我代表…/受…委托 in the opening,
the 落款 at the end, the 主送机关 line (各省、自治区、直辖市：… is addressed by the
centre), then how the text speaks of its own jurisdiction (我省, 全市, 公司 …).
A place merely mentioned in the body never counts.
"""
from __future__ import annotations

import re

from . import lines as L
from .doctypes import DocLists
from .places import find_places

_ISSUER_HEAD = re.compile(r"^(.{2,60}?)(?:关于|对“|对《|印发)")
# 在…上的讲话, 任正非在…座谈纪要, 与…座谈纪要, 和…交流纪要: the place named is the occasion or the party met
_SPEECH = re.compile(r"^(?:[\u4e00-\u9fff]{2,4})?在"
                     r"|^(?:[\u4e00-\u9fff]{2,4})?(?:与|和|同)[^，。]{2,40}(?:座谈|交流|会谈|对话|谈话|见面|会见)"
                     r"|^赴|——(?:[\u4e00-\u9fff]{2,4})?在")
_QUOTED = re.compile(r"“[^”]{0,30}”")  # a name or a slogan: 弘扬“上海精神”
_MEETING = re.compile(r"(?:^|在)([^在，。；]{2,30}?(?:第[^，。；]{1,8}届)?(?:人民代表大会|代表大会|党代会|人大|政协|全体会议|全会))")
_ON_BEHALF = re.compile(r"(?:我|我们)谨?代表(?!处|团|大会)([^，。；、]{2,30}?)(?:，|向|对|表示|作|致以|并)"
                        r"|受([^，。；]{2,24}?)的?委托")
_SPACES = re.compile(r"(?<=[\u4e00-\u9fff])[ \u3000]+(?=[\u4e00-\u9fff])")
_MASK = "□"


def find_level(title: str, subtitle: str, text_lines: list[str], lists: DocLists,
               before: list[str] | None = None) -> str:
    """`text_lines` are the lines after the title, `before` those above it, each
    through lines.fold."""
    for source in _issuer_names(title, subtitle, text_lines, before or []):
        if level := classify(source, lists):
            return level
    head = [line for line in text_lines[:12] if line.endswith(("：", ":")) and len(line) <= 160]
    for line in head:  # 主送机关: who a document is addressed to tells who sent it
        for level in lists.levels:
            if any(p.search(line) for p in level.below):
                return level.name
    return _self_level(text_lines, lists)


def classify(name: str, lists: DocLists) -> str:
    """The level a name of an issuer stands for: its earliest cue. Gazetteer
    places go first, so 北京市 is 省 (a 直辖市), not a 市."""
    name = _SPACES.sub("", L.fold(name))
    found: list[tuple[int, int, str]] = []
    masked = name
    for start, place, level in find_places(name):
        found.append((start, 0, level))
        masked = masked[:start] + _MASK * len(place) + masked[start + len(place):]
    for rank, level in enumerate(lists.levels, 1):
        for pattern in level.issuer + level.self_:  # 全县基层党建工作 in a title: 县
            if m := pattern.search(masked):
                found.append((m.start(), rank, level.name))
    return min(found)[2] if found else ""


def _issuer_names(title: str, subtitle: str, text_lines: list[str], before: list[str]):
    """Strings that name the issuer, most reliable first."""
    for text in (title, L.DASH.sub("", subtitle)):
        text = _QUOTED.sub("", text)
        if not text:
            continue
        if _SPEECH.search(text):
            # a speech's occasion is not its issuer, unless it is a congress: 在…人民代表大会上
            yield from (m.group(1) for m in _MEETING.finditer(text))
            continue
        if m := _ISSUER_HEAD.match(text):
            yield m.group(1)
        yield from (m.group(1) for m in _MEETING.finditer(text))
        yield text
    top = text_lines[:10]
    yield from (line for line in top if L.is_speaker(line))
    yield from (line for line in before[:8] if L.is_issuer_line(line))  # the red header above the title
    for line in before[:8] + top[:3]:  # its own 发文字号: 国发〔2023〕5号 is the State Council's
        if (m := L.DOC_NUMBER.search(line)) and L.is_doc_number(line):
            yield line[m.start():]
    opening = "\n".join(text_lines[:6])[:3000]
    for m in _ON_BEHALF.finditer(opening):
        yield m.group(1) or m.group(2)
    for line in reversed(text_lines[-6:]):  # 落款: the issuer's name above or before the date
        head = L.FULL_DATE.split(line)[0].strip()
        if L.is_issuer_line(_SPACES.sub("", head)) or (head != line.strip() and len(head) <= 40):
            yield head


def _self_level(text_lines: list[str], lists: DocLists) -> str:
    """How the text names its own jurisdiction: the level with the most
    first-person words (我省, 全市; one is enough in the opening, else two),
    else the level whose weaker words (我国, 国家; 公司, 员工) are commonest."""
    text = "\n".join(text_lines)
    opening_end = len("\n".join(text_lines[:4]))
    strong = []
    for rank, lv in enumerate(lists.levels):
        starts = [m.start() for p in lv.self_ for m in p.finditer(text)]
        if len(starts) >= 2 or (starts and min(starts) < opening_end):
            strong.append((len(starts), -min(starts), -rank, lv.name))
    if strong:
        return max(strong)[3]  # the most; of a tie, the earliest
    weak = [(sum(len(p.findall(text)) for p in lv.body), -rank, lv) for rank, lv in enumerate(lists.levels)]
    n, _, best = max(weak, key=lambda h: h[:2])
    return best.name if n >= best.min_hits else ""
