""".docx: zipfile + ElementTree; body paragraphs, tables and text boxes in reading order,
headings from paragraph styles and outline levels."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .base import MAX_TEXT_BYTES, Extracted, UnreadableFile, too_large

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_HEADING_STYLE = re.compile(r"(?:heading|标题)\s*([1-9])$", re.IGNORECASE)
_MAX_XML_BYTES = 8 * MAX_TEXT_BYTES  # document.xml unpacked: markup is several times the text
_MAX_STYLES_BYTES = MAX_TEXT_BYTES  # styles.xml unpacked: a few hundred KB in real documents


@dataclass(frozen=True)
class _Style:
    name: str
    based_on: str | None
    outline_level: int | None  # 0-8 from w:outlineLvl; 9 means body text


def read_docx(path: Path) -> Extracted:
    """Body paragraphs and table cells in document order (headers and footers live in
    other parts and are left out); Heading n / Title styles and outline levels give headings."""
    try:
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo("word/document.xml")
            if info.file_size > _MAX_XML_BYTES:
                raise UnreadableFile(too_large(info.file_size, "文档 XML"))
            root = ET.fromstring(zf.read(info))
            styles = _docx_styles(zf)  # an oversized styles.xml (a zip bomb) is not unpacked
    except (zipfile.BadZipFile, KeyError, ET.ParseError, RuntimeError, ValueError, EOFError,
            NotImplementedError, zipfile.LargeZipFile) as exc:
        raise UnreadableFile(f"损坏的 .docx：{exc}") from exc
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
    """Styles by id; none when styles.xml is missing or larger unpacked than any
    real one (the text is still read; only style-based headings are lost)."""
    try:
        info = zf.getinfo("word/styles.xml")
    except KeyError:
        return {}
    if info.file_size > _MAX_STYLES_BYTES:
        return {}
    with zf.open(info) as member:  # zipfile stops at the declared size: never more in memory
        root = ET.fromstring(member.read(_MAX_STYLES_BYTES + 1))
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
