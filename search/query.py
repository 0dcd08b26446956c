"""The query language -> a small query object.

    组织建设 党建            both must occur (AND)
    乡村振兴 OR 共同富裕      either
    -疫情                   must not occur
    "压紧压实 责任"          exact phrase, spaces included
    title:汇报 heading:一是  only in the title / in a heading
    year:2023 year:2020-2023 type:述职报告 level:县   filters

Malformed input never raises: an unclosed quote, a dangling OR or a filter
with a bad value is read as literal text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from .analysis import fold_query

MAX_QUERY_CHARS = 200
TEXT_FIELDS = {"title": "title", "heading": "heading", "标题": "title", "小标题": "heading"}
FILTER_FIELDS = {"year": "year", "type": "type", "level": "level",
                 "年份": "year", "类型": "type", "层级": "level"}
_YEARS = re.compile(r"^(\d{4})(?:-(\d{4}))?$", re.ASCII)
_TOKEN = re.compile(r'(-?)(?:(\w+):)?"([^"]*)"|(\S+)')


class QueryTooLong(ValueError):
    def __init__(self, length: int):
        super().__init__(f"查询过长：{length} 个字符，最多 {MAX_QUERY_CHARS} 个")
        self.length = length


@dataclass(frozen=True)
class Term:
    text: str                 # as typed (for display)
    field: str | None = None  # None (title or body), "title" or "heading"

    @cached_property
    def folded(self) -> str:
        return fold_query(self.text)

    def __str__(self) -> str:
        prefix = f"{self.field}:" if self.field else ""
        return prefix + (f'"{self.text}"' if " " in self.text else self.text)


@dataclass
class Filters:
    years: tuple[int, int] | None = None
    types: set[str] = field(default_factory=set)
    levels: set[str] = field(default_factory=set)
    # -year:2020 -type:讲话 -level:村: reports to leave out
    not_years: list[tuple[int, int]] = field(default_factory=list)
    not_types: set[str] = field(default_factory=set)
    not_levels: set[str] = field(default_factory=set)

    def merged(self, other: "Filters") -> "Filters":
        return Filters(other.years or self.years, self.types | other.types,
                       self.levels | other.levels, self.not_years + other.not_years,
                       self.not_types | other.not_types, self.not_levels | other.not_levels)


@dataclass
class Query:
    """All `required` groups must match (each group: any of its terms);
    no `excluded` term may match."""
    required: list[list[Term]] = field(default_factory=list)
    excluded: list[Term] = field(default_factory=list)
    filters: Filters = field(default_factory=Filters)

    @property
    def positive_terms(self) -> list[Term]:
        return [t for group in self.required for t in group]



def parse(text: str) -> Query:
    text = (text or "").strip()
    if len(text) > MAX_QUERY_CHARS:
        raise QueryTooLong(len(text))
    query = Query()
    pending_or = False
    for m in _TOKEN.finditer(text):
        negated, fname, quoted, bare = m.group(1), m.group(2), m.group(3), m.group(4)
        if bare is not None:
            if bare == "OR" and query.required and not pending_or:
                pending_or = True
                continue
            negated = "-" if bare.startswith("-") and len(bare) > 1 else ""
            bare = bare[1:] if negated else bare
            term, filt = _bare(bare, query.filters, bool(negated))
            if filt:
                pending_or = False
                continue
        else:
            if not quoted.strip():
                continue
            fname_key = TEXT_FIELDS.get(fname) if fname else None
            if fname and fname_key is None:
                quoted = f"{fname}:{quoted}"  # unknown field: literal text
            term = Term(quoted, fname_key)
        if term is None:
            continue
        if negated:
            query.excluded.append(term)
        elif pending_or:
            query.required[-1].append(term)
        else:
            query.required.append([term])
        pending_or = False
    if pending_or:  # "A OR" at the end: OR was meant literally
        query.required.append([Term("OR")])
    return query


def parse_years(text: str) -> tuple[int, int] | None:
    """`2023` or `2020-2023` (either order) -> (first, last); else None."""
    m = _YEARS.match(text.strip())
    if not m:
        return None
    lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
    return min(lo, hi), max(lo, hi)


def _split_field(token: str) -> tuple[str, str] | None:
    """`name:value` (ASCII or full-width colon) -> (lower-case name, value)."""
    for colon in (":", "："):
        name, sep, value = token.partition(colon)
        if sep:
            return (name.lower(), value) if value else None
    return None


def filter_token(token: str) -> tuple[str, str] | None:
    """(key, value) when a bare token is a filter (year:2023, type:…, level:…)
    as the parser reads it; None when it is text (year:abc is text)."""
    split = _split_field(token)
    key = FILTER_FIELDS.get(split[0]) if split else None
    if key is None or (key == "year" and parse_years(split[1]) is None):
        return None
    return key, split[1]


def _bare(token: str, filters: Filters, negated: bool) -> tuple[Term | None, bool]:
    """A bare token: a filter (applied to `filters`, as an exclusion when
    `negated`), a field term or a term."""
    token = token.replace('"', "")  # a stray quote degrades to literal text
    if not token:
        return None, False
    found = filter_token(token)
    if found:
        key, value = found
        if key == "year":
            years = parse_years(value)
            if negated:
                filters.not_years.append(years)
            else:
                filters.years = years
        else:
            getattr(filters, f"not_{key}s" if negated else f"{key}s").add(value)
        return None, True
    split = _split_field(token)
    if split and split[0] in TEXT_FIELDS:
        return Term(split[1], TEXT_FIELDS[split[0]]), False
    return Term(token), False
