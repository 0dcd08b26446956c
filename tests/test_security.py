"""Security: what users and documents supply is escaped everywhere, no route
walks out of the corpus, the server never writes, it binds to loopback by
default, optional basic auth works, and every response carries the
security headers. Real files, a real index, the real app, real servers."""
from __future__ import annotations

import base64
import hashlib
import html
import os
import queue
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from email.message import Message
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pytest

from conftest import ROOT, SEEDS, copy_seeds
from search.indexer import index_corpus
from search.query import parse
from web import create_app
from web.auth import AuthConfigError, Credentials, from_value, is_loopback, read_auth_file

SEED = SEEDS[0].name
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
SVG = "<svg onload=alert(1)>"
JS_URL = "javascript:alert(1)"
TEMPLATE = "{{7*7}}"
MARK_BREAK = "</mark><script>alert(3)</script>"
PAYLOADS = [SCRIPT, IMG, SVG, JS_URL, TEMPLATE, MARK_BREAK, "<a href=\"javascript:alert(1)\">点我</a>",
            "{% raw %}x{% endraw %}", "'onmouseover='alert(1)", "<style>*{display:none}</style>"]

# Report files whose text, title and name carry payloads. File names may hold
# < > " = and spaces on POSIX file systems (not /, so no closing tags).
EVIL_FILES = {
    "xss.txt": (f"{SCRIPT}关于组织建设工作{IMG}的汇报\n"
                f"一、{SVG}主要做法{MARK_BREAK}\n"
                f"正文提到{SCRIPT}和{IMG}，压紧压实责任，链接{JS_URL}与<a href=\"{JS_URL}\">点我</a>。\n"
                f"模板{TEMPLATE}与{{% raw %}}x{{% endraw %}}，还有'onmouseover='alert(1)和"
                f"<style>*{{display:none}}</style>，{MARK_BREAK}压紧压实。\n"),
    f"{IMG}.txt": "文件名里的图片\n组织建设的正文，压紧压实。\n",
    f"{SVG}.txt": "文件名里的矢量图\n组织建设的正文。\n",
    f"{TEMPLATE}.txt": "文件名里的模板\n组织建设的正文。\n",
    f"{JS_URL}.txt": "文件名里的链接\n组织建设的正文。\n",
    "<i>目录<i>/'x\".txt": "目录名里的标签\n组织建设的正文。\n",
}
TEMPLATES = ROOT / "web" / "templates"


@pytest.fixture(scope="module")
def evil(tmp_path_factory):
    """(client, corpus, index) over the seeds plus EVIL_FILES."""
    base = tmp_path_factory.mktemp("evil")
    corpus = copy_seeds(base / "corpus")
    for name, text in EVIL_FILES.items():
        path = corpus / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    index = base / "index"
    summary = index_corpus(corpus, index, jobs=1)
    assert summary.added == len(SEEDS) + len(EVIL_FILES) and not summary.skipped
    app = create_app({"INDEX_DIR": index, "CORPUS_DIR": corpus, "WARM_UP": False, "AUTH": None})
    return app.test_client(), corpus, index


# ---------------------------------------------------------------- HTML checks

class Page(HTMLParser):
    """Every element of a page, and what is dangerous in it."""

    def __init__(self, source: str):
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.problems: list[str] = []
        self.text: list[str] = []
        self.marks: list[str] = []
        self._script = self._mark = None
        self.feed(source)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        values = dict(attrs)
        if self._mark is not None:
            self.problems.append(f"<{tag}> inside <mark>")
        if tag == "mark":
            self._mark = []
        if tag == "script":
            self._script = []
            if not (values.get("src") or "").startswith("/static/"):
                self.problems.append(f"script not from /static: {attrs}")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler {name} on <{tag}>")
            if name in ("href", "src", "action", "formaction", "xlink:href") and value and \
                    re.sub(r"[\x00-\x20]", "", value).lower().startswith(("javascript:", "data:text")):
                self.problems.append(f"{name}={value!r} on <{tag}>")
            if name == "style":
                self.problems.append(f"style attribute on <{tag}>")

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            if "".join(self._script).strip():
                self.problems.append("inline script")
            self._script = None
        if tag == "mark" and self._mark is not None:
            self.marks.append("".join(self._mark))
            self._mark = None

    def handle_data(self, data):
        if self._script is not None:
            self._script.append(data)
        if self._mark is not None:
            self._mark.append(data)
        self.text.append(data)

    @property
    def plain(self) -> str:
        return "".join(self.text)


