"""Request parameters, validated alike: anything a parameter cannot mean
(a page of abc, a sort of bogus, a type not in the list) raises BadInput (400)
with a message in Chinese. What is typed in the query box never does:
malformed syntax there is searched as text."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from search import choices
from search.errors import BadInput, check_query_length
from search.phrase import PHRASE_SORTS
from search.query import Filters, parse_years
from search.ranking import SORTS as SEARCH_SORTS

MAX_PAGE = 10000
MAX_FILTER_VALUES = 10
MAX_FILTER_CHARS = 40
PHRASE_LIMIT = 50          # lines a page of phrase lookup shows
MAX_LIMIT = 1000

__all__ = ["PHRASE_SORTS", "SEARCH_SORTS", "State", "state"]


def query(args: Mapping) -> str:
    return check_query_length((args.get("q") or "").strip())


def _whole(args: Mapping, name: str, lo: int, hi: int, default: int, what: str) -> int:
    raw = (args.get(name) or "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()) or not lo <= int(raw) <= hi:
        raise BadInput(f"{what}应为 {lo} 到 {hi} 之间的整数。")
    return int(raw)


def page(args: Mapping) -> int:
    return _whole(args, "page", 1, MAX_PAGE, 1, "页码")


def limit(args: Mapping) -> int:
    return _whole(args, "limit", 1, MAX_LIMIT, PHRASE_LIMIT, "每页行数（limit）")


def sort(args: Mapping, allowed: dict[str, str], default: str) -> str:
    value = (args.get("sort") or "").strip()
    if not value:
        return default
    if value not in allowed:
        listed = "、".join(f"{k}（{v}）" for k, v in allowed.items())
        raise BadInput(f"排序方式应为 {listed}。")
    return value


def years(args: Mapping) -> tuple[int, int] | None:
    raw = (args.get("year") or "").strip()
    if not raw:
        return None
    parsed = parse_years(raw)
    if parsed is None:
        raise BadInput("年份应写作 2023 或 2020-2023。")
    return parsed


def _values(args: Mapping, name: str, label: str, valid: list[str] | None) -> list[str]:
    values = [v.strip() for v in args.getlist(name) if v.strip()]
    if len(values) > MAX_FILTER_VALUES or any(len(v) > MAX_FILTER_CHARS for v in values):
        raise BadInput(f"{label}筛选条件过多或过长。")
    values = list(dict.fromkeys(values))
    bad = [v for v in values if valid is not None and v not in valid]
    if bad:
        raise BadInput(choices.message(name, bad, valid) + "。")
    return values


def year_text(ys: tuple[int, int] | None) -> str:
    return "" if ys is None else (str(ys[0]) if ys[0] == ys[1] else f"{ys[0]}-{ys[1]}")


@dataclass
class State:
    """What the URL says: query, page, sort and the filters given as parameters
    (filters written in the query itself, like year:2023, stay in `q`)."""
    q: str = ""
    page: int = 1
    sort: str = ""
    year: str = ""
    types: list[str] = field(default_factory=list)
    levels: list[str] = field(default_factory=list)
    limit: int = PHRASE_LIMIT

    def filters(self) -> Filters:
        return Filters(parse_years(self.year) if self.year else None, set(self.types), set(self.levels))

    def has_filters(self) -> bool:
        return bool(self.year or self.types or self.levels)

    def args(self, default_sort: str, **changes: object) -> dict:
        """URL parameters for this state with `changes` applied; defaults omitted."""
        values = {"q": self.q, "sort": self.sort, "year": self.year,
                  "type": list(self.types), "level": list(self.levels), "page": self.page,
                  "limit": self.limit}
        values.update(changes)
        out = {}
        for key, value in values.items():
            if (key == "page" and value == 1 or key == "sort" and value == default_sort
                    or key == "limit" and value == PHRASE_LIMIT):
                continue
            if value not in ("", None, []):
                out[key] = value
        return out


def state(args: Mapping, sorts: dict[str, str], default_sort: str,
          valid: dict[str, list[str]] | None = None) -> State:
    """Every parameter checked; `valid` holds the type and level names
    (choices.names), None to take any."""
    return State(q=query(args), page=page(args), sort=sort(args, sorts, default_sort),
                 year=year_text(years(args)),
                 types=_values(args, "type", "类型", valid["type"] if valid else None),
                 levels=_values(args, "level", "层级", valid["level"] if valid else None),
                 limit=limit(args) if sorts is PHRASE_SORTS else PHRASE_LIMIT)
