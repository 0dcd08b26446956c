"""The phrase lookup page (查提法), its JSON twin and its exports."""
from __future__ import annotations

from flask import jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue

from search import choices, export
from search.phrase import lookup
from search.query import split_phrase

from . import params, render
from .params import PHRASE_SORTS
from .search_views import chips, facets
from .views import bp, download_name, library, send_export, valid_names


def _state() -> tuple[params.State, list[str]]:
    """The request's state, with what a search box carried in `q` sorted
    out: filters typed there (year:2023 type:汇报) become filters, quotes
    around the phrase are dropped. Unknown type/level values typed there are
    left out of the filters and said (returned as notices)."""
    valid = valid_names()
    st = params.state(request.args, PHRASE_SORTS, "rank", valid)
    phrase, typed = split_phrase(st.q)
    notices = [choices.message(key, values, valid[key]) + "。"
               for key, values in choices.unknown(typed, valid).items()]
    st.q = phrase
    if typed.years and not st.year:
        st.year = params.year_text(typed.years)
    st.types = list(dict.fromkeys([*st.types, *sorted(v for v in typed.types if v in valid["type"])]))
    st.levels = list(dict.fromkeys([*st.levels, *sorted(v for v in typed.levels if v in valid["level"])]))
    return st, notices


def _lookup(st: params.State, per_page: int | None = None):
    return lookup(library(), st.q, sort=st.sort, page=1 if per_page else st.page,
                  per_page=per_page or st.limit, filters=st.filters())


@bp.get("/phrase.json")
def phrase_json() -> ResponseReturnValue:
    st, _ = _state()
    return jsonify(_lookup(st).to_json())


@bp.get("/phrase.<any(xlsx, docx, csv):fmt>")
def phrase_export(fmt: str) -> ResponseReturnValue:
    """Every line (up to export.PHRASE_LINES), in the page's order."""
    st, _ = _state()
    result = _lookup(st, per_page=export.PHRASE_LINES)
    return send_export(export.phrase_table(result), fmt, "查提法-" + download_name(st.q))


@bp.get("/phrase")
def phrase_page() -> ResponseReturnValue:
    st, notices = _state()
    result = _lookup(st)
    report_q = report_query(st.q)
    peak = max(result.by_year.values(), default=0)

    def url(**kw) -> str:
        return url_for("web.phrase_page", **st.args("rank", **kw))

    return render_template(
        "phrase.html", st=st, q=st.q, mode="phrase", result=result, sorts=PHRASE_SORTS,
        report_q=report_q, peak=peak, chips=chips(st, "web.phrase_page", "rank", []),
        facets=[f for f in facets(st, result.facets, [], url) if f[0] != "year"],
        window=render.page_window(st.page, result.pages), lines=render.kwic_lines(result),
        notices=notices, url=url,
        exports=[(f, url_for("web.phrase_export", fmt=f, **st.args("rank", page=1))) for f in export.FORMATS])


def report_query(phrase: str) -> str:
    """The report-page query that marks exactly `phrase` (quoted, so spaces,
    a leading '-' or a 'year:' inside it stay literal)."""
    return f'"{phrase}"' if phrase and '"' not in phrase else phrase
