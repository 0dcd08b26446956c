"""Routes: HTML pages and their JSON twins, built from the same result objects.

This module holds the blueprint, the error pages and the small pages; the
search, phrase and report pages are in search_views, phrase_views and
report_views, exports (.xlsx, .docx, .csv) in each of those."""
from __future__ import annotations

import io
import time
from pathlib import Path

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    jsonify,
    render_template,
    request,
    send_file,
    url_for,
)
from markupsafe import escape
from werkzeug.exceptions import HTTPException

from search import choices, dedup, export
from search.errors import MAX_QUERY_CHARS, ReportsError
from search.searcher import Library
from search.settings import Settings

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
    ("乡村振兴 OR 共同富裕", "OR（或 或、|）= 或者：出现其中一个即可"),
    ("党建 -疫情", "减号（- 或 －）= 排除：不含“疫情”"),
    ('"压紧压实 责任"', "引号 = 精确短语，空格也算；“”「」『』也可以"),
    ("title:述职", "只在标题中找"),
    ("heading:一是", "只在小标题中找"),
    ("year:2023", "只看 2023 年"),
    ("year:2020-2023", "只看 2020 至 2023 年"),
    ("type:述职报告", "只看某类文稿（可写几个：type:汇报 type:总结）"),
    ("level:县", "只看某一层级"),
]


def library() -> Library:
    return current_app.extensions["library"]


def settings() -> Settings:
    """The app's settings (create_app resolved them)."""
    return current_app.extensions["settings"]


def wants_json() -> bool:
    return request.path.endswith(".json") or request.path == "/healthz"


# ------------------------------------------------------------------ errors

def register(app: Flask) -> None:
    from . import phrase_views, report_views, search_views  # noqa: F401 - their routes join bp
    app.register_blueprint(bp)
    from . import draft_views  # 草稿比对 (issue 15)
    app.register_blueprint(draft_views.bp)

    app.jinja_env.globals["overlap_percent"] = dedup.overlap_percent  # seen by imported macros too

    @app.context_processor
    def _helpers():
        return {"asset": asset, "citation": citation, "mode": "search", "updated": _updated()}

    @app.errorhandler(ReportsError)
    def _error(exc: ReportsError) -> Response:
        """Every error of ours: its status, and its message (under a headline, when it has one)."""
        if exc.headline:
            return error_response(exc.status, exc.headline, detail=exc.message)
        return error_response(exc.status, exc.message)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        status = exc.code or 500
        return error_response(status, HTTP_MESSAGES.get(status, f"请求出错了（{status}）。"))

    @app.errorhandler(Exception)
    def _bug(exc: Exception):
        app.logger.exception("unhandled error on %s", request.path)
        return error_response(500, HTTP_MESSAGES[500])


def error_response(status: int, message: str, detail: str = "") -> Response:
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


def citation(line: object) -> str:
    """What a KWIC line's copy button copies: the sentence and its source."""
    return export.citation(line.sentence, line.title, line.year)


def _updated() -> str:
    """When the library was last updated, for the page footer ("" without an index)."""
    try:
        stamp = library().snapshot().updated
    except Exception:  # noqa: BLE001 - an error page must render without an index
        return ""
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(stamp)) if stamp else ""


def valid_names() -> dict[str, list[str]]:
    """The type and level names filters may use (the corpus's lists and the index's values)."""
    return choices.names(settings(), library().snapshot())


def send_export(table: export.Table, fmt: str, name: str) -> Response:
    """A table as a download of the given format (export.py)."""
    data = export.write(table, fmt)
    response = send_file(io.BytesIO(data), mimetype=export.MEDIA_TYPES[fmt], as_attachment=True,
                         download_name=f"{name}.{fmt}", max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response


def download_name(text: str) -> str:
    """A file name from a query: what no file system takes, and control characters, dropped."""
    kept = "".join(c for c in text if c.isprintable() and c not in '\\/:*?"<>|')
    return kept.strip()[:60] or "导出"


# ------------------------------------------------------------------ pages

@bp.get("/")
def home() -> str:
    return render_template("home.html", stats=library().stats(), syntax=SYNTAX_HELP, q="", names=valid_names())


@bp.get("/healthz")
def healthz() -> Response:
    gen = library().generation()
    return jsonify({"ok": True, "generation": gen.generation, "reports": gen.report_count})


@bp.get("/stats.json")
def stats_json() -> Response:
    """What `reports stats --json` prints."""
    return jsonify({**library().stats(), "updated": round(library().snapshot().updated, 3)})
