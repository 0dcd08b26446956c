"""The web front end through Flask's test client, on real indexes built from
real files: report pages and their JSON twins, paths that must be 404, the
pages' safety, and how the app follows the index (a new generation, no index,
settings from the environment, concurrent requests)."""
from __future__ import annotations

import html
import re
import threading
from pathlib import Path
from urllib.parse import quote

import pytest

from harness.webapp import SEED, XSS, client_fixture, get, make_app, own_fixture, result_ids, strip_tags, text_of  # noqa: F401 - fixtures, used by name
from search.clean import clean, corpus_rules
from search.indexer import index_corpus
from search.readers import read_text
from web import create_app

# ---------------------------------------------------------------- reports

def test_report_page_and_json_twin(client, library):
    q = "组织建设"
    view = library.report(SEED, q)
    data = get(client, f"/report/{SEED}.json?q={quote(q)}").get_json()
    assert data == view.to_json()
    page = text_of(get(client, f"/report/{SEED}?q={quote(q)}"))
    # every hit marked, numbered hit-0 … hit-N-1, each with its offset anchor
    assert len(re.findall(r'<mark class="hit" data-hit="\d+" id="hit-\d+">', page)) == len(view.hits)
    for n, (a, b) in enumerate(view.hits):
        assert re.search(rf'<span class="anchor" id="o{a}"></span>(<strong[^>]*>)?'
                         rf'<mark class="hit" data-hit="{n}" id="hit-{n}">{view.text[a:b]}</mark>', page)
    # headings: an id per outline offset, and the outline links to them
    for h in view.outline:
        assert f'id="h-{h["offset"]}"' in page
        assert f'<a href="#h-{h["offset"]}">{html.escape(h["text"])}</a>' in page
    # metadata, navigation, and the link to the original
    for value in (f"{view.year} 年", view.type, view.level, SEED, f"{len(view.text)} 字"):
        assert value in page
    assert 'id="next-hit"' in page and 'id="prev-hit"' in page and 'href="#hit-0"' in page
    assert f'href="/report/{SEED}/original"' in page
    # the body, without markup, is the report text line by line
    body = page[page.index('<div class="body">'):page.index("</article>")]
    lines = [strip_tags(x).strip() for x in re.findall(r"<(?:p|h2|h3|h4)[^>]*>(.*?)</(?:p|h2|h3|h4)>", body)]
    assert lines == view.text.split("\n")[1:]
    # without a query: no marks
    plain = text_of(get(client, f"/report/{SEED}"))
    assert "<mark" not in plain and 'id="hit-0"' not in plain


def test_report_finder_shows_the_terms_not_the_filters(client, library):
    q = "组织建设 year:2023 type:汇报"
    page = text_of(get(client, f"/report/{SEED}?q={quote(q)}"))
    hits = len(library.report(SEED, q).hits)
    assert hits and f"「组织建设」 <strong>{hits}</strong> 处" in page
    assert 'name="q" value="组织建设" maxlength="200" placeholder="在本文中查找"' in page
    assert f'value="{html.escape(q)}"' in page  # the search box above keeps the whole query


def test_report_original_shows_noise_struck_through(client, seed_index):
    corpus, _ = seed_index
    page = text_of(get(client, f"/report/{SEED}/original"))
    raw = read_text(corpus / SEED)
    report = clean(raw, corpus_rules(corpus))
    pre = page[page.index('<pre class="raw">') + len('<pre class="raw">'):page.index("</pre>")]
    dels = re.findall(r'<del title="([^"]+)" class="[^"]*">(.*?)</del>', pre, flags=re.DOTALL)
    assert len(dels) == len(report.removed)
    assert [rule for rule, _ in dels] == [s.rule for s in report.removed]
    assert [html.unescape(t) for _, t in dels] == [raw[s.start:s.end] for s in report.removed]
    assert html.unescape(re.sub(r"<[^>]+>", "", pre)) == raw        # all of the raw text
    kept = html.unescape(re.sub(r"<del[^>]*>.*?</del>", "", pre, flags=re.DOTALL))
    assert kept == report.text                                        # minus the struck = cleaned
    assert any("3484字" in html.unescape(t) for _, t in dels)


def test_nested_ids_with_dots_slashes_and_spaces(own):
    name = "二〇二三/子 目录/a.b.report v1.txt"
    client = own({name: "嵌套目录里的报告\n这里有独特提法叫做青山绿水工程。\n"})
    path = quote(name)
    assert "青山绿水" in text_of(get(client, f"/report/{path}?q={quote('青山绿水')}"))
    assert get(client, f"/report/{path}.json").get_json()["id"] == name
    assert "嵌套目录里的报告" in text_of(get(client, f"/report/{path}/original"))
    data = get(client, "/search.json?q=" + quote("青山绿水")).get_json()
    assert [h["id"] for h in data["hits"]] == [name]
    page = text_of(get(client, "/search?q=" + quote("青山绿水")))
    assert result_ids(page) == [name]
    get(client, f"/report/{quote('二〇二三/子 目录')}", 404)
    get(client, f"/report/{path}.json.json", 404)
    get(client, f"/report/{path}/original/original", 404)


