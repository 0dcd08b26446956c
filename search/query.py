"""The query language -> a small query object.

    组织建设 党建            both must occur (AND)
    乡村振兴 OR 共同富裕      either (also 或, or, |, and 乡村振兴|共同富裕)
    -疫情                   must not occur (also －疫情, full-width minus)
    "压紧压实 责任"          exact phrase, spaces included (also “…”, 「…」, 『…』, ＂…＂)
    title:汇报 heading:一是  only in the title / in a heading
    year:2023 year:2020-2023 type:述职报告 level:县   filters

Malformed input never raises: an unclosed quote or a filter with a bad value
is read as literal text; an operator with nothing to join (a trailing OR) is
dropped, unless it is all the query holds.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from .analysis import fold_query
from .errors import MAX_QUERY_CHARS, QueryTooLong, check_query_length  # noqa: F401 - re-exported

TEXT_FIELDS = {"title": "title", "heading": "heading", "标题": "title", "小标题": "heading"}
FILTER_FIELDS = {"year": "year", "type": "type", "level": "level",
                 "年份": "year", "类型": "type", "层级": "level"}
# The quotes an input method types, each with its closing mark.
QUOTES = {'"': '"', "“": "”", "「": "」", "『": "』", "＂": "＂"}
QUOTE_CHARS = frozenset(QUOTES) | frozenset(QUOTES.values())
MINUS = "-－−"                  # ASCII, full-width, the minus sign
OR_WORDS = frozenset({"OR", "or", "Or", "或", "|", "｜"})
_BARS = re.compile(r"[|｜]")
_YEARS = re.compile(r"^(\d{4})(?:-(\d{4}))?$", re.ASCII)
_QUOTED = "|".join(f"{re.escape(o)}([^{re.escape(c)}]*){re.escape(c)}" for o, c in QUOTES.items())
_TOKEN = re.compile(rf"([{MINUS}]?)(?:(\w+)[:：])?(?:{_QUOTED})|(\S+)")


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

    def merged(self, other: Filters) -> Filters:
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
    text = check_query_length((text or "").strip())
    query = Query()
    pending_or = False   # an OR read; the next term joins the last group
    dropped: list[str] = []  # operators that joined nothing
    for m, bare in _tokens(text):
        negated, fname = m.group(1), m.group(2)
        if bare is not None:
            if bare in OR_WORDS:
                if query.required and not pending_or:
                    pending_or = True
                else:
                    dropped.append(bare)
                continue
            negated = bare[0] if bare[0] in MINUS and len(bare) > 1 else ""
            bare = bare[1:] if negated else bare
            terms, filt = _bare(bare, query.filters, bool(negated))
            if filt:
                pending_or = False
                continue
        else:
            terms = _quoted(m, fname)
        if not terms:
            continue
        if negated:
            query.excluded.extend(terms)  # -A|B: neither
        elif pending_or:
            query.required[-1].extend(terms)
        else:
            query.required.append(terms)
        pending_or = False
    if pending_or:  # "A OR" at the end: nothing to join
        dropped.append("OR")
    if dropped and not (query.required or query.excluded) and not _has_filters(query.filters):
        query.required.append([Term(" ".join(dropped))])  # only operators: they were meant as text
    return query


_STRAY = re.compile(f"[{re.escape(''.join(sorted(QUOTE_CHARS)))}]+")


def _tokens(text: str):
    """(match, bare token or None when quoted). A quote mark that closes no
    phrase (研员”包, “压紧压实) separates words like a space: it never joins
    the text on either side into one term; a minus before it covers every part."""
    for m in _TOKEN.finditer(text):
        bare = m.group(8)
        if bare is None or not QUOTE_CHARS.intersection(bare):
            yield m, bare
            continue
        minus = bare[0] if bare[0] in MINUS else ""
        for piece in _STRAY.split(bare[len(minus):]):
            if piece:
                yield m, minus + piece


def _quoted(m: re.Match, fname: str | None) -> list[Term]:
    """The term of a quoted phrase (none for empty quotes), in its field if it names one."""
    quoted = next(g for g in m.groups()[2:7] if g is not None)
    if not quoted.strip():
        return []
    fname_key = TEXT_FIELDS.get(fname) if fname else None
    if fname and fname_key is None:
        quoted = f"{fname}:{quoted}"  # unknown field: literal text
    return [Term(quoted, fname_key)]


def _has_filters(f: Filters) -> bool:
    return bool(f.years or f.types or f.levels or f.not_years or f.not_types or f.not_levels)


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


def _bare(token: str, filters: Filters, negated: bool) -> tuple[list[Term], bool]:
    """A bare token: a filter (applied to `filters`, as an exclusion when
    `negated`), field terms or terms (A|B: either)."""
    if not token:
        return [], False
    parts = [p for p in _BARS.split(token) if p]
    if parts and parts != [token]:  # A|B (or a bar left over at an end)
        found = [_bare(p, filters, negated) for p in parts]
        return [t for terms, _ in found for t in terms], all(filt for _, filt in found)
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
        return [], True
    split = _split_field(token)
    if split and split[0] in TEXT_FIELDS:
        return [Term(split[1], TEXT_FIELDS[split[0]])], False
    return [Term(token)], False


def unknown_values(filters: Filters, type_names: list[str], level_names: list[str]) -> dict[str, list[str]]:
    """Type and level values in `filters` that are not in the lists:
    {"type": [...], "level": [...]}, only the keys that have any."""
    out = {}
    for key, values, known in (("type", filters.types | filters.not_types, set(type_names)),
                               ("level", filters.levels | filters.not_levels, set(level_names))):
        bad = sorted(v for v in values if v not in known)
        if bad:
            out[key] = bad
    return out


def split_phrase(text: str) -> tuple[str, Filters]:
    """What a phrase lookup is asked for, as typed in a search box: the
    filters written in it (year:2023 type:汇报) apply as filters, and one
    pair of quotes around the rest is dropped. The rest, spaces and all, is
    the phrase."""
    filters = Filters()
    kept = []
    for token in (text or "").split():
        negated = token[0] in MINUS and len(token) > 1
        found = filter_token(token[1:] if negated else token)
        if found:
            _bare(token[1:] if negated else token, filters, negated)
        else:
            kept.append(token)
    phrase = " ".join(kept) if len(kept) != len((text or "").split()) else (text or "").strip()
    if len(phrase) >= 2 and QUOTES.get(phrase[0]) == phrase[-1] and \
            QUOTES[phrase[0]] not in phrase[1:-1] and phrase[1:-1].strip():
        phrase = phrase[1:-1]
    return phrase, filters
