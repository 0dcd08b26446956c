"""`reports` — the command line. Thin: validate, one library call, print
(cli_print.py), in Chinese (cli_zh.py puts Click's own words in Chinese)."""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import click

from . import analysis, choices, cli_print, cli_zh, export, sortkey
from .analysis import DictionaryError
from .clean import RulesError, clean, corpus_rules
from .corpus import SettingsError, rules_message
from .indexer import IndexError_, IndexSummary, index_corpus
from .phrase import lookup
from .query import MAX_QUERY_CHARS, Filters, QueryTooLong, parse, parse_years
from .readers import UnreadableFile, read_text
from .searcher import Library, NoIndex, UnknownReport

cli_zh.install()
echo = cli_print.echo

SEARCH_SORTS = {"relevance": "相关度", "newest": "最新在前", "oldest": "最早在前"}
PHRASE_SORTS = {"rank": "按相关度", "left": "按前一个词", "right": "按后一个词"}
FORMATS = {"xlsx": "Excel", "docx": "Word", "csv": "CSV"}

index_option = click.option("--index", "index_dir", envvar="REPORTS_INDEX", default="index",
                            show_default=True, metavar="目录",
                            type=click.Path(file_okay=False, path_type=Path),
                            help="索引所在的文件夹（环境变量 REPORTS_INDEX）。")
corpus_option = click.option("--corpus", envvar="REPORTS_CORPUS", default="corpus",
                             show_default=True, metavar="目录",
                             type=click.Path(file_okay=False, path_type=Path),
                             help="语料库文件夹（环境变量 REPORTS_CORPUS）。")
json_option = click.option("--json", "as_json", is_flag=True, help="输出 JSON。")


def filter_options(command):
    for option in reversed((
            click.option("--year", metavar="年份", help="只看某年或某几年：2023 或 2020-2023。"),
            click.option("--type", "types", multiple=True, metavar="类型",
                         help="只看某类文稿，如 述职报告（可重复，任一即可）。"),
            click.option("--level", "levels", multiple=True, metavar="层级",
                         help="只看某一层级，如 县（可重复，任一即可）。"))):
        command = option(command)
    return command


def export_options(command):
    command = click.option("--output", type=click.Path(dir_okay=False, path_type=Path), metavar="文件",
                           help="导出到这个文件（格式按扩展名，或由 --format 指定）。")(command)
    return click.option("--format", "fmt", type=cli_zh.OneOf(FORMATS, "导出格式"), default=None,
                        help="导出全部结果：xlsx（Excel）、docx（Word，带出处）、csv（UTF-8，Excel 可直接打开）。")(command)


def _fail(message: str):
    raise click.ClickException(message)


def _echo_json(data) -> None:
    echo(json.dumps(data, ensure_ascii=False, indent=2))


def _library(index_dir: Path) -> Library:
    library = Library(index_dir)
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


def _filters(year, types, levels, library: Library, corpus: Path) -> Filters:
    years = parse_years(year) if year else None
    if year and years is None:
        _fail(f"--year {year!r}：年份应写作 2023 或 2020-2023")
    valid = choices.names(corpus, library.generation())
    for key, values in (("type", types), ("level", levels)):
        bad = [v for v in values if v not in valid[key]]
        if bad:
            _fail(f"--{key} " + choices.message(key, bad, valid[key]))
    return Filters(years, set(types), set(levels))


def _query_warnings(text: str, library: Library, corpus: Path) -> None:
    """type:/level: written in the query with a value not in the lists: said
    on stderr; the search still runs (malformed syntax never stops one)."""
    try:
        filters = parse(text).filters
    except QueryTooLong:
        return
    valid = choices.names(corpus, library.generation())
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


class _Command(click.Command):
    """Usage lines say [选项]; help is laid out in display columns."""

    context_class = cli_zh.Context

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("options_metavar", "[选项]")
        super().__init__(*args, **kwargs)


class _Commands(click.Group):
    """Errors found while a command runs — no index or a damaged one, settings
    files broken — end it with their one-line message, as every error. A
    reader that stops reading (`| head`) ends the command quietly."""

    command_class = _Command
    context_class = cli_zh.Context

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("options_metavar", "[选项]")
        kwargs.setdefault("subcommand_metavar", "命令 [参数]...")
        super().__init__(*args, **kwargs)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (NoIndex, SettingsError, DictionaryError) as exc:
            raise click.ClickException(str(exc)) from None
        except RulesError as exc:
            raise click.ClickException(rules_message(exc)) from None
        except BrokenPipeError:
            _quiet_stdout()
            raise click.exceptions.Exit(0) from None


