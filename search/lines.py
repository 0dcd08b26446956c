"""What a line at the top of a report is: a title candidate, a subtitle, a date
line, a speaker, a salutation, the start of the body … (shapes of Chinese
official documents and of pages saved from the web)."""
from __future__ import annotations

import re

CJK = re.compile(r"[\u3400-\u9fff]")
# ——在…上的讲话, ――2026年…, ── …, -----…, 一一 (a dash typed as 一一 is left out: it is also text)
DASH = re.compile(r"^(?:——|―{1,2}|─{1,2}|—|--+|－－+|–{2,}|~~)\s*")
_NUM = "〇○零一二三四五六七八九十"
_CN_DIGITS = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {"○": "0", "零": "0", "O": "0"}
# A full date (day included), in Arabic or Chinese numerals, spaces tolerated: 2017 年 4 月 24 日.
FULL_DATE = re.compile(
    r"((?:1[89]|20)\d{2}|[〇○零一二三四五六七八九]{4})\s*年\s*([0-9]{1,2}|[十一二三四五六七八九]{1,3})\s*月"
    r"\s*([0-9]{1,2}|[十一二三四五六七八九]{1,3})\s*日")
_ISO_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")
_HEADING = re.compile(
    rf"^(?:[{_NUM}]{{1,3}}、|[（(][{_NUM}]{{1,3}}[）)]|\d{{1,2}}[.．、](?!\d)|[（(]\d{{1,2}}[）)]"
    rf"|第[{_NUM}百]+(?:章|条|节|部分|篇|编)|第[{_NUM}]+[，、,]|[①-⑳])")
_SALUTATION = re.compile(r"^(?:各位|同志们|尊敬的|亲爱的|女士们|先生们|朋友们|大家好|老师们|同学们|全体)")
_ROLE = (r"(?:国务院)?总理|国家主席|主席|行政长官|副?省长|代省长|副?市长|代市长|副?县长|副?区长|镇长|乡长|书记|部长|主任|"
         r"厅长|局长|董事长|总裁|总经理|秘书长|委员长")
_SPEAKER = re.compile(rf"^(?!.*(?:的|讲话|报告|工作|会议|大会))(?:[^，。；：:]{{0,24}}(?:{_ROLE})(?:[\s\u3000]*[\u4e00-\u9fff]{{2,4}}|[\s\u3000]*[\u4e00-\u9fff·]{{3,12}})|[^，。；：:\s]{{0,8}}(?:{_ROLE}))$")
_SPACED_NAME = re.compile(r"^[\u4e00-\u9fff](?:[\s\u3000]+[\u4e00-\u9fff]){1,3}$")
_CAPTION = re.compile(r"(?:记者|摄影|通讯员|供图|图)[^。]{0,16}摄$|摄影[:：]")
_NOTE = re.compile(r"^【[^】]{1,10}】")  # 【导读】 【背景】 【法宝引证码】: an editor's or a database's note
# The red header of an official document: issuer names, 文件, and the 发文字号 (国发〔2023〕5号).
DOC_NUMBER = re.compile(r"([\u4e00-\u9fff]{1,10})\s*[〔［\[【(（]\s*((?:19|20)\d{2})\s*[〕］\]】)）]\s*(\d{1,4})\s*号")
_ISSUER_LINE = re.compile(r"^(?!.*(?:的|干部|全部|内部|外部|局部|总部|基层|之))[\u4e00-\u9fff（）()、\s]{0,40}"
                          r"(?:部|局|厅|委员会|人民政府|政府|国务院|办公厅|办公室|署|党委|党组)$")
_CONTINUES = ("的", "了", "和", "与", "及", "或", "并", "、", "，", ",", "《", "“", "（")


# Traditional forms of the characters our cues are written with, so a 繁体 text
# (全國人民代表大會, 報告) is read with the same patterns. Folding is for reading
# metadata only; the stored text is never changed.
_TRADITIONAL = str.maketrans(
    "國會報務屆議關於為開發區縣鄉鎮黨員這個們說書記講話總結劃計規辦條則見決紀華稱區體"
    "廳處長與選舉論聯權戰區歲來時間頁際義産產經濟濟業農術現實達導師學錄歷屆號級廣東亞",
    "国会报务届议关于为开发区县乡镇党员这个们说书记讲话总结划计规办条则见决纪华称区体"
    "厅处长与选举论联权战区岁来时间页际义产产经济济业农术现实达导师学录历届号级广东亚")


# Full-width digits and letters to ASCII (２０１９ -> 2019); CJK punctuation (，：（）) stays
# as it is, since the cue patterns are written with it.
_WIDE = {c: c - 0xFEE0 for r in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A)) for c in range(r[0], r[1] + 1)}


_FOLD = {**_WIDE, **_TRADITIONAL}
# Most text needs neither table: one regex search says so before any translate.
_FOLDED_CHARS = re.compile("[" + re.escape("".join(chr(c) for c in _FOLD)) + "]")
_DIGIT_SPACE = re.compile(r"(?<=\d)[ \u3000](?=\d|年)")


