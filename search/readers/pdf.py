""".pdf: pdfminer.six glyphs rebuilt into lines, wraps joined, running headers and page
numbers dropped."""
from __future__ import annotations

import itertools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .base import UnreadableFile

NO_TEXT_LAYER = "没有文字层（扫描件？）"

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


def read_pdf(path: Path) -> str:
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
        raise UnreadableFile("加密的 .pdf（要密码才能打开）") from None
    except OSError:
        raise
    except Exception as exc:  # pdfminer raises PSException and plain errors alike; none may stop a run
        raise UnreadableFile(f"损坏的 .pdf：{type(exc).__name__}: {exc}"[:200]) from exc
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
