"""The web front end through Flask's test client, on real indexes built from
real files: home, search and phrase lookup. Every page is checked against its
JSON twin and the library (reports, bad paths, safety, the index:
test_web_reports.py)."""
from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, quote, quote_plus, urlsplit

import pytest

from harness.webapp import SEED, client_fixture, generated, get, own_fixture, result_ids, text_of  # noqa: F401 - fixtures, used by name
from search.phrase import lookup
from search.query import Filters

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
        assert re.search(rf'href="/search\?q=[^"]*&amp;year={year}">'
                         rf'<span class="v">{year} 年</span><span class="n">{n}</span>', page)
    for value, n in facets["type"].items():
        assert (f'type={quote(value)}"><span class="box" aria-hidden="true"></span>'
                f'<span class="v">{value}</span><span class="n">{n}</span>') in page
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
    def years(sort: str) -> list[int]:
        return [h["year"] or 0 for h in get(client, f"/search.json?q={q}&sort={sort}").get_json()["hits"]]
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
    for href, line in zip(spots, data["lines"], strict=False):
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
    assert re.search(rf'<span class="anchor" id="o{offset}"></span>'
                     rf'<mark class="hit" data-hit="\d+" id="hit-\d+">压紧压实</mark>', report)
    # collocations link to narrower lookups; the year chart links to a filtered one
    for word, _n, _ in data["before"]:
        assert f'href="/phrase?q={quote(word + "压紧压实")}"' in page
    for word, _n, _ in data["after"]:
        assert f'href="/phrase?q={quote("压紧压实" + word)}"' in page
    assert '<svg class="bars"' in page
    for year in data["by_year"]:
        assert f'href="/phrase?q={quote("压紧压实")}&amp;year={year}"' in page


def test_phrase_sorts_pages_and_filters(client, library):
    q = quote("党建工作")
    for sort in ("rank", "left", "right"):
        data = get(client, f"/phrase.json?q={q}&sort={sort}").get_json()
        assert data["sort"] == sort
        assert [ln["offset"] for ln in data["lines"]] == [
            ln.offset for ln in lookup(library, "党建工作", sort=sort).lines]
    assert "排序方式应为 rank（按相关度）" in get(client, f"/phrase.json?q={q}&sort=bogus", 400).get_json()["error"]
    data = get(client, f"/phrase.json?q={q}&page=2").get_json()
    assert data["page"] == 2 and data["lines"]
    assert get(client, f"/phrase.json?q={q}&page=99").get_json()["lines"] == []
    assert "第 99 页没有内容" in text_of(get(client, f"/phrase?q={q}&page=99"))
    assert 'rel="next"' in text_of(get(client, f"/phrase?q={q}"))
    filtered = get(client, f"/phrase.json?q={q}&year=2023").get_json()
    assert set(filtered["by_year"]) == {"2023"}
    assert filtered["total_occurrences"] == \
        lookup(library, "党建工作", filters=Filters(years=(2023, 2023))).total_occurrences


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