def _quiet_stdout() -> None:
    """Output nobody reads any more goes nowhere (no second error at exit)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
def main():
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
def index_cmd(corpus_arg, corpus, index_dir, rebuild, jobs):
    """为语料库建立或更新索引：新增、更新、删除有变化的文件。"""
    corpus = corpus_arg or corpus
    summary = run_index(corpus, index_dir, rebuild, jobs)
    cli_print.summary(summary, index_dir)


def run_index(corpus: Path, index_dir: Path, rebuild: bool = False, jobs: int | None = None) -> IndexSummary:
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
        summary = index_corpus(corpus, index_dir, rebuild=rebuild, jobs=jobs, progress=progress)
    except (IndexError_, SettingsError) as exc:
        _fail(str(exc))
    except OSError as exc:  # the index folder not writable …
        _fail(_os_message(exc, index_dir))
    except KeyboardInterrupt:
        # The run has already cancelled its work and released its locks; exit
        # now: at a normal exit Python would wait for the stopped workers' pool.
        echo("\n已中断：索引保持原样", err=True)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(130)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    return summary


def _os_message(exc: OSError, index_dir: Path) -> str:
    where = Path(exc.filename) if exc.filename else index_dir
    try:
        in_index = where.resolve().is_relative_to(index_dir.resolve())
    except OSError:
        in_index = False
    what = f"无法写入索引文件夹 {index_dir}/" if in_index else f"无法读写 {where}"
    return f"{what}：{exc.strerror or exc}"


# ---------------------------------------------------------------- search

@main.command("search")
@click.argument("query", nargs=-1, metavar="检索词...")
@click.option("--page", type=cli_zh.Number(1, 100000, "页码"), default=1, help="第几页（每页 10 篇）。")
@click.option("--sort", type=cli_zh.OneOf(SEARCH_SORTS, "排序方式"), default="relevance",
              help="relevance（相关度）、newest（最新在前）或 oldest（最早在前）。")
@filter_options
@export_options
@json_option
@corpus_option
@index_option
def search_cmd(query, page, sort, year, types, levels, fmt, output, as_json, corpus, index_dir):
    """检索报告：空格分开的词都要出现（语法见 README：OR、-、引号、title:、year: ……）。"""
    text = _words(query)
    if not text:
        _fail("请输入检索词（库的概况：reports stats）")
    if len(text) > MAX_QUERY_CHARS:
        _fail(str(QueryTooLong(len(text))))
    library = _library(index_dir)
    filters = _filters(year, types, levels, library, corpus)
    _query_warnings(text, library, corpus)
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
@filter_options
@export_options
@json_option
@corpus_option
@index_option
def phrase_cmd(phrase, sort, limit, page, year, types, levels, fmt, output, as_json, corpus, index_dir):
    """查提法：一个提法在库中的每一处用法（前后文、出处），和它前后常接的词。"""
    text = _words(phrase)
    if not text:
        _fail("请输入要查的提法")
    if len(text) > MAX_QUERY_CHARS:
        _fail(str(QueryTooLong(len(text))))
    library = _library(index_dir)
    filters = _filters(year, types, levels, library, corpus)
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


# ---------------------------------------------------------------- show, stats, clean

@main.command("show")
@click.argument("report_id", metavar="报告")
@json_option
@corpus_option
@index_option
def show_cmd(report_id, as_json, corpus, index_dir):
    """一篇报告：元数据、完整提纲和清理后的正文。

    报告可写 ID（相对于语料库的路径）、语料库中的文件路径（如 corpus/000_….txt），或不带扩展名的 ID。"""
    library = _library(index_dir)
    doc_id = resolve_id(library, report_id, corpus)
    try:
        view = library.report(doc_id)
    except UnknownReport:
        _fail(f"索引中没有报告 {report_id!r}（报告 ID 是相对于语料库的路径）")
    if as_json:
        return _echo_json(view.to_json())
    cli_print.report(view)


def resolve_id(library: Library, given: str, corpus: Path) -> str:
    """The id a user means: the id itself, a path to the file (in the corpus
    folder, as tab completion gives it), or an id without its extension."""
    if library.has(given):
        return given
    candidates = [given.removeprefix("./")]
    for root in (str(corpus), os.path.abspath(corpus)):
        root = root.rstrip("/") + "/"
        for c in list(candidates):
            if c.startswith(root):
                candidates.append(c[len(root):])
    given_abs = os.path.abspath(given)
    corpus_abs = os.path.abspath(corpus).rstrip("/") + "/"
    if given_abs.startswith(corpus_abs):
        candidates.append(given_abs[len(corpus_abs):])
    for c in candidates:
        if library.has(c):
            return c
    stems = {c for c in candidates if c and "." not in c.rsplit("/", 1)[-1]}
    if stems:
        found = [i for i in library.generation().ids() if os.path.splitext(i)[0] in stems]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            _fail(f"「{given}」对应几篇报告：{'、'.join(sorted(found))}；请写上扩展名")
    return given


@main.command("stats")
@json_option
@index_option
def stats_cmd(as_json, index_dir):
    """库的概况：报告数、索引大小、按年份 / 类型 / 层级的篇数。"""
    library = _library(index_dir)
    stats = {**library.stats(), "updated": round(library.generation().updated, 3)}
    if as_json:
        return _echo_json(stats)
    cli_print.stats(stats)


@main.command("clean")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path), metavar="文件")
@click.option("--diff", is_flag=True, help="改为列出去掉的每一段和去掉它的规则。")
@corpus_option
def clean_cmd(file, diff, corpus):
    """输出文件清理后的正文（或用 --diff 看去掉了什么、为什么）。"""
    if not file.is_file():
        _fail(f"文件 {file} 不存在")
    try:
        raw = read_text(file)
    except UnreadableFile as exc:
        _fail(f"读不出 {file}：{exc.reason}")
    report = clean(raw, corpus_rules(corpus))
    if not diff:
        return echo(report.text)
    for span in report.removed:
        echo(f"{span.start:>7}-{span.end:<7} {span.rule:<16} {raw[span.start:span.end]!r}")


from . import cli_serve  # noqa: F401 - registers `serve` and `check-index` on main

# 草稿比对 (issue 15), in its own module
from .cli_check import check_cmd

main.add_command(check_cmd)

if __name__ == "__main__":
    run()
