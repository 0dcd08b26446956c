"""search.readers: real files in tmp_path, every encoding and every failure."""
from __future__ import annotations

import codecs
import zipfile
from pathlib import Path

import pytest

from harness.samples import (
    make_docx,
    reason_of,
    write,
)
from search.readers import (
    MAX_TEXT_BYTES,
    SUPPORTED_SUFFIXES,
    UNCERTAIN,
    UNDECODABLE,
    UnreadableFile,
    read_document,
    read_text,
)

CORPUS = Path(__file__).parent.parent / "corpus"
CHINESE = "关于2023年全县基层党建工作开展情况的汇报\n一、工作开展情况\n压紧压实“第一责任人”职责，X名、**项。\n"


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


@pytest.mark.parametrize("data", [b"", b"   \n\t\r\n ", codecs.BOM_UTF8,
                                  codecs.BOM_UTF16_LE + " \n".encode("utf-16-le")])
def test_empty(tmp_path: Path, data: bytes) -> None:
    assert reason_of(write(tmp_path, "e.txt", data)) == "空文件"


def test_binary_png(tmp_path: Path) -> None:
    png = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x06\x00\x00\x00"
           + bytes(range(256)) * 4)
    assert reason_of(write(tmp_path, "image.txt", png)) == "二进制文件，不是文字"


def test_binary_nul_in_utf8_text(tmp_path: Path) -> None:
    nul = write(tmp_path, "n.txt", "党建工作".encode() + b"\x00\x00\x01" + "总结".encode())
    assert reason_of(nul) == "二进制文件，不是文字"


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
    assert read_text(write(tmp_path, "t.htm", page.encode("utf-8"))) == \
        "区委2022年基层党建工作总结\n今年以来，**区基层党建工作……"


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
