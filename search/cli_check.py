"""`reports check FILE`: 草稿比对 on the command line (one library call, printed)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .cli_options import corpus_option, index_option, settings_of
from .draft import COMMON_AT, CheckResult, check, read_path
from .draft_report import CLASS_NAMES, overlap_text, percent, summary_lines, write_docx
from .searcher import Library

SHOWN = 60  # characters of a sentence printed


@click.command("check")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON (the keys of /check.json).")
@click.option("--format", "fmt", type=click.Choice(["text", "docx"]), default="text", show_default=True,
              help="docx: write the draft with copied sentences highlighted and their sources in comments.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The .docx file to write (with --format docx).")
@click.option("--common-at", type=click.IntRange(2, 1_000_000), default=COMMON_AT, show_default=True,
              envvar="REPORTS_COMMON_AT",
              help="A sentence in at least this many distinct reports is 套话 (env REPORTS_COMMON_AT).")
@corpus_option
@index_option
def check_cmd(file: Path, as_json: bool, fmt: str, output: Path | None, common_at: int,
              corpus: Path, index_dir: Path) -> None:
    """草稿比对: which sentences of the draft FILE (.txt, .md, .docx …; - for stdin)
    are copied from reports of the library, which are 套话, which are new."""
    if fmt == "docx" and output is None:
        raise click.ClickException("--format docx 要用 --output 指定写入的 .docx 文件")
    raw = sys.stdin.read() if str(file) == "-" else read_path(file)
    settings = settings_of(index_dir, corpus)
    result = check(Library(settings.index_dir, cache_mb=settings.cache_mb), raw, settings, common_at)
    if fmt == "docx":
        try:
            write_docx(result, output)
        except OSError as exc:
            raise click.ClickException(f"无法写入 {output}：{exc.strerror or exc}") from None
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    elif fmt == "docx":
        click.echo(f"{summary_lines(result)[1]} — 已写入 {output}")
    else:
        _print(result)


def _print(result: CheckResult) -> None:
    for line in summary_lines(result):
        click.echo(line)
    click.echo(f"（{result.elapsed_ms / 1000:.2f} s）\n")
    for s in result.sentences:
        text = s.text if len(s.text) <= SHOWN else s.text[:SHOWN] + "…"
        label = CLASS_NAMES[s.cls]
        if sys.stdout.isatty() and s.cls != "new":
            label = click.style(label, fg="red" if s.cls == "copied" else "yellow", bold=True)
        click.echo(f"[{label}] {text}")
        if s.cls == "copied":
            for src in s.sources:
                year = f"（{src.year}）" if src.year else ""
                click.echo(f"        ← 《{src.title}》{year} {overlap_text(src.overlap)} · {src.id} @{src.offset}")
        elif s.cls == "common":
            years = " ".join(f"{y}:{n}" for y, n in s.by_year.items())
            click.echo(f"        {s.reports} 篇报告都用" + (f"；按年份 {years}" if years else ""))
    share = result.share
    click.echo(f"\n新写 {percent(share['new'])} · 套话 {percent(share['common'])} · 照搬 {percent(share['copied'])}")
