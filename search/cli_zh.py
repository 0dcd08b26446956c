"""Click in Chinese: its own words (Usage, Options, Error: …, Missing
argument …) through a message catalogue, as gettext would give them, and
parameter types whose complaints are written for this program.

Click looks each message up with `gettext` at the moment it prints it, in
the module that prints it; `install()` gives those modules our catalogue.
A message Click adds later is shown in English until it is added here.
"""
from __future__ import annotations

from collections.abc import Iterable

import click

CATALOG = {
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "参数",
    "Show this message and exit.": "显示本帮助并退出。",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "运行 '{command} {option}' 查看用法。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing {param_type}": "缺少{param_type}",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Missing command.": "缺少命令。",
    "No such command {name!r}.": "没有命令 {name!r}。",
    "No such option {name!r}.": "没有选项 {name!r}。",
    "Did you mean {possibility}?": "是不是 {possibility}？",
    "(Did you mean one of: {possibilities}?)": "（是不是其中之一：{possibilities}？）",
    "Invalid value: {message}": "取值有误：{message}",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的取值有误：{message}",
    "Option {name!r} requires an argument.": "选项 {name!r} 后面要跟一个值。",
    "Option {name!r} requires {nargs} arguments.": "选项 {name!r} 后面要跟 {nargs} 个值。",
    "Option {name!r} does not take a value.": "选项 {name!r} 不带值。",
    "Got unexpected extra argument ({args})": "多出了参数（{args}）",
    "Got unexpected extra arguments ({args})": "多出了参数（{args}）",
    "{value!r} is not {choice}.": "{value!r} 不是可选的值：{choice}。",
    "{value!r} is not one of {choices}.": "{value!r} 不是可选的值：{choices}。",
    "{value} is not in the range {range}.": "{value} 不在 {range} 的范围内。",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是整数。",
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
    "{name} {filename!r} is a file.": "{name} {filename!r} 是文件，不是文件夹。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} 是文件夹，不是文件。",
    "{name} {filename!r} is not readable.": "{name} {filename!r} 不可读。",
    "{name} {filename!r} is not writable.": "{name} {filename!r} 不可写。",
    "file": "文件",
    "directory": "文件夹",
    "path": "路径",
    "Could not open file {filename!r}: {message}": "打不开文件 {filename!r}：{message}",
    "unknown error": "未知错误",
    "Aborted!": "已中止。",
    "default: {default}": "默认：{default}",
    "env var: {var}": "环境变量：{var}",
    "required": "必填",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
}
_MODULES = ("core", "exceptions", "types", "parser", "formatting", "decorators", "termui", "utils")


def gettext(message: str) -> str:
    return CATALOG.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return gettext(singular if n == 1 else plural)


def install() -> None:
    """Make Click print its messages from the catalogue."""
    import importlib

    for name in _MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = gettext
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext


class Number(click.ParamType):
    """A whole number in [lo, hi], with the complaint in the user's words."""

    def __init__(self, lo: int, hi: int, what: str = ""):
        self.lo, self.hi, self.what = lo, hi, what
        self.name = what or "整数"

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "N"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            number = value
        else:
            text = str(value).strip()
            if not (text.isascii() and text.lstrip("-").isdigit()):
                self.fail(f"{self.what}应为 {self.lo} 到 {self.hi} 之间的整数，不是 {value!r}", param, ctx)
            number = int(text)
        if not self.lo <= number <= self.hi:
            self.fail(f"{self.what}应为 {self.lo} 到 {self.hi} 之间的整数，不是 {number}", param, ctx)
        return number


class OneOf(click.ParamType):
    """One of a few words, each explained in the help."""

    def __init__(self, choices: dict[str, str], what: str):
        self.choices, self.what = choices, what
        self.name = what

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "|".join(self.choices)

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> str:
        if value in self.choices:
            return value
        listed = "、".join(f"{k}（{v}）" for k, v in self.choices.items())
        self.fail(f"{self.what}只能是 {listed}，不是 {value!r}", param, ctx)


# ---------------------------------------------------------------- help text

def _width(text: str) -> int:
    from wcwidth import wcswidth

    found = wcswidth(click.unstyle(text))
    return found if found >= 0 else len(text)


def wrap(text: str, width: int) -> list[str]:
    """Lines of at most `width` display columns: Chinese may break between
    any two characters (not before ，。、；：）), Latin words only at spaces."""
    from wcwidth import wcwidth

    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, used = "", 0
        for token in _tokens(paragraph):
            w = sum(max(wcwidth(c), 0) for c in token)
            if used + w > width and line.strip():
                lines.append(line.rstrip())
                line, used = "", 0
                token = token.lstrip()
                w = sum(max(wcwidth(c), 0) for c in token)
            line += token
            used += w
        lines.append(line.rstrip())
    return lines


def _tokens(text: str) -> list[str]:
    """Latin words (with the space before them) whole; every other character
    alone, a closing mark kept with the character before it."""
    out: list[str] = []
    bracket = False  # inside Click's [默认：…]: kept whole
    for ch in text:
        if out and (bracket or ch.isascii() and not ch.isspace() and out[-1][-1:].isascii()
                    or ch in "，。、；：）》」』！？…" or out[-1].isspace() and not ch.isspace()
                    and ch.isascii()):
            out[-1] += ch
        else:
            out.append(ch)
        bracket = (bracket or ch == "[") and ch != "]"
    return out


class HelpFormatter(click.HelpFormatter):
    """Click's help layout measured in display columns (a Chinese character
    takes two)."""

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        for paragraph in text.split("\n\n"):
            joined = ""
            for line in (line.strip() for line in paragraph.splitlines()):
                latin = joined[-1:].isascii() and line[:1].isascii()
                joined += (" " if joined and latin else "") + line
            for line in wrap(joined, max(self.width - self.current_indent, 20)):
                self.write(f"{indent}{line}\n")
            self.write("\n")
        self.buffer.pop()

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, "用法：" if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading}：\n")

    def write_dl(self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        rows = list(rows)
        first_col = min(max((_width(a) for a, _ in rows), default=0), col_max) + col_spacing
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if _width(first) <= first_col - col_spacing:
                self.write(" " * (first_col - _width(first)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            lines = wrap(second, max(self.width - first_col - self.current_indent - 2, 10)) or [""]
            self.write(f"{lines[0]}\n")
            for line in lines[1:]:
                self.write(f"{'':>{first_col + self.current_indent}}{line}\n")


class Context(click.Context):
    formatter_class = HelpFormatter


class Command(click.Command):
    """Usage lines say [选项]; help is laid out in display columns."""

    context_class = Context

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("options_metavar", "[选项]")
        super().__init__(*args, **kwargs)
