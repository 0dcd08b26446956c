"""`reports` — the command line. Thin: validate, one library call, print
(cli_print.py), in Chinese (cli_zh.py puts Click's own words in Chinese)."""
from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import click

from . import analysis, choices, cli_print, cli_zh, export, sortkey
from .cli_options import (
    FORMATS,
    corpus_option,
    index_option,
    lookup_options,
    settings_of,
    watch_option,
)
from .errors import BadInput, QueryTooLong, ReportsError, check_query_length
from .indexer import IndexSummary, index_library
from .phrase import PHRASE_SORTS, lookup
from .query import Filters, parse, parse_years
from .ranking import SORTS as SEARCH_SORTS
from .searcher import Library
from .settings import Settings

cli_zh.install()
echo = cli_print.echo


def _fail(message: str) -> NoReturn:
    raise BadInput(message)


def _echo_json(data: object) -> None:
    echo(json.dumps(data, ensure_ascii=False, indent=2))


def _library(settings: Settings) -> Library:
    library = Library(settings.index_dir, cache_mb=settings.cache_mb)
    library.generation()  # NoIndex: one line (the group's invoke)
    return library


def _words(parts: tuple[str, ...]) -> str:
    """Command-line words as one string; bytes that were not valid text in the
    terminal's encoding become U+FFFD instead of lone surrogates."""
    return " ".join(parts).encode("utf-8", "surrogateescape").decode("utf-8", "replace").strip()


def _load_dictionaries(library: Library, sort: str = "") -> float:
    """Load jieba's dictionaries (and the pinyin table for a sort by context)
    before the query, so that the time printed is the query's own."""
    started = time.perf_counter()
    analysis.segmenter(library.generation().user_dict)
    if sort in ("left", "right"):
        sortkey.table()
    return time.perf_counter() - started


def _filters(year: str | None, types: tuple[str, ...], levels: tuple[str, ...], library: Library,
             settings: Settings) -> Filters:
    years = parse_years(year) if year else None
    if year and years is None:
        _fail(f"--year {year!r}：年份应写作 2023 或 2020-2023")
    valid = choices.names(settings, library.generation())
    for key, values in (("type", types), ("level", levels)):
        bad = [v for v in values if v not in valid[key]]
        if bad:
            _fail(f"--{key} " + choices.message(key, bad, valid[key]))
    return Filters(years, set(types), set(levels))


def _query_warnings(text: str, library: Library, settings: Settings) -> None:
    """type:/level: written in the query with a value not in the lists: said
    on stderr; the search still runs (malformed syntax never stops one)."""
    try:
        filters = parse(text).filters
    except QueryTooLong:
        return
    valid = choices.names(settings, library.generation())
    for key, values in choices.unknown(filters, valid).items():
        echo("注意：" + choices.message(key, values, valid[key]), err=True)


def _export(table: export.Table, fmt: str | None, output: Path | None, what: str, n: int) -> None:
    fmt = fmt or (output.suffix.lower().lstrip(".") if output else "")
    if fmt not in export.FORMATS:
        _fail(f"--output {output}：从扩展名看不出格式，请加 --format xlsx、docx 或 csv")
    data = export.write(table, fmt)
    if output is None:
        if fmt != "csv":
            _fail(f"--format {fmt} 要配合 --output 文件名，如 --output 结果.{fmt}")
        sys.stdout.buffer.write(data)
        return
    try:
        output.write_bytes(data)
    except OSError as exc:
        _fail(f"无法写入 {output}：{exc.strerror or exc}")
    echo(f"已导出 {n} {what}到 {output}（{FORMATS[fmt]}）")


