"""The web front end through Flask's test client, on real indexes built from
real files. Every page is checked against its JSON twin and the library."""
from __future__ import annotations

import html
import re
import threading
from pathlib import Path
from urllib.parse import parse_qs, quote, quote_plus, unquote, urlsplit

import pytest

from search.clean import clean, corpus_rules
from search.indexer import index_corpus
from search.phrase import lookup
from search.query import Filters
from search.readers import read_text
from web import create_app

SEED = "000_76dcab7e818b9862.txt"        # 2023 县 汇报, has noise and 压紧压实
XSS = "<script>alert(1)</script>"


def make_app(index: Path, corpus: Path):
    return create_app({"INDEX_DIR": index, "CORPUS_DIR": corpus, "TESTING": True, "WARM_UP": False})


@pytest.fixture(scope="module")
def client(seed_index):
    corpus, index = seed_index
    return make_app(index, corpus).test_client()


@pytest.fixture
def own(tmp_path, corpus_copy):
    """A corpus of our own (seeds + extras) and its index; tests may change it."""
    index = tmp_path / "index"

    def build(extra: dict[str, str] | None = None):
        for name, text in (extra or {}).items():
            path = corpus_copy / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        summary = index_corpus(corpus_copy, index, jobs=1)
        assert not summary.skipped, summary.skipped
        return make_app(index, corpus_copy).test_client()

    build.corpus, build.index = corpus_copy, index
    return build


def get(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code, response.data[:500])
    return response


def text_of(response) -> str:
    return response.get_data(as_text=True)


def result_ids(page: str) -> list[str]:
    """Report ids of the result titles, in order."""
    hrefs = re.findall(r'<li class="result"[^>]*>\s*<h2><a href="([^"]+)"', page)
    return [unquote(urlsplit(html.unescape(h)).path.removeprefix("/report/")) for h in hrefs]


