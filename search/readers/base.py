"""What every reader shares: the result type, the error and the size limit."""
from __future__ import annotations

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

    text: str  # newlines are "\n"
    headings: tuple[tuple[int, str], ...] = ()  # (depth 1-4, heading text), in reading order


def mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"
