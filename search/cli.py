"""`reports` — the command line. Thin: validate, one library call, print."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from .analysis import DictionaryError
from .clean import RulesError, clean, corpus_rules
from .corpus import SettingsError, check_settings, rules_message
from .indexer import IndexError_, IndexSummary, index_corpus
from .phrase import PHRASE_SORTS, lookup
from .query import Filters, QueryTooLong, parse_years
from .readers import UnreadableFile, read_text
from .searcher import SORTS, Library, NoIndex, UnknownReport

index_option = click.option("--index", "index_dir", envvar="REPORTS_INDEX", default="index",
                            show_default=True, type=click.Path(file_okay=False, path_type=Path),
                            help="Index folder (env REPORTS_INDEX).")
corpus_option = click.option("--corpus", envvar="REPORTS_CORPUS", default="corpus",
                             show_default=True, type=click.Path(file_okay=False, path_type=Path),
                             help="Corpus folder (env REPORTS_CORPUS).")
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def _fail(message: str):
    raise click.ClickException(message)


def _echo_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _library(index_dir: Path) -> Library:
    library = Library(index_dir)
    try:
        library.generation()
    except NoIndex as exc:
        _fail(str(exc))
    return library


def _words(parts: tuple[str, ...]) -> str:
    """Command-line words as one string; bytes that were not valid text in the
    terminal's encoding become U+FFFD instead of lone surrogates."""
    return " ".join(parts).encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _overlap(value: float) -> str:
    """An estimated overlap of two different texts, never shown as 100 % (as on the web)."""
    return "99% 以上" if value >= 0.99 else f"{value:.0%}"


def _mark(text: str) -> str:
    """A hit: reverse video on a terminal, «…» in a pipe."""
    if sys.stdout.isatty():
        return click.style(text, fg="red", bold=True)
    return f"«{text}»"


