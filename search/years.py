"""The year a document was issued or delivered.

In order: the date in the subtitle (——2026年2月3日在…), a date line under the
title, the 落款 (signature date at the end), a 时间： line, the title, the file
name, then what the text says: a 政府工作报告 reviewing 2024 is 2025; else the
latest year the text speaks of as now or past. Years looked forward to
(到2035年, 2030年前, the end of 2024—2026年) or quoted from history never count.
"""
from __future__ import annotations

import re
from collections import Counter

from . import lines as L

_YEAR = re.compile(r"(?<![0-9A-Za-z])((?:19|20)\d{2})(?![0-9A-Za-z])")
_YEAR_CN = re.compile(r"([〇○零一二三四五六七八九]{4})年")
_BODY_YEAR = re.compile(r"(?<![0-9A-Za-z.])((?:19|20)\d{2})\s*年(?!代)")  # 2000多万辆, 中国制造2025 are no years
# Where a year is a target or the far end of a span: 到2035年, 至2025年, 2030年前, 2025年底前, 2024—2026年.
_FORWARD_BEFORE = re.compile(r"(?:自|到|至|迄|展望|力争|预计|计划|目标|远景|面向|将在|将于|拟于|拟在|要在|规定的?|原定的?|预定的?|—|－|-|～|~|〜)\s*(?:在|于)?\s*$")
_FORWARD_AFTER = re.compile(r"^\s*年?(?:年底|年末|底|末|\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?)?"  # 于2023年1月13日前报送
                            r"(?:前|以前|之前|远景|愿景|目标|时|将|要|的目标)")
_HISTORY_AFTER = re.compile(r"^\s*年?(?:[^。，；]{0,6})?(?:建党|成立|诞生|创立|创建|解放|建国|以前|以来的|起义|革命)")
_SIGNED = re.compile(r"(?:(?:1[89]|20)\d{2}|[〇○零一二三四五六七八九]{4})\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日"
                     r"\s*(?:印发|发布|签发|通过|制定|起草)?\s*(?:\d{1,2}\s*版)?\s*[）)]?\s*$")
_EFFECTIVE = re.compile(r"自[^。]{0,20}起(?:施行|实施|执行|生效)|有效期")
_DATED_NOTE = re.compile(r"^(?:——|―{1,2}|--+|[（(])\s*(?:(?:1[89]|20)\d{2}|[〇○零一二三四五六七八九]{4})\s*年\s*\d{1,2}\s*月")  # ——1994年6月5日，…
_FIVE_YEAR_PLAN = re.compile(r"“?十([一二三四五六七八九]?)五”?[^，。]{0,30}(?:规划|纲要)")
_SPEECH_NOTE = re.compile(r"这是[^。]{0,30}?((?:19|20)\d{2})\s*年[^。]{0,60}(?:讲话|发言|致辞|演讲)")
_TIME_LINE = re.compile(r"^(?:时间|日期|发布时间|发表时间|印发时间|成文日期|发文日期)\s*[:：]")
_CURRENT = re.compile(r"今年[^\n。]{0,10}\n((?:19|20)\d{2})\s*年|(?:^|\n)(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)])?(?:关于|对)?((?:19|20)\d{2})\s*年"
                      r"(?:的)?(?:主要)?(?:工作(?:安排|任务|建议)?|任务|政府工作的建议|国民经济和社会发展|经济社会发展(?:的)?(?:总体要求|主要(?:预期)?目标|目标))(?![^\n]{0,4}回顾)")
_SPAN = re.compile(r"(?<![0-9A-Za-z])((?:19|20)\d{2})\s*[—–－\-~～至到]\s*(?:19|20)\d{2}\s*年")
# What a text cites was issued before it: a 发文字号 〔2021〕, an edition (2024版), a
# standard with its year (GB/T 43814—2024, YY/T 0287-2017).
_CITED = re.compile(r"〔((?:19|20)\d{2})〕|[(（]((?:19|20)\d{2})(?:年)?版[)）]"
                    r"|(?<![A-Za-z])[A-Z]{2,4}(?:/[TZ])?\s*\d{2,6}(?:\.\d+)?\s*[—–－-]\s*((?:19|20)\d{2})(?!\d)")
