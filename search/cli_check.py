"""`reports check FILE`: 草稿比对 on the command line (one library call, printed)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from . import cli_zh
from .cli_options import corpus_option, index_option, settings_of
from .draft import COMMON_AT, CheckResult, check, read_path
from .draft_report import CLASS_NAMES, overlap_text, percent, summary_lines, write_docx
from .searcher import Library

SHOWN = 60  # characters of a sentence printed


@click.command("check", cls=cli_zh.Command)
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="输出 JSON（键与 /check.json 相同）。")
@click.option("--format", "fmt", type=click.Choice(["text", "docx"]), default="text", show_default=True,
              help="docx：写出草稿，照搬的句子标黄、套话标灰，出处写在批注里。")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="写入的 .docx 文件（与 --format docx 同用）。")
@click.option("--common-at", type=cli_zh.Number(2, 1_000_000), default=COMMON_AT, show_default=True,
              envvar="REPORTS_COMMON_AT",
              help="至少这么多篇不同的报告都用的句子算套话（环境变量 REPORTS_COMMON_AT）。")
@corpus_option
@index_option
def check_cmd(file: Path, as_json: bool, fmt: str, output: Path | None, common_at: int,
              corpus: Path, index_dir: Path) -> None:
    """草稿比对：草稿 FILE（.txt、.md、.docx……；- 读标准输入）中哪些句子照搬了库里的报告，哪些是套话，哪些是新写的。"""
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
