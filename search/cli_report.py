"""`reports show`, `reports stats` and `reports clean`: one report, the library, one file cleaned."""
from __future__ import annotations

import os
from pathlib import Path

import click

from . import cli_print
from .cli import _echo_json, _fail, _library, echo, main
from .cli_options import corpus_option, index_option, json_option, settings_of
from .errors import UnknownReport
from .original import read_original
from .readers import UnreadableFile
from .searcher import Library


@main.command("show")
@click.argument("report_id", metavar="报告")
@json_option
@corpus_option
@index_option
def show_cmd(report_id, as_json, corpus, index_dir):
    """一篇报告：元数据、完整提纲和清理后的正文。

    报告可写 ID（相对于语料库的路径）、语料库中的文件路径（如 corpus/000_….txt），或不带扩展名的 ID。"""
    settings = settings_of(index_dir, corpus)
    library = _library(settings)
    doc_id = resolve_id(library, report_id, settings.corpus_dir)
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
    library = _library(settings_of(index_dir))
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
        original = read_original(file, settings_of(corpus=corpus))
    except UnreadableFile as exc:
        _fail(f"读不出 {file}：{exc.reason}")
    except OSError as exc:
        _fail(f"读不出 {file}：{exc.strerror or exc}")
    if not diff:
        return echo(original.cleaned)
    for span in original.removed:
        echo(f"{span.start:>7}-{span.end:<7} {span.rule:<16} {original.raw[span.start:span.end]!r}")
