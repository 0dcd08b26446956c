"""search.readers on the formats beyond plain text: .docx written by
python-docx, PDFs (reading order, paragraphs across pages, no text layer),
article and WeChat pages, old Word .doc / .wps."""
from __future__ import annotations

from pathlib import Path

import pytest

from harness.samples import (
    LINE_CHARS,
    LO_DOC,
    PARAGRAPHS,
    WECHAT,
    draw_pdf,
    make_docx,
    reason_of,
    write,
)
from search.readers import (
    NO_TEXT_LAYER,
    read_document,
    read_text,
)

# --- .docx written by python-docx --------------------------------------------------------


def test_docx_order_tables_headers_and_headings(tmp_path: Path) -> None:
    docx = pytest.importorskip("docx")
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    doc = docx.Document()
    doc.sections[0].header.paragraphs[0].text = "页眉：某某县委组织部"
    doc.sections[0].footer.paragraphs[0].text = "第1页"
    doc.add_heading("2023年全县基层党建工作总结", level=0)
    doc.add_heading("一、工作开展情况", level=1)
    doc.add_paragraph("今年以来，压紧压实责任。")
    doc.add_heading("（一）强化政治引领", level=2)
    table = doc.add_table(rows=2, cols=2)
    for (r, c), text in {(0, 0): "单位", (0, 1): "党员数", (1, 0): "城关镇", (1, 1): "X名"}.items():
        table.cell(r, c).text = text
    doc.add_paragraph("表后正文。")
    custom = doc.styles.add_style("公文小标题", WD_STYLE_TYPE.PARAGRAPH)  # a Chinese template's own style
    level = OxmlElement("w:outlineLvl")
    level.set(qn("w:val"), "2")
    custom.element.get_or_add_pPr().append(level)
    doc.add_paragraph("抓好组织建设", style="公文小标题")
    own = doc.add_paragraph("直接设了大纲级别的段落")
    own_level = OxmlElement("w:outlineLvl")
    own_level.set(qn("w:val"), "0")
    own._p.get_or_add_pPr().append(own_level)
    doc.add_heading("深层标题", level=6)
    path = tmp_path / "report.docx"
    doc.save(path)

    extracted = read_document(path)
    assert extracted.text.split("\n") == [
        "2023年全县基层党建工作总结", "一、工作开展情况", "今年以来，压紧压实责任。", "（一）强化政治引领",
        "单位", "党员数", "城关镇", "X名", "表后正文。", "抓好组织建设", "直接设了大纲级别的段落", "深层标题"]
    assert "页眉" not in extracted.text and "第1页" not in extracted.text
    assert extracted.headings == (
        (1, "2023年全县基层党建工作总结"), (1, "一、工作开展情况"), (2, "（一）强化政治引领"),
        (3, "抓好组织建设"), (1, "直接设了大纲级别的段落"), (4, "深层标题"))


MC = 'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'


def test_docx_text_box_read_once(tmp_path: Path) -> None:
    box = "<w:txbxContent><w:p><w:r><w:t>文本框内容</w:t></w:r></w:p></w:txbxContent>"
    body = (f"<w:p><w:r><w:t>锚点段落</w:t></w:r><w:r><mc:AlternateContent {MC}>"
            f"<mc:Choice Requires=\"wps\"><w:drawing>{box}</w:drawing></mc:Choice>"
            f"<mc:Fallback><w:pict>{box}</w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>"
            "<w:p><w:r><w:t>下一段</w:t><w:delText>删掉的字</w:delText></w:r></w:p>")
    assert read_text(make_docx(tmp_path / "box.docx", body)) == "锚点段落\n文本框内容\n下一段"


# --- .pdf: drawn with reportlab's STSong-Light (a CID font every PDF reader knows) ----------

def test_pdf_two_pages_headers_page_numbers_and_wraps(tmp_path: Path) -> None:
    pages = [["2023年全县基层党建工作汇报", *PARAGRAPHS[:2]], PARAGRAPHS[2:]]
    text = read_text(draw_pdf(tmp_path / "r.pdf", pages, header="中共某某县委组织部"))
    assert text.split("\n") == ["2023年全县基层党建工作汇报", *PARAGRAPHS]
    assert "组织部" not in text and "- 1 -" not in text


