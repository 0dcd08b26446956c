"""The web front end: a Flask app factory around one `search.Library`.

Thin by design (the README's architecture): every route validates its parameters, makes one
library call and renders the result object as HTML or, for the `.json` twins,
as the object's `to_json()` — the same keys as the CLI's `--json`.
"""
from __future__ import annotations

import errno
import os
import signal
import socket
import threading
import time
from typing import TYPE_CHECKING

from flask import Flask, Response

if TYPE_CHECKING:
    from waitress.server import BaseWSGIServer

from search.errors import ServeError  # noqa: F401 - re-exported for the CLI
from search.searcher import Library
from search.settings import Settings

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


def create_app(config: dict | None = None, settings: Settings | None = None) -> Flask:
    """The app. Its settings are resolved here, once: `settings` as given,
    else `config`'s INDEX_DIR and CORPUS_DIR over the environment
    (REPORTS_INDEX, REPORTS_CORPUS, REPORTS_USERDICT, REPORTS_CACHE_MB) over
    the defaults (./index, ./corpus). Logins: config's AUTH (a
    web.auth.Credentials or None) when given, else the settings' (REPORTS_AUTH)."""
    config = dict(config or {})
    if settings is None:
        settings = Settings.from_env(index_dir=config.get("INDEX_DIR"), corpus_dir=config.get("CORPUS_DIR"))
    app = Flask(__name__)
    app.config.update(SEND_FILE_MAX_AGE_DEFAULT=3600, WARM_UP=True)
    app.config.update(config)
    app.config["INDEX_DIR"], app.config["CORPUS_DIR"] = settings.index_dir, settings.corpus_dir
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    # Report ids contain slashes; "//" must not be merged into a valid id.
    app.url_map.merge_slashes = False

    # One Library per app: thread-safe, follows the index's CURRENT pointer;
    # a server warms each new generation's texts in the background.
    library = Library(settings.index_dir, warm=app.config["WARM_UP"], cache_mb=settings.cache_mb)
    app.extensions["library"] = library
    app.extensions["settings"] = settings

    from . import auth, views
    views.register(app)
    credentials = config["AUTH"] if "AUTH" in config else auth.from_settings(settings)
    if credentials is not None:
        auth.install(app, credentials)

    @app.after_request
    def _headers(response: Response) -> Response:
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
        from search import analysis, sortkey
        gen = library.generation()
        analysis.segmenter(gen.user_dict)
        sortkey.table()  # the pinyin order of a sort by context
    except Exception:  # noqa: BLE001, S110 - no index yet, or being written: the first request will say so
        pass


# ------------------------------------------------------------------ serving

def make_server(app: Flask, host: str, port: int, threads: int, connection_limit: int,
                channel_timeout: int) -> tuple[BaseWSGIServer, list[str]]:
    """A waitress server bound to host:port, and notes for the user (a limit
    lowered to what the process can hold). Raises ServeError."""
    import waitress

    connection_limit, notes = _fit_connections(connection_limit)
    try:
        server = waitress.create_server(
            app, host=host, port=port, threads=threads, connection_limit=connection_limit,
            channel_timeout=channel_timeout, cleanup_interval=max(1, min(10, channel_timeout // 3)),
            asyncore_use_poll=os.name != "nt")  # poll(): no ceiling of 1024 descriptors as select()
    except (OSError, ValueError) as exc:
        raise ServeError(_listen_message(exc, host, port)) from None
    return server, notes


def _listen_message(exc: Exception, host: str, port: int) -> str:
    code = getattr(exc, "errno", None)
    if code == errno.EADDRINUSE:
        return f"端口 {port} 已被占用（另一个 reports serve 或别的程序）：换一个端口，如 --port {port + 1}"
    if code == errno.EACCES:
        return f"无权使用端口 {port}（1024 以下的端口要管理员权限）：换一个端口，如 --port 8000"
    if code == errno.EADDRNOTAVAIL:
        return f"这台机器没有地址 {host}：--host 用本机的地址，如 127.0.0.1 或 0.0.0.0"
    if isinstance(exc, (ValueError, socket.gaierror)):
        return f"--host {host!r} 不是有效的地址或主机名：如 127.0.0.1（本机）或 0.0.0.0（局域网）"
    return f"无法在 {host}:{port} 上监听：{getattr(exc, 'strerror', None) or exc}"


def _fit_connections(limit: int) -> tuple[int, list[str]]:
    """The connection limit the process can hold: each connection is a file
    descriptor (the soft limit is raised if need be); select() on Windows holds 512."""
    if os.name == "nt":
        return (500, [f"--connection-limit {limit}：Windows 上最多 500，改为 500"]) if limit > 500 else (limit, [])
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = limit + 200  # the index's files, the threads' own, a margin
    if soft != resource.RLIM_INFINITY and soft < need:
        target = need if hard == resource.RLIM_INFINITY else min(need, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
        if soft < need:
            fitted = max(1, soft - 200)
            return fitted, [f"--connection-limit {limit}：本进程最多能打开 {soft} 个文件，改为 {fitted}"]
    return limit, []


def serve_until_stopped(server: BaseWSGIServer, grace: float = 30.0) -> None:
    """Run the server until SIGINT or SIGTERM; then stop listening, finish the
    requests in flight and send their answers (at most `grace` seconds), and
    return. waitress alone stops its loop at once and drops what it was sending."""
    stop = threading.Event()

    def ask_stop(signum, frame) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, ask_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    the_map = getattr(server, "map", None) or server._map
    adj = server.adj

    def turn() -> None:
        server.asyncore.loop(timeout=min(adj.asyncore_loop_timeout, 0.5), map=the_map,
                             use_poll=adj.asyncore_use_poll, count=1)

    try:
        while not stop.is_set():
            turn()
        from waitress.channel import HTTPChannel
        from waitress.server import BaseWSGIServer
        from waitress.wasyncore import dispatcher

        for item in list(the_map.values()):
            if isinstance(item, BaseWSGIServer):
                dispatcher.close(item)  # the listening socket; its trigger stays for the threads
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            busy = False
            for channel in [c for c in the_map.values() if isinstance(c, HTTPChannel)]:
                if channel.requests or channel.total_outbufs_len:
                    busy = True
                elif not channel.will_close:
                    channel.will_close = True  # idle kept-alive: closed on the next turn
            if not busy:
                break
            turn()
        turn()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        server.task_dispatcher.shutdown(timeout=2)