class _Commands(click.Group):
    """Errors found while a command runs — no index or a damaged one, settings
    files broken (a user dictionary that is not UTF-8 read by a search, say) —
    end it with their one-line message, as every error."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (NoIndex, SettingsError, DictionaryError) as exc:
            raise click.ClickException(str(exc)) from None
        except RulesError as exc:
            raise click.ClickException(rules_message(exc)) from None


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
def main():
    """报告检索 — search a library of Chinese work reports."""


# ---------------------------------------------------------------- index

@main.command("index")
@click.argument("corpus_arg", metavar="[CORPUS]", required=False,
                type=click.Path(file_okay=False, path_type=Path))
@corpus_option
@index_option
@click.option("--rebuild", is_flag=True, help="Re-analyse every file.")
@click.option("--jobs", type=click.IntRange(1, 64), default=None, help="Worker processes (default: all cores).")
def index_cmd(corpus_arg, corpus, index_dir, rebuild, jobs):
    """Index CORPUS (default: --corpus, ./corpus): add, update and remove what changed."""
    corpus = corpus_arg or corpus
    summary = run_index(corpus, index_dir, rebuild, jobs)
    print_summary(summary, index_dir)


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
            click.echo(f"analysed {done}/{total} files", err=True)

    try:
        summary = index_corpus(corpus, index_dir, rebuild=rebuild, jobs=jobs, progress=progress)
    except (IndexError_, SettingsError) as exc:
        _fail(str(exc))
    except OSError as exc:  # the index folder not writable …
        _fail(_os_message(exc, index_dir))
    except KeyboardInterrupt:
        # The run has already cancelled its work and released its locks; exit
        # now: at a normal exit Python would wait for the stopped workers' pool.
        click.echo("\ninterrupted: the index was left as it was", err=True)
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


def print_summary(s: IndexSummary, index_dir: Path) -> None:
    for note in s.notes:  # what an interrupted run left, and how it was recovered
        click.echo(note)
    if s.rebuilt_because:
        click.echo(f"rebuilt the whole index: {s.rebuilt_because}")
    mb = s.text_bytes / 1e6
    speed = f", {mb / s.seconds:.2f} MB/s" if s.seconds and mb >= 1 else ""
    click.echo(f"added {s.added}, updated {s.updated}, removed {s.removed}, "
               f"unchanged {s.unchanged}, skipped {len(s.skipped)} — "
               f"{s.reports} reports in {index_dir}/ ({s.seconds:.1f} s{speed})")
    if s.copies:
        click.echo(f"  {s.copies} of the files read have the same text as a report already "
                   "indexed: kept as copies of it, not indexed twice")
    for name, reason in s.skipped:
        click.echo(f"  skipped {name}: {reason}")
    if s.ignored:
        kinds = ", ".join(f"{n} {suffix}" for suffix, n in s.ignored.most_common())
        click.echo(f"  not reports, left alone: {sum(s.ignored.values())} files of other types ({kinds})")


# ---------------------------------------------------------------- search

@main.command("search")
@click.argument("query", nargs=-1, required=True)
@click.option("--page", type=click.IntRange(1, 100000), default=1)
@click.option("--sort", type=click.Choice(SORTS), default="relevance")
@json_option
@index_option
def search_cmd(query, page, sort, as_json, index_dir):
    """Ranked search; every term must occur (see README for the syntax)."""
    library = _library(index_dir)
    try:
        result = library.search(_words(query), page=page, sort=sort)
    except QueryTooLong as exc:
        _fail(str(exc))
    if as_json:
        return _echo_json(result.to_json())
    merged = f"（另有 {result.merged} 篇相似稿已合并）" if result.merged else ""
    click.echo(f"{result.total} 篇{merged} · 第 {result.page}/{result.pages} 页 · {result.elapsed_ms:.1f} ms")
    for n, hit in enumerate(result.hits, (page - 1) * result.per_page + 1):
        facts = " · ".join(str(x) for x in (hit.year, hit.type, hit.level) if x)
        click.echo(f"\n{n}. {hit.title}  [{facts}]  {hit.id}")
        for snip in hit.snippets:
            click.echo("   " + "".join(_mark(s.text) if s.match else s.text for s in snip))
        if hit.copies:
            click.echo("   同文副本：" + "、".join(hit.copies))
        if hit.similar:
            click.echo(f"   另有 {len(hit.similar)} 份相似：" + "、".join(
                f"{s['id']}（重合 {_overlap(s['overlap'])}）" for s in hit.similar))
    if not result.total:
        missing = [t for t, c in result.term_reports.items() if c == 0]
        if missing:
            click.echo("no report contains: " + "、".join(missing))


@main.command("phrase")
@click.argument("phrase", nargs=-1, required=True)
@click.option("--sort", type=click.Choice(PHRASE_SORTS), default="rank")
@click.option("--limit", type=click.IntRange(1, 100000), default=50, show_default=True)
@click.option("--page", type=click.IntRange(1, 100000), default=1)
@click.option("--year", help="2023 or 2020-2023")
@click.option("--type", "types", multiple=True, help="述职报告, 汇报 … (repeatable)")
@click.option("--level", "levels", multiple=True, help="县, 乡镇 … (repeatable)")
@json_option
@index_option
def phrase_cmd(phrase, sort, limit, page, year, types, levels, as_json, index_dir):
    """查提法: every occurrence of PHRASE in context, with the words around it."""
    years = parse_years(year) if year else None
    if year and years is None:
        _fail(f"--year {year!r}: write a year like 2023 or a range like 2020-2023")
    library = _library(index_dir)
    try:
        result = lookup(library, _words(phrase), sort=sort, page=page, per_page=limit,
                        filters=Filters(years, set(types), set(levels)))
    except QueryTooLong as exc:
        _fail(str(exc))
    if as_json:
        return _echo_json(result.to_json())
    groups = f"（相似稿合并后 {result.total_groups} 篇）" if result.total_groups < result.total_reports else ""
    click.echo(f"「{result.phrase}」 {result.total_occurrences} 处，{result.total_reports} 篇{groups}")
    if result.lines_from < result.total_occurrences:
        click.echo(f"列出的是按相关度排在前面的 {result.lines_from} 处；加 --year/--type/--level 缩小范围可看全")
    width = max((len(l.left) for l in result.lines), default=0)
    for line in result.lines:
        count = f" ×{line.count}" if line.count > 1 else ""
        pad = "　" * (width - len(line.left))
        click.echo(f"{pad}{line.left}{_mark(line.match)}{line.right}  — {line.title}"
                   f"{'，' + str(line.year) + '年' if line.year else ''}{count}")
    if result.before:
        click.echo("前接: " + "  ".join(f"{w}({c})" for w, c in result.before))
    if result.after:
        click.echo("后接: " + "  ".join(f"{w}({c})" for w, c in result.after))


@main.command("show")
@click.argument("report_id")
@json_option
@index_option
def show_cmd(report_id, as_json, index_dir):
    """A report: metadata, outline and cleaned text."""
    library = _library(index_dir)
    try:
        view = library.report(report_id)
    except UnknownReport:
        _fail(f"no report {report_id!r} in the index (ids are paths relative to the corpus)")
    if as_json:
        return _echo_json(view.to_json())
    facts = " · ".join(str(x) for x in (view.year, view.period, view.type, view.level) if x)
    click.echo(f"{view.title}\n{facts} · {view.id}")
    if view.copy_of:
        click.echo(f"与 {view.copy_of} 同文")
    if view.copies:
        click.echo("同文副本：" + "、".join(view.copies))
    if view.similar:
        click.echo("相似稿：" + "、".join(f"{s['id']}（重合 {_overlap(s['overlap'])}）" for s in view.similar))
    click.echo()
    for h in view.outline:
        if h["depth"] <= 2:
            click.echo("  " * (h["depth"] - 1) + h["text"])
    click.echo("\n" + view.text)


@main.command("stats")
@json_option
@index_option
def stats_cmd(as_json, index_dir):
    """Report count, index size, counts by year / type / level."""
    stats = _library(index_dir).stats()
    if as_json:
        return _echo_json(stats)
    click.echo(f"{stats['reports']} reports, index {stats['index_bytes'] / 1e6:.1f} MB "
               f"(generation {stats['generation']})")
    click.echo(f"{stats['files']} files: {stats['copies']} copies of a report with the same text; "
               f"{stats['similar_groups']} groups of near-duplicates holding "
               f"{stats['in_similar_groups']} reports")
    for key, label in (("by_year", "年份"), ("by_type", "类型"), ("by_level", "层级")):
        click.echo(f"{label}: " + "  ".join(f"{k} {v}" for k, v in stats[key].items()))


@main.command("clean")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--diff", is_flag=True, help="Show the removed spans and their rules instead.")
@corpus_option
def clean_cmd(file, diff, corpus):
    """Print FILE cleaned (or, with --diff, what was removed and why)."""
    try:
        raw = read_text(file)
    except UnreadableFile as exc:
        _fail(f"cannot read {file}: {exc.reason}")
    report = clean(raw, corpus_rules(corpus))
    if not diff:
        return click.echo(report.text)
    for span in report.removed:
        click.echo(f"{span.start:>7}-{span.end:<7} {span.rule:<16} {raw[span.start:span.end]!r}")


# An office of 50 browsers keeps up to 6 connections each alive (300); waitress's
# 100 lets fewer than 20 browsers, or 100 idle sockets, lock everyone else out.
# 500 stays under the 512 sockets that select() holds on Windows.
CONNECTION_LIMIT = 500
CHANNEL_TIMEOUT = 30  # seconds an idle kept-alive connection stays open (waitress: 120)


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 shares the library on the network (with --auth-file).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--threads", type=click.IntRange(1, 64), default=4, show_default=True)
@click.option("--connection-limit", type=click.IntRange(1, 100000), default=CONNECTION_LIMIT,
              show_default=True, help="Open connections (kept-alive ones included) served at once.")
@click.option("--channel-timeout", type=click.IntRange(1, 3600), default=CHANNEL_TIMEOUT,
              show_default=True, help="Seconds an idle connection is kept open.")
@click.option("--debug", is_flag=True, help="Flask's development server with reloading.")
@click.option("--auth-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Require an HTTP basic-auth login: a file of user:password lines, which should be "
                   "readable only by its owner (chmod 600). Env REPORTS_AUTH=user:pass does the same "
                   "for one user.")
@corpus_option
@index_option
def serve_cmd(host, port, threads, connection_limit, channel_timeout, debug, auth_file, corpus, index_dir):
    """Serve the web UI (builds the index from the corpus first if there is none)."""
    # The engine itself never imports Flask.
    from web import ServeError, auth, create_app, make_server, serve_until_stopped

    try:
        credentials, warnings = auth.for_serve(auth_file, host)
    except auth.AuthConfigError as exc:
        _fail(str(exc))
    try:
        check_settings(corpus)  # a dictionary the searches would fail on, before serving any
    except SettingsError as exc:
        _fail(str(exc))
    app = create_app({"INDEX_DIR": index_dir, "CORPUS_DIR": corpus, "AUTH": credentials})
    server = None
    if not debug:  # the port first: a port in use is said at once, not after building the index
        try:
            server, notes = make_server(app, host, port, threads, connection_limit, channel_timeout)
        except ServeError as exc:
            _fail(str(exc))
        warnings += notes
    for warning in warnings:  # once the address is known to work
        click.echo(warning, err=True)
    try:
        Library(index_dir).generation()
    except NoIndex:
        click.echo(f"no index at {index_dir}/ yet — building it from {corpus}/ first")
        print_summary(run_index(corpus, index_dir), index_dir)
    if server is None:
        app.run(host=host, port=port, debug=True)
        return
    where = getattr(server, "effective_listen", None) or [(server.effective_host, server.effective_port)]
    bound = where[0][1]
    click.echo(f"报告检索 serving {where[0][0]}:{bound} — "
               f"open http://{'127.0.0.1' if host in ('0.0.0.0', '', '::') else host}:{bound}/")
    serve_until_stopped(server)  # SIGINT or SIGTERM: in-flight requests are finished first


@main.command("check-index")
@index_option
def check_index_cmd(index_dir):
    """Check every checksum of the index (what `reports index` trusts)."""
    from .store import IndexDamaged, check

    try:
        snap, checked = check(index_dir)
    except IndexDamaged as exc:
        _fail(str(exc))
    if snap is None:
        _fail(f"no index at {index_dir}/ — run `reports index` first")
    click.echo(f"索引完好：{len(snap.parts)} 个段，{snap.report_count} 篇报告，"
               f"校验了 {checked / 1e6:.1f} MB")


# 草稿比对 (issue 15), in its own module
from .cli_check import check_cmd

main.add_command(check_cmd)

if __name__ == "__main__":
    main()