def fold(text: str) -> str:
    """Full-width digits and letters to ASCII, 繁体 cue characters to 简体, spaces
    squeezed out of digit runs (1 9 9 3 年)."""
    if _FOLDED_CHARS.search(text):
        text = text.translate(_FOLD)
    return _DIGIT_SPACE.sub("", text) if " " in text or "\u3000" in text else text


def scan_window(lines: list[str], head_chars: int = 300_000, tail_lines: int = 6,
                tail_chars: int = 2_000) -> list[str]:
    """The lines metadata is read from: all of them, or for a very long text its first
    `head_chars` characters and the ends of its last lines (the 落款 is there)."""
    out: list[str] = []
    total = 0
    for i, line in enumerate(lines):
        if total + len(line) > head_chars:
            out.append(line[: max(0, head_chars - total)])
            return out + [tail[-tail_chars:] for tail in lines[max(i + 1, len(lines) - tail_lines):]]
        out.append(line)
        total += len(line) + 1
    return out


def cn_number(text: str) -> int:
    """一九八三 -> 1983 (digit by digit), 十二 -> 12, 二十三 -> 23."""
    if all(c in _CN_DIGITS for c in text) and len(text) >= 2 and "十" not in text:
        return int("".join(_CN_DIGITS[c] for c in text))
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (int(_CN_DIGITS.get(tens, "1")) if tens else 1) * 10 + (int(_CN_DIGITS[ones]) if ones else 0)
    return int(_CN_DIGITS.get(text, "0")) if len(text) == 1 else int(text)


def date_year(text: str) -> int | None:
    """The year of the first full date in `text` (2026年1月25日, 一九九四年一月…, 2026-02-02)."""
    text = fold(text)
    m = FULL_DATE.search(text)
    if m:
        y = m.group(1)
        return int(y) if y.isdigit() else cn_number(y)
    m = _ISO_DATE.search(text)
    return int(m.group(1)) if m else None


def is_heading(line: str) -> bool:
    return bool(_HEADING.match(line))


def is_subtitle(line: str) -> bool:
    """——在…会议上的讲话, ——2026年1月25日在…, （2026年1月27日在…会议上）, 2026年2月3日在…会议上."""
    if DASH.match(line) and len(line) <= 120 and "。" not in line[:-1]:
        return True
    body = line.strip("（()）")
    return len(line) <= 90 and bool(FULL_DATE.match(fold(body))) and bool(re.search(r"在.{2,60}(?:上|时)", body))


def is_date_line(line: str) -> bool:
    """A line that is a date (and perhaps a place or 通过): 2000年7月17日, （2022年10月16日）."""
    text = fold(line).strip("（()） \u3000")
    m = FULL_DATE.match(text) or _ISO_DATE.match(text)
    return bool(m) and len(text) - m.end() <= 40 and "。" not in text


def is_speaker(line: str) -> bool:
    """国务院总理 李克强, 省长　王予波, 北京市市长 殷勇, 习　近　平."""
    return len(line) <= 30 and bool(_SPEAKER.match(line) or _SPACED_NAME.match(line))


def is_salutation(line: str) -> bool:
    """各位代表：, 同志们！, 全国人民代表大会常务委员会：: the body starts here."""
    return len(line) <= 40 and (line.endswith(("：", ":")) or bool(_SALUTATION.match(line) and line.endswith(("！", "!", "，"))))


def is_aside(line: str) -> bool:
    """Lines between a title and the body that are neither: photo captions, editors'
    notes, code lines, the red header (issuer, 文件, 发文字号)."""
    if len(line) > 200:
        return False
    return bool(_CAPTION.search(line) or _NOTE.match(line) or not CJK.search(line) or line == "文件"
                or is_doc_number(line) or is_issuer_line(line) or is_issuer_line(line.removesuffix("文件").strip()))


def is_issuer_line(line: str) -> bool:
    """济南市工业和信息化局, 国 家 能 源 局: an issuer's name on a line of its own."""
    return 2 <= len(line) <= 60 and bool(_ISSUER_LINE.match(line))


def is_doc_number(line: str) -> bool:
    """A line that is a 发文字号: 国发〔2023〕5号, （教师函〔2021〕13号）."""
    m = DOC_NUMBER.search(line)
    return bool(m) and len(line) - (m.end() - m.start()) <= 4


def unbalanced(line: str) -> bool:
    """A line that opens 《 “ （ without closing it, or stops on 的 / 和 …: it goes on in the next line."""
    return (line.count("《") > line.count("》") or line.count("“") > line.count("”")
            or line.count("（") > line.count("）") or line.endswith(_CONTINUES))


def reads_as_sentence(line: str) -> bool:
    """A body line: long, or with a sentence end before its end or at it."""
    inner = line[:-1]
    return len(line) > 100 or line.endswith(("。", "；", ";")) or "。" in inner or "；" in inner


def is_title_like(line: str) -> bool:
    return (2 <= len(line) <= 100 and not line.endswith(("：", ":")) and len(CJK.findall(line)) >= 2 and not reads_as_sentence(line)
            and not is_heading(line) and not is_salutation(line) and not is_date_line(line)
            and not is_speaker(line) and not is_aside(line) and not DASH.match(line))