def strip_tags(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def generated(i: int, year: int) -> str:
    return (f"{year}年第{i}号基层组织建设工作总结\n"
            f"一、主要做法\n今年以来，我们把组织建设摆在突出位置，压紧压实责任，第{i}项工作落地见效。\n"
            f"二、下一步打算\n继续抓好组织建设。\n")


# ---------------------------------------------------------------- home, health

def test_home_overview_and_syntax_help(client, library):
    page = text_of(get(client, "/"))
    stats = library.stats()
    assert f"<strong>{stats['reports']}</strong> 篇报告" in page
    for year in stats["by_year"]:
        assert f'href="/search?year={year}"' in page
    for value in stats["by_type"]:
        assert f'href="/search?type={quote(value)}"' in page
    for value in stats["by_level"]:
        assert f'href="/search?level={quote(value)}"' in page
    help_block = page[page.index('<details class="syntax"'):page.index("</details>")]
    for item in ["空格", "OR", "-疫情", "&#34;压紧压实 责任&#34;", "title:", "heading:",
                 "year:2023", "year:2020-2023", "type:", "level:"]:
        assert item in help_block, item
    assert 'action="/phrase"' in page                      # the 查提法 form
    assert 'action="/search"' in page


def test_healthz(client, library):
    data = get(client, "/healthz").get_json()
    assert data == {"ok": True, "generation": library.generation().generation,
                    "reports": library.stats()["reports"]}


def test_empty_query_is_the_overview(client, library):
    assert "馆藏概览" in text_of(get(client, "/search"))
    assert "馆藏概览" in text_of(get(client, "/search?q=++"))
    data = get(client, "/search.json?q=").get_json()
    assert data["total"] == library.generation().report_count
    assert data["facets"]["year"] == library.stats()["by_year"]
    assert data["hits"] == [] and data["overview"] is True      # as the page: the overview, no list


# ---------------------------------------------------------------- search

@pytest.mark.parametrize("q", ["组织建设", "党建 -疫情", "压紧压实", '"压紧压实"', "乡村振兴 OR 共同富裕",
                               "title:述职", "heading:一是"])
def test_search_page_and_json_twin_agree(client, library, q):
    data = get(client, f"/search.json?q={quote(q)}").get_json()
    expected = library.search(q).to_json()
    for d in (data, expected):
        d.pop("elapsed_ms")
    assert data == expected
    page = text_of(get(client, f"/search?q={quote(q)}"))
    assert result_ids(page) == [h["id"] for h in data["hits"]]
    if data["total"]:
        assert f"找到 <strong>{data['total']}</strong> 篇" in page
        assert re.search(r"用时 (\d+|&lt;1) 毫秒", page)
        assert "<mark>" in page


def test_search_hits_link_to_first_hit_and_mark_every_snippet_hit(client, library):
    page = text_of(get(client, "/search?q=" + quote("组织建设")))
    result = library.search("组织建设")
    for hit in result.hits:
        link = f'href="/report/{quote(hit.id)}?q={quote("组织建设")}#hit-0"'
        assert link in page
        for snip in hit.snippets:
            rendered = "".join(f"<mark>{s.text}</mark>" if s.match else html.escape(s.text, quote=True)
                               for s in snip)
            assert rendered.replace("&#x27;", "&#39;") in page
    # meta: year, type, level and the source file
    hit = result.hits[0]
    block = page[page.index(f'href="/report/{quote(hit.id)}'):]
    block = block[:block.index("</li>")]
    for value in (f"{hit.year} 年", hit.type, hit.level, hit.id):
        assert value in block


def test_filters_as_parameters(client, library):
    q = quote("党建")
    cases = [("year=2023", Filters(years=(2023, 2023))),
             ("year=2020-2022", Filters(years=(2020, 2022))),
             ("year=2022-2020", Filters(years=(2020, 2022))),
             (f"type={quote('汇报')}", Filters(types={"汇报"})),
             (f"level={quote('县')}", Filters(levels={"县"})),
             (f"type={quote('汇报')}&type={quote('总结')}", Filters(types={"汇报", "总结"})),
             (f"year=2023&level={quote('县')}", Filters(years=(2023, 2023), levels={"县"}))]
    for params, filters in cases:
        data = get(client, f"/search.json?q={q}&{params}").get_json()
        expected = library.search("党建", filters=filters)
        assert data["total"] == expected.total and 0 < expected.total < 5, params
        assert [h["id"] for h in data["hits"]] == [h.id for h in expected.hits]
        page = text_of(get(client, f"/search?q={q}&{params}"))
        assert result_ids(page) == [h.id for h in expected.hits]
        assert 'class="chip"' in page                     # active filters as chips
    # filters written in the query agree with parameters
    assert (get(client, f"/search.json?q={quote('党建 year:2023')}").get_json()["total"]
            == get(client, f"/search.json?q={q}&year=2023").get_json()["total"])


def test_facets_link_to_filtered_searches_and_chips_remove_them(client, library):
    page = text_of(get(client, "/search?q=" + quote("组织建设")))
    facets = library.search("组织建设").facets
    for year, n in facets["year"].items():
        assert re.search(rf'href="/search\?q=[^"]*&amp;year={year}"><span class="v">{year} 年</span><span class="n">{n}</span>', page)
    for value, n in facets["type"].items():
        assert f'type={quote(value)}"><span class="box" aria-hidden="true"></span><span class="v">{value}</span><span class="n">{n}</span>' in page
    # an active filter: chip with a link that removes it; the facet value is marked
    page = text_of(get(client, f"/search?q={quote('组织建设')}&year=2023&type={quote('汇报')}"))
    chips = re.findall(r'<a class="chip" href="([^"]+)"[^>]*>([^<]+)<', page)
    labels = {label for _, label in chips}
    assert labels == {"2023 年", "类型：汇报"}
    for href, label in chips:
        args = parse_qs(urlsplit(html.unescape(href)).query)
        if label == "2023 年":
            assert "year" not in args and args["type"] == ["汇报"]
        else:
            assert "type" not in args and args["year"] == ["2023"]
    assert 'class="on" aria-current="true"' in page
    # a filter inside the query shows as a chip that rewrites the query
    page = text_of(get(client, "/search?q=" + quote("组织建设 year:2023")))
    href = re.search(r'<a class="chip typed" href="([^"]+)"', page).group(1)
    assert parse_qs(urlsplit(html.unescape(href)).query)["q"] == ["组织建设"]


def test_sorting(client):
    q = quote("党建")
    years = lambda sort: [h["year"] or 0 for h in get(client, f"/search.json?q={q}&sort={sort}").get_json()["hits"]]
    assert years("newest") == sorted(years("newest"), reverse=True)
    assert years("oldest") == sorted(years("oldest"))
    assert get(client, f"/search.json?q={q}&sort=bogus", 400).get_json()["error"] == \
        "排序方式应为 relevance（相关度）、newest（最新）、oldest（最早）。"
    assert get(client, f"/search.json?q={q}&sort=").get_json()["sort"] == "relevance"
    page = text_of(get(client, f"/search?q={q}&sort=newest"))
    assert '<strong aria-current="true">最新</strong>' in page
    assert f'href="/search?q={q}&amp;sort=oldest">最早</a>' in page
    assert f'href="/search?q={q}">相关度</a>' in page


def test_paging(own):
    client = own({f"gen/{i:02d}.txt": generated(i, 2015 + i % 5) for i in range(12)})
    q = quote("组织建设")
    first = get(client, f"/search.json?q={q}").get_json()
    assert first["total"] == 17 and first["pages"] == 2 and len(first["hits"]) == 10
    second = get(client, f"/search.json?q={q}&page=2").get_json()
    assert len(second["hits"]) == 7
    assert not {h["id"] for h in first["hits"]} & {h["id"] for h in second["hits"]}
    page = text_of(get(client, f"/search?q={q}&page=2"))
    assert result_ids(page) == [h["id"] for h in second["hits"]]
    assert '<ol class="hits" start="11">' in page
    assert f'href="/search?q={q}" rel="prev">' in page
    page = text_of(get(client, f"/search?q={q}"))
    assert f'href="/search?q={q}&amp;page=2" rel="next">' in page
    # beyond the end: an empty page, not an error
    beyond = get(client, f"/search.json?q={q}&page=50").get_json()
    assert beyond["hits"] == [] and beyond["total"] == 17 and beyond["page"] == 50
    assert "第 50 页没有结果" in text_of(get(client, f"/search?q={q}&page=50"))
    assert get(client, f"/search.json?q={q}&page=10000").get_json()["hits"] == []
    # invalid pages: 400 with the JSON envelope / a Chinese page
    for bad in ["0", "-1", "abc", "1.5", "10001", "１", "99999999999999999999"]:
        data = get(client, f"/search.json?q={q}&page={quote(bad)}", 400).get_json()
        assert data == {"ok": False, "error": "页码应为 1 到 10000 之间的整数。", "status": 400}
        assert "页码应为" in text_of(get(client, f"/search?q={q}&page={quote(bad)}", 400))
        get(client, f"/phrase.json?q={q}&page={quote(bad)}", 400)


def test_bad_filter_values_are_400(client):
    for bad in ["abc", "20233", "2023-", "2023-24", "２０２３", "2023-2024-2025"]:
        data = get(client, f"/search.json?q=a&year={quote(bad)}", 400).get_json()
        assert data["ok"] is False and "年份" in data["error"]
    get(client, "/search.json?q=a&type=" + "长" * 41, 400)
    get(client, "/search.json?q=a&" + "&".join(f"level=l{i}" for i in range(11)), 400)


def test_malformed_syntax_is_searched_literally(client):
    for q in ['"压紧压实', "压紧压实 OR", "OR", "-", "year:abc", "title:", '""', "a:b:c", "((", "*"]:
        data = get(client, f"/search.json?q={quote(q)}").get_json()
        assert data["query"] == q
        get(client, f"/search?q={quote(q)}")
        get(client, f"/phrase?q={quote(q)}")
    assert get(client, "/search.json?q=" + quote('"压紧压实')).get_json()["total"] == 2


def test_empty_result_page_explains(client):
    page = text_of(get(client, "/search?q=" + quote("组织建设 没有这个词语")))
    assert "没有找到" in page
    assert "库中没有出现：<mark>没有这个词语</mark>" in page
    assert f'href="/phrase?q={quote_plus("组织建设 没有这个词语")}"' in page
    assert "单独来看" not in page
    # both terms occur, never together
    page = text_of(get(client, "/search?q=" + quote("压紧压实 一网通建")))
    assert "单独来看" in page and f'<a href="/search?q={quote("压紧压实")}">「压紧压实」</a>出现在 2 篇' in page
    # filters: suggest dropping them
    page = text_of(get(client, f"/search?q={quote('压紧压实')}&year=2020"))
    assert "去掉全部筛选" in page and f'href="/search?q={quote("压紧压实")}"' in page


def test_query_too_long(client):
    long_q = quote("党" * 201)
    for url in (f"/search.json?q={long_q}", f"/phrase.json?q={long_q}", f"/report/{SEED}.json?q={long_q}"):
        data = get(client, url, 400).get_json()
        assert data["ok"] is False and data["status"] == 400 and "查询过长" in data["error"]
    for url in (f"/search?q={long_q}", f"/phrase?q={long_q}", f"/report/{SEED}?q={long_q}"):
        page = text_of(get(client, url, 400))
        assert "查询过长：201 个字符，最多 200 个" in page and 'lang="zh-CN"' in page
    get(client, "/search.json?q=" + quote("党" * 200))


# ---------------------------------------------------------------- phrase lookup

def test_phrase_page_and_json_twin(client, library):
    data = get(client, "/phrase.json?q=" + quote("压紧压实")).get_json()
    expected = lookup(library, "压紧压实").to_json()
    for d in (data, expected):
        d.pop("elapsed_ms")
    assert data == expected
    assert (data["total_occurrences"], data["total_reports"]) == (2, 2)
    page = text_of(get(client, "/phrase?q=" + quote("压紧压实")))
    assert "<strong>2</strong> 处，<strong>2</strong> 篇" in page
    spots = re.findall(r'<a class="km" href="([^"]+)"', page)
    quoted = quote('"压紧压实"')
    assert len(spots) == len(data["lines"])
    for href, line in zip(spots, data["lines"]):
        assert html.unescape(href) == f"/report/{quote(line['id'])}?q={quoted}#o{line['offset']}"
        cut_left = "…" if len(line["left"]) >= 30 else ""
        cut_right = "…" if len(line["right"]) >= 30 else ""
        assert f'<span class="kl"><span>{cut_left}{html.escape(line["left"])}</span></span>' in page
        assert f'<span class="kr"><span>{html.escape(line["right"])}{cut_right}</span></span>' in page
        copy = f'{line["sentence"]}（来源：《{line["title"]}》，{line["year"]}年）'
        assert f'data-copy="{html.escape(copy)}"' in page
    # the spot exists in the report: an anchor right before the marked phrase
    href = html.unescape(spots[0])
    report = text_of(get(client, href.split("#")[0]))
    offset = data["lines"][0]["offset"]
    assert re.search(rf'<span class="anchor" id="o{offset}"></span><mark class="hit" data-hit="\d+" id="hit-\d+">压紧压实</mark>', report)
    # collocations link to narrower lookups; the year chart links to a filtered one
    for word, n, _ in data["before"]:
        assert f'href="/phrase?q={quote(word + "压紧压实")}"' in page
    for word, n, _ in data["after"]:
        assert f'href="/phrase?q={quote("压紧压实" + word)}"' in page
    assert '<svg class="bars"' in page
    for year in data["by_year"]:
        assert f'href="/phrase?q={quote("压紧压实")}&amp;year={year}"' in page


def test_phrase_sorts_pages_and_filters(client, library):
    q = quote("党建工作")
    for sort in ("rank", "left", "right"):
        data = get(client, f"/phrase.json?q={q}&sort={sort}").get_json()
        assert data["sort"] == sort
        assert [l["offset"] for l in data["lines"]] == [
            l.offset for l in lookup(library, "党建工作", sort=sort).lines]
    assert "排序方式应为 rank（按相关度）" in get(client, f"/phrase.json?q={q}&sort=bogus", 400).get_json()["error"]
    data = get(client, f"/phrase.json?q={q}&page=2").get_json()
    assert data["page"] == 2 and data["lines"]
    assert get(client, f"/phrase.json?q={q}&page=99").get_json()["lines"] == []
    assert "第 99 页没有内容" in text_of(get(client, f"/phrase?q={q}&page=99"))
    assert 'rel="next"' in text_of(get(client, f"/phrase?q={q}"))
    filtered = get(client, f"/phrase.json?q={q}&year=2023").get_json()
    assert set(filtered["by_year"]) == {"2023"}
    assert filtered["total_occurrences"] == lookup(library, "党建工作", filters=Filters(years=(2023, 2023))).total_occurrences


def test_phrase_grouped_duplicates_show_count_and_also_in(own):
    passage = "会议强调，要把压紧压实管党治党政治责任作为首要任务。"
    client = own({f"copy{i}.txt": f"第{i}份学习材料\n{passage}\n" for i in range(3)})
    page = text_of(get(client, "/phrase?q=" + quote("压紧压实管党")))
    assert '<summary class="dup" title="相同的句子出现了 3 次，点开看还有哪些报告">同句 3 处</summary>' in page
    assert "还见于 2 篇" in page and "×3" not in page
    assert page.count("学习材料》") >= 3


def test_phrase_empty_and_missing(client):
    page = text_of(get(client, "/phrase"))
    assert "查提法" in page and 'action="/phrase"' in page
    page = text_of(get(client, "/phrase?q=" + quote("没有这个提法")))
    assert "库中没有「没有这个提法」" in page
    assert f'href="/search?q={quote("没有这个提法")}"' in page
    assert get(client, "/phrase.json?q=").get_json()["total_occurrences"] == 0


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
        assert re.search(rf'<span class="anchor" id="o{a}"></span>(<strong[^>]*>)?<mark class="hit" data-hit="{n}" id="hit-{n}">{view.text[a:b]}</mark>', page)
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
