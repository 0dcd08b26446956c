"""File -> text. Every failure becomes UnreadableFile with a short plain-English reason.

This module dispatches by suffix and enforces the size limits; one module per format:
text (.txt, encoding detected), markdown (.md), docx, html (.html / .htm), pdf, legacy (.doc / .wps).
Newlines come out as "\\n".
"""
from __future__ import annotations

import re
from pathlib import Path

from .base import EMPTY, MAX_TEXT_BYTES, Extracted, UnreadableFile, too_large
from .docx import read_docx
from .html import html_to_document
from .legacy import read_old_word
from .markdown import read_markdown
from .pdf import NO_TEXT_LAYER, read_pdf
from .text import UNCERTAIN, UNDECODABLE, decode_bytes

__all__ = [
    "MAX_TEXT_BYTES", "NO_TEXT_LAYER", "SUPPORTED_SUFFIXES", "UNCERTAIN", "UNDECODABLE",
    "Extracted", "UnreadableFile", "decode_bytes", "html_to_document", "read_document", "read_text",
]

SUPPORTED_SUFFIXES = frozenset({".txt", ".md", ".docx", ".html", ".htm", ".pdf", ".doc", ".wps"})

_TEXT_SUFFIXES = frozenset({".txt", ".md", ".html", ".htm"})
_NEWLINES = re.compile(r"\r\n|[\r\u2028\u2029\x85]")


def read_text(path: Path) -> str:
    """Return the text of `path` with newlines normalized to "\\n"."""
    return read_document(path).text


def read_document(path: Path, max_bytes: int = MAX_TEXT_BYTES) -> Extracted:
    """Text and styled headings of `path`; raises UnreadableFile with the reason."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnreadableFile(f"不支持的文件类型 {suffix or '（无扩展名）'}")
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise IsADirectoryError(21, "Is a directory")
        # Containers (.docx, .pdf, .doc) hold images too, so they may be larger on disk.
        limit = max_bytes if suffix in _TEXT_SUFFIXES else 10 * max_bytes
        if size > limit:  # decided before reading a byte of it
            raise UnreadableFile(too_large(size, "磁盘上", limit))
        extracted = _extract(path, suffix)
    except OSError as exc:
        raise UnreadableFile(f"读不出文件：{exc.strerror or exc}") from exc
    text = _NEWLINES.sub("\n", extracted.text)
    if not text.strip():
        raise UnreadableFile(EMPTY)
    if len(text) * 3 > max_bytes and len(text.encode("utf-8")) > max_bytes:
        raise UnreadableFile(too_large(len(text.encode("utf-8")), "文字", max_bytes))
    return Extracted(text, extracted.headings)


def _extract(path: Path, suffix: str) -> Extracted:
    if suffix == ".docx":
        return read_docx(path)
    if suffix == ".pdf":
        return Extracted(read_pdf(path))
    if suffix in (".doc", ".wps"):
        return read_old_word(path, suffix)
    text = decode_bytes(path.read_bytes())
    if suffix in (".html", ".htm"):
        return html_to_document(text)
    if suffix == ".md":
        return read_markdown(text)
    return Extracted(text)
