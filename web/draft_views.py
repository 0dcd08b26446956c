"""草稿比对 on the web: /check (a paste box and a file upload; the draft with
its sentences coloured by class) and its JSON twin /check.json (the keys of
`reports check --json`). The draft is read from the request, checked, and
forgotten: nothing is written on the server."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, current_app, jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import RequestEntityTooLarge

from search.draft import (
    COMMON_AT,
    MAX_DRAFT_CHARS,
    CheckResult,
    check,
    read_upload,
)
from search.draft_report import overlap_text
from search.errors import BadInput

from .views import settings

bp = Blueprint("check", __name__)

MAX_UPLOAD_MB = 5                       # a .docx with pictures; its text has MAX_DRAFT_CHARS at most
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB << 20
MAX_FORM_BYTES = 4 * MAX_DRAFT_CHARS    # the paste box: UTF-8 Chinese is 3 bytes a character
SPOT_CHARS = 16                         # characters of a source sentence that mark its spot
QUOTES = set('"“”「」『』＂\'')
LABELS = {"new": "新写", "common": "套话", "copied": "照搬"}


def common_at() -> int:
    return int(current_app.config.get("CHECK_COMMON_AT", COMMON_AT))


def _draft_text() -> str:
    """The pasted text, or the uploaded file's (a file wins when both are given)."""
    request.max_content_length = MAX_UPLOAD_BYTES + MAX_FORM_BYTES + (64 << 10)
    request.max_form_memory_size = MAX_FORM_BYTES
    try:
        upload = request.files.get("file")
        pasted = request.form.get("text") or ""
    except RequestEntityTooLarge:
        raise BadInput(f"文件太大：最多 {MAX_UPLOAD_MB} MB，粘贴的正文最多 {MAX_DRAFT_CHARS} 字。", 413) from None
    if upload is not None and upload.filename:
        data = upload.read(MAX_UPLOAD_BYTES + 1)
        if len(data) > MAX_UPLOAD_BYTES:
            raise BadInput(f"文件太大：最多 {MAX_UPLOAD_MB} MB。", 413)
        return read_upload(upload.filename, data)
    return pasted


def _checked() -> tuple[str, CheckResult]:
    raw = _draft_text()
    return raw, check(current_app.extensions["library"], raw, settings(), common_at())


@bp.get("/check")
def check_form() -> ResponseReturnValue:
    return render_template("check.html", **_page_context())


@bp.post("/check")
def check_page() -> ResponseReturnValue:
    try:
        raw, result = _checked()
    except BadInput as exc:  # DraftError too
        if exc.status not in (400, 413):
            raise
        # Said on the form itself, with what was pasted kept in the box.
        pasted = request.form.get("text", "") if exc.status == 400 else ""
        page = render_template("check.html", **_page_context(), error=exc.message, pasted=pasted)
        return page, exc.status
    return render_template("check.html", **_page_context(), result=result, pasted=raw,
                           paragraphs=paragraphs(result), spot=spot_url, overlap=overlap_text,
                           peak=_peak(result))


@bp.post("/check.json")
def check_json() -> ResponseReturnValue:
    return jsonify(_checked()[1].to_json())


def _page_context() -> dict:
    library = current_app.extensions["library"]
    return {"q": "", "max_mb": MAX_UPLOAD_MB, "max_chars": MAX_DRAFT_CHARS, "common_at": common_at(),
            "reports": library.snapshot().report_count, "labels": LABELS}


# ------------------------------------------------------------------ render models

@dataclass
class Piece:
    text: str
    sentence: int | None = None      # index into result.sentences
    cls: str = ""


def paragraphs(result: CheckResult) -> list[list[Piece]]:
    """The draft's lines as pieces: its sentences (with their index and
    class) and the text between them."""
    out, pos = [], 0
    sentences = result.sentences
    k = 0
    for line in result.text.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        pieces, at = [], start
        while k < len(sentences) and sentences[k].offset < end:
            s = sentences[k]
            if s.offset > at:
                pieces.append(Piece(result.text[at:s.offset]))
            pieces.append(Piece(s.text, k, s.cls))
            at = s.offset + len(s.text)
            k += 1
        if at < end:
            pieces.append(Piece(result.text[at:end]))
        if pieces:
            out.append(pieces)
    return out


def spot_url(report_id: str, offset: int, text: str) -> str:
    """The report page at the spot where `text` starts (marked as a phrase)."""
    head = []
    for c in text[:SPOT_CHARS]:
        if c in QUOTES or c.isspace():
            break
        head.append(c)
    phrase = "".join(head)
    if len(phrase) < 2:
        return url_for("web.report_any", rest=report_id)
    return url_for("web.report_any", rest=report_id, q=f'"{phrase}"', _anchor=f"o{offset}")


def _peak(result: CheckResult) -> dict[int, int]:
    """The largest yearly count of each 套话 sentence (the scale of its bars)."""
    return {i: max(s.by_year.values(), default=0) for i, s in enumerate(result.sentences) if s.by_year}
