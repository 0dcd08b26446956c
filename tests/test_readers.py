"""search.readers: real files in tmp_path, every encoding and every failure."""
from __future__ import annotations

import codecs
import zipfile
from pathlib import Path

import pytest

from search.readers import (
    MAX_TEXT_BYTES,
    NO_TEXT_LAYER,
    SUPPORTED_SUFFIXES,
    UNCERTAIN,
    UNDECODABLE,
    UnreadableFile,
    read_document,
    read_text,
)

CORPUS = Path(__file__).parent.parent / "corpus"
CHINESE = "关于2023年全县基层党建工作开展情况的汇报\n一、工作开展情况\n压紧压实“第一责任人”职责，X名、**项。\n"


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def reason_of(path: Path) -> str:
    with pytest.raises(UnreadableFile) as info:
        read_text(path)
    return info.value.reason


@pytest.mark.parametrize(
    "data",
    [
        CHINESE.encode("utf-8"),
        codecs.BOM_UTF8 + CHINESE.encode("utf-8"),
        CHINESE.encode("gb18030"),
        CHINESE.encode("gbk"),
        codecs.BOM_UTF16_LE + CHINESE.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + CHINESE.encode("utf-16-be"),
        CHINESE.encode("utf-16-le"),  # no BOM: found by the NUL-byte pattern
        CHINESE.encode("utf-16-be"),
    ],
    ids=["utf8", "utf8-bom", "gb18030", "gbk", "utf16le-bom", "utf16be-bom", "utf16le", "utf16be"],
)
@pytest.mark.parametrize("suffix", [".txt", ".md"])
def test_encodings_round_trip(tmp_path: Path, data: bytes, suffix: str) -> None:
    assert read_text(write(tmp_path, "r" + suffix, data)) == CHINESE


def test_gbk_only_text_is_never_mojibake(tmp_path: Path) -> None:
    text = "乡镇党委书记抓基层党建述职，镕、堃、鎔、囧。" * 20  # 镕/堃 are outside GB2312
    assert read_text(write(tmp_path, "g.txt", text.encode("gbk"))) == text


def test_newlines_normalized(tmp_path: Path) -> None:
    raw = "标题\r\n第一段\r\n\r\n第二段\r第三段"
    assert read_text(write(tmp_path, "crlf.txt", raw.encode("utf-8"))) == "标题\n第一段\n\n第二段\n第三段"
    utf16 = codecs.BOM_UTF16_LE + raw.encode("utf-16-le")
    assert read_text(write(tmp_path, "crlf16.txt", utf16)) == "标题\n第一段\n\n第二段\n第三段"


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.txt")), ids=lambda p: p.name)
def test_seeds_read_exactly(path: Path) -> None:
    assert read_text(path) == path.read_bytes().decode("utf-8")


@pytest.mark.parametrize("data", [b"", b"   \n\t\r\n ", codecs.BOM_UTF8, codecs.BOM_UTF16_LE + " \n".encode("utf-16-le")])
def test_empty(tmp_path: Path, data: bytes) -> None:
    assert reason_of(write(tmp_path, "e.txt", data)) == "空文件"


