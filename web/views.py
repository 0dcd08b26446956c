"""Routes: HTML pages and their JSON twins, built from the same result objects."""
from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, current_app, jsonify, render_template, request, url_for
from markupsafe import escape
from werkzeug.exceptions import HTTPException

from search.analysis import DictionaryError
from search.clean import RemovedSpan, RulesError, clean, corpus_rules
from search.corpus import corpus_path, rules_message
from search.phrase import lookup
from search.query import MAX_QUERY_CHARS, QueryTooLong
from search.readers import UnreadableFile, read_text
from search.searcher import Library, NoIndex, UnknownReport

from . import params, render
from .params import PHRASE_SORTS, SEARCH_SORTS, WebError

bp = Blueprint("web", __name__)

FACET_LABELS = {"year": "年份", "type": "类型", "level": "层级"}
HTTP_MESSAGES = {
    400: "请求有误。",
    404: "没有这个页面或报告。",
    405: "不支持这种请求方式。",
    500: "服务器出错了，请稍后再试。",
    503: "索引暂不可用。",
}
SYNTAX_HELP = [
    ("乡村振兴 党建", "空格 = 并且：两个词都要出现"),
    ("乡村振兴 OR 共同富裕", "OR = 或者：出现其中一个即可"),
    ("党建 -疫情", "减号 = 排除：不含“疫情”"),
    ('"压紧压实 责任"', "引号 = 精确短语，空格也算"),
    ("title:述职", "只在标题中找"),
    ("heading:一是", "只在小标题中找"),
    ("year:2023", "只看 2023 年"),
    ("year:2020-2023", "只看 2020 至 2023 年"),
    ("type:述职报告", "只看某类文稿"),
    ("level:县", "只看某一层级"),
]


def library() -> Library:
    return current_app.extensions["library"]


def wants_json() -> bool:
    return request.path.endswith(".json") or request.path == "/healthz"


# ------------------------------------------------------------------ errors

def register(app) -> None:
    app.register_blueprint(bp)
    from . import draft_views  # 草稿比对 (issue 15)
    app.register_blueprint(draft_views.bp)

    @app.context_processor
    def _helpers():
        return {"asset": asset, "citation": citation, "mode": "search"}

    @app.errorhandler(WebError)
    def _web_error(exc: WebError):
        return error_response(exc.status, exc.message)

    @app.errorhandler(QueryTooLong)
    def _too_long(exc: QueryTooLong):
        return error_response(400, f"查询过长：{exc.length} 个字符，最多 {MAX_QUERY_CHARS} 个。请缩短后再试。")

    @app.errorhandler(NoIndex)
    def _no_index(exc: NoIndex):
        return error_response(503, "索引还没有建好，或需要重建。请运行 reports index 建立索引"
                                   "（reports serve 启动时也会先建索引）。", detail=str(exc))

    @app.errorhandler(DictionaryError)
    def _dictionary(exc: DictionaryError):
        return error_response(503, "词典有误，检索暂不可用。", detail=str(exc))

    @app.errorhandler(RulesError)
    def _rules(exc: RulesError):
        return error_response(503, "清理规则有误，原文暂不可看。", detail=rules_message(exc))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        status = exc.code or 500
        return error_response(status, HTTP_MESSAGES.get(status, f"请求出错了（{status}）。"))

    @app.errorhandler(Exception)
    def _bug(exc: Exception):
        app.logger.exception("unhandled error on %s", request.path)
        return error_response(500, HTTP_MESSAGES[500])


def error_response(status: int, message: str, detail: str = ""):
    if wants_json():
        response = jsonify({"ok": False, "error": message, "status": status})
    else:
        try:
            mode = "phrase" if request.path.startswith("/phrase") else "search"
            q = (request.args.get("q") or "")[:MAX_QUERY_CHARS * 2]  # shown back, to shorten it
            page = render_template("error.html", status=status, message=message, detail=detail,
                                   q=q, mode=mode)
        except Exception:  # noqa: BLE001 - e.g. no URLs can be built for a Host like a..b
            page = _bare_error_page(status, message)
        response = current_app.response_class(page, mimetype="text/html")
    response.status_code = status
    return response


def _bare_error_page(status: int, message: str) -> str:
    """An error page that needs neither templates nor URL building."""
    return (f'<!doctype html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
            f'<title>{status} · 报告检索</title><link rel="stylesheet" href="/static/style.css"></head>'
            f'<body><section class="error"><p class="status">{status}</p><h1>{escape(message)}</h1>'
            f'<p><a href="/">回到首页</a></p></section></body></html>\n')


# ------------------------------------------------------------------ helpers

_asset_versions: dict[str, str] = {}


