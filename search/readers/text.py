"""Plain text: BOMs, BOM-less UTF-16, strict UTF-8, then GB18030 only if it reads as Chinese."""
from __future__ import annotations

import codecs
import re

from .base import BINARY, EMPTY, UnreadableFile

UNDECODABLE = "无法解码文字（试过 UTF-8、GB18030、UTF-16）"
UNCERTAIN = "看不出文字编码（不是 UTF-8，按 GB18030 读也不像中文）"


def decode_bytes(data: bytes) -> str:
    """Decode text bytes: BOMs, BOM-less UTF-16, strict UTF-8, then GB18030 if it reads as Chinese."""
    if not data.strip(b" \t\r\n\x0b\x0c"):
        raise UnreadableFile(EMPTY)
    for bom, codec in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                       (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            try:
                return _check_binary(data[len(bom):].decode(codec))
            except UnicodeDecodeError:
                raise UnreadableFile(f"无法解码文字（BOM 之后不是有效的 {codec.upper()}）") from None
    if b"\x00" in data:
        guessed = _guess_utf16(data)
        if guessed is None:
            raise UnreadableFile(BINARY)
        return guessed
    try:
        return _check_binary(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    try:
        text = _check_binary(data.decode("gb18030"))
    except UnicodeDecodeError:
        raise UnreadableFile(UNDECODABLE) from None
    # GB18030 maps almost any byte string to characters, so Big5, Shift-JIS and
    # Latin-1 bytes "decode" too; only accept what reads as Chinese.
    if _common_chinese_share(text) < 0.6:
        raise UnreadableFile(UNCERTAIN)
    return text


def _gb2312_common() -> str:
    """GB2312 punctuation rows, full-width forms and level-1 hanzi: what real Chinese text is made of."""
    chars = []
    for lead in [0xA1, 0xA3] + list(range(0xB0, 0xD8)):
        for trail in range(0xA1, 0xFF):
            try:
                chars.append(bytes([lead, trail]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return "".join(chars)


# Non-ASCII characters outside the common set. Mojibake from Big5 (kana, Greek,
# Cyrillic, rare hanzi), Shift-JIS and Latin-1 (GBK extension hanzi) is mostly these;
# a real report has a few at most (rare name characters).
_UNCOMMON = re.compile("[^\x00-\x7f" + re.escape(_gb2312_common()) + "\u2010-\u2027\u3000-\u303f\uff00-\uffef]")
_NON_ASCII = re.compile("[^\x00-\x7f]")


def _common_chinese_share(text: str, sample: int = 200_000) -> float:
    """Share of the non-ASCII characters that are common Chinese characters or punctuation."""
    head = text[:sample]
    non_ascii = len(_NON_ASCII.findall(head))
    if not non_ascii:
        return 1.0
    return 1 - len(_UNCOMMON.findall(head)) / non_ascii


# Control characters (category Cc) other than tab, line feed, VT, FF and CR.
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def _check_binary(text: str) -> str:
    """Reject text with NULs or too many control characters."""
    bad = len(_CONTROL.findall(text))
    if "\x00" in text or bad > max(3, len(text) // 100):
        raise UnreadableFile(BINARY)
    return text


def _guess_utf16(data: bytes) -> str | None:
    """BOM-less UTF-16: try the byte order whose odd/even positions hold more NULs first,
    and accept a decoding only if nearly all of it is plausible report text."""
    if len(data) % 2:
        return None
    even = data[0::2].count(0)
    odd = data[1::2].count(0)
    for codec in (("utf-16-le", "utf-16-be") if odd >= even else ("utf-16-be", "utf-16-le")):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text and _plausible(text) >= 0.95:
            return text
    return None


def _plausible(text: str) -> float:
    """Share of characters typical of Chinese reports (CJK, ASCII, CJK/full-width punctuation)."""
    good = sum(1 for ch in text if ch.isspace() or " " <= ch <= "~" or "\u4e00" <= ch <= "\u9fff"
               or "\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef" or "\u2010" <= ch <= "\u2027")
    return good / max(1, len(text))
