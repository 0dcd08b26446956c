"""Issue 13 through Flask's test client on a real index: parameters
validated alike, facets chosen several at a time, filters typed in the box,
phrase lookup from a search box, exports that open, the original file, the
footer, and the report page's leads."""
from __future__ import annotations

import csv
import html
import io
import re
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from docx import Document
from openpyxl import load_workbook

from search.doctypes import default_lists
from search.phrase import lookup
from search.query import Filters
from web import create_app

SEED = "000_76dcab7e818b9862.txt"
TYPES = "、".join(default_lists().type_names())


@pytest.fixture(scope="module")
def client(seed_index):
    corpus, index = seed_index
    return create_app({"INDEX_DIR": index, "CORPUS_DIR": corpus, "TESTING": True,
                       "WARM_UP": False}).test_client()


def get(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code, response.data[:300])
    return response


def text(client, url, status=200) -> str:
    return get(client, url, status).get_data(as_text=True)


def args_of(href: str) -> dict:
    return parse_qs(urlsplit(html.unescape(href)).query)


# ---------------------------------------------------------------- parameters

@pytest.mark.parametrize("url, message", [
    ("/search.json?q=党建&sort=bogus", "排序方式应为 relevance（相关度）、newest（最新）、oldest（最早）。"),
    ("/phrase.json?q=党建&sort=newest", "排序方式应为 rank（按相关度）、left（按前一个词）、right（按后一个词）。"),
    ("/phrase.json?q=党建&limit=0", "每页行数（limit）应为 1 到 1000 之间的整数。"),
    ("/phrase.json?q=党建&limit=abc", "每页行数（limit）应为 1 到 1000 之间的整数。"),
    ("/search.json?q=党建&type=报告x", f"没有类型「报告x」；可用的类型：{TYPES}。"),
    ("/phrase.json?q=党建&level=省级", "没有层级「省级」；可用的层级："),
])
def test_every_parameter_is_validated_alike(client, url, message):
    data = get(client, url, 400).get_json()
    assert data["ok"] is False and data["error"].startswith(message), data
    page = text(client, url.replace(".json", ""), 400)
    assert html.escape(message[:12]) in page


def test_phrase_limit(client, library):
    data = get(client, "/phrase.json?q=" + quote("党建工作") + "&limit=7").get_json()
    assert len(data["lines"]) == 7 and data["pages"] >= 2
    page = text(client, "/phrase?q=" + quote("党建工作") + "&limit=7")
    assert page.count('<li class="kline">') == 7 and "page=2&amp;limit=7" in page


def test_stats_json(client, library):
    data = get(client, "/stats.json").get_json()
    assert {k: v for k, v in data.items() if k != "updated"} == library.stats()
    assert data["updated"] == round(library.snapshot().updated, 3) > 0


def test_footer_says_when_the_library_was_updated(client, library):
    import time
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(library.snapshot().updated))
    for url in ("/", "/search?q=" + quote("党建"), "/phrase?q=" + quote("党建"), f"/report/{SEED}"):
        assert f'库更新于 <time>{when}</time>' in text(client, url), url


# ---------------------------------------------------------------- facets and typed filters

def test_facets_choose_several_values_and_keep_the_others(client, library):
    page = text(client, "/search?q=" + quote("党建") + "&type=" + quote("汇报"))
    facet = page[page.index('data-facet="type"'):]
    facet = facet[:facet.index("</section>")]
    everything = library.search("党建").facets["type"]
    shown = dict(re.findall(r'<span class="v">([^<]+)</span><span class="n">(\d+)</span>', facet))
    assert {k: int(v) for k, v in shown.items()} == everything          # every value, its own count
    links = dict(re.findall(r'<a href="([^"]+)"[^>]*><span class="box"[^>]*></span><span class="v">([^<]+)<', facet))
    links = {v: k for k, v in links.items()}
    assert args_of(links["总结"])["type"] == ["汇报", "总结"]           # a click adds a value
    assert "type" not in args_of(links["汇报"])                        # a click on a chosen one removes it
    both = get(client, "/search.json?q=" + quote("党建") + "&type=" + quote("汇报") + "&type=" + quote("总结"))
    assert both.get_json()["total"] == everything["汇报"] + everything["总结"]


