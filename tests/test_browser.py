"""The pages in a real browser: Debian Chromium through Playwright, against the
real server (`python -m search serve`) on a temporary copy of the seeds plus
generated reports. Screenshots of every page at desktop and phone sizes go to
the test's tmp_path and to build/screenshots/ for review."""
from __future__ import annotations

import os
import queue
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from conftest import ROOT, copy_seeds

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SIZES = {"desktop": (1280, 800), "mobile": (390, 844)}
SHOTS = ROOT / "build" / "screenshots"

if not CHROMIUM.exists():
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing: CI must install Chromium (apt-get install chromium)",
                    pytrace=False)
    pytest.skip(f"{CHROMIUM} is not installed (set CI=1 to make this a failure)",
                allow_module_level=True)

from playwright.sync_api import expect, sync_playwright  # noqa: E402


# ---------------------------------------------------------------- corpus

PLACES = ["东湖", "西岭", "南川", "北塘", "青山", "白水", "红星", "金沙", "石桥", "柳河",
          "松林", "云台", "梅溪", "竹园", "桃源"]
KINDS = [("总结", "工作总结"), ("汇报", "工作情况汇报"), ("述职报告", "书记抓基层党建工作述职报告"),
         ("计划", "工作计划")]
LEVELS = [("县", "{p}县"), ("乡镇", "{p}镇"), ("区", "{p}区"), ("市", "{p}市")]


def generated_report(i: int) -> tuple[str, str]:
    """A small, plausible report; every one mentions 组织建设 and 党建."""
    year = 2019 + i % 6
    place = PLACES[i % len(PLACES)]
    kind, kind_title = KINDS[i % len(KINDS)]
    unit = LEVELS[(i // 2) % len(LEVELS)][1].format(p=place)
    title = f"{unit}{year}年基层党建{kind_title}"
    body = f"""{title}
按照上级部署，现将{year}年{unit}基层党建和组织建设工作情况报告如下。
一、主要做法
（一）压紧压实责任，党建工作有力有序。一是健全责任体系。{unit}党委把组织建设摆在突出位置，逐级签订党建工作责任书{10 + i}份，确保责任压紧压实、任务落地见效。二是强化督促检查。坚持每季度开展一次党建工作督查，发现问题{3 + i % 5}个，全部整改到位。
（二）夯实基层基础，组织建设全面进步。一是规范组织生活。严格落实“三会一课”制度，开展主题党日活动{20 + i}次。二是加强阵地建设。新建改建党群服务中心{1 + i % 4}个，组织建设基础更加牢固。三是抓好队伍建设。培训党务干部{100 + 7 * i}人次，党建工作能力明显提升。
二、存在的问题
一是组织建设发展还不平衡，个别党组织作用发挥不充分；二是党建工作与中心工作融合还不够紧密。
三、下一步打算
{year + 1}年，我们将继续压紧压实党建责任，以高质量组织建设推动高质量发展。
"""
    name = f"gen/{year}/{place}-{i:02d}.txt"
    return name, body


ADAPTED = "001_febdc8b53386a303.txt"  # re-posted with an edit: a near-duplicate
REPOST = "dups/001-转载.txt"
COPY = "dups/000-副本.txt"              # the same text as 000_…: a copy


def build_corpus(dest: Path, extra: int = 25) -> Path:
    copy_seeds(dest)
    for i in range(extra):
        name, body = generated_report(i)
        path = dest / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body, encoding="utf-8")
    (dest / "dups").mkdir()
    shutil.copy(dest / "000_76dcab7e818b9862.txt", dest / COPY)
    adapted = (dest / ADAPTED).read_text("utf-8")
    (dest / REPOST).write_text("（转载）" + adapted.replace("不走偏", "不动摇", 1), "utf-8")
    return dest


# ---------------------------------------------------------------- server

@pytest.fixture(scope="module")
def server(tmp_path_factory):
    base = tmp_path_factory.mktemp("browser")
    corpus = build_corpus(base / "corpus")
    index = base / "index"
    proc = subprocess.Popen(
        [sys.executable, "-m", "search", "serve", "--port", "0",
         "--index", str(index), "--corpus", str(corpus)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8",
        cwd=base, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(l) for l in proc.stdout], daemon=True).start()
    url, seen = None, []
    try:
        while url is None:
            try:
                line = lines.get(timeout=120)
            except queue.Empty:
                break
            seen.append(line)
            m = re.search(r"open (http://127\.0\.0\.1:\d+/)", line)
            if m:
                url = m.group(1)
        if url is None:
            pytest.fail("server did not start:\n" + "".join(seen))
        yield url.rstrip("/")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN",
                                  permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.base = server
    yield page
    context.close()
    # A CSP violation or a script error shows up as a console error.
    assert not problems, problems


def shoot(page, tmp_path: Path, name: str) -> None:
    """Screenshots of the current URL as loaded at each size (so size-dependent
    scripts run as on a real phone), into tmp_path and build/screenshots."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size
    for label, (w, h) in SIZES.items():
        page.set_viewport_size({"width": w, "height": h})
        page.reload()
        page.wait_for_load_state("load")
        target = tmp_path / f"{name}-{label}-{w}x{h}.png"
        page.screenshot(path=str(target))
        shutil.copy(target, SHOTS / target.name)
        # Nothing may stick out sideways (the usual mobile breakage).
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} at {w}x{h} scrolls sideways by {overflow}px"
    page.set_viewport_size(original)
    page.reload()


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
    label = link.locator("span").first.inner_text()
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