def template_tags() -> set[str]:
    """The elements our templates write: a page holds no other."""
    source = "".join(p.read_text(encoding="utf-8") for p in TEMPLATES.glob("*.html"))
    return set(re.findall(r"<([a-z][a-z0-9]*)\b", source))


def assert_safe(url: str, source: str) -> Page:
    page = Page(source)
    assert not page.problems, (url, page.problems)
    assert page.tags <= template_tags(), (url, page.tags - template_tags())
    for raw in ("<script>alert", "<img src=x", "<svg onload", "<a href=\"javascript", "<style>*",
                "'onmouseover='"):
        assert raw not in source, (url, raw)
    return page


def page_urls(ids: list[str]) -> list[str]:
    queries = PAYLOADS + ["组织建设", f"{SCRIPT} 组织建设", f"title:{SCRIPT}", f"heading:{SVG}",
                          f"type:{SCRIPT}", f"level:{IMG}", f"year:{SCRIPT}", f'"{IMG}"', f"-{SCRIPT} 组织建设",
                          "压紧压实", "a" * 201 + SCRIPT]
    urls = ["/"]
    for q in queries:
        urls += [f"/search?q={quote(q)}", f"/phrase?q={quote(q)}", f"/report/xss.txt?q={quote(q)}"]
    for bad in (SCRIPT, IMG, JS_URL):
        urls += [f"/search?q=x&type={quote(bad)}", f"/search?q=x&level={quote(bad)}",
                 f"/search?q=x&year={quote(bad)}", f"/search?q={quote(bad)}&page={quote(bad)}",
                 f"/phrase?q=x&sort={quote(bad)}&type={quote(bad)}", f"/report/{quote(bad)}",
                 f"/{quote(bad)}", f"/report/xss.txt/{quote(bad)}"]
    for doc_id in ids:
        urls += [f"/report/{quote(doc_id)}", f"/report/{quote(doc_id)}/original",
                 f"/report/{quote(doc_id)}?q={quote(SCRIPT)}"]
    return urls


# ---------------------------------------------------------------- (a) XSS

def test_every_page_escapes_payloads_from_documents_file_names_and_queries(evil):
    client, corpus, _ = evil
    ids = [name for name in EVIL_FILES]
    statuses = set()
    for url in page_urls(ids):
        response = client.get(url)
        statuses.add(response.status_code)
        assert response.status_code in (200, 400, 404), (url, response.status_code)
        assert_safe(url, response.get_data(as_text=True))
    assert statuses == {200, 400, 404}  # results, limit errors and missing pages were all checked


def test_payloads_are_shown_as_text_not_dropped_or_evaluated(evil):
    client, _, _ = evil
    report = assert_safe("xss", client.get("/report/xss.txt").get_data(as_text=True))
    for payload in (SCRIPT, IMG, SVG, JS_URL, TEMPLATE, MARK_BREAK, "{% raw %}x{% endraw %}"):
        assert payload in report.plain, payload
    assert "49" not in report.plain  # {{7*7}} was not evaluated
    # ids and titles from file names, in the results list
    shown = "".join(assert_safe("search", client.get(f"/search?q={quote('组织建设')}&page={n}").get_data(
        as_text=True)).plain for n in (1, 2))  # 11 reports, 10 a page
    for name in EVIL_FILES:
        assert name in shown, name