def test_filters_typed_in_the_box_light_up_their_facet(client):
    page = text(client, "/search?q=" + quote("党建 type:汇报"))
    facet = page[page.index('data-facet="type"'):]
    facet = facet[:facet.index("</section>")]
    on = re.search(r'<a href="([^"]+)" class="on"[^>]*><span class="box"[^>]*></span><span class="v">汇报<', facet)
    assert on, facet
    assert args_of(on.group(1))["q"] == ["党建"]                          # its click rewrites the query
    chip = re.search(r'<a class="chip typed" href="[^"]+" title="([^"]+)">([^<]+)<', page)
    assert chip.group(2) == "类型：汇报" and "检索框" in chip.group(1)
    assert "查询中" not in page


def test_an_unknown_type_typed_in_the_box_is_said_and_the_search_runs(client):
    page = text(client, "/search?q=" + quote("党建 type:报告x"))
    assert f'<p class="notice" role="status">没有类型「报告x」；可用的类型：{TYPES}。</p>' in page
    assert "没有找到" in page
    phrase = text(client, "/phrase?q=" + quote("党建工作 level:省级"))
    assert "没有层级「省级」；可用的层级：" in phrase and "<strong>72</strong> 处" in phrase


def test_phrase_lookup_from_the_search_box_takes_filters_as_filters(client, library):
    page = text(client, "/search?q=" + quote("党建工作 year:2023 type:汇报"))
    link = re.search(r'<ul class="phrases"><li><a href="([^"]+)">看“党建工作”的每一处用法', page).group(1)
    assert args_of(link) == {"q": ["党建工作"], "year": ["2023"], "type": ["汇报"]}
    expected = lookup(library, "党建工作", filters=Filters(years=(2023, 2023), types={"汇报"}))
    assert 0 < expected.total_occurrences < lookup(library, "党建工作").total_occurrences
    # the 查提法 button sends the whole box: the page sorts it out the same way
    typed = get(client, "/phrase.json?q=" + quote("“党建工作” year:2023 type:汇报")).get_json()
    assert (typed["phrase"], typed["total_occurrences"]) == ("党建工作", expected.total_occurrences)
    shown = text(client, "/phrase?q=" + quote("党建工作 year:2023 type:汇报"))
    assert 'value="党建工作"' in shown and "2023 年" in shown and "类型：汇报" in shown
    # the header form carries no sort from one page to the other
    assert 'name="sort"' not in text(client, "/search?q=" + quote("党建") + "&sort=newest")


def test_zero_results_offer_to_drop_the_quotes(client):
    page = text(client, "/search?q=" + quote("“压紧压实 村级”"))
    assert "没有找到" in page
    link = re.search(r'<a href="([^"]+)">去掉引号，分开检索 “压紧压实 村级”</a>', page).group(1)
    assert args_of(link)["q"] == ["压紧压实 村级"]
    assert get(client, html.unescape(link).replace("/search", "/search.json")).get_json()["total"] >= 1


def test_phrase_facets_by_type_and_level(client):
    page = text(client, "/phrase?q=" + quote("党建工作") + "&type=" + quote("述职报告"))
    assert 'data-facet="type"' in page and 'data-facet="level"' in page
    facet = page[page.index('data-facet="type"'):]
    facet = facet[:facet.index("</section>")]
    assert re.search(r'class="on"[^>]*><span class="box"[^>]*></span><span class="v">述职报告<', facet)
    assert re.search(r'<span class="v">汇报</span><span class="n">\d+</span>', facet)   # the others stay


# ---------------------------------------------------------------- exports

def test_phrase_exports_open_with_every_line_and_its_citation(client, library):
    q = quote("党建工作")
    expected = lookup(library, "党建工作", per_page=10000)
    assert len(expected.lines) > 50  # more than a page: all of them are exported
    book = load_workbook(io.BytesIO(get(client, f"/phrase.xlsx?q={q}").data))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:4] == ("序号", "前文", "提法", "后文")
    assert [r[4] for r in rows[1:]] == [ln.sentence for ln in expected.lines]
    assert [r[-1] for r in rows[1:]] == [f"{ln.sentence}（来源：《{ln.title}》，{ln.year}年）" for ln in expected.lines]
    doc = Document(io.BytesIO(get(client, f"/phrase.docx?q={q}").data))
    paragraphs = [p.text for p in doc.paragraphs]
    assert paragraphs[0] == "「党建工作」的用法"
    first = expected.lines[0]
    assert paragraphs[2].startswith(f"1. {first.sentence}（来源：《{first.title}》，{first.year}年）")
    bold = [r.text for r in doc.paragraphs[2].runs if r.bold]
    assert bold == ["党建工作"]
    raw = get(client, f"/phrase.csv?q={q}")
    assert raw.data.startswith("\ufeff".encode()) and raw.mimetype == "text/csv"
    table = list(csv.reader(io.StringIO(raw.data.decode("utf-8-sig"))))
    assert len(table) == len(expected.lines) + 1
    disposition = raw.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and quote("查提法-党建工作.csv") in disposition


