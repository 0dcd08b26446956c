"""The report page, its JSON twin, the original file with its noise struck
through, and the original file itself as a download."""
from __future__ import annotations

import mimetypes
import os

from flask import jsonify, render_template, request, send_file
from flask.typing import ResponseReturnValue

from search.corpus import corpus_path
from search.errors import BadInput, ReportsError, UnknownReport
from search.original import read_original, text_hash
from search.query import parse
from search.readers import UnreadableFile

from . import params, render
from .views import bp, library, settings

GONE = "原文件已不在语料库中（可能已移动或删除）；重新运行 reports index 后索引会同步。"


# ------------------------------------------------------------------ reports

@bp.get("/report/<path:rest>")
def report_any(rest: str) -> ResponseReturnValue:
    """/report/<id>, /report/<id>.json, /report/<id>/original (the text with
    its noise struck through) and /report/<id>/file (the file as it is on
    disk). Ids contain dots and slashes: the exact id wins, then the
    suffixes. Only ids present in the index go further."""
    if not _plausible_id(rest):
        raise UnknownReport()
    lib = library()
    if lib.has(rest):
        return report_page(rest)
    if rest.endswith(".json") and lib.has(rest[:-5]):
        return report_json(rest[:-5])
    if rest.endswith("/original") and lib.has(rest[:-9]):
        return original_page(rest[:-9])
    if rest.endswith("/file") and lib.has(rest[:-5]):
        return original_file(rest[:-5])
    raise UnknownReport()


def _plausible_id(rest: str) -> bool:
    if not rest or len(rest) > 1000 or rest.startswith("/") or "\x00" in rest:
        return False
    return all(part not in ("", ".", "..") for part in rest.split("/"))


def _view(doc_id: str, q: str):
    try:
        return library().report(doc_id, q)
    except UnknownReport:
        raise UnknownReport() from None  # the page says it in its words, not the CLI's


def report_json(doc_id: str) -> ResponseReturnValue:
    q = params.query(request.args)
    return jsonify(_view(doc_id, q).to_json())


def report_page(doc_id: str) -> ResponseReturnValue:
    q = params.query(request.args)
    view = _view(doc_id, q)
    blocks = render.report_blocks(view.text, view.outline, view.hits, render.needles(q))
    return render_template("report.html", view=view, blocks=blocks, q=q, report_q=q,
                           find_terms=_find_terms(q), outline=view.outline, file_name=_file_name(doc_id))


def _find_terms(q: str) -> str:
    """What the in-report finder shows and looks for: the query's terms, not its filters."""
    try:
        return " ".join(str(t) for t in parse(q).positive_terms) if q else ""
    except BadInput:
        return q


def _file_name(doc_id: str) -> str:
    return doc_id.rsplit("/", 1)[-1]


def original_file(doc_id: str) -> ResponseReturnValue:
    """The file as it was on disk (.docx, .pdf, .txt …), as a download: never
    shown in the page, whatever it holds. The id is mapped to its file by
    corpus_path, which also finds files whose on-disk names are not UTF-8."""
    path = corpus_path(settings().corpus_dir, doc_id)
    if path is None:
        raise UnknownReport(GONE)
    kind = mimetypes.guess_type(_file_name(doc_id))[0] or "application/octet-stream"
    try:  # opened here: werkzeug cannot take a path that is not UTF-8 (a GBK name from a zip)
        handle = open(path, "rb")  # noqa: SIM115 - the response closes it when sent
        modified = os.fstat(handle.fileno()).st_mtime
    except OSError:  # gone between finding and opening it
        raise UnknownReport(GONE) from None
    response = send_file(handle, mimetype=kind, as_attachment=True, download_name=_file_name(doc_id),
                         max_age=0, last_modified=modified)
    response.headers["Cache-Control"] = "no-store"
    return response


def original_page(doc_id: str) -> ResponseReturnValue:
    view = _view(doc_id, "")
    path = corpus_path(settings().corpus_dir, doc_id)  # None: gone, or no longer a regular file inside the corpus
    if path is None:
        raise UnknownReport(GONE)
    try:
        original = read_original(path, settings())
    except UnreadableFile as exc:
        raise ReportsError(f"读不出原文件（{exc.reason}）。", 500) from None
    except OSError:  # gone between finding and reading it
        raise UnknownReport(GONE) from None
    pieces, summary = render.original_pieces(original.raw, original.removed)
    changed = original.cleaned_hash != text_hash(view.text)
    return render_template("original.html", view=view, pieces=pieces, summary=summary,
                           changed=changed, q="", raw_len=len(original.raw),
                           removed_len=sum(r.chars for r in summary))
