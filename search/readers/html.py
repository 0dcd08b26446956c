""".html / .htm: html.parser; the article only (WeChat pages understood), h1-h4 as headings."""
from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

from .base import Extracted

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
