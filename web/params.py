"""Request parameters, validated alike: anything a parameter cannot mean
(a page of abc, a sort of bogus, a type not in the list) raises WebError(400)
with a message in Chinese. What is typed in the query box never does:
malformed syntax there is searched as text."""
from __future__ import annotations

from dataclasses import dataclass, field

from search import choices
from search.query import MAX_QUERY_CHARS, Filters, parse_years

MAX_PAGE = 10000
MAX_FILTER_VALUES = 10
MAX_FILTER_CHARS = 40
PHRASE_LIMIT = 50          # lines a page of phrase lookup shows
MAX_LIMIT = 1000

SEARCH_SORTS = {"relevance": "相关度", "newest": "最新", "oldest": "最早"}
PHRASE_SORTS = {"rank": "按相关度", "left": "按前一个词", "right": "按后一个词"}


class WebError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def query(args) -> str:
    q = (args.get("q") or "").strip()
    if len(q) > MAX_QUERY_CHARS:
        raise WebError(400, f"查询过长：{len(q)} 个字符，最多 {MAX_QUERY_CHARS} 个。请缩短后再试。")
    return q


def _whole(args, name: str, lo: int, hi: int, default: int, what: str) -> int:
    raw = (args.get(name) or "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()) or not lo <= int(raw) <= hi:
        raise WebError(400, f"{what}应为 {lo} 到 {hi} 之间的整数。")
    return int(raw)


def page(args) -> int:
    return _whole(args, "page", 1, MAX_PAGE, 1, "页码")


def limit(args) -> int:
    return _whole(args, "limit", 1, MAX_LIMIT, PHRASE_LIMIT, "每页行数（limit）")


def sort(args, allowed: dict[str, str], default: str) -> str:
    value = (args.get("sort") or "").strip()
    if not value:
        return default
    if value not in allowed:
        listed = "、".join(f"{k}（{v}）" for k, v in allowed.items())
        raise WebError(400, f"排序方式应为 {listed}。")
    return value


def years(args) -> tuple[int, int] | None:
    raw = (args.get("year") or "").strip()
    if not raw:
        return None
    parsed = parse_years(raw)
    if parsed is None:
        raise WebError(400, "年份应写作 2023 或 2020-2023。")
    return parsed


def _values(args, name: str, label: str, valid: list[str] | None) -> list[str]:
    values = [v.strip() for v in args.getlist(name) if v.strip()]
    if len(values) > MAX_FILTER_VALUES or any(len(v) > MAX_FILTER_CHARS for v in values):
        raise WebError(400, f"{label}筛选条件过多或过长。")
    values = list(dict.fromkeys(values))
    bad = [v for v in values if valid is not None and v not in valid]
    if bad:
        raise WebError(400, choices.message(name, bad, valid) + "。")
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

    def args(self, default_sort: str, **changes) -> dict:
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


def state(args, sorts: dict[str, str], default_sort: str,
          valid: dict[str, list[str]] | None = None) -> State:
    """Every parameter checked; `valid` holds the type and level names
    (choices.names), None to take any."""
    return State(q=query(args), page=page(args), sort=sort(args, sorts, default_sort),
                 year=year_text(years(args)),
                 types=_values(args, "type", "类型", valid["type"] if valid else None),
                 levels=_values(args, "level", "层级", valid["level"] if valid else None),
                 limit=limit(args) if sorts is PHRASE_SORTS else PHRASE_LIMIT)
