"""The report page, its JSON twin, the original file with its noise struck
through, and the original file itself as a download."""
from __future__ import annotations

import hashlib
import mimetypes
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, jsonify, render_template, request, send_file

from search.clean import RemovedSpan, clean, corpus_rules
from search.corpus import corpus_path
from search.readers import UnreadableFile, read_text
from search.searcher import UnknownReport

from . import params, render
from .params import WebError
from .views import bp, library

GONE = "原文件已不在语料库中（可能已移动或删除）；重新运行 reports index 后索引会同步。"


# ------------------------------------------------------------------ reports

@bp.get("/report/<path:rest>")
def report_any(rest: str):
    """/report/<id>, /report/<id>.json, /report/<id>/original (the text with
    its noise struck through) and /report/<id>/file (the file as it is on
    disk). Ids contain dots and slashes: the exact id wins, then the
    suffixes. Only ids present in the index go further."""
    if not _plausible_id(rest):
        raise WebError(404, "没有这篇报告。")
    lib = library()
    if lib.has(rest):
        return report_page(rest)
    if rest.endswith(".json") and lib.has(rest[:-5]):
        return report_json(rest[:-5])
    if rest.endswith("/original") and lib.has(rest[:-9]):
        return original_page(rest[:-9])
    if rest.endswith("/file") and lib.has(rest[:-5]):
        return original_file(rest[:-5])
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
                           outline=view.outline, file_name=_file_name(doc_id))


def _file_name(doc_id: str) -> str:
    return doc_id.rsplit("/", 1)[-1]


def original_file(doc_id: str):
    """The file as it was on disk (.docx, .pdf, .txt …), as a download: never
    shown in the page, whatever it holds. The id is mapped to its file by
    corpus_path, which also finds files whose on-disk names are not UTF-8."""
    path = corpus_path(Path(current_app.config["CORPUS_DIR"]), doc_id)
    if path is None:
        raise WebError(404, GONE)
    kind = mimetypes.guess_type(_file_name(doc_id))[0] or "application/octet-stream"
    try:  # opened here: werkzeug cannot take a path that is not UTF-8 (a GBK name from a zip)
        handle = open(path, "rb")  # noqa: SIM115 - the response closes it when sent
        modified = os.fstat(handle.fileno()).st_mtime
    except OSError:  # gone between finding and opening it
        raise WebError(404, GONE) from None
    response = send_file(handle, mimetype=kind, as_attachment=True, download_name=_file_name(doc_id),
                         max_age=0, last_modified=modified)
    response.headers["Cache-Control"] = "no-store"
    return response


def original_page(doc_id: str):
    view = _view(doc_id, "")
    corpus = Path(current_app.config["CORPUS_DIR"])
    path = corpus_path(corpus, doc_id)  # None: gone, or no longer a regular file inside the corpus
    if path is None:
        raise WebError(404, GONE)
    try:
        original = _original(corpus, path)
    except UnreadableFile as exc:
        raise WebError(500, f"读不出原文件（{exc.reason}）。") from None
    except OSError:  # gone between finding and reading it
        raise WebError(404, GONE) from None
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
