"""The web front end: a Flask app factory around one `search.Library`.

Thin by design (see DESIGN.md): every route validates its parameters, makes one
library call and renders the result object as HTML or, for the `.json` twins,
as the object's `to_json()` — the same keys as the CLI's `--json`.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

from flask import Flask

from search.searcher import Library

# Sent with every response. No inline script or style anywhere: all JS and
# CSS come from /static, so the policy can stay this strict.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def create_app(config: dict | None = None) -> Flask:
    """The app. Index and corpus come from `config` (INDEX_DIR, CORPUS_DIR),
    else from the env (REPORTS_INDEX, REPORTS_CORPUS), else ./index, ./corpus."""
    app = Flask(__name__)
    app.config.update(
        INDEX_DIR=os.environ.get("REPORTS_INDEX", "index"),
        CORPUS_DIR=os.environ.get("REPORTS_CORPUS", "corpus"),
        SEND_FILE_MAX_AGE_DEFAULT=3600,
        WARM_UP=True,
    )
    app.config.update(config or {})
    app.config["INDEX_DIR"] = Path(app.config["INDEX_DIR"])
    app.config["CORPUS_DIR"] = Path(app.config["CORPUS_DIR"])
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    # Report ids contain slashes; "//" must not be merged into a valid id.
    app.url_map.merge_slashes = False

    # One Library per app: thread-safe, follows the index's CURRENT pointer;
    # a server warms each new generation's texts in the background.
    library = Library(app.config["INDEX_DIR"], warm=app.config["WARM_UP"])
    app.extensions["library"] = library

    from . import auth, views
    views.register(app)
    # A login for every request when credentials are configured (AUTH: a
    # web.auth.Credentials or None), else when REPORTS_AUTH is set.
    credentials = app.config["AUTH"] if "AUTH" in app.config else auth.from_env()
    if credentials is not None:
        auth.install(app, credentials)

    @app.after_request
    def _headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    if app.config["WARM_UP"]:
        threading.Thread(target=_warm_up, args=(library,), daemon=True).start()
    return app


def _warm_up(library: Library) -> None:
    """Load the generation (which starts warming its texts) and the segmenter
    now, not on the first request."""
    try:
        from search import analysis
        gen = library.generation()
        analysis.segmenter(gen.user_dict)
    except Exception:  # no index yet, or being written: the first request will say so
        pass