def test_search_exports_hold_every_result(client, library):
    q = quote("党建")
    expected = library.search("党建", per_page=1000)
    rows = list(load_workbook(io.BytesIO(get(client, f"/search.xlsx?q={q}&type={quote('汇报')}").data))
                .active.iter_rows(values_only=True))
    assert [r[1] for r in rows[1:]] == [h.title for h in library.search("党建", filters=Filters(types={"汇报"})).hits]
    doc = Document(io.BytesIO(get(client, f"/search.docx?q={q}").data))
    texts = [p.text for p in doc.paragraphs]
    for hit in expected.hits:
        assert any(f"（来源：《{hit.title}》，{hit.year}年）" in t for t in texts), hit.title
    page = text(client, f"/search?q={q}")
    for fmt in ("xlsx", "docx", "csv"):
        assert f'data-format="{fmt}" href="/search.{fmt}?q={q}"' in page


# ---------------------------------------------------------------- the original file, leads

def test_the_original_file_downloads_as_it_is_on_disk(client, seed_index):
    corpus, _ = seed_index
    page = text(client, f"/report/{SEED}")
    assert f'href="/report/{SEED}/file" download="{SEED}"' in page and "下载原始文件" in page
    response = get(client, f"/report/{SEED}/file")
    assert response.data == (corpus / SEED).read_bytes()
    assert response.headers["Content-Disposition"].startswith("attachment;")
    get(client, "/report/nope.txt/file", 404)
    get(client, "/report/..%2F..%2Fetc%2Fpasswd/file", 404)


def test_an_original_whose_name_is_not_utf8_is_found(tmp_path):
    import os

    from search.indexer import index_corpus
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    raw_name = "2023年工作总结.txt".encode("gbk")
    body = "2023年工作总结\n今年我们压紧压实责任。\n".encode()
    with open(os.path.join(os.fsencode(corpus), raw_name), "wb") as fh:
        fh.write(body)
    index_corpus(corpus, tmp_path / "ix", jobs=1)
    app = create_app({"INDEX_DIR": tmp_path / "ix", "CORPUS_DIR": corpus, "TESTING": True, "WARM_UP": False})
    response = app.test_client().get("/report/" + quote("2023年工作总结.txt") + "/file")
    assert response.status_code == 200 and response.data == body


def test_lead_sentences_are_not_bolded_as_headings(client, library):
    view = library.report(SEED)
    leads = [h for h in view.outline if h["depth"] == 5]
    assert leads
    page = text(client, f"/report/{SEED}")
    for h in leads:
        m = re.search(rf'<strong class="lead" id="h-{h["offset"]}">([^<]+)</strong>', page)
        assert m and re.fullmatch(r"[一二三四五六七八九十]{1,2}是", m.group(1)), h
    body = page[page.index('<div class="body">'):]
    assert not re.search(r"<h[234][^>]*>[一二三四五六七八九十]{1,2}是", body)


def test_report_page_carries_its_citation_and_a_print_source_line(client, library):
    view = library.report(SEED)
    page = text(client, f"/report/{SEED}")
    assert f'data-title="{view.title}" data-year="{view.year}"' in page
    assert f'<p class="print-source">来源：《{view.title}》，{view.year}年' in page
    css = text(client, "/static/style.css")
    media = css[css.index("@media print"):]
    assert ".side" in media and ".print-source { display: block" in media


def test_home_lists_the_types_and_levels(client):
    page = text(client, "/")
    assert f"可用的类型：{TYPES}。" in page
    assert f"可用的层级：{'、'.join(default_lists().level_names())}。" in page
