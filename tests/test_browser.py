"""The pages in a real browser: Debian Chromium through Playwright, against the
real server on a temporary copy of the seeds plus generated reports
(harness/browser.py). Screenshots of every page at desktop and phone sizes go
to the test's tmp_path and to build/screenshots/ for review."""
from __future__ import annotations

import re

import pytest

from harness.browser import (  # noqa: F401 - the fixtures are used by name
    ADAPTED,
    COPY,
    REPOST,
    browser_fixture,
    expect,
    page_fixture,
    server_fixture,
    shoot,
)

pytestmark = pytest.mark.slow  # a server and a browser

# ---------------------------------------------------------------- scenarios

def test_home_type_query_and_enter(page, tmp_path):
    page.goto(page.base + "/")
    expect(page.locator("h1")).to_have_text("报告检索")
    expect(page.locator("details.syntax summary")).to_have_text("查询语法")
    expect(page.locator(".overview a").first).to_be_visible()
    shoot(page, tmp_path, "home")
    page.fill("#q", "组织建设")
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r"/search\?q="))
    expect(page.locator(".count")).to_contain_text("找到")
    marks = page.locator(".hits mark")
    assert marks.count() > 10
    assert set(marks.all_inner_texts()) == {"组织建设"}
    shoot(page, tmp_path, "search")


def test_facet_click_filters_and_shows_chip(page):
    page.goto(page.base + "/search?q=组织建设")
    total = int(page.locator(".count strong").inner_text())
    link = page.locator(".facet", has=page.locator("h3", has_text="类型")).locator("a").first
    label = link.locator(".v").inner_text()
    link.click()
    page.wait_for_url(re.compile(r"type="))
    expect(page.locator(".chip")).to_contain_text(label)
    filtered = int(page.locator(".count strong").inner_text())
    assert 0 < filtered < total
    metas = page.locator(".result .meta").all_inner_texts()
    assert metas and all(label in m for m in metas)
    # the chip removes the filter again
    page.locator(".chip").first.click()
    page.wait_for_url(lambda url: "type=" not in url)
    assert int(page.locator(".count strong").inner_text()) == total


def test_pagination(page):
    page.goto(page.base + "/search?q=组织建设")
    total = int(page.locator(".count strong").inner_text())
    assert total > 10, "the generated corpus must give more than one page"
    first_page = page.locator(".result h2").all_inner_texts()
    assert len(first_page) == 10
    page.locator(".pager a[rel=next]").click()
    page.wait_for_url(re.compile(r"page=2"))
    second_page = page.locator(".result h2").all_inner_texts()
    assert len(second_page) == min(10, total - 10)
    assert not set(first_page) & set(second_page)
    expect(page.locator(".pager strong")).to_have_text("2")
    assert page.locator("ol.hits").get_attribute("start") == "11"


def test_report_hit_navigation(page, tmp_path):
    page.goto(page.base + "/search?q=党建")
    page.locator(".result h2 a").first.click()
    page.wait_for_url(re.compile(r"/report/.+#hit-0"))
    marks = page.locator("mark.hit[id^='hit-']")
    n = marks.count()
    assert n > 3
    expect(page.locator("#hit-0")).to_have_class(re.compile(r"\bactive\b"))
    expect(page.locator("#hit-pos")).to_have_text(f"第 1 / {n} 处")
    shoot(page, tmp_path, "report")

    page.click("#next-hit")
    expect(page.locator("#hit-1")).to_have_class(re.compile(r"\bactive\b"))
    expect(page.locator("#hit-0")).not_to_have_class(re.compile(r"\bactive\b"))
    expect(page.locator("#hit-pos")).to_have_text(f"第 2 / {n} 处")

    page.locator("body").click(position={"x": 5, "y": 300})
    before = page.evaluate("window.scrollY")
    for _ in range(n - 2):  # to the last hit with the keyboard
        page.keyboard.press("n")
    expect(page.locator(f"#hit-{n - 1}")).to_have_class(re.compile(r"\bactive\b"))
    expect(page.locator("#hit-pos")).to_have_text(f"第 {n} / {n} 处")
    assert page.evaluate("window.scrollY") > before
    assert page.url.endswith(f"#hit-{n - 1}")
    page.keyboard.press("p")
    expect(page.locator(f"#hit-{n - 2}")).to_have_class(re.compile(r"\bactive\b"))

    # the outline links to the headings
    first_heading = page.locator(".outline li a").first
    target = first_heading.get_attribute("href")
    assert page.locator(target).count() == 1

    page.locator(".doc-head .meta a", has_text="原文").click()
    page.wait_for_url(re.compile(r"/original$"))
    expect(page.locator("pre.raw")).to_be_visible()


