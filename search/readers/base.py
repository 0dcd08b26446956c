"""What every reader shares: the result type, the error and the size limit."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

# A report is at most this much UTF-8 text; bigger files are skipped, not indexed.
MAX_TEXT_BYTES = 20 * 1024 * 1024


class UnreadableFile(Exception):
    """A file we cannot turn into text; `.reason` says why in plain English."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


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


def _nfc(text: str) -> str:
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)
