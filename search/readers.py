"""File -> text. Every failure becomes UnreadableFile with a short plain-English reason.

Supported: .txt / .md (encoding detected), .docx (zipfile + ElementTree, styles for
headings), .html / .htm (html.parser; the article only, WeChat pages understood),
.pdf (pdfminer.six glyphs rebuilt into lines, wraps joined, running headers and page
numbers dropped), .doc / .wps (antiword or catdoc, when installed).
Newlines come out as "\\n".
"""
from __future__ import annotations

import codecs
import itertools
import re
import shutil
import subprocess
import unicodedata
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

SUPPORTED_SUFFIXES = frozenset({".txt", ".md", ".docx", ".html", ".htm", ".pdf", ".doc", ".wps"})

UNDECODABLE = "cannot decode text (tried UTF-8, GB18030, UTF-16)"
UNCERTAIN = "unknown text encoding (not UTF-8 and not plausible GB18030 Chinese)"
NO_TEXT_LAYER = "no text layer (scanned?)"
# A report is at most this much UTF-8 text; bigger files are skipped, not indexed.
MAX_TEXT_BYTES = 20 * 1024 * 1024
_TEXT_SUFFIXES = frozenset({".txt", ".md", ".html", ".htm"})
_NEWLINES = re.compile(r"\r\n|[\r\u2028\u2029\x85]")


class UnreadableFile(Exception):
    """A file we cannot turn into text; `.reason` says why in plain English."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Extracted:
    """The text of a file and the paragraphs its format marks as headings."""

    text: str  # newlines are "\n"
    headings: tuple[tuple[int, str], ...] = ()  # (depth 1-4, heading text), in reading order


def read_text(path: Path) -> str:
    """Return the text of `path` with newlines normalized to "\\n"."""
    return read_document(path).text


def read_document(path: Path, max_bytes: int = MAX_TEXT_BYTES) -> Extracted:
    """Text and styled headings of `path`; raises UnreadableFile with the reason."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnreadableFile(f"unsupported file type {suffix or '(no extension)'}")
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise IsADirectoryError(21, "Is a directory")
        # Containers (.docx, .pdf, .doc) hold images too, so they may be larger on disk.
        limit = max_bytes if suffix in _TEXT_SUFFIXES else 10 * max_bytes
        if size > limit:  # decided before reading a byte of it
            raise UnreadableFile(f"too large ({_mb(size)} on disk; limit {_mb(limit)})")
        extracted = _extract(path, suffix)
    except OSError as exc:
        raise UnreadableFile(f"cannot read file: {exc.strerror or exc}") from exc
    text = _NEWLINES.sub("\n", extracted.text)
    if not text.strip():
        raise UnreadableFile("empty file")
    if len(text) * 3 > max_bytes and len(text.encode("utf-8")) > max_bytes:
        raise UnreadableFile(f"too large ({_mb(len(text.encode('utf-8')))} of text; limit {_mb(max_bytes)})")
    return Extracted(text, extracted.headings)


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def _extract(path: Path, suffix: str) -> Extracted:
    if suffix == ".docx":
        return _read_docx(path)
    if suffix == ".pdf":
        return Extracted(_read_pdf(path))
    if suffix in (".doc", ".wps"):
        return _read_old_word(path, suffix)
    text = decode_bytes(path.read_bytes())
    if suffix in (".html", ".htm"):
        return html_to_document(text)
    return Extracted(text)


# --- plain text: encodings ---------------------------------------------------------


def decode_bytes(data: bytes) -> str:
    """Decode text bytes: BOMs, BOM-less UTF-16, strict UTF-8, then GB18030 if it reads as Chinese."""
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


# --- .docx ----------------------------------------------------------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_HEADING_STYLE = re.compile(r"(?:heading|标题)\s*([1-9])$", re.IGNORECASE)
_MAX_XML_BYTES = 8 * MAX_TEXT_BYTES  # document.xml unpacked: markup is several times the text


