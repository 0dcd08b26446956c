"""The one error type: what went wrong, in the user's words (Chinese), and the
HTTP status that says it to a browser.

Every error we raise for a user is a `ReportsError`. The command line has one
handler (the message, exit 1; search/cli.py), the web one handler (an error
page or the JSON envelope; web/views.py). Errors whose cause is a place in a
file (a rules file, a dictionary, a lock) subclass these in their own module
and keep their details as attributes.
"""
from __future__ import annotations

from pathlib import Path

MAX_QUERY_CHARS = 200


class ReportsError(Exception):
    """`message`: one line for the user; `status`: the HTTP status; `headline`:
    what an error page says first when `message` is the detail behind it."""

    status = 500
    headline = ""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status

    def __str__(self) -> str:
        return self.message


# ------------------------------------------------------------------ 400 / 404

class BadInput(ReportsError):
    """A parameter, a query or a file given that cannot mean anything."""

    status = 400


class QueryTooLong(BadInput):
    """The one check and message for a query over MAX_QUERY_CHARS."""

    def __init__(self, length: int) -> None:
        super().__init__(f"查询过长：{length} 个字符，最多 {MAX_QUERY_CHARS} 个。请缩短后再试。")
        self.length = length


def check_query_length(text: str) -> str:
    """`text`, or QueryTooLong when it is over MAX_QUERY_CHARS."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryTooLong(len(text))
    return text


class UnreadableFile(BadInput):
    """A file we cannot turn into text; `.reason` says why (Chinese)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class DraftError(BadInput):
    """A draft that cannot be checked (413 when it is too long)."""


class UnknownReport(ReportsError):
    status = 404

    def __init__(self, message: str = "没有这篇报告。") -> None:
        super().__init__(message)


# ------------------------------------------------------------------ 409

class IndexBusy(ReportsError):
    """Another process is writing the index."""

    status = 409


# ------------------------------------------------------------------ 503

class Unavailable(ReportsError):
    """The library cannot answer now: no index, a damaged one, broken settings."""

    status = 503


class SettingsError(Unavailable):
    """A settings file (rules, dictionary, type and level lists) is broken; the
    message names the file, the line and the rule."""


class NoIndex(Unavailable):
    """No usable index: none yet, another version's, or damaged."""

    headline = "索引还没有建好，或需要重建。请运行 reports index 建立索引（reports serve 启动时也会先建索引）。"

    def __init__(self, index_dir: Path, message: str | None = None):
        super().__init__(message or f"{index_dir}/ 中没有索引 —— 请先运行 reports index")


class IndexDamaged(NoIndex):
    """Index files that cannot be used as they are."""

    def __init__(self, index_dir: Path, what: str, old_format: bool = False):
        if old_format:
            message = f"索引由另一版本的报告检索写成（{what}）—— 请运行 `reports index` 重建"
        else:
            message = f"索引已损坏：{what} —— 请运行 `reports index --rebuild` 重建"
        super().__init__(index_dir, message)
        self.what, self.old_format = what, old_format


# ------------------------------------------------------------------ 500: the command line's own

class IndexingError(ReportsError):
    """An indexing run that cannot go on, explained in the user's terms."""


class AuthConfigError(ReportsError):
    """An auth file or REPORTS_AUTH value that cannot be used."""


class ServeError(ReportsError):
    """The server cannot listen as asked; the message says what to change."""