def test_marks_escape_everything_but_the_mark_tags(evil):
    client, _, _ = evil
    for q in (SCRIPT, MARK_BREAK, IMG, TEMPLATE):
        for url in (f"/search?q={quote(q)}", f"/report/xss.txt?q={quote(q)}", f"/phrase?q={quote(q)}"):
            source = client.get(url).get_data(as_text=True)
            page = assert_safe(url, source)
            terms = {q} if url.startswith("/phrase") else {t.text for t in parse(q).positive_terms}
            assert page.marks and set(page.marks) <= terms, (url, page.marks, terms)
            for inner in re.findall(r"<mark\b[^>]*>(.*?)</mark>", source, flags=re.S):
                assert "<" not in inner and ">" not in inner and html.unescape(inner) in terms, (url, inner)


def walk_strings(data):
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from walk_strings(key)
            yield from walk_strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from walk_strings(value)


def test_json_twins_hold_raw_text_not_html(evil):
    client, _, index = evil
    for q in (SCRIPT, IMG, MARK_BREAK):
        for url in (f"/search.json?q={quote(q)}", f"/phrase.json?q={quote(q)}", f"/report/xss.txt.json?q={quote(q)}"):
            response = client.get(url)
            assert response.status_code == 200 and response.mimetype == "application/json", url
            data = response.get_json()
            strings = list(walk_strings(data))
            assert not any("&lt;" in s or "&#" in s or "&quot;" in s or "<mark" in s for s in strings), url
            assert any(q in s for s in strings), (url, q)  # the payload itself, unescaped
    report = client.get("/report/xss.txt.json").get_json()
    assert report["title"].startswith(SCRIPT) and IMG in report["title"]
    assert SCRIPT in report["text"] and MARK_BREAK in report["text"]
    hits = client.get("/search.json?q=" + quote(SCRIPT)).get_json()["hits"]
    assert [h["id"] for h in hits] == ["xss.txt"]
    matched = {seg["text"] for snip in hits[0]["snippets"] for seg in snip if seg["match"]}
    assert matched == {SCRIPT}
    lines = client.get("/phrase.json?q=" + quote(MARK_BREAK)).get_json()["lines"]
    assert lines and all(line["match"] == MARK_BREAK for line in lines)
    for name in EVIL_FILES:  # raw file names as ids
        assert client.get(f"/report/{quote(name)}.json").get_json()["id"] == name


# ---------------------------------------------------------------- (b) traversal

TRAVERSALS = [
    "../../../../etc/passwd", "..%2f..%2f..%2fetc%2fpasswd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "%252e%252e%252fetc%252fpasswd", "..%5c..%5cetc%5cpasswd", "....//....//etc/passwd",
    "%c0%ae%c0%ae%c0%af%c0%ae%c0%ae%c0%afetc%c0%afpasswd", "..;/..;/etc/passwd", "%2fetc%2fpasswd",
    "..%00/etc/passwd", ".%2e/.%2e/etc/passwd", "%u002e%u002e%u2215etc%u2215passwd",
    "..%ef%bc%8f..%ef%bc%8fetc%ef%bc%8fpasswd", "..\\..\\pyproject.toml",
    # real files next to the corpus, the index and the static folder
    "../index/CURRENT", "..%2findex%2fCURRENT", "../corpus/" + SEED, "../../pyproject.toml",
    "..%2f..%2fpyproject.toml", "../__init__.py", "..%2f__init__.py", "../templates/base.html",
    "%2e%2e/%2e%2e/search/cli.py", "xss.txt/../../index/CURRENT", SEED + "%2f..%2f..%2findex%2fCURRENT",
]
ROUTES = ["/report/", "/static/", "/search/", "/phrase/", "/search.json/", "/phrase.json/", "/healthz/", "/"]
SECRETS = ("root:", "[project]", "import ", "from __future__", "{% block", "generation")