def asset(name: str) -> str:
    """URL of a static file, versioned by its mtime (so it can be cached)."""
    version = _asset_versions.get(name)
    if version is None:
        path = Path(current_app.static_folder) / name
        version = _asset_versions[name] = str(int(path.stat().st_mtime)) if path.exists() else "0"
    return url_for("static", filename=name, v=version)


def citation(line) -> str:
    """What a KWIC line's copy button copies: the sentence and its source."""
    year = f"，{line.year}年" if line.year else ""
    return f"{line.sentence}（来源：《{line.title}》{year}）"


# ------------------------------------------------------------------ pages

@bp.get("/")
def home():
    return render_template("home.html", stats=library().stats(), syntax=SYNTAX_HELP, q="")


@bp.get("/healthz")
def healthz():
    gen = library().generation()
    return jsonify({"ok": True, "generation": gen.generation, "reports": gen.report_count})


def _search(st: params.State | None = None):
    st = st or params.state(request.args, SEARCH_SORTS, "relevance")
    result = library().search(st.q, page=st.page, sort=st.sort, filters=st.filters())
    return st, result


@bp.get("/search.json")
def search_json():
    return jsonify(_search()[1].to_json())


@bp.get("/search")
def search_page():
    st = params.state(request.args, SEARCH_SORTS, "relevance")  # validates every parameter
    if not st.q and not st.has_filters():
        return home()  # nothing asked: the overview, without a search to throw away
    st, result = _search(st)
    folded = render.needles(st.q)
    hits = [(hit, render.marked(hit.title, folded)) for hit in result.hits]
    def url(**kw) -> str:
        return url_for("web.search_page", **st.args("relevance", **kw))

    return render_template(
        "search.html", st=st, q=st.q, result=result, hits=hits, sorts=SEARCH_SORTS,
        facets=_facets(st, result, url), chips=_chips(st, "web.search_page", "relevance", in_query=True),
        window=render.page_window(st.page, min(result.pages, params.MAX_PAGE)),
        missing=[t for t, c in result.term_reports.items() if c == 0],
        plain_q=render.without_filters(st.q), url=url)


def _facets(st: params.State, result, url) -> list[tuple[str, str, list[dict]]]:
    """Facet values with counts over all hits; a click adds the filter, a click
    on an active value removes it."""
    out = []
    for key, label in FACET_LABELS.items():
        values = []
        for value, n in result.facets.get(key, {}).items():
            if key == "year":
                on = st.year == value
                link = url(year="" if on else value, page=1)
                shown = f"{value} 年"
            else:
                chosen = st.types if key == "type" else st.levels
                on = value in chosen
                link = url(**{key: [v for v in chosen if v != value] if on else chosen + [value]}, page=1)
                shown = value
            values.append({"label": shown, "n": n, "url": link, "on": on})
        if values:
            out.append((key, label, values))
    return out


def _chips(st: params.State, endpoint: str, default_sort: str, in_query: bool) -> list[dict]:
    """Active filters, each with the link that removes it. Filters written in
    the query (year:2023) are removed by rewriting the query."""
    def base(**kw) -> str:
        return url_for(endpoint, **st.args(default_sort, page=1, **kw))

    chips = []
    if st.year:
        chips.append({"label": f"{st.year} 年", "url": base(year="")})
    for t in st.types:
        chips.append({"label": f"类型：{t}", "url": base(type=[x for x in st.types if x != t])})
    for lv in st.levels:
        chips.append({"label": f"层级：{lv}", "url": base(level=[x for x in st.levels if x != lv])})
    if in_query:
        for key, value, rest in render.query_filters(st.q):
            label = f"{value} 年" if key == "year" else f"{FACET_LABELS[key]}：{value}"
            chips.append({"label": label + "（查询中）", "url": base(q=rest)})
    return chips


def _phrase():
    st = params.state(request.args, PHRASE_SORTS, "rank")
    result = lookup(library(), st.q, sort=st.sort, page=st.page, filters=st.filters())
    return st, result


@bp.get("/phrase.json")
def phrase_json():
    return jsonify(_phrase()[1].to_json())


@bp.get("/phrase")
def phrase_page():
    st, result = _phrase()
    report_q = report_query(st.q)
    peak = max(result.by_year.values(), default=0)
    return render_template(
        "phrase.html", st=st, q=st.q, mode="phrase", result=result, sorts=PHRASE_SORTS,
        report_q=report_q, peak=peak, chips=_chips(st, "web.phrase_page", "rank", in_query=False),
        window=render.page_window(st.page, result.pages),
        url=lambda **kw: url_for("web.phrase_page", **st.args("rank", **kw)))