def test_pdf_paragraph_continues_across_the_page_break(tmp_path: Path) -> None:
    long = PARAGRAPHS[3] + PARAGRAPHS[0]
    first, rest = long[: LINE_CHARS * 2 - 2], long[LINE_CHARS * 2 - 2:]
    draw_pdf(tmp_path / "unused.pdf", [[]])  # registers the font
    from reportlab.pdfgen import canvas

    # The second page carries on mid-sentence at the left margin (not indented).
    path = tmp_path / "b.pdf"

    c = canvas.Canvas(str(path), pagesize=(595, 842))
    for number, lines in enumerate([["标题", first[:LINE_CHARS - 2], first[LINE_CHARS - 2:]],
                                    [rest[i:i + LINE_CHARS] for i in range(0, len(rest), LINE_CHARS)]], 1):
        c.setFont("STSong-Light", 10)
        c.drawCentredString(297, 800, "某某县委")
        c.setFont("STSong-Light", 14)
        for i, line in enumerate(lines):
            indent = 28 if (number, i) in ((1, 0), (1, 1)) else 0
            c.drawString(70 + indent, 760 - 22 * i, line)
        c.setFont("STSong-Light", 10)
        c.drawCentredString(297, 40, f"第 {number} 页 共 2 页")
        c.showPage()
    c.save()
    assert read_text(path) == "标题\n" + long


def test_pdf_reading_order_follows_the_page_not_the_stream(tmp_path: Path) -> None:
    path = draw_pdf(tmp_path / "o.pdf", [["标题", PARAGRAPHS[0], PARAGRAPHS[2]]], reverse_stream=True)
    assert read_text(path) == "\n".join(["标题", PARAGRAPHS[0], PARAGRAPHS[2]])


def test_pdf_short_line_and_sentence_end_close_paragraphs(tmp_path: Path) -> None:
    pytest.importorskip("reportlab")
    from reportlab.pdfgen import canvas

    draw_pdf(tmp_path / "unused.pdf", [[]])  # registers the font
    path = tmp_path / "p.pdf"
    c = canvas.Canvas(str(path), pagesize=(595, 842))
    c.setFont("STSong-Light", 14)
    full = "压紧压实责任推动基层党建工作提质增效取得明显成效全县共有党员"  # 30 characters, no end mark
    lines = [full, full[:23] + "主要做法如下：", full, "短行", full[:29] + "。", full]
    for i, line in enumerate(lines):
        c.drawString(70, 760 - 22 * i, line)
    c.showPage()
    c.save()
    assert read_text(path).split("\n") == [
        full + full[:23] + "主要做法如下：",  # ：ends a paragraph even at full width
        full + "短行",  # a short line ends its paragraph
        full[:29] + "。",
        full,
    ]


def test_pdf_committed_libreoffice_export() -> None:
    """A real export: CJK font subsets, quotes from a Latin font, CJK/Latin autospacing,
    Word header and a PAGE field footer, a page break after the first section."""
    text = read_text(Path(__file__).parent / "fixtures" / "lo_report.pdf")
    assert text.split("\n") == [
        "关于2023年全县基层党建工作开展情况的汇报",
        "一、工作开展情况",
        "今年以来，全县各级党组织坚持以习近平新时代中国特色社会主义思想为指导，压紧压实“第一责任人”职责，"
        "推动基层党建工作提质增效，全县共有党员X名、党组织**个。",
        "坚持严抓严管严促，推动基层组织全面过硬。召开基层党建工作推进会3次，开展书记抓党建述职评议，"
        "对排名靠后的5个党组织进行约谈，做到问题清单、责任清单、整改清单“三张清单”闭环管理。",
        "二、存在的问题",
        "一是党建引领乡村全面振兴内生动力还没有充分激活，农村对优秀青年的吸引还不足；"
        "二是部分党员干部担当意识不强，抓产业促发展的能力还不够强。",
        "三、下一步工作计划",
        "聚焦建设过硬基层组织重点，持续提升基层组织组织力，推动全县基层党建工作再上新台阶。",
    ]


def test_pdf_without_text_layer_is_skipped(tmp_path: Path) -> None:
    pytest.importorskip("reportlab")
    from PIL import Image
    from reportlab.pdfgen import canvas

    scan = tmp_path / "scan.png"
    Image.new("L", (200, 280), 255).save(scan)
    for name, draw in (("scanned.pdf", lambda c: c.drawImage(str(scan), 0, 0, 595, 842)),
                       ("blank.pdf", lambda c: c.rect(50, 50, 100, 100))):
        c = canvas.Canvas(str(tmp_path / name), pagesize=(595, 842))
        draw(c)
        c.showPage()
        c.showPage()
        c.save()
        assert reason_of(tmp_path / name) == NO_TEXT_LAYER == "没有文字层（扫描件？）"


