"""Issue 16, the server under attack: odd Host headers, idle and kept-alive
connections by the hundred, SIGTERM with answers in flight. A real
`reports serve` over loopback, bounded counts."""
from __future__ import annotations

import signal
import socket
import time
from pathlib import Path

import pytest

from harness.attack import http, reports, request_on
from harness.paths import copy_seeds
from harness.served import Served
from web import SECURITY_HEADERS

pytestmark = pytest.mark.slow  # every test runs the `reports` command or a server


@pytest.fixture(scope="module")
def library_dirs(tmp_path_factory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("served")
    corpus = copy_seeds(base / "corpus")
    # One long report: its page is larger than the kernel's socket buffers.
    line = "坚持以习近平新时代中国特色社会主义思想为指导，扎实推进各项工作，压紧压实责任。"
    (corpus / "long.txt").write_text("一份很长的报告\n" + "\n".join([line] * 60000) + "\n", "utf-8")
    index = base / "index"
    assert reports("index", str(corpus), "--index", str(index)).returncode == 0
    return corpus, index


@pytest.fixture(scope="module")
def server(library_dirs):
    corpus, index = library_dirs
    with Served("--corpus", str(corpus), "--index", str(index)) as running:
        yield running


@pytest.mark.parametrize("host", ["a..b", "x" * 64 + ".example", "www." + "y" * 70, "a.b..", ".."])
def test_a_bad_host_header_is_a_400_with_the_security_headers(server, host):
    status, headers, body = http(server.port, "/", host=host.encode("utf-8").decode("latin-1"))
    assert status == 400, (host, status, body[:200])
    for name, value in SECURITY_HEADERS.items():
        assert headers.get(name.lower()) == value, (host, name)
    assert "请求有误" in body.decode("utf-8")
    status, headers, body = http(server.port, "/search.json?q=x", host="a..b")
    assert status == 400 and b'"ok":false' in body.replace(b" ", b"")


def _idle(port: int, count: int) -> list[socket.socket]:
    sockets = []
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        sockets.append(s)
    return sockets


def test_a_hundred_and_fifty_idle_connections_do_not_lock_visitors_out(server):
    idle = _idle(server.port, 150)  # waitress's default limit was 100
    try:
        time.sleep(0.5)
        started = time.monotonic()
        status, _, _ = http(server.port, "/healthz", timeout=10)
        assert status == 200 and time.monotonic() - started < 5
    finally:
        for s in idle:
            s.close()


def test_kept_alive_browsers_do_not_lock_visitors_out(server):
    browsers = _idle(server.port, 120)
    try:
        for s in browsers:  # each made a request and keeps its connection, as browsers do
            assert request_on(s, "/healthz")[0] == 200
        started = time.monotonic()
        assert http(server.port, "/healthz", timeout=10)[0] == 200
        assert time.monotonic() - started < 5
    finally:
        for s in browsers:
            s.close()


def test_connection_limit_and_channel_timeout_options(library_dirs):
    corpus, index = library_dirs
    with Served("--corpus", str(corpus), "--index", str(index),
                "--connection-limit", "10", "--channel-timeout", "2") as small:
        idle = _idle(small.port, 10)
        try:
            started = time.monotonic()
            # The limit is reached; the idle ones are closed after 2 s and the visitor gets in.
            assert http(small.port, "/healthz", timeout=20)[0] == 200
            waited = time.monotonic() - started
            assert 1 <= waited < 10, waited
            idle[0].settimeout(10)
            assert idle[0].recv(1) == b""  # closed by the server
        finally:
            for s in idle:
                s.close()


def test_sigterm_finishes_the_answers_in_flight(library_dirs):
    corpus, index = library_dirs
    with Served("--corpus", str(corpus), "--index", str(index)) as running:
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a slow reader: the answer stays in flight
        s.settimeout(30)
        s.connect(("127.0.0.1", running.port))
        s.sendall(b"GET /report/long.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        data = s.recv(4096)
        while b"\r\n\r\n" not in data:
            data += s.recv(4096)
        head, _, body = data.partition(b"\r\n\r\n")
        length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length")))
        assert length > 8_000_000
        time.sleep(0.5)
        running.proc.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        with pytest.raises(OSError):  # no new visitors once it is stopping
            socket.create_connection(("127.0.0.1", running.port), timeout=2).close()
        while chunk := s.recv(1 << 16):
            body += chunk
        s.close()
        assert len(body) == length  # the whole answer, not a cut one
        assert running.proc.wait(timeout=30) == 0
