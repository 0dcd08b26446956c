"""Issue 13 in a real browser (Debian Chromium through Playwright, the real
server; harness/browser.py): typing as an input method types, 查提法 with
filters, facets chosen several at a time, the concordance sorted by the word
before the phrase in pinyin order, exports that open, the original file, and
copy buttons with citations."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from harness.browser import (  # noqa: F401 - fixtures by name
    browser_fixture,
    expect,
    page_fixture,
    server_fixture,
    shoot,
)
from harness.paths import ROOT
from search.sortkey import pinyin_key

pytestmark = pytest.mark.slow  # a server and a browser

CITED = re.compile(r"（来源：《[^》]+》(，20\d\d年)?）$")


def total(page) -> int:
    return int(page.locator(".count strong").inner_text()) if page.locator(".count strong").count() else 0


def search_box(page, text: str, button: str = "检索") -> None:
    page.fill("#q", text)
    page.locator(".qform button", has_text=button).click()
    page.wait_for_load_state("load")


# ---------------------------------------------------------------- typing as an IME types

def test_curly_and_corner_quotes_are_phrases(page):
    page.goto(page.base + "/")
    page.fill("#q", '"组织建设工作"')
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r"/search\?q="))
    expected = total(page)
    assert expected > 0
    for typed in ("“组织建设工作”", "「组织建设工作」", "『组织建设工作』"):
        search_box(page, typed)
        assert total(page) == expected, typed
        assert set(page.locator(".hits mark").all_inner_texts()) == {"组织建设工作"}, typed
    search_box(page, "“组织建设 工作”")       # quoted with a space: none, and the page says why
    expect(page.locator(".empty")).to_contain_text("去掉引号，分开检索")
    page.locator(".empty a", has_text="去掉引号").click()
    page.wait_for_load_state("load")
    assert total(page) > 0 and page.input_value("#q") == "组织建设 工作"


def test_full_width_minus_and_chinese_or(page):
    page.goto(page.base + "/search?q=" + quote("党建 -述职报告"))
    without = total(page)
    search_box(page, "党建 －述职报告")
    assert total(page) == without > 0
    page.goto(page.base + "/search?q=" + quote("柳河 OR 桃源"))
    either = total(page)
    for typed in ("柳河 或 桃源", "柳河 | 桃源", "柳河|桃源"):
        search_box(page, typed)
        assert total(page) == either > 0, typed
    titles = page.locator(".result h2").all_inner_texts()
    assert titles and all("柳河" in t or "桃源" in t for t in titles)


# ---------------------------------------------------------------- 查提法 with filters

def test_phrase_lookup_from_a_search_with_filters(page):
    page.goto(page.base + "/search?q=" + quote("压紧压实 year:2023 type:汇报"))
    assert total(page) > 0
    page.locator(".side .phrases a").first.click()
    page.wait_for_url(re.compile(r"/phrase\?"))
    args = parse_qs(urlsplit(page.url).query)
    assert args == {"q": ["压紧压实"], "year": ["2023"], "type": ["汇报"]}
    expect(page.locator(".phrase-title")).to_contain_text("「压紧压实」")
    chips = page.locator(".chip").all_inner_texts()
    assert any("2023 年" in c for c in chips) and any("类型：汇报" in c for c in chips)
    found = int(page.locator(".totals strong").first.inner_text())
    assert found > 0
    assert {t.strip() for t in page.locator(".ksrc .yr").all_inner_texts()} == {"2023"}
    # the same through the 查提法 button, the whole box sent as typed
    page.goto(page.base + "/search?q=" + quote("压紧压实 year:2023 type:汇报"))
    page.locator(".qform button", has_text="查提法").click()
    page.wait_for_url(re.compile(r"/phrase\?"))
    assert int(page.locator(".totals strong").first.inner_text()) == found
    assert page.input_value("#q") == "压紧压实"


# ---------------------------------------------------------------- facets

def test_facets_are_multi_select(page, tmp_path):
    page.goto(page.base + "/search?q=" + quote("组织建设"))
    everything = total(page)
    types = page.locator('[data-facet="type"] a')
    counts = {types.nth(i).locator(".v").inner_text(): int(types.nth(i).locator(".n").inner_text())
              for i in range(types.count())}
    first, second = list(counts)[:2]
    page.locator('[data-facet="type"] a', has_text=first).click()
    page.wait_for_load_state("load")
    assert total(page) <= counts[first]
    # the other values stay, with their own counts
    shown = page.locator('[data-facet="type"] a .v').all_inner_texts()
    assert set(shown) == set(counts)
    page.locator('[data-facet="type"] a', has_text=second).click()
    page.wait_for_load_state("load")
    assert parse_qs(urlsplit(page.url).query)["type"] == [first, second]
    on = page.locator('[data-facet="type"] a.on .v').all_inner_texts()
    assert on == [first, second] or set(on) == {first, second}
    assert 0 < total(page) <= counts[first] + counts[second] <= everything + 1
    metas = page.locator(".result .meta").all_inner_texts()
    assert metas and all(first in m or second in m for m in metas)
    shoot(page, tmp_path, "search-two-types")
    page.locator('[data-facet="type"] a.on', has_text=first).click()   # a chosen one comes off again
    page.wait_for_load_state("load")
    assert parse_qs(urlsplit(page.url).query)["type"] == [second]


def test_a_filter_typed_in_the_box_lights_its_facet(page):
    page.goto(page.base + "/search?q=" + quote("组织建设 type:汇报"))
    lit = page.locator('[data-facet="type"] a.on')
    expect(lit).to_have_count(1)
    expect(lit.locator(".v")).to_have_text("汇报")
    expect(page.locator(".chip.typed")).to_contain_text("类型：汇报")
    lit.click()
    page.wait_for_load_state("load")
    assert page.input_value("#q") == "组织建设"


# ---------------------------------------------------------------- the concordance

def test_sort_by_left_context_in_pinyin_order_with_the_key_marked(page, tmp_path):
    page.goto(page.base + "/phrase?q=" + quote("党建工作"))
    page.locator(".sort a", has_text="按前一个词").click()
    page.wait_for_url(re.compile(r"sort=left"))
    keys = page.locator(".kwic .kl b.key")
    assert keys.count() > 10
    words = keys.all_inner_texts()
    assert [pinyin_key(w) for w in words] == sorted(pinyin_key(w) for w in words)
    assert len(set(words)) > 3
    # each key is the last word before the phrase (only punctuation may sit between)
    for line in page.locator(".kline").all()[:10]:
        left = line.locator(".kl").inner_text()
        key = line.locator(".kl b.key").inner_text()
        assert re.fullmatch(rf".*{re.escape(key)}[，。、；：“”（）\s]*", left), (left, key)
    colour = keys.first.evaluate("e => getComputedStyle(e).color")
    plain = page.locator(".kl").first.evaluate("e => getComputedStyle(e).color")
    assert colour != plain
    # one row an occurrence on a desktop
    heights = [b["height"] for b in (ln.bounding_box() for ln in page.locator(".kline").all()[:20])]
    assert max(heights) < 40, heights
    shoot(page, tmp_path, "phrase-left")


# ---------------------------------------------------------------- exports, the original

def test_exports_open_in_excel_and_word_with_lines_and_citations(page, tmp_path):
    from docx import Document
    from openpyxl import load_workbook

    page.goto(page.base + "/phrase?q=" + quote("压紧压实"))
    shown = int(page.locator(".totals strong").first.inner_text())
    with page.expect_download() as info:
        page.locator("a.export[data-format=xlsx]").click()
    xlsx = tmp_path / info.value.suggested_filename
    info.value.save_as(xlsx)
    assert xlsx.name == "查提法-压紧压实.xlsx"
    rows = list(load_workbook(xlsx).active.iter_rows(values_only=True))[1:]
    assert sum(r[10] for r in rows) == shown                   # every occurrence, grouped lines counted
    assert all(r[2] == "压紧压实" and "压紧压实" in r[4] and CITED.search(r[11]) for r in rows)
    with page.expect_download() as info:
        page.locator("a.export[data-format=docx]").click()
    docx = tmp_path / "lines.docx"
    info.value.save_as(docx)
    paragraphs = [p.text for p in Document(str(docx)).paragraphs]
    assert paragraphs[0] == "「压紧压实」的用法"
    lines = [p for p in paragraphs if re.match(r"\d+\. ", p)]
    assert len(lines) == len(rows) and all("（来源：《" in p for p in lines)
    page.goto(page.base + "/search?q=" + quote("组织建设"))
    found = total(page)
    with page.expect_download() as info:
        page.locator("a.export[data-format=csv]").click()
    data = Path(info.value.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert len(data.decode("utf-8-sig").strip().splitlines()) >= found + 1


def test_the_original_file_downloads(page, server):
    page.goto(page.base + "/report/000_76dcab7e818b9862.txt")
    with page.expect_download() as info:
        page.locator("a.download").click()
    assert info.value.suggested_filename == "000_76dcab7e818b9862.txt"
    assert Path(info.value.path()).read_bytes() == (ROOT / "corpus" / "000_76dcab7e818b9862.txt").read_bytes()


# ---------------------------------------------------------------- copy with citation

def clipboard(page) -> str:
    return page.evaluate("navigator.clipboard.readText()")


def test_copy_buttons_on_snippets_paragraphs_and_outline(page, tmp_path):
    page.goto(page.base + "/search?q=" + quote("组织建设"))
    snippet = page.locator(".result .snip").first
    title = page.locator(".result h2").first.inner_text()
    snippet.hover()
    button = snippet.locator("button.scopy")
    button.click()
    expect(button).to_have_text("已复制")
    copied = clipboard(page)
    text = snippet.inner_text().removesuffix("已复制").strip().strip("…")
    assert copied.startswith(text) and f"（来源：《{title}》" in copied and CITED.search(copied), copied
    page.goto(page.base + "/report/000_76dcab7e818b9862.txt")
    title = page.locator("article.doc").get_attribute("data-title")
    paragraph = page.locator(".body > p").nth(2)
    words = paragraph.inner_text().replace("复制", "").strip()
    paragraph.hover()
    paragraph.locator("button.pcopy").click()
    copied = clipboard(page)
    assert copied == f"{words}（来源：《{title}》，2023年）", copied
    entry = page.locator(".outline li").first
    entry.hover()
    entry.locator("button.ocopy").click()
    assert clipboard(page) == f"{entry.locator('a').inner_text()}（来源：《{title}》，2023年）"
    shoot(page, tmp_path, "report-copy")