def test_pdf_corrupt(tmp_path: Path) -> None:
    assert reason_of(write(tmp_path, "bad.pdf", b"%PDF-1.4\n this is not a pdf at all")).startswith("损坏的 .pdf：")
    good = draw_pdf(tmp_path / "good.pdf", [["标题", PARAGRAPHS[0]]]).read_bytes()
    assert reason_of(write(tmp_path, "cut.pdf", good[: len(good) // 3])).startswith(("损坏的 .pdf：", NO_TEXT_LAYER))
    assert reason_of(write(tmp_path, "junk.pdf", b"\x00\x01 junk")).startswith("损坏的 .pdf：")


# --- .html: articles, WeChat pages, headings -------------------------------------------------

def test_wechat_article(tmp_path: Path) -> None:
    extracted = read_document(write(tmp_path, "wx.html", WECHAT.encode("utf-8")))
    assert extracted.text.split("\n") == [
        "2023年全县基层党建工作总结", "今年以来，全县压紧压实责任。", "一、工作开展情况", "坚持严抓严管",
        "严促。", "（一）强化政治引领", "抓好理论学习。"]
    assert extracted.headings == ((2, "一、工作开展情况"), (3, "（一）强化政治引领"))
    for noise in ("哒哒君", "阅读原文", "扫一扫", "2023-12-30", "不要这个", "公众号文章"):
        assert noise not in extracted.text


def test_html_article_without_page_chrome(tmp_path: Path) -> None:
    page = """<html><head><title>某某网</title></head><body>
    <header><a href="/">首页</a> 网站导航</header><nav><ul><li>新闻</li><li>公告</li></ul></nav>
    <div class="content"><h1>区委工作总结</h1><p>今年以来成效明显。<p>一、主要做法<h4>细化措施</h4></div>
    <aside>热门文章</aside><footer>版权所有 备案号</footer></body></html>"""
    extracted = read_document(write(tmp_path, "p.htm", page.encode("utf-8")))
    assert extracted.text == "区委工作总结\n今年以来成效明显。\n一、主要做法\n细化措施"  # the h1, not <title>
    assert extracted.headings == ((1, "区委工作总结"), (4, "细化措施"))
    with_article = page.replace('<div class="content">', "<article>").replace("</div>", "</article>")
    assert read_text(write(tmp_path, "a.html", with_article.encode("utf-8"))).startswith("区委工作总结\n")
    no_h1 = page.replace("<h1>区委工作总结</h1>", "")
    assert read_text(write(tmp_path, "t.html", no_h1.encode("utf-8"))).startswith("某某网\n今年以来")


# --- .doc / .wps ---------------------------------------------------------------------------

def test_old_word_without_tools_says_what_to_do(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    assert reason_of(LO_DOC) == "旧版 Word 文件（.doc）：请安装 antiword 或 catdoc，或另存为 .docx"
    wps = write(tmp_path, "r.wps", LO_DOC.read_bytes())
    assert reason_of(wps) == "旧版 WPS 文件（.wps）：请安装 antiword 或 catdoc，或另存为 .docx"


@pytest.mark.parametrize("tool", ["antiword", "catdoc"])
def test_old_word_with_tool(tmp_path: Path, monkeypatch, tool: str) -> None:
    import shutil

    found = shutil.which(tool)
    if not found:
        pytest.skip(f"{tool} not installed (apt-get install {tool})")
    only = tmp_path / "bin"
    only.mkdir()
    (only / tool).symlink_to(found)
    monkeypatch.setenv("PATH", str(only))
    lines = [line for line in read_text(LO_DOC).split("\n") if line.strip()]
    assert lines[0] == "关于2023年全县基层党建工作开展情况的汇报"
    assert "一、工作开展情况" in lines and "三、下一步工作计划" in lines
    assert any(line.startswith("今年以来，") and "压紧压实“第一责任人”职责" in line for line in lines)


def test_doc_that_is_really_docx_or_text(tmp_path: Path) -> None:
    docx_bytes = make_docx(tmp_path / "x.docx", "<w:p><w:r><w:t>其实是docx</w:t></w:r></w:p>").read_bytes()
    assert read_text(write(tmp_path, "renamed.doc", docx_bytes)) == "其实是docx"
    assert read_text(write(tmp_path, "plain.doc", "纯文本汇报".encode("gbk"))) == "纯文本汇报"
    assert reason_of(write(tmp_path, "r.doc", b"{\\rtf1\\ansi hello}")) == "这是存成 .doc 的 RTF 文件：请另存为 .docx"
