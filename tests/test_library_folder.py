"""A drafter's real folder, end to end: one report in each format and
encoding, files that cannot be read, files that are not reports, copies and
near-duplicates. Indexed with the real indexer and the real CLI, searched
through the library and the web app."""
from __future__ import annotations

import codecs
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.paths import copy_seeds
from harness.samples import LO_DOC, WECHAT, draw_pdf
from search.cli import main as cli
from search.indexer import index_corpus
from search.searcher import Library
from web import create_app

# Each readable file carries a phrase no other file has, so a search for it
# proves that this very file was read right.
MARKED = {
    "formats/utf8.txt": ("utf-8", "青松岭村集体经济"),
    "formats/utf8-bom.txt": ("utf-8-sig", "白杨沟护林队"),
    "formats/gbk.txt": ("gb18030", "红石滩水库移民"),
    "formats/utf16le.txt": ("utf-16", "金沙湾渔业合作社"),       # BOM, little-endian
    "formats/utf16be.txt": ("utf-16-be", "柳林镇便民服务站"),    # BOM added below
    "formats/notes.md": ("utf-8", "梅花巷老旧小区改造"),
}
BODY = ("按照县委统一部署，现将有关工作情况报告如下。一是压紧压实责任，"
        "坚持书记抓、抓书记，层层传导压力。二是聚焦重点任务，{mark}取得新进展，群众满意度明显提升。")


def write_marked(corpus: Path) -> None:
    for name, (encoding, mark) in MARKED.items():
        path = corpus / name
        path.parent.mkdir(parents=True, exist_ok=True)
        text = f"{mark}工作情况汇报\n{BODY.format(mark=mark)}\n"
        data = text.encode(encoding)
        if encoding == "utf-16-be":
            data = codecs.BOM_UTF16_BE + data
        path.write_bytes(data)


def write_docx(path: Path) -> None:
    docx = pytest.importorskip("docx")
    document = docx.Document()
    document.add_heading("竹园街道2023年党建工作总结", level=0)
    document.add_heading("强化网格党建", level=1)
    document.add_paragraph(BODY.format(mark="竹园街道网格员"))
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "指标"
    table.rows[0].cells[1].text = "网格党支部32个"
    document.sections[0].header.paragraphs[0].text = "内部资料 注意保存"
    document.save(str(path))


def write_scan(path: Path) -> None:
    pytest.importorskip("reportlab")
    from reportlab.pdfgen import canvas
    c = canvas.Canvas(str(path), pagesize=(595, 842))
    c.rect(50, 50, 400, 600, fill=1)   # a page that is all picture, no text
    c.showPage()
    c.save()


