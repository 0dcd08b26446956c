"""草稿比对 in a real browser (Debian Chromium through Playwright) against the
real server: paste a draft, see its sentences coloured, open a sentence's
sources, follow one to the report; upload a file. Screenshots at desktop and
phone sizes go to the test's tmp_path and to build/screenshots/."""
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
from conftest import ROOT
from test_draft import FORMULA, GENERATED, build_library, seed_sentences

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

from playwright.sync_api import expect, sync_playwright

COPIED = seed_sentences()["004_c3b5e33bd99874ad.txt"][3]
EDITED = seed_sentences()["002_34095a95df17f33c.txt"][6].replace("，", "、", 1)
NEW = "桂花镇围绕古树名木保护，采取分片包干的办法，12名干部轮班值守，化解问题35条。"
DRAFT = f"桂花镇2024年工作情况汇报\n{COPIED}{NEW}\n{FORMULA}{EDITED}"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    base = tmp_path_factory.mktemp("browser-check")
    corpus = build_library(base / "corpus")
    index = base / "index"
    proc = subprocess.Popen(
        [sys.executable, "-m", "search", "serve", "--port", "0", "--index", str(index), "--corpus", str(corpus)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8",
        cwd=base, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()
    url, seen = None, []
    try:
        while url is None:
            try:
                line = lines.get(timeout=120)
            except queue.Empty:
                break
            seen.append(line)
            m = re.search(r"打开 (http://127\.0\.0\.1:\d+/)", line)
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


def new_page(browser, server, size: str = "desktop"):
    w, h = SIZES[size]
    context = browser.new_context(viewport={"width": w, "height": h}, locale="zh-CN")
    page = context.new_page()
    page.problems = []
    page.on("console", lambda msg: page.problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: page.problems.append(str(exc)))
    page.base = server
    return context, page


@pytest.fixture
def page(browser, server):
    context, page = new_page(browser, server)
    yield page
    context.close()
    assert not page.problems, page.problems  # a CSP violation or a script error


def shot(page, tmp_path: Path, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    target = tmp_path / f"{name}.png"
    page.screenshot(path=str(target), full_page=False)
    shutil.copy(target, SHOTS / target.name)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name} scrolls sideways by {overflow}px"


def paste_and_check(page) -> None:
    page.goto(page.base + "/check")
    expect(page.locator("h1")).to_have_text("草稿比对")
    expect(page.locator(".ck-limits")).to_contain_text("不超过 5 MB")
    page.fill("#ck-text", DRAFT)
    page.click(".ck-form button[type=submit]")
    page.wait_for_load_state("load")
    expect(page.locator(".ck-summary")).to_be_visible()


def background(locator) -> str:
    return locator.evaluate("el => getComputedStyle(el).backgroundColor")


def test_paste_a_draft_see_the_colours_and_open_a_source(page, tmp_path):
    paste_and_check(page)
    copied, common = page.locator("a.ck-s.ck-copied"), page.locator("a.ck-s.ck-common")
    new = page.locator(".ck-s.ck-new")
    assert copied.all_inner_texts() == [COPIED, EDITED]
    assert common.all_inner_texts() == [FORMULA]
    assert NEW in new.all_inner_texts()
    colours = {background(copied.first), background(common.first), background(new.first)}
    assert len(colours) == 3, colours   # three classes, three colours
    expect(page.locator(".ck-legend")).to_contain_text("照搬")
    expect(page.locator(".ck-top li").first).to_contain_text("《")
    shot(page, tmp_path, "check-desktop-result")

    # nothing open yet; a click on the copied sentence opens its sources
    expect(page.locator(".ck-src.ck-open")).to_have_count(0)
    copied.first.click()
    panel = page.locator(".ck-src.ck-open")
    expect(panel).to_have_count(1)
    expect(panel).to_be_visible()
    expect(panel.locator(".ck-kind")).to_contain_text("照搬")
    expect(panel.locator(".ck-sources li")).to_have_count(1)
    expect(panel.locator(".ck-file")).to_have_text("004_c3b5e33bd99874ad.txt")
    expect(panel.locator(".ck-overlap")).to_have_text("原句")
    shot(page, tmp_path, "check-desktop-source")

    # the edited one shows its overlap and the library's wording
    copied.nth(1).click()
    panel = page.locator(".ck-src.ck-open")
    expect(panel.locator(".ck-overlap")).to_contain_text("重合")
    expect(panel.locator("q.ck-lib")).to_have_text(re.compile("，"))

    # the 套话 shows its use by year
    common.first.click()
    panel = page.locator(".ck-src.ck-open")
    expect(panel.locator(".ck-kind")).to_contain_text(f"{GENERATED} 篇")
    expect(panel.locator("svg.ck-years g")).to_have_count(6)
    shot(page, tmp_path, "check-desktop-common")

    # Escape closes; a source link opens the report at the spot, marked
    page.keyboard.press("Escape")
    expect(page.locator(".ck-src.ck-open")).to_have_count(0)
    copied.first.click()
    page.locator(".ck-src.ck-open a.ck-title-link").click()
    page.wait_for_url(re.compile(r"/report/004_c3b5e33bd99874ad\.txt\?q=.*#o\d+$"))
    expect(page.locator("mark.hit").first).to_be_visible()
    assert COPIED[:10] in page.locator("mark.hit").first.evaluate("el => el.parentElement.textContent")


def test_on_a_phone_the_sources_open_as_a_sheet(browser, server, tmp_path):
    context, page = new_page(browser, server, "mobile")
    try:
        paste_and_check(page)
        shot(page, tmp_path, "check-mobile-result")
        side = page.locator("#ck-side")
        expect(side).to_be_hidden()
        page.locator("a.ck-s.ck-copied").first.click()
        expect(side).to_be_visible()
        box = side.bounding_box()
        assert box["y"] + box["height"] <= SIZES["mobile"][1] + 1 and box["y"] > 200   # at the bottom
        sentence = page.locator("a.ck-s.ck-on").bounding_box()
        assert 0 <= sentence["y"] < box["y"]   # the sentence stays in view above it
        shot(page, tmp_path, "check-mobile-source")
        page.locator(".ck-src.ck-open .ck-close").click()
        expect(side).to_be_hidden()
        assert not page.problems, page.problems
    finally:
        context.close()


def test_upload_a_docx(page, tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph("某镇工作汇报")
    document.add_paragraph(COPIED + NEW)
    path = tmp_path / "草稿.docx"
    document.save(str(path))
    page.goto(page.base + "/check")
    page.set_input_files("input[type=file]", str(path))
    page.click(".ck-form button[type=submit]")
    page.wait_for_load_state("load")
    expect(page.locator("a.ck-s.ck-copied")).to_have_text([COPIED])
    expect(page.locator(".ck-s.ck-new")).to_have_count(2)


def test_a_file_of_another_kind_is_refused_on_the_form(page, tmp_path):
    path = tmp_path / "表格.xlsx"
    path.write_bytes(b"PK\x03\x04 not a draft")
    page.goto(page.base + "/check")
    page.set_input_files("input[type=file]", str(path))
    page.click(".ck-form button[type=submit]")
    page.wait_for_load_state("load")
    expect(page.locator(".ck-error")).to_contain_text(".xlsx")
    expect(page.locator(".ck-summary")).to_have_count(0)
    # The page answered 400, as it should: Chromium logs that as a console error.
    assert page.problems == ["Failed to load resource: the server responded with a status of 400 (BAD REQUEST)"]
    page.problems.clear()
