"""草稿比对 on its two surfaces: the `reports draft` command (JSON, errors,
the .docx output) as a subprocess, and the web page through the real Flask app."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from harness.drafts import FORMULA, GENERATED, seed_sentences
from harness.paths import ROOT
from search import draft
from search.settings import Settings

# ---------------------------------------------------------------- command line

def reports(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "search", *args], capture_output=True, text=True,
                          input=stdin, cwd=ROOT, timeout=300, check=False)


@pytest.mark.slow
def test_cli_json_has_the_keys_of_the_web_twin(draft_library, tmp_path):
    corpus, index, library = draft_library
    sentence = seed_sentences()["004_c3b5e33bd99874ad.txt"][3]
    path = tmp_path / "draft.txt"
    path.write_text(f"标题\n{sentence}{FORMULA}全新的一句话，没有出处。", "utf-8")
    run = reports("check", str(path), "--json", "--index", str(index), "--corpus", str(corpus))
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert {"sentences", "share", "top_reports"} <= set(data)
    assert set(data["share"]) == {"new", "common", "copied"}
    assert [s["class"] for s in data["sentences"]] == ["new", "copied", "common", "new"]
    copied = data["sentences"][1]
    assert {"text", "offset", "class", "sources"} <= set(copied)
    assert {"id", "title", "year", "overlap"} <= set(copied["sources"][0])
    assert copied["sources"][0]["overlap"] == 1.0
    assert {"id", "title", "year", "chars"} <= set(data["top_reports"][0])
    expected = draft.check(library, path.read_text("utf-8"), Settings.for_corpus(corpus)).to_json()
    assert {k: v for k, v in data.items() if k != "elapsed_ms"} == \
        {k: v for k, v in expected.items() if k != "elapsed_ms"}
    piped = reports("check", "-", "--index", str(index), stdin=sentence)
    assert piped.returncode == 0 and "[照搬]" in piped.stdout and "004_c3b5e33bd99874ad.txt" in piped.stdout


@pytest.mark.slow
def test_cli_errors_are_one_line(draft_library, tmp_path):
    _, index, _ = draft_library
    empty = tmp_path / "empty.txt"
    empty.write_text("\n", "utf-8")
    for args in (["check", str(empty), "--index", str(index)],
                 ["check", str(tmp_path / "none.txt"), "--index", str(index)],
                 ["check", str(empty), "--format", "docx", "--index", str(index)],
                 ["check", "-", "--index", str(tmp_path / "no-index")]):
        run = reports(*args, stdin="一句话。")
        assert run.returncode != 0 and "Traceback" not in run.stderr, (args, run.stderr)
        assert len(run.stderr.strip().splitlines()) <= 2, run.stderr


@pytest.mark.slow
def test_docx_output_highlights_copied_sentences_and_carries_their_sources(draft_library, tmp_path):
    import docx
    from docx.enum.text import WD_COLOR_INDEX

    _, index, _ = draft_library
    copied = seed_sentences()["004_c3b5e33bd99874ad.txt"][3]
    path = tmp_path / "draft.txt"
    path.write_text(f"某镇工作汇报\n{copied}全新的一句话，没有出处。\n{FORMULA}", "utf-8")
    out = tmp_path / "比对结果.docx"
    run = reports("check", str(path), "--format", "docx", "--output", str(out), "--index", str(index))
    assert run.returncode == 0, run.stderr
    document = docx.Document(str(out))
    assert [p.text for p in document.paragraphs] == path.read_text("utf-8").split("\n")
    yellow = [r.text for p in document.paragraphs for r in p.runs if r.font.highlight_color == WD_COLOR_INDEX.YELLOW]
    grey = [r.text for p in document.paragraphs for r in p.runs if r.font.highlight_color == WD_COLOR_INDEX.GRAY_25]
    assert yellow == [copied] and grey == [FORMULA]
    comments = list(document.comments)
    texts = [c.text for c in comments]
    assert any("004_c3b5e33bd99874ad.txt" in t and "照搬" in t for t in texts)
    assert any(f"{GENERATED} 篇报告都用" in t for t in texts)
    assert any(t.startswith("草稿比对") for t in texts)
    # and our own reader reads the draft back
    assert draft.read_path(out).split("\n") == path.read_text("utf-8").split("\n")


# ---------------------------------------------------------------- the web page

@pytest.fixture(scope="module")
def client(draft_library):
    from web import create_app

    corpus, index, _ = draft_library
    app = create_app({"INDEX_DIR": index, "CORPUS_DIR": corpus, "WARM_UP": False, "AUTH": None})
    return app.test_client()


def folder_state(*folders: Path) -> dict:
    return {p: (p.stat().st_size, p.stat().st_mtime_ns) for f in folders for p in sorted(f.rglob("*"))}


def test_the_page_states_its_limits_and_checks_a_pasted_draft(draft_library, client):
    corpus, index, library = draft_library
    form = client.get("/check")
    page = form.get_data(as_text=True)
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in page and 'method="post"' in page
    assert f"不超过 {draft_views().MAX_UPLOAD_MB} MB" in page and "不保存在服务器上" in page
    copied = seed_sentences()["004_c3b5e33bd99874ad.txt"][3]
    text = f"某镇工作汇报\n{copied}{FORMULA}全新的一句话，没有出处。"
    before = folder_state(corpus, index)
    html = client.post("/check", data={"text": text})
    assert html.status_code == 200
    body = html.get_data(as_text=True)
    assert 'class="ck-s ck-copied" href="#ck-src-1"' in body and 'class="ck-s ck-common"' in body
    assert 'id="ck-src-1"' in body and "004_c3b5e33bd99874ad.txt" in body
    assert "/report/004_c3b5e33bd99874ad.txt?q=" in body   # a link to the spot
    as_json = client.post("/check.json", data={"text": text}).get_json()
    expected = draft.check(library, text, Settings.for_corpus(corpus)).to_json()
    assert {k: v for k, v in as_json.items() if k != "elapsed_ms"} == \
        {k: v for k, v in expected.items() if k != "elapsed_ms"}
    assert folder_state(corpus, index) == before   # nothing stored


def draft_views():
    from web import draft_views

    return draft_views


def test_the_page_takes_a_file_and_refuses_what_it_cannot_read(client, tmp_path):
    import io

    import docx

    copied = seed_sentences()["004_c3b5e33bd99874ad.txt"][3]
    document = docx.Document()
    document.add_paragraph("某镇工作汇报")
    document.add_paragraph(copied)
    buffer = io.BytesIO()
    document.save(buffer)
    data = client.post("/check.json", data={"file": (io.BytesIO(buffer.getvalue()), "草稿.docx")},
                       content_type="multipart/form-data").get_json()
    assert [s["class"] for s in data["sentences"]] == ["new", "copied"]
    refused = client.post("/check", data={"file": (io.BytesIO(b"x"), "a.pdf")}, content_type="multipart/form-data")
    assert refused.status_code == 400 and ".pdf" in refused.get_data(as_text=True)
    empty = client.post("/check.json", data={"text": "  "})
    assert empty.status_code == 400 and empty.get_json()["ok"] is False and "空" in empty.get_json()["error"]
    big = draft_views().MAX_UPLOAD_BYTES + 1
    too_big = client.post("/check", data={"file": (io.BytesIO(b"a" * big), "big.txt")},
                          content_type="multipart/form-data")
    assert too_big.status_code == 413 and "5 MB" in too_big.get_data(as_text=True)
    assert client.get("/check.json").status_code == 405


def test_the_page_escapes_the_draft_and_its_sources(client):
    payload = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    body = client.post("/check", data={"text": f"{payload}\n{FORMULA}{payload}。"}).get_data(as_text=True)
    assert "<script>alert" not in body and "<img src=x" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert " style=" not in body and "onerror=" not in body.replace("&lt;img src=x onerror=", "")


def test_the_page_needs_the_same_login_as_everything_else(draft_library):
    import base64

    from web import create_app
    from web.auth import Credentials

    corpus, index, _ = draft_library
    app = create_app({"INDEX_DIR": index, "CORPUS_DIR": corpus, "WARM_UP": False,
                      "AUTH": Credentials.from_pairs([("张三", "密码")])})
    locked = app.test_client()
    for method, url in (("get", "/check"), ("post", "/check"), ("post", "/check.json"),
                        ("get", "/static/check.js")):
        assert getattr(locked, method)(url, data={"text": FORMULA} if method == "post" else None).status_code == 401
    login = {"Authorization": "Basic " + base64.b64encode("张三:密码".encode()).decode()}
    ok = locked.post("/check.json", data={"text": FORMULA}, headers=login)
    assert ok.status_code == 200 and ok.get_json()["sentences"][0]["class"] == "common"