@dataclass(frozen=True)
class _Style:
    name: str
    based_on: str | None
    outline_level: int | None  # 0-8 from w:outlineLvl; 9 means body text


def _read_docx(path: Path) -> Extracted:
    """Body paragraphs and table cells in document order (headers and footers live in
    other parts and are left out); Heading n / Title styles and outline levels give headings."""
    try:
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo("word/document.xml")
            if info.file_size > _MAX_XML_BYTES:
                raise UnreadableFile(f"too large ({_mb(info.file_size)} of document XML)")
            root = ET.fromstring(zf.read(info))
            styles = _docx_styles(zf)
    except (zipfile.BadZipFile, KeyError, ET.ParseError, RuntimeError, ValueError, EOFError,
            NotImplementedError, zipfile.LargeZipFile) as exc:
        raise UnreadableFile(f"corrupt .docx: {exc}") from exc
    body = root.find(f"{_W}body")
    lines: list[str] = []
    headings: list[tuple[int, str]] = []
    for para in _docx_paragraphs(body if body is not None else root):
        text = _docx_paragraph_text(para)
        lines.append(text)
        depth = _docx_heading_depth(para, styles)
        if depth and text.strip():
            headings.append((depth, " ".join(text.split())))
    return Extracted("\n".join(lines), tuple(headings))


def _docx_styles(zf: zipfile.ZipFile) -> dict[str, _Style]:
    try:
        root = ET.fromstring(zf.read("word/styles.xml"))
    except KeyError:
        return {}
    styles = {}
    for style in root.iter(f"{_W}style"):
        name = style.find(f"{_W}name")
        based = style.find(f"{_W}basedOn")
        level = style.find(f"{_W}pPr/{_W}outlineLvl")
        styles[style.get(f"{_W}styleId", "")] = _Style(
            name=(name.get(f"{_W}val", "") if name is not None else ""),
            based_on=based.get(f"{_W}val") if based is not None else None,
            outline_level=_int(level.get(f"{_W}val")) if level is not None else None,
        )
    return styles


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _docx_heading_depth(para: ET.Element, styles: dict[str, _Style]) -> int:
    """1-4 for a heading paragraph, 0 for body text. The paragraph's own outline level
    wins, then its style's name (Title, heading n), then outline levels up the basedOn chain."""
    own = para.find(f"{_W}pPr/{_W}outlineLvl")
    if own is not None and (level := _int(own.get(f"{_W}val"))) is not None:
        return min(level + 1, 4) if 0 <= level < 9 else 0
    style_ref = para.find(f"{_W}pPr/{_W}pStyle")
    style_id = style_ref.get(f"{_W}val") if style_ref is not None else None
    seen: set[str] = set()
    while style_id and style_id in styles and style_id not in seen:
        seen.add(style_id)
        style = styles[style_id]
        name = style.name.strip().lower()
        if name in ("title", "标题"):
            return 1
        if m := _HEADING_STYLE.match(name):
            return min(int(m.group(1)), 4)
        if style.outline_level is not None:
            return min(style.outline_level + 1, 4) if 0 <= style.outline_level < 9 else 0
        style_id = style.based_on
    return 0


def _docx_paragraphs(element: ET.Element):
    """Paragraphs in reading order: body paragraphs, then table cells row by row; a text
    box's paragraphs follow the paragraph that anchors it. Markup-compatibility fallbacks
    (the same text box again, for old readers) are skipped."""
    for child in element:
        if child.tag == f"{_W}p":
            yield child
            for box in _docx_text_boxes(child):
                yield from _docx_paragraphs(box)
        elif child.tag != _FALLBACK:
            yield from _docx_paragraphs(child)


def _docx_text_boxes(para: ET.Element):
    for child in para:
        if child.tag == f"{_W}txbxContent":
            yield child
        elif child.tag != _FALLBACK and child.tag != f"{_W}p":
            yield from _docx_text_boxes(child)


