"""`reports serve` and `reports check-index`."""
from __future__ import annotations

from pathlib import Path

import click

from . import cli_zh, collector
from .cli import _fail, echo, index_and_say, main, watch_printer
from .cli_options import cache_option, corpus_option, index_option, settings_of, watch_option
from .searcher import Library, NoIndex
from .settings import Settings, check_settings
from .watch import Watcher

# An office of 50 browsers keeps up to 6 connections each alive (300); waitress's
# 100 lets fewer than 20 browsers, or 100 idle sockets, lock everyone else out.
# 500 stays under the 512 sockets that select() holds on Windows.
CONNECTION_LIMIT = 500
CHANNEL_TIMEOUT = 30  # seconds an idle kept-alive connection stays open (waitress: 120)


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, metavar="地址",
              help="监听的地址；0.0.0.0 把库共享到局域网（请配合 --auth-file）。")
@click.option("--port", type=cli_zh.Number(0, 65535, "端口"), default=8000, show_default=True)
@click.option("--threads", type=cli_zh.Number(1, 64), default=4, show_default=True,
              help="同时处理请求的线程数。")
@click.option("--connection-limit", type=cli_zh.Number(1, 100000),
              default=CONNECTION_LIMIT, show_default=True, help="同时保持的连接数（含空闲的长连接）。")
@click.option("--channel-timeout", type=cli_zh.Number(1, 3600),
              default=CHANNEL_TIMEOUT, show_default=True, help="空闲连接保持的秒数。")
@click.option("--debug", is_flag=True, help="用 Flask 的开发服务器（改代码自动重载）。")
@click.option("--auth-file", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="文件",
              help="要求登录（HTTP 基本认证）：每行 用户名:密码 的文件，应只有本人可读（chmod 600）。"
                   "环境变量 REPORTS_AUTH=用户名:密码 对一个用户有同样效果。")
@corpus_option
@index_option
@cache_option
@watch_option
def serve_cmd(host, port, threads, connection_limit, channel_timeout, debug, auth_file, corpus, index_dir,
              cache_mb, watch):
    """在浏览器中使用（还没有索引时先从语料库建立索引）。"""
    # The engine itself never imports Flask.
    from web import auth, create_app, make_server, serve_until_stopped

    settings = settings_of(index_dir, corpus, cache_mb, auth_file)
    credentials, warnings = auth.for_serve(settings, host)
    check_settings(settings)  # a dictionary the searches would fail on, before serving any
    app = create_app({"AUTH": credentials}, settings)
    server = None
    if not debug:  # the port first: a port in use is said at once, not after building the index
        server, notes = make_server(app, host, port, threads, connection_limit, channel_timeout)
        warnings += notes
    for warning in warnings:  # once the address is known to work
        echo(warning, err=True)
    try:
        Library(settings.index_dir).generation()
    except NoIndex:
        echo(f"{settings.index_dir}/ 还没有索引 —— 先从 {settings.corpus_dir}/ 建立索引")
        index_and_say(settings)
    collector.tune_for_serving()  # from here on it answers requests (the first build kept the defaults)
    watcher = _start_watching(settings) if watch else None
    try:
        if server is None:
            app.run(host=host, port=port, debug=True, use_reloader=not watch)
            return
        where = getattr(server, "effective_listen", None) or [(server.effective_host, server.effective_port)]
        bound = where[0][1]
        shown = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
        echo(f"报告检索已启动，监听 {where[0][0]}:{bound} —— 在浏览器中打开 http://{shown}:{bound}/")
        serve_until_stopped(server)  # SIGINT or SIGTERM: in-flight requests are finished first
    finally:
        if watcher is not None:
            watcher.stop()


def _start_watching(settings: Settings) -> Watcher:
    """`reports serve --watch`: a thread of the server indexes each change of
    the corpus; the pages follow the new index at their next request. Its runs
    analyse in the server's process (no worker processes forked beside the
    server's threads)."""
    watcher = Watcher(settings.corpus_dir, settings.index_dir, report=watch_printer(settings), jobs=1,
                      settings=settings)
    watcher.start()
    echo(f"正在监视 {settings.corpus_dir}/ —— 文件有变化就更新索引", err=True)
    return watcher


@main.command("check-index")
@index_option
def check_index_cmd(index_dir):
    """核对索引的每一个校验和（reports index 依据的就是这些）。"""
    from .store import check

    snap, checked = check(index_dir)  # IndexDamaged: said by the one handler
    if snap is None:
        _fail(f"{index_dir}/ 中没有索引 —— 请先运行 reports index")
    echo(f"索引完好：{len(snap.parts)} 个段，{snap.report_count} 篇报告，"
         f"校验了 {checked / 1e6:.1f} MB")
