"""The options the commands share, and the one place they become `Settings`."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from . import cli_zh
from .settings import DEFAULT_CACHE_MB, ENV, Settings

FORMATS = {"xlsx": "Excel", "docx": "Word", "csv": "CSV"}

Decorator = Callable[[Callable], Callable]

index_option = click.option("--index", "index_dir", envvar=ENV["index_dir"], default="index",
                            show_default=True, metavar="目录",
                            type=click.Path(file_okay=False, path_type=Path),
                            help=f"索引所在的文件夹（环境变量 {ENV['index_dir']}）。")
corpus_option = click.option("--corpus", envvar=ENV["corpus_dir"], default="corpus",
                             show_default=True, metavar="目录",
                             type=click.Path(file_okay=False, path_type=Path),
                             help=f"语料库文件夹（环境变量 {ENV['corpus_dir']}）。")
cache_option = click.option("--cache-mb", envvar=ENV["cache_mb"], type=cli_zh.Number(1, 1 << 20),
                            default=DEFAULT_CACHE_MB, show_default=True, metavar="MB",
                            help=f"本进程缓存检索结果和正文所用的内存（环境变量 {ENV['cache_mb']}）。")
watch_option = click.option("--watch", is_flag=True,
                            help="此后一直监视语料库，文件有增删改就更新索引（Ctrl+C 停止）。")
json_option = click.option("--json", "as_json", is_flag=True, help="输出 JSON。")


def settings_of(index_dir: Path | None = None, corpus: Path | None = None, cache_mb: int | None = None,
                auth_file: Path | None = None) -> Settings:
    """The command's settings: its flags (click has read their environment
    variables), then the environment (REPORTS_USERDICT, REPORTS_AUTH …)."""
    return Settings.from_env(index_dir=index_dir, corpus_dir=corpus, cache_mb=cache_mb, auth_file=auth_file)


def filter_options(command: Callable) -> Callable:
    for option in reversed((
            click.option("--year", metavar="年份", help="只看某年或某几年：2023 或 2020-2023。"),
            click.option("--type", "types", multiple=True, metavar="类型",
                         help="只看某类文稿，如 述职报告（可重复，任一即可）。"),
            click.option("--level", "levels", multiple=True, metavar="层级",
                         help="只看某一层级，如 县（可重复，任一即可）。"))):
        command = option(command)
    return command


def export_options(command: Callable) -> Callable:
    command = click.option("--output", type=click.Path(dir_okay=False, path_type=Path), metavar="文件",
                           help="导出到这个文件（格式按扩展名，或由 --format 指定）。")(command)
    return click.option("--format", "fmt", type=cli_zh.OneOf(FORMATS, "导出格式"), default=None,
                        help="导出全部结果：xlsx（Excel）、docx（Word，带出处）、"
                             "csv（UTF-8，Excel 可直接打开）。")(command)


def lookup_options(command: Callable) -> Callable:
    """What `search` and `phrase` both take: filters, export, --json, the folders, the cache."""
    for option in (cache_option, index_option, corpus_option, json_option, export_options, filter_options):
        command = option(command)
    return command