# ---------------------------------------------------------------- bad paths

TRAVERSALS = [
    "/report/..%2F..%2Fetc%2Fpasswd",
    "/report/..%2F..%2Fetc%2Fpasswd.json",
    "/report/..%2F..%2Fetc%2Fpasswd/original",
    "/report/../x",
    "/report/../../../../etc/passwd",
    "/report//etc/passwd",
    "/report//etc/passwd/original",
    "/report/%2Fetc%2Fpasswd",
    "/report/%2e%2e/%2e%2e/etc/passwd",
    "/report/%2e%2e%2f%2e%2e%2fetc%2fpasswd/original",
    f"/report/{SEED}/../../../etc/passwd",
    f"/report/./{SEED}",
    f"/report/{SEED}%00",
    "/report/C:%5CWindows%5Cwin.ini",
    "/report/..%5C..%5Cetc%5Cpasswd",
    "/report/nope.txt",
    "/report/nope.txt.json",
    "/report/nope.txt/original",
    "/report/",
]


@pytest.mark.parametrize("url", TRAVERSALS)
def test_unknown_ids_and_traversal_are_404(client, url):
    response = client.get(url)
    assert response.status_code == 404, url
    body = text_of(response)
    assert "root:" not in body and "[fonts]" not in body
    if url.endswith(".json"):
        assert response.get_json() == {"ok": False, "error": "没有这篇报告。", "status": 404}
    else:
        assert "没有" in body and 'lang="zh-CN"' in body


def test_files_not_in_the_index_are_not_served(own):
    client = own()
    (own.corpus / "later.txt").write_text("后来加的\n还没有建索引。\n", encoding="utf-8")
    (own.corpus.parent / "outside.txt").write_text("语料库外面\n", encoding="utf-8")
    for url in ("/report/later.txt", "/report/later.txt/original", "/report/..%2Foutside.txt/original",
                "/report/../outside.txt/original"):
        get(client, url, 404)
    # an indexed file changed or gone since: the report still shows, the original says so
    (own.corpus / SEED).write_text("改过的标题\n改过的正文。\n", encoding="utf-8")
    assert "源文件在建索引之后改动过" in text_of(get(client, f"/report/{SEED}/original"))
    (own.corpus / SEED).unlink()
    get(client, f"/report/{SEED}")
    assert "原文件已不在语料库中" in text_of(get(client, f"/report/{SEED}/original", 404))


def test_unknown_route_404_and_method_405(client):
    assert "没有这个页面" in text_of(get(client, "/nothing", 404))
    assert get(client, "/nothing.json", 404).get_json()["status"] == 404
    response = client.post("/search")
    assert response.status_code == 405 and "不支持" in text_of(response)


# ---------------------------------------------------------------- safety

def test_security_headers_everywhere(client):
    for url, status in [("/", 200), ("/search?q=a", 200), ("/search.json?q=a", 200), ("/phrase?q=a", 200),
                        (f"/report/{SEED}", 200), ("/healthz", 200), ("/static/style.css", 200),
                        ("/static/app.js", 200), ("/nothing", 404), ("/search?page=x", 400)]:
        response = get(client, url, status)
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_no_inline_scripts_or_styles(client):
    for url in ["/", "/search?q=" + quote("党建"), "/phrase?q=" + quote("压紧压实"),
                f"/report/{SEED}?q=" + quote("党建"), f"/report/{SEED}/original", "/nothing"]:
        page = text_of(client.get(url))
        scripts = re.findall(r"<script\b[^>]*>", page)
        assert scripts and all(re.search(r'\bsrc="/static/', s) for s in scripts), url
        assert re.findall(r"<script\b[^>]*>(.*?)</script>", page, flags=re.DOTALL) == [""] * len(scripts)
        assert " style=" not in page and "<style" not in page, url
        assert not re.search(r"\son[a-z]+=", page), url                    # no onclick= etc.
        assert "//" not in "".join(re.findall(r'(?:src|href)="(?:https?:)?//[^"]*"', page))  # no CDN