class _Commands(click.Group):
    """The one handler: every error of ours (errors.py) found while a command
    runs — a bad option value, no index or a damaged one, settings files
    broken, the index busy — ends it with its one-line message, exit 1. A
    reader that stops reading (`| head`) ends the command quietly."""

    command_class = cli_zh.Command
    context_class = cli_zh.Context

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("options_metavar", "[选项]")
        kwargs.setdefault("subcommand_metavar", "命令 [参数]...")
        super().__init__(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except ReportsError as exc:
            raise click.ClickException(exc.message) from None
        except BrokenPipeError:
            _quiet_stdout()
            raise click.exceptions.Exit(0) from None


def _quiet_stdout() -> None:
    """Output nobody reads any more goes nowhere (no second error at exit)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """报告检索：在一库中文工作报告（汇报、总结、述职报告、讲话……）中检索、查提法。

    先运行 reports index 建立索引，再用 reports search / phrase / show 查，或用 reports serve 在浏览器中使用。"""


def run() -> None:
    """The console script: `reports`."""
    try:
        main(prog_name="reports")
    finally:
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            _quiet_stdout()
            os._exit(0)


# ---------------------------------------------------------------- index

@main.command("index")
@click.argument("corpus_arg", metavar="[语料库]", required=False,
                type=click.Path(file_okay=False, path_type=Path))
@corpus_option
@index_option
@click.option("--rebuild", is_flag=True, help="重新分析每一个文件。")
@click.option("--jobs", type=cli_zh.Number(1, 64), default=None,
              help="并行分析的进程数（默认：每个核一个）。")
@watch_option
def index_cmd(corpus_arg, corpus, index_dir, rebuild, jobs, watch):
    """为语料库建立或更新索引：新增、更新、删除有变化的文件。"""
    settings = settings_of(index_dir, corpus_arg or corpus)
    index_and_say(settings, rebuild, jobs)
    if watch:
        watch_corpus(settings, jobs)


def index_and_say(settings: Settings, rebuild: bool = False, jobs: int | None = None) -> IndexSummary:
    """run_index and its summary; Ctrl+C pressed during the commit ends the
    program here, once the summary is out (the run has happened)."""
    summary = run_index(settings, rebuild, jobs)
    cli_print.summary(summary, settings.index_dir)
    if summary.interrupted:
        _exit_now("\n已中断：按下 Ctrl+C 时索引正在提交，本次更新已完成", 130)
    return summary


def run_index(settings: Settings, rebuild: bool = False, jobs: int | None = None) -> IndexSummary:
    """Index with a progress bar (a terminal) or a line per 100 files (a pipe)."""
    bar = None
    tty = sys.stderr.isatty()

    def progress(done: int, total: int, name: str) -> None:
        nonlocal bar
        if tty:
            if bar is None:
                bar = click.progressbar(length=total, label="分析", show_eta=True,
                                        show_pos=True, file=sys.stderr)
                bar.__enter__()
            bar.update(1)
        elif done == total or done % 100 == 0:
            echo(f"已分析 {done}/{total} 个文件", err=True)

    try:
        return index_library(settings, rebuild=rebuild, jobs=jobs, progress=progress)
    except OSError as exc:  # the index folder not writable …
        _fail(_os_message(exc, settings.index_dir))
    except KeyboardInterrupt:
        # The run has already cancelled its work and released its locks; exit
        # now: at a normal exit Python would wait for the stopped workers' pool.
        _exit_now("\n已中断：索引保持原样", 130)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


def _exit_now(message: str, code: int) -> NoReturn:
    echo(message, err=True)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def watch_corpus(settings: Settings, jobs: int | None = None) -> None:
    """`reports index --watch`: index every change of the corpus until Ctrl+C."""
    from .watch import Watcher

    watcher = Watcher(settings.corpus_dir, settings.index_dir, report=watch_printer(settings), jobs=jobs,
                      settings=settings)
    echo(f"正在监视 {settings.corpus_dir}/ —— 文件有变化就更新索引（Ctrl+C 停止）", err=True)
    try:
        watcher.run()
    except KeyboardInterrupt:
        watcher.stop()
        _exit_now("\n已停止监视", 0)


def watch_printer(settings: Settings) -> Callable[[IndexSummary | None, str | None], None]:
    """What a watcher's runs print: each run that changed something, each that failed."""

    def said(summary: IndexSummary | None, error: str | None) -> None:
        if error is not None:
            echo(time.strftime("[%H:%M:%S] ") + f"更新索引失败：{error}", err=True)
        elif summary is not None and summary.changed:
            echo(time.strftime("[%H:%M:%S] ") + "语料库有变化，已更新索引：")
            cli_print.summary(summary, settings.index_dir)
            sys.stdout.flush()
    return said


def _os_message(exc: OSError, index_dir: Path) -> str:
    where = Path(exc.filename) if exc.filename else index_dir
    try:
        in_index = where.resolve().is_relative_to(index_dir.resolve())
    except OSError:
        in_index = False
    what = f"无法写入索引文件夹 {index_dir}/" if in_index else f"无法读写 {where}"
    return f"{what}：{exc.strerror or exc}"


# ---------------------------------------------------------------- search

def _asked(words: tuple[str, ...], empty: str, index_dir: Path, corpus: Path, cache_mb: int, year: str | None,
           types: tuple[str, ...], levels: tuple[str, ...]) -> tuple[str, Library, Filters, Settings]:
    """What a search or a phrase lookup is asked, checked: the text (`empty`
    said when there is none), the library and the filters."""
    text = check_query_length(_words(words))
    if not text:
        _fail(empty)
    settings = settings_of(index_dir, corpus, cache_mb)
    library = _library(settings)
    return text, library, _filters(year, types, levels, library, settings), settings


@main.command("search")
@click.argument("query", nargs=-1, metavar="检索词...")
@click.option("--page", type=cli_zh.Number(1, 100000, "页码"), default=1, help="第几页（每页 10 篇）。")
@click.option("--sort", type=cli_zh.OneOf(SEARCH_SORTS, "排序方式"), default="relevance",
              help="relevance（相关度）、newest（最新）或 oldest（最早）。")
@lookup_options
def search_cmd(query, page, sort, year, types, levels, fmt, output, as_json, corpus, index_dir, cache_mb):
    """检索报告：空格分开的词都要出现（语法见 README：OR、-、引号、title:、year: ……）。"""
    text, library, filters, settings = _asked(query, "请输入检索词（库的概况：reports stats）", index_dir, corpus,
                                              cache_mb, year, types, levels)
    _query_warnings(text, library, settings)
    loading = _load_dictionaries(library)
    if fmt or output:
        result = library.search(text, sort=sort, filters=filters, per_page=export.SEARCH_HITS)
        return _export(export.search_table(result), fmt, output, "篇", len(result.hits))
    result = library.search(text, page=page, sort=sort, filters=filters)
    if as_json:
        return _echo_json(result.to_json())
    if page > result.pages:
        _fail(f"没有第 {page} 页：共 {result.pages} 页（{result.total} 篇）")
    cli_print.results(result, loading)


@main.command("phrase")
@click.argument("phrase", nargs=-1, metavar="提法...")
@click.option("--sort", type=cli_zh.OneOf(PHRASE_SORTS, "排序方式"), default="rank",
              help="rank（按相关度）、left（按前一个词，拼音序）或 right（按后一个词，拼音序）。")
@click.option("--limit", type=cli_zh.Number(1, 100000), default=50, show_default=True,
              help="每页几行。")
@click.option("--page", type=cli_zh.Number(1, 100000, "页码"), default=1, help="第几页。")
@lookup_options
def phrase_cmd(phrase, sort, limit, page, year, types, levels, fmt, output, as_json, corpus, index_dir, cache_mb):
    """查提法：一个提法在库中的每一处用法（前后文、出处），和它前后常接的词。"""
    text, library, filters, _ = _asked(phrase, "请输入要查的提法", index_dir, corpus, cache_mb, year, types, levels)
    loading = _load_dictionaries(library, sort)
    if fmt or output:
        result = lookup(library, text, sort=sort, per_page=export.PHRASE_LINES, filters=filters)
        return _export(export.phrase_table(result), fmt, output, "行", len(result.lines))
    result = lookup(library, text, sort=sort, page=page, per_page=limit, filters=filters)
    if as_json:
        return _echo_json(result.to_json())
    if page > 1 and not result.lines:
        known = f"：共 {result.pages} 页" if result.total_lines is not None else ""
        _fail(f"没有第 {page} 页{known}（每页 {limit} 行）")
    cli_print.phrase(result, loading)


from . import cli_report, cli_serve  # noqa: E402, F401 - register show, stats, clean, serve, check-index

# 草稿比对 (issue 15), in its own module
from .cli_check import check_cmd  # noqa: E402

main.add_command(check_cmd)

if __name__ == "__main__":
    run()