def build_folder(root: Path) -> Path:
    corpus = copy_seeds(root / "corpus")
    write_marked(corpus)
    write_docx(corpus / "formats" / "竹园总结.docx")
    draw_pdf(corpus / "formats" / "桃源汇报.pdf",
             [["桃源乡2023年工作汇报", BODY.format(mark="桃源乡茶叶基地") * 2]], header="桃源乡人民政府")
    (corpus / "formats" / "wechat.html").write_text(WECHAT, "utf-8")
    shutil.copy(LO_DOC, corpus / "formats" / "old.doc")
    # Unreadable: each must be skipped with its reason.
    bad = corpus / "bad"
    bad.mkdir()
    write_scan(bad / "scan.pdf")
    (bad / "random.txt").write_bytes(bytes(range(256)) * 8)
    (bad / "big5.txt").write_bytes("關於二零二三年黨建工作的報告，壓緊壓實責任。".encode("big5") * 20)
    (bad / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    (bad / "empty.txt").write_bytes(b"")
    # Not reports at all.
    (corpus / "images").mkdir()
    (corpus / "images" / "qr.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(100))
    (corpus / "images" / "table.xls").write_bytes(bytes(64))
    # Copies and a near-duplicate of the seeds.
    shutil.copy(corpus / "000_76dcab7e818b9862.txt", corpus / "000 (1).txt")
    seed = (corpus / "000_76dcab7e818b9862.txt").read_text("utf-8")
    (corpus / "000-gbk.txt").write_bytes(seed.encode("gb18030"))
    adapted = (corpus / "001_febdc8b53386a303.txt").read_text("utf-8")
    (corpus / "001-转载.txt").write_text("（转载）" + adapted.replace("不走偏", "不动摇", 1), "utf-8")
    return corpus


HAVE_DOC_TOOL = bool(shutil.which("antiword") or shutil.which("catdoc"))


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("folder")
    corpus = build_folder(root)
    result = CliRunner().invoke(cli, ["index", str(corpus), "--index", str(root / "index"), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    return corpus, root / "index", result.output


def test_the_run_counts_and_explains_every_file(folder):
    corpus, index, output = folder
    readable = 5 + len(MARKED) + 3 + (1 if HAVE_DOC_TOOL else 0) + 3   # seeds, marked, docx/pdf/html, doc, dups
    skipped = 5 + (0 if HAVE_DOC_TOOL else 1)
    assert f"新增 {readable}，" in output
    assert f"跳过 {skipped} " in output
    assert "其中 2 个文件与已收录的报告文字相同" in output
    expected_reasons = {
        "bad/scan.pdf": "没有文字层（扫描件？）",
        "bad/random.txt": "二进制文件，不是文字",
        "bad/big5.txt": "看不出文字编码",
        "bad/broken.docx": "损坏的 .docx",
        "bad/empty.txt": "空文件",
    }
    for name, reason in expected_reasons.items():
        assert f"跳过 {name}：{reason}" in output, name
    assert "不是报告，未处理：其他类型的文件 2 个" in output
    stats = Library(index).stats()
    assert stats["files"] == readable
    assert stats["copies"] == 2
    assert stats["reports"] == readable - 2
    assert stats["similar_groups"] == 1


@pytest.mark.parametrize("name", sorted(MARKED))
def test_every_encoding_is_found_by_its_own_phrase(folder, name):
    library = Library(folder[1])
    result = library.search(MARKED[name][1])
    assert [h.id for h in result.hits] == [name]
    assert library.report(name).title == f"{MARKED[name][1]}工作情况汇报"


def test_docx_pdf_html_and_doc_are_found(folder):
    library = Library(folder[1])
    docx = library.search("竹园街道网格员").hits
    assert [h.id for h in docx] == ["formats/竹园总结.docx"]
    view = library.report("formats/竹园总结.docx")
    assert "内部资料" not in view.text                     # the page header is not the report
    assert "网格党支部32个" in view.text                   # table cells are
    assert any(h["text"] == "强化网格党建" for h in view.outline)   # a styled heading
    pdf = library.search("桃源乡茶叶基地").hits
    assert [h.id for h in pdf] == ["formats/桃源汇报.pdf"]
    assert "桃源乡人民政府" not in library.report("formats/桃源汇报.pdf").text.split("\n", 1)[1]
    html = library.report("formats/wechat.html")
    assert html.title == "2023年全县基层党建工作总结"
    assert "阅读原文" not in html.text and "不要这个" not in html.text
    if HAVE_DOC_TOOL:
        assert "formats/old.doc" in {h.id for h in library.search("第一责任人 三、下一步工作计划").hits}


def test_the_web_shows_copies_and_similar_reports(folder):
    corpus, index, _ = folder
    app = create_app({"INDEX_DIR": index, "CORPUS_DIR": corpus, "TESTING": True, "WARM_UP": False})
    client = app.test_client()
    hits = client.get("/search.json?q=严抓严管严促").get_json()["hits"]
    same_text = {"000_76dcab7e818b9862.txt", "000 (1).txt", "000-gbk.txt"}
    shown = [h for h in hits if h["id"] in same_text]
    assert len(shown) == 1                                    # one hit for the three files
    assert {shown[0]["id"], *shown[0]["copies"]} == same_text
    page = client.get("/search?q=把稳政治方向").get_data(as_text=True)
    assert "另有 1 份相似" in page and "001-转载.txt" in page


def test_an_unchanged_rerun_reads_nothing(folder):
    corpus, index, _ = folder
    summary = index_corpus(corpus, index, jobs=1)
    assert (summary.added, summary.updated, summary.removed) == (0, 0, 0)
    assert sum(summary.ignored.values()) == 2
