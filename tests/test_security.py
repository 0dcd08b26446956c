"""Security: what users and documents supply is escaped everywhere, no route
walks out of the corpus, and every response carries the security headers.
Real files, a real index, the real app. The login: test_security_auth.py;
real servers (never writes, loopback by default): test_security_server.py."""
from __future__ import annotations

import html
import re
import shutil
from html.parser import HTMLParser
from urllib.parse import quote

import pytest

from harness.paths import ROOT, SEEDS, copy_seeds
from search.indexer import index_corpus
from search.query import parse
from web import create_app
from web.auth import Credentials

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


# ---------------------------------------------------------------- (f) headers

def assert_security_headers(url, response):
    csp = response.headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "unsafe-" not in csp, url
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp, url
    assert response.headers.get("X-Content-Type-Options") == "nosniff", url
    assert response.headers.get("Referrer-Policy") in ("same-origin", "no-referrer", "strict-origin"), url


def test_security_headers_on_every_response_errors_included(tmp_path, evil):
    client, _, _ = evil
    locked = create_app({"INDEX_DIR": tmp_path / "none", "CORPUS_DIR": tmp_path, "WARM_UP": False,
                         "AUTH": Credentials.from_pairs([("张三", "正确的密码")])}).test_client()
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