def report_query(phrase: str) -> str:
    """The report-page query that marks exactly `phrase` (quoted, so spaces,
    a leading '-' or a 'year:' inside it stay literal)."""
    return f'"{phrase}"' if phrase and '"' not in phrase else phrase


# ------------------------------------------------------------------ reports

@bp.get("/report/<path:rest>")
def report_any(rest: str):
    """/report/<id>, /report/<id>.json and /report/<id>/original. Ids contain
    dots and slashes: the exact id wins, then the suffixes. Only ids present
    in the index go further."""
    if not _plausible_id(rest):
        raise WebError(404, "没有这篇报告。")
    lib = library()
    if lib.has(rest):
        return report_page(rest)
    if rest.endswith(".json") and lib.has(rest[:-5]):
        return report_json(rest[:-5])
    if rest.endswith("/original") and lib.has(rest[:-9]):
        return original_page(rest[:-9])
    raise WebError(404, "没有这篇报告。")


def _plausible_id(rest: str) -> bool:
    if not rest or len(rest) > 1000 or rest.startswith("/") or "\x00" in rest:
        return False
    return all(part not in ("", ".", "..") for part in rest.split("/"))


def _view(doc_id: str, q: str):
    try:
        return library().report(doc_id, q)
    except UnknownReport:
        raise WebError(404, "没有这篇报告。") from None


def report_json(doc_id: str):
    q = params.query(request.args)
    return jsonify(_view(doc_id, q).to_json())


def report_page(doc_id: str):
    q = params.query(request.args)
    view = _view(doc_id, q)
    blocks = render.report_blocks(view.text, view.outline, view.hits, render.needles(q))
    return render_template("report.html", view=view, blocks=blocks, q=q, report_q=q,
                           outline=view.outline)


def original_page(doc_id: str):
    view = _view(doc_id, "")
    corpus = Path(current_app.config["CORPUS_DIR"])
    path = corpus_path(corpus, doc_id)  # None: gone, or no longer a regular file inside the corpus
    if path is None:
        raise WebError(404, "原文件已不在语料库中（可能已移动或删除）；重新运行 reports index 后索引会同步。")
    try:
        original = _original(corpus, path)
    except UnreadableFile as exc:
        raise WebError(500, f"读不出原文件（{exc.reason}）。") from None
    except OSError:  # gone between finding and reading it
        raise WebError(404, "原文件已不在语料库中（可能已移动或删除）。") from None
    pieces, summary = render.original_pieces(original.raw, original.removed)
    changed = original.cleaned_hash != _text_hash(view.text)
    return render_template("original.html", view=view, pieces=pieces, summary=summary,
                           changed=changed, q="", raw_len=len(original.raw),
                           removed_len=sum(r.chars for r in summary))


# ------------------------------------------------------- original, cached

@dataclass(frozen=True)
class Original:
    raw: str
    removed: tuple[RemovedSpan, ...]
    cleaned_hash: str

    @property
    def cost(self) -> int:  # bytes held, roughly
        return 2 * len(self.raw) + 64 * len(self.removed) + 200


ORIGINAL_CACHE_BYTES = 64 * 1024 * 1024
_originals: OrderedDict[tuple, Original] = OrderedDict()
_originals_bytes = 0
_originals_lock = threading.Lock()
_reading: dict[tuple, threading.Lock] = {}  # one reader per file at a time


def _original(corpus: Path, path: Path) -> Original:
    """The raw text of a file and what cleaning removes from it: read once,
    then served from a bounded cache (a 300-page PDF costs seconds to read),
    until the file or the corpus's rules change."""
    global _originals_bytes
    info = os.stat(path)
    rules = corpus / "clean_rules.toml"
    key = (os.fspath(path), info.st_mtime_ns, info.st_size, info.st_ino,
           rules.stat().st_mtime_ns if rules.is_file() else None)
    with _originals_lock:
        if key in _originals:
            _originals.move_to_end(key)
            return _originals[key]
        gate = _reading.setdefault(key, threading.Lock())
    with gate:  # a second request for the same file waits for the first one's reading
        with _originals_lock:
            if key in _originals:
                return _originals[key]
        try:
            raw = read_text(path)
            cleaned = clean(raw, corpus_rules(corpus))
            found = Original(raw, tuple(cleaned.removed), _text_hash(cleaned.text))
        finally:
            with _originals_lock:
                _reading.pop(key, None)
        with _originals_lock:
            if found.cost <= ORIGINAL_CACHE_BYTES // 4:
                _originals[key] = found
                _originals_bytes += found.cost
                while _originals_bytes > ORIGINAL_CACHE_BYTES:
                    _originals_bytes -= _originals.popitem(last=False)[1].cost
    return found


def _text_hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