# A date it takes effect or a deadline is on or after the issue, mostly the same year.
_IN_FORCE = re.compile(r"自\s*((?:19|20)\d{2})\s*年\s*\d{1,2}\s*月[^。]{0,12}?起"
                       r"|((?:19|20)\d{2})\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?\s*(?:前|以前|之前)")
_REVIEW = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年(?:[^。，；\n]{0,10})?(?:工作|国内工作)?的?回顾|刚刚过去的((?:19|20)\d{2})\s*年")
_REVIEW_FIRST = re.compile(r"首先报告\s*((?:19|20)\d{2})\s*年")
_NOTE = re.compile(r"^【[^】]{1,10}】")
# National congresses a document reports to or was adopted at: the calendar every
# such document relies on. 中国共产党第N次全国代表大会 -> its year; 第N届全国人民代表
# 大会第K次会议 -> the year of the term's first session plus K - 1.
_CPC_CONGRESS = (1921, 1922, 1923, 1925, 1927, 1928, 1945, 1956, 1969, 1973, 1977, 1982, 1987, 1992,
                 1997, 2002, 2007, 2012, 2017, 2022)
_NPC_TERM = (1954, 1959, 1964, 1975, 1978, 1983, 1988, 1993, 1998, 2003, 2008, 2013, 2018, 2023)
_CPC = re.compile(r"(?:中国共产党|党的|向)第([一二三四五六七八九十]{1,3})次全国代表大会(?!以来|闭幕|召开以来)")
_NPC = re.compile(r"(?:(?<=向)|(?<=在)|(?=[^\n。]{0,30}会议(?:听取|审议|通过|批准)))第([一二三四五六七八九十]{1,3})届全国人民代表大会(?:第([一二三四五六七八九十]{1,2})次会议)?(?![^。，]{0,8}(?:以来|期间|常务委员会))")


def find_year(title: str, subtitle: str, folded: list[str], filename: str, doc_type: str,
              title_line: int | None) -> int | None:
    """`folded` are the text's lines (lines.scan_window), each through lines.fold."""
    if subtitle and (y := L.date_year(subtitle)):
        return y
    top = folded[: (title_line or 0) + 8]
    for line in top:
        if (L.is_date_line(line) or L.is_subtitle(line) or _DATED_NOTE.match(line)) and (y := L.date_year(line)):
            return y
    for line in top:  # its own 发文字号 (国发〔2023〕5号) in the red header or under the title
        if (m := L.DOC_NUMBER.search(line)) and (L.is_doc_number(line) or line.endswith(("号）", "号)"))):
            return int(m.group(2))
    if folded and len(folded[0]) > 100 and (y := L.date_year(folded[0][:160])):
        return y  # a text flattened to one line: the date after its title
    if (y := _signature_year(folded)) is not None:
        return y
    if m := _SPEECH_NOTE.search("\n".join(folded[-3:])[-3000:]):
        return int(m.group(1))  # 这是…2020年6月29日在…上的讲话: an editor's note on when it was delivered
    for line in folded[:20]:
        if _TIME_LINE.match(line) and (y := L.date_year(line) or _first_year(line)):
            return y
    if (y := _title_year(_arabic_years(L.fold(title)))) is not None:
        return y
    if y := _congress_year(_arabic_years(L.fold(f"{title}\n{subtitle}")), doc_type):
        return y  # 在第十四届全国人民代表大会第三次会议上的讲话
    if m := _YEAR.search(L.fold(filename)):
        return int(m.group(1))
    return _from_body(folded, doc_type)


def _signature_year(folded: list[str]) -> int | None:
    """The 落款: a date ending one of the last lines (2022年6月6日, ２０１９年５月１４日印发,
    《人民日报》（2020年09月23日 02 版）); an effective date (自…起施行) is not one."""
    for line in reversed(folded[-6:]):
        tail = line[-50:]
        if _EFFECTIVE.search(tail):
            continue
        if m := _SIGNED.search(tail):
            return L.date_year(m.group())
    return None


