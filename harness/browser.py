"""What the browser tests share: Debian's Chromium through Playwright, the
real server (harness.served) on a temporary copy of the seeds plus
generated reports, and screenshots at desktop and phone sizes (into the
test's tmp_path and build/screenshots/ for review). Importing this module
skips the importing test module when Chromium or Playwright is missing,
unless CI is set: then it fails."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from harness.paths import ROOT, copy_seeds
from harness.served import Served

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SIZES = {"desktop": (1280, 800), "mobile": (390, 844)}
SHOTS = ROOT / "build" / "screenshots"


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is not installed (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -e '.[test]')"
    return None


if (_why := _missing()) is not None:
    if os.environ.get("CI"):
        pytest.fail(f"{_why}: CI must have it", pytrace=False)
    pytest.skip(f"{_why} (set CI=1 to make this a failure)", allow_module_level=True)

from playwright.sync_api import expect, sync_playwright  # noqa: E402 (only once both are known to be there)

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "SHOTS", "SIZES", "browser_fixture", "build_corpus", "expect",
           "page_fixture", "served_url", "server_fixture", "shoot", "sync_playwright"]

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
    _, kind_title = KINDS[i % len(KINDS)]
    unit = LEVELS[(i // 2) % len(LEVELS)][1].format(p=place)
    title = f"{unit}{year}年基层党建{kind_title}"
    body = f"""{title}
按照上级部署，现将{year}年{unit}基层党建和组织建设工作情况报告如下。
一、主要做法
（一）压紧压实责任，党建工作有力有序。一是健全责任体系。\
{unit}党委把组织建设摆在突出位置，逐级签订党建工作责任书{10 + i}份，\
确保责任压紧压实、任务落地见效。二是强化督促检查。坚持每季度开展一次党建工作督查，发现问题{3 + i % 5}个，全部整改到位。
（二）夯实基层基础，组织建设全面进步。一是规范组织生活。严格落实“三会一课”制度，开展主题党日活动{20 + i}次。\
二是加强阵地建设。新建改建党群服务中心{1 + i % 4}个，组织建设基础更加牢固。\
三是抓好队伍建设。培训党务干部{100 + 7 * i}人次，党建工作能力明显提升。
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

def served_url(corpus: Path, index: Path, cwd: Path):
    """A served corpus for a module's tests: its base URL, stopped at the end."""
    with Served("--index", str(index), "--corpus", str(corpus), cwd=cwd) as server:
        yield server.url


@pytest.fixture(scope="module", name="server")
def server_fixture(tmp_path_factory):
    base = tmp_path_factory.mktemp("browser")
    yield from served_url(build_corpus(base / "corpus"), base / "index", base)


@pytest.fixture(scope="module", name="browser")
def browser_fixture():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(name="page")
def page_fixture(browser, server):
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