def _docx_paragraph_text(para: ET.Element) -> str:
    """Runs of one paragraph; w:tab -> tab, w:br / w:cr -> newline; text boxes and
    deleted text (w:delText) left out."""
    parts: list[str] = []

    def walk(element: ET.Element) -> None:
        for el in element:
            if el.tag in (f"{_W}txbxContent", _FALLBACK):
                continue
            if el.tag == f"{_W}t":
                parts.append(el.text or "")
            elif el.tag == f"{_W}tab":
                parts.append("\t")
            elif el.tag in (f"{_W}br", f"{_W}cr"):
                parts.append("\n")
            else:
                walk(el)

    walk(para)
    return "".join(parts)


# --- .html / .htm -----------------------------------------------------------------------

_BLOCK_TAGS = frozenset(
    "address article aside blockquote br dd div dl dt figcaption figure footer h1 h2 h3 h4 h5 h6 "
    "header hr li main nav ol p pre section table td th tr ul".split()
)
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "head", "svg", "iframe", "object",
                        "button", "select", "textarea"})
# Page furniture around an article; left out whenever the page has a <body>.
_CHROME_TAGS = frozenset({"nav", "aside", "footer", "header", "form"})
_VOID_TAGS = frozenset("area base br col embed hr img input link meta param source track wbr".split())
_HEADING_TAGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4}


@dataclass
class _Element:
    tag: str
    roles: frozenset[str]  # which extraction targets this element is: article / title / skip …


def _roles(tag: str, attrs: list[tuple[str, str | None]]) -> frozenset[str]:
    values = dict(attrs)
    ident = (values.get("id") or "").strip()
    classes = set((values.get("class") or "").split())
    roles = set()
    if ident == "js_content" or "rich_media_content" in classes:
        roles.add("wechat")
    if ident == "activity-name" or "rich_media_title" in classes:
        roles.add("wechat_title")
    if tag == "article":
        roles.add("article")
    if tag == "main" or values.get("role") == "main":
        roles.add("main")
    if tag in _SKIP_TAGS:
        roles.add("skip")
    if tag in _CHROME_TAGS or values.get("role") in ("navigation", "banner", "contentinfo"):
        roles.add("chrome")
    if tag == "title":
        roles.add("title")
    if tag == "body":
        roles.add("body")
    return frozenset(roles)


