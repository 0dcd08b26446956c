""".html / .htm: html.parser; the article only (WeChat pages understood), h1-h4 as headings."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser

from .base import Extracted

_BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption", "figure",
    "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre",
    "section", "table", "td", "th", "tr", "ul"})
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "head", "svg", "iframe", "object",
                        "button", "select", "textarea"})
# Page furniture around an article; left out whenever the page has a <body>.
_CHROME_TAGS = frozenset({"nav", "aside", "footer", "header", "form"})
_VOID_TAGS = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
                        "source", "track", "wbr"})
_SPACES = re.compile(r"[ \t\r\n\f]+")
_HEADING_TAGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4}


@dataclass(frozen=True)
class _Element:
    tag: str
    own: frozenset[str]  # which extraction targets this element is: article / title / skip …
    roles: frozenset[str]  # its own roles and those of every element around it
    heading: int  # depth of the innermost enclosing h1-h4, 0 outside headings
    pre: bool  # inside a <pre>


_ROOT = _Element("", frozenset(), frozenset(), 0, False)


def _roles(tag: str, attrs: list[tuple[str, str | None]]) -> frozenset[str]:
    if not attrs:
        return _bare_roles(tag)
    return _attr_roles(tag, attrs)


@lru_cache(maxsize=256)
def _bare_roles(tag: str) -> frozenset[str]:
    return _attr_roles(tag, [])


def _attr_roles(tag: str, attrs: list[tuple[str, str | None]]) -> frozenset[str]:
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
    which tolerates unclosed <p>, <li> and the like.

    Linear in the page: each open element carries the roles of all those around
    it (a text chunk never walks the stack, however many <p> were left open),
    and an end tag with no open element of its kind is dismissed by a count."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[_Element] = []
        self.open: Counter[str] = Counter()  # open elements by tag
        self.chunks: list[tuple[str, frozenset[str], int]] = []  # (text, roles, heading depth)
        self.seen_head = False

    @property
    def _here(self) -> _Element:
        return self.stack[-1] if self.stack else _ROOT

    def _break(self) -> None:
        self.chunks.append(("\n", self._here.roles, 0))

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _BLOCK_TAGS:
            self._break()
        if tag in _VOID_TAGS:
            return
        if tag == "head":
            if self.seen_head:
                return  # a second <head> is ignored, as browsers do
            self.seen_head = True
        if tag == "body" and self.open["head"]:
            self._drop_head()  # a missing </head> must not hide the body
        self._push(tag, _roles(tag, attrs))

    def _push(self, tag: str, own: frozenset[str]) -> None:
        parent = self._here
        self.stack.append(_Element(tag, own, parent.roles | own, _HEADING_TAGS.get(tag, parent.heading),
                                   parent.pre or tag == "pre"))
        self.open[tag] += 1

    def _drop_head(self) -> None:
        """Take the open <head> out from under the elements opened in it (once a
        page: a second <head> is ignored)."""
        elements = self.stack
        self.stack, self.open = [], Counter()
        for el in elements:
            if el.tag != "head":
                self._push(el.tag, el.own)

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        if tag in _BLOCK_TAGS:
            self._break()

    def handle_endtag(self, tag: str) -> None:
        if self.open[tag]:
            while self.stack:
                el = self.stack.pop()
                self.open[el.tag] -= 1
                if el.tag == tag:
                    break
        if tag in _BLOCK_TAGS:
            self._break()

    def handle_data(self, data: str) -> None:
        here = self._here
        self.chunks.append((data if here.pre else _SPACES.sub(" ", data), here.roles, here.heading))

    def finish(self) -> None:
        """The end of the page. What html.parser still holds is a construct the
        page never closed (a comment, a tag, a quote, a <script>), which runs to
        the end of the file and shows nothing, as browsers read it. Passing it to
        close() would make older Pythons (before 3.11.13, 3.12.11, 3.13.4) salvage
        it piece by piece, in quadratic time, as text."""
        if self.rawdata.startswith("<") or self.cdata_elem is not None:
            self.rawdata = ""
        self.close()
def html_to_document(html: str) -> Extracted:
    """The article of an HTML page: a WeChat article (#js_content) with its title
    (#activity-name), else <article>, else <main>, else the body without nav, header,
    footer and aside. Scripts and styles never count. h1-h4 in it are headings."""
    parser = _PageParser()
    parser.feed(html)
    parser.finish()
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
