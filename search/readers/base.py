"""What every reader shares: the result type, the error and its reasons, the size limit."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from ..errors import UnreadableFile  # noqa: F401 - re-exported: every reader raises it

# A report is at most this much UTF-8 text; bigger files are skipped, not indexed.
MAX_TEXT_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Extracted:
    """The text of a file and the paragraphs its format marks as headings."""

    text: str  # newlines are "\n"; NFC (see below)
    headings: tuple[tuple[int, str], ...] = ()  # (depth 1-4, heading text), in reading order

    def __post_init__(self) -> None:
        # Every reader's text is composed (NFC): a decomposed "cafe\u0301" (macOS, some
        # PDFs) becomes "café", so that the per-character folding that matching uses
        # finds it with a query typed the usual, composed way. Composing here, before
        # cleaning, keeps every offset into the cleaned text valid.
        object.__setattr__(self, "text", _nfc(self.text))
        if self.headings and not all(unicodedata.is_normalized("NFC", h) for _, h in self.headings):
            object.__setattr__(self, "headings", tuple((d, _nfc(h)) for d, h in self.headings))


def mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


# Why a file is not read, as the summary of a run and the pages say it (Chinese).
EMPTY = "空文件"
BINARY = "二进制文件，不是文字"


def too_large(size: int, what: str, limit: int | None = None) -> str:
    """文件太大（磁盘上 25.0 MB，上限 20.0 MB）; `what`: 磁盘上, 文字, 文档 XML."""
    return f"文件太大（{what} {mb(size)}" + (f"，上限 {mb(limit)}）" if limit is not None else "）")


def _nfc(text: str) -> str:
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)
