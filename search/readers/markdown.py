""".md: parsed with markdown-it-py (CommonMark + tables); the text a reader sees.

Headings become outline entries (without their #), images, HTML tags, link
targets, emphasis markers and front matter are dropped and the text they carry
is kept. Line breaks inside a paragraph stay line breaks: Chinese Markdown is
usually written one paragraph a line, without blank lines between them.
"""
from __future__ import annotations

import html
import re

from markdown_it import MarkdownIt
from markdown_it.token import Token

from .base import Extracted

_MD = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
# YAML (---) or TOML (+++) front matter at the very top.
_FRONT_MATTER = re.compile(r"\A\ufeff?(---|\+\+\+)[ \t]*\n.*?\n\1[ \t]*(?:\n|\Z)", re.DOTALL)
# "#标题" or "#3 标题" (level typed as a digit): headings many editors write without
# the space CommonMark wants. Short lines with no other # only, so #话题# tags stay.
_LOOSE_HEADING = re.compile(r"^(#{1,6})(?:([1-6])[ \t]+|(?=[^\s#]))(?=[^#\n]{1,80}$)", re.MULTILINE)
_TAG = re.compile(r"<!--.*?-->|<(script|style)\b.*?</\1\s*>|<[^>]*>", re.DOTALL | re.IGNORECASE)
_CJK = re.compile(r"[\u3400-\u9fff]")


def read_markdown(text: str) -> Extracted:
    """Markdown source -> plain text (one block a line) and its headings."""
    text = _FRONT_MATTER.sub("", text.replace("\r\n", "\n"), count=1)
    text = _LOOSE_HEADING.sub(_loose_heading, text)
    walk = _Walk()
    for token in _MD.parse(text):
        walk.token(token)
    out = "\n".join(line for line in walk.lines if line.strip())
    # Plain text with no Markdown in it reads back exactly as it is.
    return Extracted(out + "\n" if out and text.endswith("\n") else out, tuple(walk.headings))


class _Walk:
    """The lines and headings of a token stream, token by token."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.headings: list[tuple[int, str]] = []
        self.depth: int | None = None  # the open heading's level
        self.item_prefix = ""  # "3. " before the first line of an ordered list item
        self.ordered: list[bool] = []
        self.row: list[str] | None = None

    def token(self, token: Token) -> None:
        kind = token.type
        if kind == "heading_open":
            self.depth = int(token.tag[1])
        elif kind == "heading_close":
            self.depth = None
        elif kind in ("bullet_list_open", "ordered_list_open"):
            self.ordered.append(kind == "ordered_list_open")
        elif kind in ("bullet_list_close", "ordered_list_close"):
            self.ordered.pop()
        elif kind == "list_item_open" and self.ordered and self.ordered[-1]:
            self.item_prefix = f"{token.info}{token.markup} "
        elif kind == "tr_open":
            self.row = []
        elif kind == "tr_close" and self.row is not None:
            self.lines.append(" | ".join(cell for cell in self.row if cell))
            self.row = None
        elif kind == "inline":
            self.inline(_inline_text(token.children or []))
        elif kind in ("fence", "code_block"):
            self.lines.append(token.content.rstrip("\n"))
        elif kind == "html_block":
            self.lines.append(_strip_tags(token.content))

    def inline(self, content: str) -> None:
        if self.row is not None:
            self.row.append(content.replace("\n", " ").strip())
        elif self.depth is not None:
            heading = " ".join(content.split())
            if heading:
                self.headings.append((min(self.depth, 4), heading))
                self.lines.append(heading)
        else:
            self.lines.append(self.item_prefix + content)
            self.item_prefix = ""


def _loose_heading(m: re.Match[str]) -> str:
    level = int(m.group(2)) if m.group(2) else len(m.group(1))
    return "#" * level + " "


def _inline_text(children: list[Token]) -> str:
    out: list[str] = []
    for child in children:
        kind = child.type
        if kind in ("text", "code_inline"):
            out.append(child.content)
        elif kind in ("softbreak", "hardbreak"):
            out.append("\n")
        elif kind == "image":
            alt = "".join(c.content for c in child.children or [])
            if _CJK.search(alt):  # a caption worth keeping; badges and file names are not
                out.append(alt)
        elif kind == "html_inline":
            out.append(_strip_tags(child.content))
        # link_open/close, em/strong/s open/close: markers only, their text is in "text"
    return "".join(out)


def _strip_tags(markup: str) -> str:
    return html.unescape(_TAG.sub("", markup))