def test_nothing_from_users_or_documents_is_rendered_unescaped(own):
    evil = (f"{XSS}关于组织建设的汇报\n"
            f"正文提到{XSS}和<img src=x onerror=alert(2)>以及\"引号\"与'单引号'，压紧压实责任。\n")
    client = own({"evil.txt": evil})
    urls = ["/search?q=" + quote("组织建设"), "/search?q=" + quote(XSS), "/search?q=" + quote(XSS + " 组织建设"),
            "/phrase?q=" + quote(XSS), "/phrase?q=" + quote("压紧压实"), "/phrase?q=" + quote("onerror"),
            "/report/evil.txt", "/report/evil.txt?q=" + quote(XSS), "/report/evil.txt/original",
            "/search?q=" + quote('"><svg onload=alert(3)>'), "/report/evil.txt?q=" + quote('"><b>'),
            "/search?q=a&type=" + quote("<b>x</b>"), "/search?q=" + quote("a" * 201 + XSS)]
    for url in urls:
        page = text_of(client.get(url))
        assert "<script>alert" not in page and "<img src=x" not in page, url
        assert "<svg onload" not in page and '"><b>' not in page and "<b>x</b>" not in page, url
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text_of(client.get("/report/evil.txt"))
    found = get(client, "/search.json?q=" + quote(XSS)).get_json()
    assert [h["id"] for h in found["hits"]] == ["evil.txt"]    # the document really contains it
    page = text_of(get(client, "/search?q=" + quote(XSS)))
    assert "<mark>&lt;script&gt;alert(1)&lt;/script&gt;</mark>" in page
    page = text_of(get(client, "/report/evil.txt?q=" + quote(XSS)))
    assert 'id="hit-0">&lt;script&gt;alert(1)&lt;/script&gt;</mark>' in page


# ---------------------------------------------------------------- the index

def test_new_generation_is_picked_up_without_restart(own):
    client = own()
    before = get(client, "/healthz").get_json()
    q = quote("崭新的提法叫做春风化雨工程")
    assert get(client, f"/search.json?q={q}").get_json()["total"] == 0
    assert get(client, f"/phrase.json?q={q}").get_json()["total_occurrences"] == 0
    (own.corpus / "new.txt").write_text("2024年新报告\n我们推出崭新的提法叫做春风化雨工程。\n", encoding="utf-8")
    summary = index_corpus(own.corpus, own.index, jobs=1)
    assert summary.added == 1
    after = get(client, "/healthz").get_json()
    assert after["generation"] > before["generation"] and after["reports"] == before["reports"] + 1
    data = get(client, f"/search.json?q={q}").get_json()
    assert [h["id"] for h in data["hits"]] == ["new.txt"]
    assert get(client, f"/phrase.json?q={q}").get_json()["total_occurrences"] == 1
    assert "春风化雨" in text_of(get(client, "/report/new.txt"))
    # and a removed file disappears
    (own.corpus / "new.txt").unlink()
    index_corpus(own.corpus, own.index, jobs=1)
    assert get(client, f"/search.json?q={q}").get_json()["total"] == 0
    get(client, "/report/new.txt", 404)


def test_no_index_says_so_in_chinese(tmp_path):
    client = make_app(tmp_path / "none", tmp_path / "corpus").test_client()
    for url in ("/", "/search?q=a", "/phrase?q=a", f"/report/{SEED}"):
        page = text_of(get(client, url, 503))
        assert "索引还没有建好" in page and "reports index" in page
    for url in ("/search.json?q=a", "/phrase.json?q=a", f"/report/{SEED}.json", "/healthz"):
        data = get(client, url, 503).get_json()
        assert data["ok"] is False and data["status"] == 503 and "索引" in data["error"]


def test_config_from_environment(seed_index, monkeypatch, library):
    corpus, index = seed_index
    monkeypatch.setenv("REPORTS_INDEX", str(index))
    monkeypatch.setenv("REPORTS_CORPUS", str(corpus))
    app = create_app({"WARM_UP": False})
    assert app.config["INDEX_DIR"] == index and app.config["CORPUS_DIR"] == corpus
    assert app.test_client().get("/healthz").get_json()["reports"] == library.generation().report_count
    monkeypatch.delenv("REPORTS_INDEX")
    monkeypatch.delenv("REPORTS_CORPUS")
    app = create_app({"WARM_UP": False})
    assert app.config["INDEX_DIR"] == Path("index") and app.config["CORPUS_DIR"] == Path("corpus")


def test_one_library_shared_by_concurrent_requests(seed_index):
    corpus, index = seed_index
    app = make_app(index, corpus)
    library = app.extensions["library"]
    expected = library.search("党建").total
    errors: list = []

    def work():
        client = app.test_client()
        for q in ("党建", "组织建设", "压紧压实") * 3:
            response = client.get("/search.json?q=" + quote(q))
            if response.status_code != 200:
                errors.append(response.status_code)
        if client.get("/search.json?q=" + quote("党建")).get_json()["total"] != expected:
            errors.append("total")

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert app.extensions["library"] is library


def test_a_literal_year_term_is_not_taken_for_a_filter():
    from web.render import without_filters
    assert without_filters("党建 year:2023 year:abc -type:讲话 type:汇报") == "党建 year:abc -type:讲话"


def test_phrase_page_says_when_a_sort_covers_only_the_first_occurrences(client, monkeypatch):
    from search import phrase as phrase_module
    monkeypatch.setattr(phrase_module, "SORT_AT_MOST", 40)
    page = client.get("/phrase?q=的&sort=left").get_data(as_text=True)
    assert "按前一个词排列的是按相关度排在前面的 40 处" in page
    data = client.get("/phrase.json?q=的&sort=left").get_json()
    assert data["lines_from"] == 40 < data["total_occurrences"]
    assert "排在前面的" not in client.get("/phrase?q=压紧压实&sort=left").get_data(as_text=True)
