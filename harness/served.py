"""`python -m search serve --port 0` in a subprocess, the port read from its
banner, stopped at the end: the one way the tests and the benchmarks start a
real server (and `Command`, any other `python -m search …` left running).

    with Served("--index", str(index), "--corpus", str(corpus)) as server:
        status, headers, body = server.get("/search.json?q=党建")

The child gets this tree's code (PYTHONPATH = `src`, the repository unless
told otherwise), unbuffered output, and none of the caller's REPORTS_*
variables (a server's settings come from its flags; pass `env` to set some).
Its stdout and stderr are read in threads, each line kept in order (and
written to `log` when given), so waiting for a line always has a deadline.
"""
from __future__ import annotations

import base64
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from email.message import Message
from pathlib import Path
from typing import Self

from harness.paths import ROOT

# "报告检索已启动，监听 127.0.0.1:PORT —— 在浏览器中打开 http://127.0.0.1:PORT/"
BANNER = r"打开 (http://[^\s/]+:(\d+))/"
START_TIMEOUT_S = 180.0


class NotSeen(AssertionError):
    """The server ended, or the deadline passed, before printing the line waited for."""


class Stream:
    """The lines of one pipe, kept; a reader's cursor moves past the ones it has looked at."""

    def __init__(self, pipe, log=None, lock: threading.Lock | None = None) -> None:
        self.lines: list[str] = []
        self.cursor = 0
        self.closed = False
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._pump, args=(pipe, log, lock), daemon=True)
        self._thread.start()

    def _pump(self, pipe, log, lock) -> None:
        for line in pipe:
            if log is not None:
                with lock:
                    log.write(line)
                    log.flush()
            with self._changed:
                self.lines.append(line)
                self._changed.notify_all()
        with self._changed:
            self.closed = True
            self._changed.notify_all()

    def next_line(self, deadline: float) -> str | None:
        """The next unread line; None at the deadline or once the pipe is closed and read."""
        with self._changed:
            while self.cursor >= len(self.lines):
                left = deadline - time.monotonic()
                if self.closed or left <= 0:
                    return None
                self._changed.wait(min(left, 0.5))
            self.cursor += 1
            return self.lines[self.cursor - 1]

    def text(self) -> str:
        with self._changed:
            return "".join(self.lines)

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)


class Command:
    """A running `python -m search ARGS`: its stdout and stderr read in
    threads, a line waited for with a deadline."""

    def __init__(self, *args: str, cwd: Path = ROOT, env: dict[str, str] | None = None, src: Path = ROOT,
                 log: Path | None = None, new_session: bool = False) -> None:
        """`new_session`: in a process group of its own, the one Ctrl+C reaches (os.killpg(pid))."""
        base = {k: v for k, v in os.environ.items() if not k.startswith("REPORTS_")}
        pythonpath = os.pathsep.join(filter(None, [str(src), os.environ.get("PYTHONPATH")]))
        self._log = open(log, "w", encoding="utf-8") if log else None  # noqa: SIM115 (closed in stop())
        self.log_path = log
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "search", *args], cwd=cwd, text=True,
            encoding="utf-8", errors="replace", stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            start_new_session=new_session,
            env={**base, "PYTHONUNBUFFERED": "1", "PYTHONPATH": pythonpath, **(env or {})})
        self.pid = self.proc.pid
        lock = threading.Lock()
        self.out = Stream(self.proc.stdout, self._log, lock)
        self.err = Stream(self.proc.stderr, self._log, lock)

    @property
    def seen(self) -> list[str]:
        """Every line of stdout so far."""
        return list(self.out.lines)

    def wait_for(self, pattern: str, stream: str = "stdout", timeout: float = START_TIMEOUT_S) -> re.Match:
        """The first unread line of `stream` ("stdout" or "stderr") that matches `pattern`."""
        source = self.out if stream == "stdout" else self.err
        deadline = time.monotonic() + timeout
        while (line := source.next_line(deadline)) is not None:
            if m := re.search(pattern, line):
                return m
        ended = self.proc.poll()
        raise NotSeen(f"no {pattern!r} on the {stream} of `{' '.join(self.proc.args[3:5])}` "
                      f"({'it exited with ' + str(ended) if ended is not None else f'{timeout:g} s passed'}):\n"
                      f"{self.out.text()}{self.err.text()}")

    def stop(self, timeout: float = 40, sig: int = signal.SIGTERM) -> str:
        """`sig` (SIGTERM: in-flight work is finished first; SIGINT: Ctrl+C),
        SIGKILL after `timeout`; what the command printed to stderr. Its
        exit code is then `proc.returncode`."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=30)
        self.out.join(5)
        self.err.join(5)
        if self._log is not None and not self._log.closed:
            self._log.close()
        return self.err.text()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class Served(Command):
    """A running `python -m search serve --port 0 ARGS`; `port` and `url` from its banner."""

    def __init__(self, *args: str, cwd: Path = ROOT, env: dict[str, str] | None = None, src: Path = ROOT,
                 log: Path | None = None, wait: bool = True, timeout: float = START_TIMEOUT_S) -> None:
        super().__init__("serve", "--port", "0", *args, cwd=cwd, env=env, src=src, log=log)
        self.port = 0
        self.url = ""
        if wait:
            self.wait_banner(timeout)

    def wait_banner(self, timeout: float = START_TIMEOUT_S, refuse: str | None = None) -> int:
        """Wait for the banner; `port` and `url` from it. A line matching `refuse`
        first (e.g. "还没有索引": it would build one) stops the server and raises
        NotSeen, as does a server that ends or a deadline that passes."""
        try:
            m = self.wait_for(BANNER if refuse is None else f"{BANNER}|{refuse}", timeout=timeout)
            if m.group(1) is None:
                raise NotSeen(f"the server said {m.group(0)!r} before its banner")
        except BaseException:
            self.stop()
            raise
        self.url, self.port = m.group(1), int(m.group(2))
        return self.port

    def get(self, path: str, auth: tuple[str, str] | None = None,
            timeout: float = 60) -> tuple[int, Message, bytes]:
        """One GET of `path`: status, headers, body (an error status is an answer too)."""
        request = urllib.request.Request(self.url + path)
        if auth:
            request.add_header("Authorization", basic(*auth))
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers, exc.read()


def basic(user: str, password: str) -> str:
    """An Authorization header's value for HTTP Basic."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
