"""What the attack tests share: the `reports` command as a subprocess, raw
HTTP over loopback, and a child process's peak memory (the real server is
harness.served)."""
from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

from harness.paths import ROOT


def reports(*args: str, timeout: float = 300, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "search", *args], capture_output=True, text=True,
                          encoding="utf-8", errors="replace", env={**os.environ, **(env or {})},
                          timeout=timeout, cwd=ROOT, check=False)


def one_line_error(result: subprocess.CompletedProcess) -> str:
    """The error of a failed command: exit 1, no traceback, one line."""
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def search_json(index: Path, query: str) -> dict:
    result = reports("search", query, "--json", "--index", str(index))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def peak_rss_mb(code: str, timeout: float = 300) -> tuple[float, str]:
    """Run `code` in a fresh Python; its peak resident memory (MB) and stdout.
    The peak is VmHWM, the child's own: getrusage's ru_maxrss also counts the
    parent's peak when the child was started by vfork and exec (as subprocess
    does), so it grew with the test run's own memory."""
    wrapped = code + ("\nimport re\nprint('RSS', re.search(r'VmHWM:\\s*(\\d+)', "
                      "open('/proc/self/status').read()).group(1))\n")
    done = subprocess.run([sys.executable, "-c", wrapped], capture_output=True, text=True, timeout=timeout, cwd=ROOT,
                          check=False)
    assert done.returncode == 0, done.stderr
    rss = int(re.search(r"^RSS (\d+)$", done.stdout, re.MULTILINE).group(1))
    return rss / 1024, done.stdout


def http(port: int, path: str = "/healthz", host: str = "127.0.0.1", timeout: float = 10,
         close: bool = True) -> tuple[int, dict[str, str], bytes]:
    """One request on a new connection, read to the end of its body."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        return request_on(s, path, host, close)


def request_on(s: socket.socket, path: str, host: str = "127.0.0.1",
               close: bool = False) -> tuple[int, dict[str, str], bytes]:
    connection = "close" if close else "keep-alive"
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: {connection}\r\n\r\n".encode("latin-1"))
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = s.recv(65536)
        if not chunk:
            break
        body += chunk
    return int(lines[0].split()[1]), headers, body