def test_original_shows_removed_noise(page, tmp_path):
    page.goto(page.base + "/report/000_76dcab7e818b9862.txt/original")
    shoot(page, tmp_path, "original")
    struck = page.locator("pre.raw del.noise")
    assert struck.count() > 0
    assert any("3484字" in t for t in struck.all_inner_texts())
    assert struck.first.get_attribute("title")


def test_phrase_copy_button(page, tmp_path):
    page.goto(page.base + "/phrase?q=压紧压实")
    expect(page.locator(".totals")).to_contain_text("处，")
    lines = page.locator(".kline")
    assert lines.count() > 2
    # aligned on the phrase: every mark starts at the same x
    xs = {round(b["x"]) for b in (m.bounding_box() for m in page.locator(".km mark").all()[:8])}
    assert len(xs) == 1, xs
    shoot(page, tmp_path, "phrase")
    button = lines.first.locator("button.copy")
    expect(button).to_be_visible()
    button.click()
    expect(button).to_have_text("已复制")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "压紧压实" in copied
    assert re.search(r"（来源：《[^》]+》，20\d\d年）$", copied), copied
    # the phrase links to that very spot in the report, which marks it
    href = lines.first.locator("a.km").get_attribute("href")
    page.goto(page.base + href)
    anchor = href.rsplit("#", 1)[1]
    assert page.locator(f"#{anchor}").count() == 1
    expect(page.locator("mark.hit.active")).to_have_text("压紧压实")


def test_near_duplicates_fold_into_one_result_that_expands(page, tmp_path):
    page.goto(page.base + "/search?q=把稳政治方向")
    expect(page.locator(".count strong")).to_have_text("1")
    expect(page.locator(".count .merged")).to_contain_text("1 篇相似稿")
    similar = page.locator("details.similar")
    expect(similar.locator("summary")).to_have_text("另有 1 份相似")
    link = similar.locator("li a")
    expect(link).to_be_hidden()
    similar.locator("summary").click()
    expect(link).to_be_visible()
    shown = {page.locator(".hits .file").first.inner_text(), similar.locator(".file").inner_text()}
    assert shown == {ADAPTED, REPOST}
    page.goto(page.base + "/search?q=严抓严管严促")
    expect(page.locator(".copies")).to_contain_text(COPY)
    shoot(page, tmp_path, "duplicates")
    page.locator(".copies a").click()
    page.wait_for_url(re.compile(r"/report/dups/"))
    expect(page.locator(".doc-head .meta")).to_contain_text("同文")
    expect(page.locator(".doc .body")).to_contain_text("严抓严管严促")


def test_slash_focuses_search_box(page):
    page.goto(page.base + "/search?q=组织建设")
    page.locator("body").click(position={"x": 5, "y": 400})
    assert page.evaluate("document.activeElement.id") != "q"
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    # and the slash was not typed into the box
    assert page.input_value("#q") == "组织建设"


def test_pages_work_without_javascript(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(server + "/")
        page.fill("#q", "组织建设")
        page.press("#q", "Enter")
        page.wait_for_url(re.compile(r"/search\?q="))
        assert page.locator(".result mark").count() > 0
        page.locator(".result h2 a").first.click()
        page.wait_for_url(re.compile(r"#hit-0$"))
        expect(page.locator("#next-hit")).to_be_hidden()          # the JS buttons stay hidden,
        expect(page.locator("a.nojs-nav").first).to_be_visible()  # plain anchors instead
        page.goto(server + "/phrase?q=" + "压紧压实")
        assert page.locator(".kline").count() > 0
        expect(page.locator("button.copy").first).to_be_hidden()
    finally:
        context.close()
