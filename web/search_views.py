"""The search page, its JSON twin and its exports; facets and chips."""
from __future__ import annotations

from collections.abc import Callable

from flask import jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue

from search import choices, export
from search.query import QueryTooLong, parse

from . import params, render
from .params import SEARCH_SORTS
from .views import (
    FACET_LABELS,
    bp,
    download_name,
    home,
    library,
    send_export,
    valid_names,
)


def _state() -> params.State:
    return params.state(request.args, SEARCH_SORTS, "relevance", valid_names())  # every parameter


def _search(st: params.State, per_page: int | None = None):
    kw = {"per_page": per_page} if per_page else {}
    return library().search(st.q, page=1 if per_page else st.page, sort=st.sort, filters=st.filters(), **kw)


@bp.get("/search.json")
def search_json() -> ResponseReturnValue:
    st = _state()
    if not st.q and not st.has_filters():
        return jsonify(_overview())  # as /search shows the home page: the library, no list
    return jsonify(_search(st).to_json())


def _overview() -> dict:
    stats = library().stats()
    return {"query": "", "total": stats["reports"], "merged": 0, "page": 1, "pages": 0, "per_page": 0,
            "sort": "relevance", "hits": [], "term_reports": {}, "overview": True,
            "facets": {"year": stats["by_year"], "type": stats["by_type"], "level": stats["by_level"]}}


@bp.get("/search.<any(xlsx, docx, csv):fmt>")
def search_export(fmt: str) -> ResponseReturnValue:
    """Every result (up to export.SEARCH_HITS), not one page."""
    st = _state()
    result = _search(st, per_page=export.SEARCH_HITS)
    return send_export(export.search_table(result), fmt, "检索-" + download_name(st.q or "全部"))


@bp.get("/search")
def search_page() -> ResponseReturnValue:
    st = _state()
    if not st.q and not st.has_filters():
        return home()  # nothing asked: the overview, without a search to throw away
    result = _search(st)

    def url(**kw) -> str:
        return url_for("web.search_page", **st.args("relevance", **kw))

    typed = render.query_filters(st.q)
    return render_template(
        "search.html", st=st, q=st.q, result=result, sorts=SEARCH_SORTS,
        facets=facets(st, result.facets, typed, url), chips=chips(st, "web.search_page", "relevance", typed),
        window=render.page_window(st.page, min(result.pages, params.MAX_PAGE)),
        missing=[t for t, c in result.term_reports.items() if c == 0],
        plain_q=render.without_filters(st.q), url=url, notices=typed_notices(st.q),
        phrases=phrase_links(st), unquoted=render.unquoted(st.q),
        exports=[(f, url_for("web.search_export", fmt=f, **st.args("relevance", page=1)))
                 for f in export.FORMATS])


def typed_notices(q: str) -> list[str]:
    """type:/level: values typed in the query box that are not in the lists:
    said on the page, naming the valid ones (the search still runs)."""
    try:
        typed = parse(q).filters
    except QueryTooLong:
        return []
    valid = valid_names()
    return [choices.message(key, values, valid[key]) + "。"
            for key, values in choices.unknown(typed, valid).items()]


def phrase_links(st: params.State) -> list[tuple[str, str]]:
    """查提法 for each term of the query, the query's filters (typed or as
    parameters) applied as filters: (term, URL)."""
    try:
        query = parse(st.q)
    except QueryTooLong:
        return []
    typed = query.filters
    year = st.year or params.year_text(typed.years)
    types = list(dict.fromkeys([*st.types, *sorted(typed.types)]))
    levels = list(dict.fromkeys([*st.levels, *sorted(typed.levels)]))
    out = []
    for term in dict.fromkeys(t.text for t in query.positive_terms):
        args = {"q": term, "year": year or None, "type": types or None, "level": levels or None}
        out.append((term, url_for("web.phrase_page", **{k: v for k, v in args.items() if v})))
    return out


def facets(st: params.State, counts: dict, typed: list[tuple[str, str, str]], url: Callable[..., str]) -> list:
    """Facet values with counts; several values of a group may be chosen (a
    group's counts leave its own selection out). A click adds the value, a
    click on a chosen one removes it; a value typed in the query box shows
    as chosen, and its click rewrites the query."""
    in_query = {(key, value): rest for key, value, rest in typed}
    out = []
    for key, label in FACET_LABELS.items():
        values = []
        for value, n in counts.get(key, {}).items():
            rest = in_query.get((key, value))
            if key == "year":
                on = st.year == value or rest is not None
                link = url(q=rest, page=1) if rest is not None else url(year="" if st.year == value else value,
                                                                        page=1)
                shown = f"{value} 年"
            else:
                chosen = st.types if key == "type" else st.levels
                on = value in chosen or rest is not None
                if rest is not None:
                    link = url(q=rest, page=1)
                else:
                    link = url(**{key: [v for v in chosen if v != value] if value in chosen
                                  else chosen + [value]}, page=1)
                shown = value
            values.append({"label": shown, "n": n, "url": link, "on": on, "typed": rest is not None})
        if values:
            out.append((key, label, values, key != "year"))
    return out


def chips(st: params.State, endpoint: str, default_sort: str,
          typed: list[tuple[str, str, str]]) -> list[dict]:
    """Active filters, each with the link that removes it. Filters written in
    the query (year:2023) are removed by rewriting the query."""
    def base(**kw) -> str:
        return url_for(endpoint, **st.args(default_sort, page=1, **kw))

    out = []
    if st.year:
        out.append({"label": f"{st.year} 年", "url": base(year="")})
    for t in st.types:
        out.append({"label": f"类型：{t}", "url": base(type=[x for x in st.types if x != t])})
    for lv in st.levels:
        out.append({"label": f"层级：{lv}", "url": base(level=[x for x in st.levels if x != lv])})
    for key, value, rest in typed:
        label = f"{value} 年" if key == "year" else f"{FACET_LABELS[key]}：{value}"
        out.append({"label": label, "url": base(q=rest), "typed": True})
    return out