@pytest.mark.parametrize("route", ROUTES)
def test_traversal_on_every_route_is_404(evil, route):
    client, _, _ = evil
    for payload in TRAVERSALS:
        for suffix in ("", ".json", "/original", "/file"):
            url = route + payload + suffix
            response = client.get(url)
            assert response.status_code == 404, (url, response.status_code)
            body = response.get_data(as_text=True)
            assert not any(s in body for s in SECRETS if s != "generation"), url
            if response.mimetype == "application/json":
                assert response.get_json()["status"] == 404, url
            else:
                assert 'lang="zh-CN"' in body and "没有" in body, url


def test_originals_and_exports_are_downloads_never_pages(evil):
    """A document's own bytes (an .html with a script, say) and the exports
    are sent as attachments with nosniff: a browser saves them, never runs them."""
    client, corpus, _ = evil
    for name in EVIL_FILES:
        response = client.get(f"/report/{quote(name)}/file")
        assert response.status_code == 200, name
        assert response.headers["Content-Disposition"].startswith("attachment;"), name
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.data == (corpus / name).read_bytes()
    for url in (f"/phrase.csv?q={quote(SCRIPT)}", f"/search.xlsx?q={quote(SCRIPT)}", f"/search.docx?q={quote(SCRIPT)}"):
        response = client.get(url)
        assert response.status_code == 200 and response.headers["Content-Disposition"].startswith("attachment;"), url
        disposition = response.headers["Content-Disposition"]
        assert "<" not in disposition and "\n" not in disposition and disposition.count('"') == 2, disposition


# ---------------------------------------------------------------- real servers