def _title_year(title: str) -> int | None:
    """The first year in the title; of a span (2024—2026年) its start; the first
    year of the five-year plan a “十四五”…规划 is named after."""
    for m in _YEAR.finditer(title):
        if not _forward(title, m.start(), m.end()):
            return int(m.group(1))
    if m := _FIVE_YEAR_PLAN.search(title):  # “十五” is the 10th plan, “十四五” the 14th
        n = 10 + (L.cn_number(m.group(1)) if m.group(1) else 0)
        return 1966 + 5 * (n - 3)  # the 3rd plan began in 1966, each lasts five years since
    return None


def _first_year(line: str) -> int | None:
    m = _YEAR.search(line)
    return int(m.group(1)) if m else None


def _forward(text: str, start: int, end: int) -> bool:
    before, after = text[max(0, start - 6):start], text[end:end + 8]
    return bool(_FORWARD_BEFORE.search(before) or _FORWARD_AFTER.match(after) or _HISTORY_AFTER.match(after))


def _from_body(folded: list[str], doc_type: str) -> int | None:
    # editors' notes (【导读】…) are written later: read only when the text itself names no year
    text = _arabic_years("\n".join(line for line in folded if not _NOTE.match(line)))
    return _body_year(text, doc_type) or _body_year(_arabic_years("\n".join(folded)), doc_type)


def _body_year(text: str, doc_type: str) -> int | None:
    if doc_type in ("政府工作报告", "党代会报告", "决议") and (y := _congress_year(text[:800], doc_type)):
        return y
    if doc_type == "政府工作报告":
        head = text[:30000]
        if m := _REVIEW.search(head) or _REVIEW_FIRST.search(head):
            return int(m.group(1) or m.group(2)) + 1  # the report of 2025 reviews 2024
        if m := _CURRENT.search(head):
            return int(m.group(1) or m.group(2))  # 二、2018年经济社会发展总体要求, 三、2011年的工作
    years = Counter(int(m.group(1)) for m in _BODY_YEAR.finditer(text) if not _forward(text, m.start(), m.end()))
    years.update(int(m.group(1)) for m in _SPAN.finditer(text)  # the start of 2024—2026年
                 if not _FORWARD_BEFORE.search(text[max(0, m.start() - 6):m.start()]))
    years = Counter({y: n for y, n in years.items() if 1900 <= y <= 2100})
    if years:
        top = max(years.values())
        common = max(y for y, n in years.items() if n == top)  # the commonest; of a tie, the latest
        # a work report speaks most of the year it reviews: it is delivered the year after
        return common + 1 if doc_type == "政府工作报告" else common
    cited = [int(next(g for g in m.groups() if g)) for m in _CITED.finditer(text)]
    # It cites 国发〔2021〕24号: issued that year or later; it takes effect or sets a
    # deadline in 2023: issued that year or before (and mostly in it).
    in_force = [int(m.group(1) or m.group(2)) for m in _IN_FORCE.finditer(text)]
    if in_force and (not cited or min(in_force) >= max(cited)):
        return min(in_force)
    return max(cited) if cited else None


def _congress_year(opening: str, doc_type: str) -> int | None:
    if doc_type == "党代会报告" and (m := _CPC.search(opening)) and 1 <= (n := L.cn_number(m.group(1))) <= len(_CPC_CONGRESS):
        return _CPC_CONGRESS[n - 1]
    if doc_type != "党代会报告" and (m := _NPC.search(opening)) and 1 <= (n := L.cn_number(m.group(1))) <= len(_NPC_TERM):
        return _NPC_TERM[n - 1] + (L.cn_number(m.group(2)) - 1 if m.group(2) else 0)
    return None


def _arabic_years(text: str) -> str:
    """一九八三年 -> 1983年, so one set of patterns reads both."""
    return _YEAR_CN.sub(lambda m: f"{L.cn_number(m.group(1))}年", text)