def test_binary_png(tmp_path: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x06\x00\x00\x00" + bytes(range(256)) * 4
    assert reason_of(write(tmp_path, "image.txt", png)) == "二进制文件，不是文字"


def test_binary_nul_in_utf8_text(tmp_path: Path) -> None:
    assert reason_of(write(tmp_path, "n.txt", "党建工作".encode() + b"\x00\x00\x01" + "总结".encode())) == "二进制文件，不是文字"


def test_binary_control_characters(tmp_path: Path) -> None:
    data = bytes([1, 2, 3, 4, 5, 6, 7, 8, 14, 15, 16, 17, 18, 19, 20, 21]) * 10 + "汇报".encode()
    assert reason_of(write(tmp_path, "c.txt", data)) == "二进制文件，不是文字"


def test_undecodable(tmp_path: Path) -> None:
    assert reason_of(write(tmp_path, "u.txt", b"abc \x80\x80 def \xff\xfe")) == UNDECODABLE
    assert UNDECODABLE == "无法解码文字（试过 UTF-8、GB18030、UTF-16）"


def test_bad_bytes_after_bom(tmp_path: Path) -> None:
    assert reason_of(write(tmp_path, "b.txt", codecs.BOM_UTF8 + b"ok \xff\xff")).startswith("无法解码文字")


def test_unsupported_and_missing(tmp_path: Path) -> None:
    assert reason_of(write(tmp_path, "a.xyz", b"hello")) == "不支持的文件类型 .xyz"
    assert reason_of(write(tmp_path, "noext", b"hello")) == "不支持的文件类型 （无扩展名）"
    assert reason_of(tmp_path / "missing.txt").startswith("读不出文件")
    (tmp_path / "folder.txt").mkdir()
    assert reason_of(tmp_path / "folder.txt").startswith("读不出文件")
    assert SUPPORTED_SUFFIXES == frozenset({".txt", ".md", ".docx", ".html", ".htm", ".pdf", ".doc", ".wps"})


W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def make_docx(path: Path, body_xml: str) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        zf.writestr("word/document.xml", f'<?xml version="1.0" encoding="UTF-8"?><w:document {W}><w:body>{body_xml}</w:body></w:document>')
    return path


def test_docx_paragraphs(tmp_path: Path) -> None:
    body = (
        "<w:p><w:r><w:t>2023年工作总结</w:t></w:r></w:p>"
        "<w:p><w:r><w:t>一、压紧压实</w:t></w:r><w:r><w:t xml:space=\"preserve\">责任，</w:t></w:r>"
        "<w:r><w:tab/><w:t>X名</w:t></w:r></w:p>"
        "<w:p/>"
        "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>表格单元</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"
        "<w:p><w:r><w:t>第一行</w:t><w:br/><w:t>第二行</w:t></w:r></w:p>"
    )
    path = make_docx(tmp_path / "report.docx", body)
    assert read_text(path) == "2023年工作总结\n一、压紧压实责任，\tX名\n\n表格单元\n第一行\n第二行"


def test_docx_corrupt(tmp_path: Path) -> None:
    assert reason_of(write(tmp_path, "bad.docx", b"PK\x03\x04 this is not a zip")).startswith("损坏的 .docx：")
    no_document = tmp_path / "nodoc.docx"
    with zipfile.ZipFile(no_document, "w") as zf:
        zf.writestr("word/other.xml", "<x/>")
    assert reason_of(no_document).startswith("损坏的 .docx：")
    broken_xml = tmp_path / "broken.docx"
    with zipfile.ZipFile(broken_xml, "w") as zf:
        zf.writestr("word/document.xml", "<w:document><w:body><w:p>")
    assert reason_of(broken_xml).startswith("损坏的 .docx：")


def test_docx_empty(tmp_path: Path) -> None:
    assert reason_of(make_docx(tmp_path / "empty.docx", "<w:p/><w:p><w:r><w:t> </w:t></w:r></w:p>")) == "空文件"


HTML = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>述职报告</title>
<style>p { color: red; }</style><script>var a = "<p>不要</p>";</script></head>
<body><h1>党组织书记抓基层党建工作述职报告</h1>
<p>今年以来，我镇<b>严格</b>按照
要求&nbsp;推进&amp;落实。</p><div>一、工作成效<br>（一）强化履职担当</div>
<script>document.write("广告")</script><ul><li>一是</li><li>二是</li></ul></body></html>"""


@pytest.mark.parametrize("suffix", [".html", ".htm"])
def test_html(tmp_path: Path, suffix: str) -> None:
    text = read_text(write(tmp_path, "page" + suffix, HTML.encode("utf-8")))
    assert text == (
        "党组织书记抓基层党建工作述职报告\n今年以来，我镇严格按照 要求\xa0推进&落实。\n"
        "一、工作成效\n（一）强化履职担当\n一是\n二是"
    )  # the <title> is contained in the body, so it is not prepended
    for noise in ("color", "var a", "不要", "广告", "<", ">"):
        assert noise not in text


def test_html_gbk_and_title_not_duplicated(tmp_path: Path) -> None:
    page = "<html><head><title>工作总结</title></head><body><p>工作总结</p><p>正文内容</p></body></html>"
    assert read_text(write(tmp_path, "g.html", page.encode("gbk"))) == "工作总结\n正文内容"


def test_html_title_prepended_when_missing(tmp_path: Path) -> None:
    page = "<title>区委2022年基层党建工作总结</title><p>今年以来，**区基层党建工作……</p>"
    assert read_text(write(tmp_path, "t.htm", page.encode("utf-8"))) == "区委2022年基层党建工作总结\n今年以来，**区基层党建工作……"


# --- encodings: what GB18030 would "decode" into nonsense is refused -------------------


@pytest.mark.parametrize(
    "data",
    [
        "關於2023年全縣基層黨建工作開展情況的匯報。今年以來，全縣各級黨組織壓緊壓實責任。".encode("big5"),
        "令和5年度の事業報告書です。地域の皆様のご協力により、各種事業を円滑に実施しました。".encode("shift_jis"),
        "Hôtel Müller Zürich Crêpe".encode("latin-1"),  # every accent followed by a letter: valid GB18030
    ],
    ids=["big5", "shift-jis", "latin-1"],
)
def test_foreign_encodings_are_skipped_not_mojibake(tmp_path: Path, data: bytes) -> None:
    data.decode("gb18030")  # the trap: GB18030 accepts these bytes
    assert reason_of(write(tmp_path, "f.txt", data)) == UNCERTAIN


def test_other_latin1_and_random_bytes_are_never_text(tmp_path: Path) -> None:
    import random

    assert reason_of(write(tmp_path, "l.txt", "Ça été très élégant".encode("latin-1"))) == UNDECODABLE
    rng = random.Random(7)
    for i in range(20):
        noise = bytes(rng.randrange(256) for _ in range(3000))
        high = bytes(rng.randrange(0x81, 0xFF) for _ in range(3000))  # no NULs, no controls
        assert reason_of(write(tmp_path, f"r{i}.txt", noise)) in ("二进制文件，不是文字", UNDECODABLE, UNCERTAIN)
        assert reason_of(write(tmp_path, f"h{i}.txt", high)) in (UNDECODABLE, UNCERTAIN)


def test_mixed_encoding_folder_indexes_without_mojibake(tmp_path: Path) -> None:
    from search.indexer import index_corpus
    from search.searcher import Library

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    body = "压紧压实“第一责任人”职责，全县共有党员X名。"
    files = {
        "utf8.txt": ("2021年工作总结\n" + body).encode("utf-8"),
        "bom.txt": codecs.BOM_UTF8 + ("2022年工作总结\n" + body).encode("utf-8"),
        "gb.txt": ("2023年工作总结\n" + body + "镕堃").encode("gb18030"),
        "le.txt": codecs.BOM_UTF16_LE + ("2019年工作总结\n" + body).encode("utf-16-le"),
        "be.md": codecs.BOM_UTF16_BE + ("2018年工作总结\n" + body).encode("utf-16-be"),
        "big5.txt": ("2017年工作總結\n壓緊壓實責任，全縣黨員。").encode("big5"),
        "photo.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8,
    }
    for name, data in files.items():
        (corpus / name).write_bytes(data)
    summary = index_corpus(corpus, tmp_path / "index", jobs=1)
    assert summary.added == 5
    assert dict(summary.skipped) == {"big5.txt": UNCERTAIN, "photo.txt": "二进制文件，不是文字"}
    library = Library(tmp_path / "index")
    result = library.search("压紧压实")
    assert sorted(hit.id for hit in result.hits) == ["be.md", "bom.txt", "gb.txt", "le.txt", "utf8.txt"]


def test_size_limit_is_checked_before_reading(tmp_path: Path) -> None:
    huge = tmp_path / "huge.txt"
    with open(huge, "wb") as handle:  # sparse: costs no disk, and is never read
        handle.truncate(MAX_TEXT_BYTES + 1)
    assert reason_of(huge) == "文件太大（磁盘上 20.0 MB，上限 20.0 MB）"
    small = write(tmp_path, "s.txt", ("党建" * 400).encode("utf-8"))
    with pytest.raises(UnreadableFile) as info:
        read_document(small, max_bytes=1000)
    assert info.value.reason.startswith("文件太大（磁盘上 0.0 MB")
    assert read_document(small, max_bytes=10_000).text == "党建" * 400


def test_extracted_text_over_the_limit(tmp_path: Path) -> None:
    path = make_docx(tmp_path / "big.docx", "<w:p><w:r><w:t>" + "党建工作" * 2000 + "</w:t></w:r></w:p>")
    assert path.stat().st_size < 100_000  # under the on-disk limit for containers (10x)
    with pytest.raises(UnreadableFile) as info:
        read_document(path, max_bytes=10_000)
    assert info.value.reason.startswith("文件太大（文字 ") and "，上限" in info.value.reason


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

PARAGRAPHS = [
    "今年以来，全县各级党组织坚持以习近平新时代中国特色社会主义思想为指导，压紧压实第一责任人职责，推动基层党建工作提质增效，取得明显成效。",
    "坚持严抓严管严促推动基层组织全面过硬，召开推进会三次，开展书记抓党建述职评议，对排名靠后的五个党组织进行约谈整改到位。",  # wraps at full width, ends with 。
    "一、存在的问题",
    "党建引领乡村全面振兴内生动力还没有充分激活，农村对优秀青年的吸引还不足，抓产业促发展的能力还不够强，部分党员干部担当意识不强，需要进一步加强教育管理和监督。",
]
LINE_CHARS = 30  # characters per full line at 14 pt between the margins


def draw_pdf(path: Path, pages: list[list[str]], header: str = "", reverse_stream: bool = False) -> Path:
    """Each paragraph starts indented by two characters and wraps every LINE_CHARS characters,
    as a report set in a word processor does; header on top, "- n -" at the bottom."""
    pytest.importorskip("reportlab")
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path), pagesize=(595, 842))
    for number, paragraphs in enumerate(pages, 1):
        if header:
            c.setFont("STSong-Light", 10)
            c.drawCentredString(297, 800, header)
        placed = []
        y = 760
        for text in paragraphs:
            chunks = [text[: LINE_CHARS - 2]] + [text[i:i + LINE_CHARS] for i in range(LINE_CHARS - 2, len(text), LINE_CHARS)]
            for i, chunk in enumerate(chunks):
                placed.append((70 + (28 if i == 0 else 0), y, chunk))
                y -= 22
        c.setFont("STSong-Light", 14)
        for x, y, chunk in (reversed(placed) if reverse_stream else placed):
            c.drawString(x, y, chunk)
        c.setFont("STSong-Light", 10)
        c.drawCentredString(297, 40, f"- {number} -")
        c.showPage()
    c.save()
    return path


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

WECHAT = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>公众号文章</title>
<script>var msg_title = "不要这个";</script><style>.rich_media{}</style></head><body>
<div class="rich_media_area_primary"><h1 class="rich_media_title" id="activity-name">
    2023年全县基层党建工作总结
</h1>
<div id="meta_content"><span class="rich_media_meta rich_media_meta_nickname" id="js_name">哒哒君公众号</span>
<em id="publish_time">2023-12-30 18:00</em></div>
<div class="rich_media_content" id="js_content" style="visibility: hidden;">
<section><p><span>今年以来，全县</span><strong>压紧压实</strong><span>责任。</span></p>
<h2>一、工作开展情况</h2><p>坚持严抓严管<br>严促。</p>
<section><h3>（一）强化政治引领</h3><p><img data-src="x.png">抓好理论学习。</p></section>
</section></div>
<div id="js_view_source"><a href="#">阅读原文</a></div>
<div class="qr_code_pc"><img src="qr.png"><p>微信扫一扫<br>关注该公众号</p></div>
</div><script>document.getElementById("js_content").style.visibility = "visible";</script></body></html>"""


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

LO_DOC = Path(__file__).parent / "fixtures" / "lo_report.doc"


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
