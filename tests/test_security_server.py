"""Security of a real `reports serve` (harness.served): it never writes to the
corpus or the index, listens on loopback unless told otherwise, warns when
bound to the network without a login, and takes its login from a file or
REPORTS_AUTH; a bad login file is a one-line error."""
from __future__ import annotations

import hashlib
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from harness.paths import SEEDS, copy_seeds
from harness.served import Served, basic
from search.indexer import index_corpus
from web import create_app

pytestmark = pytest.mark.slow  # real servers and CLI subprocesses

# ---------------------------------------------------------------- real servers

def raw_get(port: int, path: str) -> int:
    """A request line sent as is (urllib would normalize or refuse some paths)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode("latin-1"))
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    return int(data.split(b" ", 2)[1])


@pytest.fixture
def served_seeds(tmp_path):
    """The seeds indexed in tmp_path: (base, corpus, index)."""
    corpus = copy_seeds(tmp_path / "corpus")
    index = tmp_path / "index"
    index_corpus(corpus, index, jobs=1)
    (tmp_path / "cwd").mkdir()
    return tmp_path, corpus, index


def snapshot(folder: Path) -> dict[str, tuple]:
    """Every file and folder under `folder`: content hash, size and mtime."""
    out = {}
    for path in sorted(folder.rglob("*")):
        st = path.stat()
        key = str(path.relative_to(folder))
        if path.is_dir():
            out[key + "/"] = ("dir",)
        else:
            out[key] = (hashlib.sha256(path.read_bytes()).hexdigest(), st.st_size, st.st_mtime_ns)
    return out


# ---------------------------------------------------------------- (c) never writes

def test_the_server_never_writes_to_the_corpus_or_the_index(served_seeds):
    base, corpus, index = served_seeds
    before = snapshot(base)
    server = Served("--index", str(index), "--corpus", str(corpus), cwd=base / "cwd")
    try:
        q = quote("组织建设")
        paths = ["/", "/healthz", f"/search?q={q}", f"/search.json?q={q}", f"/search?q={q}&sort=newest",
                 f"/phrase?q={quote('压紧压实')}", f"/phrase.json?q={quote('压紧压实')}&sort=left",
                 f"/search?q={q}&year=2023&type={quote('汇报')}&level={quote('县')}", "/static/app.js",
                 "/static/style.css"]
        for seed in SEEDS:
            paths += [f"/report/{seed.name}?q={q}", f"/report/{seed.name}.json", f"/report/{seed.name}/original"]
        errors = ["/nothing", "/search?page=0", "/search.json?q=" + "a" * 300]
        statuses = [server.get(p)[0] for p in paths + errors]
        assert statuses == [200] * len(paths) + [404, 400, 400], statuses
        for path in ("/report/../index/CURRENT", "/report/..%2findex%2fCURRENT/original",
                     "/static/../__init__.py", "/static/..%2f__init__.py", "/report/%2e%2e/corpus/" + SEEDS[0].name):
            assert raw_get(server.port, path) == 404, path  # on the real stack, nothing normalized on the way
        time.sleep(1.0)  # let the background warm-up finish too
    finally:
        stderr = server.stop()
    assert "Traceback" not in stderr, stderr
    after = snapshot(base)
    assert after == before, {k: (before.get(k), after.get(k)) for k in set(before) | set(after)
                             if before.get(k) != after.get(k)}


# ---------------------------------------------------------------- (d) loopback by default

def test_default_host_is_loopback(served_seeds):
    help_text = subprocess.run([sys.executable, "-m", "search", "serve", "--help"], capture_output=True, text=True,
                               env={**os.environ, "COLUMNS": "200"}, timeout=60).stdout
    assert re.search(r"--host 地址 .*\[默认：127\.0\.0\.1\]", " ".join(help_text.split())), help_text
    assert "应只有本人可读（chmod600）" in "".join(help_text.split())
    base, corpus, index = served_seeds
    server = Served("--index", str(index), "--corpus", str(corpus), cwd=base / "cwd")
    try:
        assert any(f"监听 127.0.0.1:{server.port}" in line for line in server.seen), server.seen
        assert server.get("/healthz")[0] == 200
        listening = listening_addresses(server.port)
        assert listening == {"127.0.0.1"}, listening
        other = non_loopback_address()
        if other:  # the machine's own network address does not answer
            with pytest.raises(OSError):
                socket.create_connection((other, server.port), timeout=5).close()
    finally:
        stderr = server.stop()
    assert "anyone on the network" not in stderr


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a listening TCP socket on `port` (from /proc/net)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                raw = bytes.fromhex(address)
                if len(raw) == 4:
                    found.add(socket.inet_ntop(socket.AF_INET, raw[::-1]))
                else:
                    words = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
                    found.add(socket.inet_ntop(socket.AF_INET6, words))
    return found


def non_loopback_address() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # no packet is sent; picks the outgoing interface
            address = s.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") or address == "0.0.0.0" else address


@pytest.mark.parametrize("content, message", [
    (None, "不存在"), ("nocolon\n", "没有冒号"), ("user:\n", "是空的"), ("", "没有用户")])
def test_bad_auth_file_is_a_one_line_cli_error(tmp_path, content, message):
    path = tmp_path / "auth"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "search", "serve", "--auth-file", str(path), "--port", "0",
                             "--index", str(tmp_path / "ix"), "--corpus", str(tmp_path / "c")],
                            capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误：") and message in lines[0], result.stderr
    assert not (tmp_path / "ix").exists()  # refused before building anything


def test_reports_auth_env_protects_a_real_server(served_seeds, monkeypatch):
    base, corpus, index = served_seeds
    server = Served("--index", str(index), "--corpus", str(corpus), cwd=base / "cwd",
                    env={"REPORTS_AUTH": "张三:正确的密码"})
    try:
        status, headers, _ = server.get("/")
        assert status == 401
        realm = headers["WWW-Authenticate"].encode("latin-1").decode("utf-8")
        assert realm == 'Basic realm="报告检索", charset="UTF-8"'
        assert server.get("/static/app.js")[0] == 401
        assert server.get("/search.json?q=x", auth=("张三", "错"))[0] == 401
        assert server.get("/", auth=("张三", "正确的密码"))[0] == 200
        assert server.get("/healthz")[0] == 200
    finally:
        server.stop()
    # create_app alone (a WSGI server of one's own) reads it too
    monkeypatch.setenv("REPORTS_AUTH", "admin:pw")
    client = create_app({"INDEX_DIR": index, "CORPUS_DIR": corpus, "WARM_UP": False}).test_client()
    assert client.get("/").status_code == 401
    assert client.get("/", headers={"Authorization": basic("admin", "pw")}).status_code == 200


def test_network_bind_without_auth_warns(served_seeds):
    base, corpus, index = served_seeds
    server = Served("--host", "0.0.0.0", "--index", str(index), "--corpus", str(corpus),
                    cwd=base / "cwd", wait=False)
    try:
        line = server.wait_for(r"注意：.*", "stderr", timeout=60).group(0)
    finally:
        server.stop()  # at once: the seeds are on the network while it runs
    assert "网络上的任何人都能读这个库" in line and "--auth-file" in line


def test_network_bind_with_auth_file(served_seeds):
    base, corpus, index = served_seeds
    auth_file = base / "users"
    auth_file.write_text("admin:pa:ss word\n", encoding="utf-8")
    auth_file.chmod(0o644)
    server = Served("--host", "0.0.0.0", "--auth-file", str(auth_file), "--index", str(index),
                    "--corpus", str(corpus), cwd=base / "cwd", env={"REPORTS_AUTH": "other:pw"})
    try:
        assert server.get("/search.json?q=x")[0] == 401
        assert server.get("/search.json?q=x", auth=("other", "pw"))[0] == 401  # the file wins over the env
        assert server.get("/search.json?q=x", auth=("admin", "pa:ss word"))[0] == 200
    finally:
        stderr = server.stop()
    assert "anyone on the network" not in stderr
    assert f"本机的其他用户能读 {auth_file}" in stderr and "chmod 600" in stderr