class Server:
    """`python -m search serve` in a subprocess: stdout lines in a queue,
    stderr kept for the end."""

    def __init__(self, *args: str, cwd: Path, env: dict | None = None, wait_for_url: bool = True):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "search", "serve", *args], cwd=cwd, text=True, encoding="utf-8",
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env={**{k: v for k, v in os.environ.items() if k != "REPORTS_AUTH"}, "PYTHONUNBUFFERED": "1",
                 "PYTHONPATH": str(ROOT), **(env or {})})
        self.lines: queue.Queue = queue.Queue()
        self.errors: queue.Queue = queue.Queue()
        threading.Thread(target=lambda: [self.lines.put(x) for x in self.proc.stdout], daemon=True).start()
        threading.Thread(target=lambda: [self.errors.put(x) for x in self.proc.stderr], daemon=True).start()
        self.url = self.port = None
        self.seen: list[str] = []
        if wait_for_url:
            self.port = int(self.wait_for(r"打开 http://127\.0\.0\.1:(\d+)/", self.lines).group(1))
            self.url = f"http://127.0.0.1:{self.port}"

    def wait_for(self, pattern: str, stream: queue.Queue, timeout: float = 120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = stream.get(timeout=0.5)
            except queue.Empty:
                if self.proc.poll() is not None and stream.empty():
                    break
                continue
            self.seen.append(line)
            m = re.search(pattern, line)
            if m:
                return m
        self.stop()
        pytest.fail(f"no {pattern!r} from the server:\n" + "".join(self.seen))

    def stop(self) -> str:
        """Stop it; what it printed to stderr."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        time.sleep(0.1)
        out = []
        while not self.errors.empty():
            out.append(self.errors.get())
        return "".join(out)

    def get(self, path: str, auth: tuple[str, str] | None = None) -> tuple[int, Message, bytes]:
        request = urllib.request.Request(self.url + path)
        if auth:
            request.add_header("Authorization", basic(*auth))
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers, exc.read()


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode("utf-8")).decode("ascii")


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
    server = Server("--port", "0", "--index", str(index), "--corpus", str(corpus), cwd=base / "cwd")
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
    server = Server("--port", "0", "--index", str(index), "--corpus", str(corpus), cwd=base / "cwd")
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


# ---------------------------------------------------------------- (e) basic auth

USERS = [("张三", "正确的密码"), ("admin", "pa:ss word")]
PROTECTED = ["/", f"/search?q={quote('党建')}", f"/search.json?q={quote('党建')}", f"/phrase?q={quote('党建')}",
             f"/phrase.json?q={quote('党建')}", f"/report/{SEED}", f"/report/{SEED}.json",
             f"/report/{SEED}/original", f"/report/{SEED}/file", "/stats.json",
             f"/phrase.xlsx?q={quote('党建')}", f"/search.csv?q={quote('党建')}", f"/search.docx?q={quote('党建')}",
             "/static/app.js", "/static/style.css", "/nothing", "/nothing.json"]


@pytest.fixture(scope="module")
def locked(seed_index):
    corpus, index = seed_index
    app = create_app({"INDEX_DIR": index, "CORPUS_DIR": corpus, "WARM_UP": False,
                      "AUTH": Credentials.from_pairs(USERS)})
    return app.test_client()


def challenge(response) -> str:
    # On the wire the header is UTF-8 bytes; WSGI and http.client hold them as latin-1.
    return response.headers["WWW-Authenticate"].encode("latin-1").decode("utf-8")


def test_auth_no_or_wrong_login_is_401_everywhere(locked):
    attempts = [None, basic("张三", "错误"), basic("张三", ""), basic("李四", "正确的密码"), basic("admin", "pa"),
                basic("张三:正确的密码", ""), "Basic !!!not-base64", "Bearer abc", "Basic " + base64.b64encode(
                    b"\xff\xfe:x").decode(), basic("admin", "正确的密码"), basic("", "")]
    for url in PROTECTED:
        for header in attempts:
            response = locked.get(url, headers={"Authorization": header} if header else {})
            assert response.status_code == 401, (url, header, response.status_code)
            assert challenge(response) == 'Basic realm="报告检索", charset="UTF-8"'
            body = response.get_data(as_text=True)
            assert "基层党建工作开展情况" not in body and "function" not in body, url  # no report, no script
            if url.split("?")[0].endswith(".json"):
                assert response.get_json() == {"ok": False, "error": "需要登录：请输入报告检索的用户名和密码。",
                                               "status": 401}
            else:
                assert "需要登录" in body and 'lang="zh-CN"' in body


def test_auth_right_login_gets_in(locked, library):
    for user, password in USERS:
        for url in PROTECTED:
            response = locked.get(url, headers={"Authorization": basic(user, password)})
            assert response.status_code == (404 if "nothing" in url else 200), (url, user)
    data = locked.get("/search.json?q=" + quote("压紧压实"), headers={"Authorization": basic(*USERS[1])}).get_json()
    assert data["total"] == library.search("压紧压实").total
    # /healthz stays open for monitors: it tells only the generation and the report count
    assert set(locked.get("/healthz").get_json()) == {"ok", "generation", "reports"}


def test_credentials_accept_exactly_the_listed_pairs():
    creds = Credentials.from_pairs(USERS)
    assert creds.accepts("张三", "正确的密码") and creds.accepts("admin", "pa:ss word")
    for user, password in [("张三", "正确的密码 "), ("admin", "pa:ss"), ("admin:pa", "ss word"), ("", ""),
                           ("张三", "pa:ss word"), ("ADMIN", "pa:ss word")]:
        assert not creds.accepts(user, password), (user, password)
    assert all(len(d) == 64 for d in creds.digests)  # only digests kept, of one length


def test_auth_file_and_env_parsing(tmp_path):
    good = tmp_path / "users"
    good.write_text("\ufeff# office\n\n张三:正确的密码\n  admin:pa:ss word  \n", encoding="utf-8")
    creds = read_auth_file(good)
    assert creds.accepts("张三", "正确的密码") and creds.accepts("admin", "pa:ss word")
    assert from_value("") is None and from_value("a:b").accepts("a", "b")
    for text, message in [("nocolon\n", "没有冒号"), ("user:\n", "用户 'user' 的密码是空的"),
                          (":pw\n", "用户名是空的"), ("# only a comment\n\n", "没有用户")]:
        bad = tmp_path / "bad"
        bad.write_text(text, encoding="utf-8")
        with pytest.raises(AuthConfigError, match=message):
            read_auth_file(bad)
    with pytest.raises(AuthConfigError, match="不存在"):
        read_auth_file(tmp_path / "missing")
    with pytest.raises(AuthConfigError, match="REPORTS_AUTH"):
        from_value("no-colon")
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not any(is_loopback(h) for h in ("0.0.0.0", "", "::", "192.168.1.10", "example.org"))


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
    server = Server("--port", "0", "--index", str(index), "--corpus", str(corpus), cwd=base / "cwd",
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
    server = Server("--host", "0.0.0.0", "--port", "0", "--index", str(index), "--corpus", str(corpus),
                    cwd=base / "cwd", wait_for_url=False)
    try:
        line = server.wait_for(r"注意：.*", server.errors, timeout=60).group(0)
    finally:
        server.stop()  # at once: the seeds are on the network while it runs
    assert "网络上的任何人都能读这个库" in line and "--auth-file" in line


def test_network_bind_with_auth_file(served_seeds):
    base, corpus, index = served_seeds
    auth_file = base / "users"
    auth_file.write_text("admin:pa:ss word\n", encoding="utf-8")
    auth_file.chmod(0o644)
    server = Server("--host", "0.0.0.0", "--port", "0", "--auth-file", str(auth_file), "--index", str(index),
                    "--corpus", str(corpus), cwd=base / "cwd", env={"REPORTS_AUTH": "other:pw"})
    try:
        assert server.get("/search.json?q=x")[0] == 401
        assert server.get("/search.json?q=x", auth=("other", "pw"))[0] == 401  # the file wins over the env
        assert server.get("/search.json?q=x", auth=("admin", "pa:ss word"))[0] == 200
    finally:
        stderr = server.stop()
    assert "anyone on the network" not in stderr
    assert f"本机的其他用户能读 {auth_file}" in stderr and "chmod 600" in stderr


# ---------------------------------------------------------------- (f) headers

def assert_security_headers(url, response):
    csp = response.headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "unsafe-" not in csp, url
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp, url
    assert response.headers.get("X-Content-Type-Options") == "nosniff", url
    assert response.headers.get("Referrer-Policy") in ("same-origin", "no-referrer", "strict-origin"), url


def test_security_headers_on_every_response_errors_included(tmp_path, locked, evil):
    client, _, _ = evil
    cases = [("/", 200), ("/search.json?page=0", 400), ("/search?page=0", 400), ("/report/nope.txt", 404),
             ("/report/nope.txt.json", 404), ("/static/nope.js", 404), ("/static/favicon.svg", 200),
             ("/report/../x", 404), ("/" + quote(SCRIPT), 404)]
    for url, status in cases:
        response = client.get(url)
        assert response.status_code == status, url
        assert_security_headers(url, response)
    response = client.post("/search.json")
    assert response.status_code == 405
    assert_security_headers("POST", response)
    for url in ("/", "/static/app.js", "/search.json?q=x"):
        response = locked.get(url)
        assert response.status_code == 401
        assert_security_headers(url, response)
    # 503: no index yet
    empty = create_app({"INDEX_DIR": tmp_path / "none", "CORPUS_DIR": tmp_path, "WARM_UP": False, "AUTH": None})
    response = empty.test_client().get("/search.json?q=x")
    assert response.status_code == 503
    assert_security_headers("503", response)
    # 500: an indexed file that can no longer be read
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEEDS[0], corpus / SEED)
    index_corpus(corpus, tmp_path / "index", jobs=1)
    (corpus / SEED).write_bytes(b"\x00\x01\x02binary\xff" * 100)
    broken = create_app({"INDEX_DIR": tmp_path / "index", "CORPUS_DIR": corpus, "WARM_UP": False, "AUTH": None})
    response = broken.test_client().get(f"/report/{SEED}/original")
    assert response.status_code == 500 and "读不出原文件" in response.get_data(as_text=True)
    assert_security_headers("500", response)
