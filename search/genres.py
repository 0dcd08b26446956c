"""The document type (文种): from the subtitle, the title, the opening, the
closing, then the body, with the cues of doctypes.toml; 其他 when nothing fits."""
from __future__ import annotations

import re

from . import lines as L
from .doctypes import OTHER, DocLists

# Trailing brackets that are not the type: （试行） （征求意见稿） （2024—2026年） （摘要） 【…】
_TRAILING = re.compile(r"(?:\s*[（(【\[][^（）()【】\[\]]{1,20}[）)】\]])+\s*$")
_QUOTES = re.compile(r"[《》〈〉“”\"'‘’「」『』]")


def title_type(text: str, lists: DocLists) -> str:
    """The type whose title word ends `text` (the longest such word wins)."""
    text = _QUOTES.sub("", _TRAILING.sub("", L.DASH.sub("", text.strip())))
    best: tuple[int, bool, int, str] | None = None
    for rank, doc_type in enumerate(lists.types):
        for pattern in doc_type.title:
            if (m := pattern.search(text)) and (best is None or (len(m.group()), doc_type.corpus, -rank) > best[:3]):
                best = (len(m.group()), doc_type.corpus, -rank, doc_type.name)
    return best[3] if best else ""


def is_generic(title: str, lists: DocLists) -> bool:
    """A title that only names its type: 政府工作报告, 工作总结, 讲话."""
    text = _TRAILING.sub("", title.strip())
    return any(p.fullmatch(text) for t in lists.types for p in t.title)


def find_type(title: str, subtitle: str, text_lines: list[str], lists: DocLists) -> str:
    """`text_lines` are the lines after the title, each through lines.fold."""
    by_name = {t.name: t for t in lists.types}
    opening = "\n".join(text_lines[:8])[:3000]
    closing = "\n".join(text_lines[-5:])[-1500:]
    from_text = _first(lists, "opening", opening) or _first(lists, "closing", closing)
    # an undated subtitle names the genre (——任正非在…上的讲话); a dated one the occasion
    dated = bool(L.FULL_DATE.search(L.fold(subtitle)))
    for source in ((title, subtitle) if dated else (subtitle, title)):
        if source and (found := title_type(source, lists)):
            # …的报告 with an opening that says which 报告 (向大会报告政府工作): the narrower one
            if from_text and by_name.get(from_text) and by_name[from_text].refines == found:
                return from_text
            return found
    if from_text:
        return from_text
    return _by_body("\n".join(text_lines), lists) or OTHER


def _first(lists: DocLists, key: str, text: str) -> str:
    for doc_type in lists.types:
        if any(p.search(text) for p in getattr(doc_type, key)):
            return doc_type.name
    return ""


def _by_body(text: str, lists: DocLists) -> str:
    """The type with the most body hits, measured in units of its `min_hits`."""
    best = (0.0, "")
    for doc_type in lists.types:
        if doc_type.body:
            hits = sum(len(p.findall(text)) for p in doc_type.body)
            if hits >= doc_type.min_hits and hits / doc_type.min_hits > best[0]:
                best = (hits / doc_type.min_hits, doc_type.name)
    return best[1]
