"""Request parameters, validated. Anything invalid raises WebError(400) with
a message in Chinese; unknown sort values fall back to the default."""
from __future__ import annotations

from dataclasses import dataclass, field

from search.query import MAX_QUERY_CHARS, Filters, parse_years

MAX_PAGE = 10000
MAX_FILTER_VALUES = 10
MAX_FILTER_CHARS = 40

SEARCH_SORTS = {"relevance": "相关度", "newest": "最新", "oldest": "最早"}
PHRASE_SORTS = {"rank": "按出处", "left": "按前文", "right": "按后文"}


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


def page(args) -> int:
    raw = (args.get("page") or "").strip()
    if not raw:
        return 1
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_PAGE:
        raise WebError(400, f"页码应为 1 到 {MAX_PAGE} 之间的整数。")
    return int(raw)


def sort(args, allowed: dict[str, str], default: str) -> str:
    value = args.get("sort") or default
    return value if value in allowed else default


def years(args) -> tuple[int, int] | None:
    raw = (args.get("year") or "").strip()
    if not raw:
        return None
    parsed = parse_years(raw)
    if parsed is None:
        raise WebError(400, "年份应写作 2023 或 2020-2023。")
    return parsed


def _values(args, name: str, label: str) -> list[str]:
    values = [v.strip() for v in args.getlist(name) if v.strip()]
    if len(values) > MAX_FILTER_VALUES or any(len(v) > MAX_FILTER_CHARS for v in values):
        raise WebError(400, f"{label}筛选条件过多或过长。")
    return list(dict.fromkeys(values))


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

    def filters(self) -> Filters:
        return Filters(parse_years(self.year) if self.year else None, set(self.types), set(self.levels))

    def has_filters(self) -> bool:
        return bool(self.year or self.types or self.levels)

    def args(self, default_sort: str, **changes) -> dict:
        """URL parameters for this state with `changes` applied; defaults omitted."""
        values = {"q": self.q, "sort": self.sort, "year": self.year,
                  "type": list(self.types), "level": list(self.levels), "page": self.page}
        values.update(changes)
        out = {}
        for key, value in values.items():
            if key == "page" and value == 1 or key == "sort" and value == default_sort:
                continue
            if value not in ("", None, []):
                out[key] = value
        return out


def state(args, sorts: dict[str, str], default_sort: str) -> State:
    ys = years(args)
    year = "" if ys is None else (str(ys[0]) if ys[0] == ys[1] else f"{ys[0]}-{ys[1]}")
    return State(q=query(args), page=page(args), sort=sort(args, sorts, default_sort), year=year,
                 types=_values(args, "type", "类型"), levels=_values(args, "level", "层级"))