class _PageParser(HTMLParser):
    """Text chunks, each tagged with the roles of the elements around it, so the
    article can be picked afterwards. End tags close back to their open element,
    which tolerates unclosed <p>, <li> and the like."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[_Element] = []
        self.chunks: list[tuple[str, frozenset[str], int]] = []  # (text, roles, heading depth)

    def _roles_here(self) -> frozenset[str]:
        roles: set[str] = set()
        for el in self.stack:
            roles |= el.roles
        return frozenset(roles)

    def _heading_here(self) -> int:
        return next((_HEADING_TAGS[el.tag] for el in reversed(self.stack) if el.tag in _HEADING_TAGS), 0)

    def _break(self) -> None:
        self.chunks.append(("\n", self._roles_here(), 0))

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _BLOCK_TAGS:
            self._break()
        if tag not in _VOID_TAGS:
            if tag == "body":  # a missing </head> must not hide the body
                self.stack = [el for el in self.stack if el.tag != "head"]
            self.stack.append(_Element(tag, _roles(tag, attrs)))

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        if tag in _BLOCK_TAGS:
            self._break()

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                break
        if tag in _BLOCK_TAGS:
            self._break()

    def handle_data(self, data: str) -> None:
        pre = any(el.tag == "pre" for el in self.stack)
        self.chunks.append((data if pre else re.sub(r"[ \t\r\n\f]+", " ", data),
                            self._roles_here(), self._heading_here()))


def html_to_document(html: str) -> Extracted:
    """The article of an HTML page: a WeChat article (#js_content) with its title
    (#activity-name), else <article>, else <main>, else the body without nav, header,
    footer and aside. Scripts and styles never count. h1-h4 in it are headings."""
    parser = _PageParser()
    parser.feed(html)
    parser.close()
    page_title = _join_inline(text for text, roles, _ in parser.chunks
                              if "title" in roles and text != "\n")  # <title> sits in the skipped <head>
    chunks = [c for c in parser.chunks if "skip" not in c[1] and "title" not in c[1]]
    title = ""
    for role in ("wechat", "article", "main"):
        if any(role in roles and text.strip() for text, roles, _ in chunks):
            if role == "wechat":
                title = _join_inline(text for text, roles, _ in chunks if "wechat_title" in roles)
            chunks = [c for c in chunks if role in c[1]]
            break
    else:
        has_body = any("body" in roles for _, roles, _ in chunks)
        chunks = [c for c in chunks if not (has_body and "chrome" in c[1])]
    text, headings = _assemble(chunks)
    # The page's <title> stands in for a title only when the article has no h1 of its own.
    title = title or ("" if any(depth == 1 for depth, _ in headings) else page_title)
    if title and title not in text:
        text = f"{title}\n{text}" if text else title
    return Extracted(text, headings)


def _join_inline(texts) -> str:
    return " ".join("".join(texts).split())


def _assemble(chunks: list[tuple[str, frozenset[str], int]]) -> tuple[str, tuple[tuple[int, str], ...]]:
    """Join chunks into lines (blank lines dropped) and collect the lines that are headings."""
    lines: list[str] = []
    headings: list[tuple[int, str]] = []
    current: list[str] = []
    depth = 0

    def flush() -> None:
        nonlocal depth
        for line in "".join(current).split("\n"):
            line = line.strip(" \t")
            if line:
                lines.append(line)
                if depth:
                    headings.append((depth, " ".join(line.split())))
        current.clear()
        depth = 0

    for text, _, chunk_depth in chunks:
        if text == "\n":
            flush()
        else:
            current.append(text)
            depth = depth or chunk_depth
    flush()
    return "\n".join(lines), tuple(headings)


def _html_to_text(html: str) -> str:
    return html_to_document(html).text


# --- .pdf ----------------------------------------------------------------------------------

# A line that ends with one of these ends its paragraph, however wide it is.
_PARAGRAPH_END = tuple("。！？：；!?:;")
_PAGE_NUMBER = re.compile(
    r"[-—–－~\s]*(?:\d{1,4}|第\s*\d{1,4}\s*页(?:\s*[/，,]?\s*共\s*\d{1,4}\s*页)?|\d{1,4}\s*/\s*\d{1,4}"
    r"|page\s*\d{1,4}(?:\s*of\s*\d{1,4})?|[ivxlc]{1,6})[-—–－~\s]*", re.IGNORECASE)
_UNMAPPED_GLYPH = re.compile(r"\(cid:\d+\)")


@dataclass
class _Glyph:
    text: str
    x0: float
    x1: float
    y0: float
    y1: float
    size: float


@dataclass
class _Line:
    text: str
    x0: float
    x1: float
    top: float
    size: float
    page: int


def _read_pdf(path: Path) -> str:
    # pdfminer is imported here so that reading other formats never pays for it.
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.layout import LTChar, LTContainer
    from pdfminer.pdfdocument import PDFDocument, PDFPasswordIncorrect
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser

    def glyphs_of(item) -> list[_Glyph]:
        found = []
        for child in item:
            if isinstance(child, LTChar):
                text = child.get_text()
                if text and not _UNMAPPED_GLYPH.fullmatch(text):
                    found.append(_Glyph(text, child.x0, child.x1, child.y0, child.y1, child.size))
            elif isinstance(child, LTContainer):
                found.extend(glyphs_of(child))
        return found

    pages: list[list[_Line]] = []
    page_heights: list[float] = []
    try:
        with open(path, "rb") as handle:
            document = PDFDocument(PDFParser(handle))
            resources = PDFResourceManager(caching=True)
            device = PDFPageAggregator(resources, laparams=None)  # raw glyphs: we build the lines
            interpreter = PDFPageInterpreter(resources, device)
            for number, page in enumerate(PDFPage.create_pages(document)):
                interpreter.process_page(page)
                layout = device.get_result()
                pages.append(_pdf_lines(glyphs_of(layout), number))
                page_heights.append(layout.height)
    except PDFPasswordIncorrect:
        raise UnreadableFile("encrypted .pdf (needs a password)") from None
    except OSError:
        raise
    except Exception as exc:  # pdfminer raises PSException and plain errors alike; none may stop a run
        raise UnreadableFile(f"corrupt .pdf: {type(exc).__name__}: {exc}"[:200]) from exc
    if not any(pages):
        raise UnreadableFile(NO_TEXT_LAYER)
    pages = _drop_running_lines(pages)
    text = _join_wrapped([line for page in pages for line in page])
    # Word/WPS exports often map CJK glyphs to Kangxi radicals (⼀ for 一) or compatibility
    # ideographs; NFKC restores the ordinary characters.
    return re.sub("[\u2e80-\u2fdf\uf900-\ufaff]", lambda m: unicodedata.normalize("NFKC", m.group()), text)


def _pdf_lines(glyphs: list[_Glyph], page: int) -> list[_Line]:
    """Glyphs -> lines, top to bottom, each left to right. Glyphs share a line when their
    vertical middles are within half a glyph height of each other, which keeps a quote
    mark from a Latin font on the line of its CJK neighbours."""
    glyphs = [g for g in glyphs if g.y1 > g.y0]
    glyphs.sort(key=lambda g: -(g.y0 + g.y1) / 2)
    rows: list[list[_Glyph]] = []
    middle = 0.0
    for glyph in glyphs:
        centre = (glyph.y0 + glyph.y1) / 2
        if rows and abs(middle - centre) <= (glyph.y1 - glyph.y0) / 2:
            rows[-1].append(glyph)
        else:
            rows.append([glyph])
            middle = centre
    lines = []
    for row in rows:
        row.sort(key=lambda g: g.x0)
        text = _row_text(row)
        if text.strip():
            size = Counter(round(g.size, 1) for g in row).most_common(1)[0][0]
            lines.append(_Line(text.strip(), row[0].x0, max(g.x1 for g in row),
                               max(g.y1 for g in row), size, page))
    return lines


def _is_cjk(ch: str) -> bool:
    return ("\u2e80" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or "\uff00" <= ch <= "\uffef"
            or "\u3000" <= ch <= "\u303f" or "\u201c" <= ch <= "\u201d" or ch > "\U0001ffff")


def _row_text(row: list[_Glyph]) -> str:
    """Glyph texts with a space only where a gap separates two non-CJK glyphs (words
    positioned without space glyphs); spacing between CJK and Latin text is layout, not text."""
    parts: list[str] = []
    previous: _Glyph | None = None
    for glyph in row:
        if previous is not None and parts and not parts[-1].endswith(" ") and not glyph.text.startswith(" "):
            gap = glyph.x0 - previous.x1
            size = max(glyph.size, 1)
            between_words = gap > 0.25 * size and not (_is_cjk(previous.text[-1]) or _is_cjk(glyph.text[0]))
            if between_words or gap > 2.5 * size:  # far apart: table cells or tab stops
                parts.append(" ")
        parts.append(glyph.text)
        previous = glyph
    return re.sub(r" {2,}", " ", "".join(parts))


def _running_key(line: _Line) -> tuple[str, int]:
    """A running header or footer has the same text (page numbers aside) at the same height."""
    return re.sub(r"\d+", "#", "".join(line.text.split())), round(line.top / 3)


def _drop_running_lines(pages: list[list[_Line]]) -> list[list[_Line]]:
    """Drop page numbers and running headers/footers: among the first and last two lines
    of each page, a page number form, or a line that recurs at the same height on other pages."""
    edge = 2
    recurring: Counter[tuple[str, int]] = Counter()
    for lines in pages:
        recurring.update({_running_key(line) for line in lines[:edge] + lines[-edge:]})
    kept = []
    for lines in pages:
        kept.append([line for i, line in enumerate(lines)
                     if edge <= i < len(lines) - edge
                     or not (_PAGE_NUMBER.fullmatch(line.text) or recurring[_running_key(line)] >= 2)])
    return kept


def _join_wrapped(lines: list[_Line]) -> str:
    """One paragraph per output line. A line continues onto the next when it reaches the
    right margin, does not end a sentence or clause (。！？：；), and the next line is not
    indented and has the same font size; two CJK characters split by a wrap join with no space."""
    if not lines:
        return ""
    left = _percentile([line.x0 for line in lines], 0.1)
    right = _percentile([line.x1 for line in lines], 0.9)
    out: list[str] = [lines[0].text]
    for previous, line in itertools.pairwise(lines):
        full = previous.x1 >= right - 2 * previous.size
        indented = line.x0 > left + 0.8 * line.size
        same_size = abs(line.size - previous.size) < 0.5
        if full and not previous.text.endswith(_PARAGRAPH_END) and not indented and same_size:
            end, start = previous.text[-1], line.text[0]
            glue = "" if _is_cjk(end) or _is_cjk(start) or end == "-" else " "
            out[-1] += glue + line.text
        else:
            out.append(line.text)
    return "\n".join(out)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


# --- .doc / .wps (old binary Word / WPS formats) ---------------------------------------

_OLD_FORMATS = {".doc": "old Word format (.doc)", ".wps": "old WPS format (.wps)"}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _read_old_word(path: Path, suffix: str) -> Extracted:
    """antiword, else catdoc (Debian packages), found on PATH; a .doc that is really a
    .docx, HTML or plain text (Word and WPS save those under .doc too) is read as such."""
    label = _OLD_FORMATS[suffix]
    with open(path, "rb") as handle:
        head = handle.read(512)
    if head.startswith(b"PK\x03\x04"):
        return _read_docx(path)
    if head.startswith(b"{\\rtf"):
        raise UnreadableFile(f"RTF saved as {suffix}: save as .docx")
    if not head.startswith(_OLE_MAGIC):
        sniff = head.lstrip().lower()
        text = decode_bytes(path.read_bytes())
        return html_to_document(text) if sniff.startswith((b"<html", b"<!doctype", b"mime-version")) else Extracted(text)
    tools = [(name, cmd) for name, cmd in (
        ("antiword", ["antiword", "-m", "UTF-8.txt", "-w", "0"]),
        ("catdoc", ["catdoc", "-d", "utf-8", "-w"]),
    ) if shutil.which(name)]
    if not tools:
        raise UnreadableFile(f"{label}: install antiword or catdoc, or save as .docx")
    failures = []
    for name, cmd in tools:
        try:
            done = subprocess.run([*cmd, str(path)], capture_output=True, timeout=120, check=False)
        except subprocess.TimeoutExpired:
            failures.append(f"{name} timed out")
            continue
        text = done.stdout.decode("utf-8", errors="replace")
        if done.returncode == 0 and text.strip():
            return Extracted(text.replace("\x0c", "\n"))
        message = done.stderr.decode("utf-8", errors="replace").strip().splitlines()
        failures.append(f"{name}: {message[0] if message else f'exit status {done.returncode}'}")
    raise UnreadableFile(f"cannot read {label} ({'; '.join(failures)}); save as .docx"[:240])
