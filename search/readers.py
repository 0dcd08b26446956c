"""File -> text. Every failure becomes UnreadableFile with a short plain-English reason.

Supported: .txt / .md (encoding detected), .docx (zipfile + ElementTree),
.html / .htm (html.parser). Stdlib only. Newlines come out as "\\n".
"""
from __future__ import annotations

import codecs
import re
import xml.etree.ElementTree as ET
import zipfile
from html.parser import HTMLParser
from pathlib import Path

SUPPORTED_SUFFIXES = frozenset({".txt", ".md", ".docx", ".html", ".htm"})

UNDECODABLE = "cannot decode text (tried UTF-8, GB18030, UTF-16)"
_NEWLINES = re.compile(r"\r\n|[\r\u2028\u2029\x85]")
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


class UnreadableFile(Exception):
    """A file we cannot turn into text; `.reason` says why in plain English."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def read_text(path: Path) -> str:
    """Return the text of `path` with newlines normalized to "\\n"."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnreadableFile(f"unsupported file type {suffix or '(no extension)'}")
    try:
        if suffix == ".docx":
            text = _read_docx(path)
        else:
            text = decode_bytes(path.read_bytes())
            if suffix in (".html", ".htm"):
                text = _html_to_text(text)
    except OSError as exc:
        raise UnreadableFile(f"cannot read file: {exc.strerror or exc}") from exc
    text = _NEWLINES.sub("\n", text)
    if not text.strip():
        raise UnreadableFile("empty file")
    return text


def decode_bytes(data: bytes) -> str:
    """Decode text bytes: BOMs, BOM-less UTF-16, strict UTF-8, then strict GB18030."""
    if not data.strip(b" \t\r\n\x0b\x0c"):
        raise UnreadableFile("empty file")
    for bom, codec in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                       (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            try:
                return _check_binary(data[len(bom):].decode(codec))
            except UnicodeDecodeError:
                raise UnreadableFile(f"cannot decode text (invalid {codec.upper()} after BOM)") from None
    if b"\x00" in data:
        guessed = _guess_utf16(data)
        if guessed is None:
            raise UnreadableFile("binary file")
        return guessed
    for codec in ("utf-8", "gb18030"):
        try:
            return _check_binary(data.decode(codec))
        except UnicodeDecodeError:
            continue
    raise UnreadableFile(UNDECODABLE)


# Control characters (category Cc) other than tab, line feed, VT, FF and CR.
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def _check_binary(text: str) -> str:
    """Reject text with NULs or too many control characters."""
    bad = len(_CONTROL.findall(text))
    if "\x00" in text or bad > max(3, len(text) // 100):
        raise UnreadableFile("binary file")
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


def _read_docx(path: Path) -> str:
    """Paragraphs (w:p) become lines; w:tab -> tab, w:br / w:cr -> newline."""
    try:
        with zipfile.ZipFile(path) as zf:
            root = ET.fromstring(zf.read("word/document.xml"))
    except (zipfile.BadZipFile, KeyError, ET.ParseError, RuntimeError, ValueError, EOFError) as exc:
        raise UnreadableFile(f"corrupt .docx: {exc}") from exc
    lines = []
    for para in root.iter(f"{_W}p"):
        parts = []
        for el in para.iter():
            if el.tag == f"{_W}t":
                parts.append(el.text or "")
            elif el.tag == f"{_W}tab":
                parts.append("\t")
            elif el.tag in (f"{_W}br", f"{_W}cr"):
                parts.append("\n")
        lines.append("".join(parts))
    return "\n".join(lines)


_BLOCK_TAGS = frozenset(
    "address article aside blockquote br dd div dl dt figcaption figure footer h1 h2 h3 h4 h5 h6 "
    "header hr li main nav ol p pre section table td th tr ul".split()
)
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "head"})


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title: list[str] = []
        self._skip = 0
        self._pre = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif tag == "body":  # tolerate a missing </head>
            self._skip = 0
        elif tag == "title":
            self._in_title = True
        if tag == "pre":
            self._pre += 1
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag == "title":
            self._in_title = False
        if tag == "pre":
            self._pre = max(0, self._pre - 1)
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title.append(data)
        elif not self._skip:
            self.parts.append(data if self._pre else re.sub(r"[ \t\r\n\f]+", " ", data))


def _html_to_text(html: str) -> str:
    """Visible text of an HTML page; the <title> is prepended when the body lacks it."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    body = "".join(parser.parts)
    lines = [line.strip(" \t") for line in body.split("\n")]
    text = "\n".join(line for line in lines if line)
    title = " ".join("".join(parser.title).split())
    return f"{title}\n{text}" if title and title not in text else text
