"""Issue 16, the corpus folder under attack: file names that are not UTF-8 or
hold a newline, FIFOs, devices, links out of the corpus, folders that cannot
be listed, huge files and zip bombs. Real files in tmp_path, `reports` run as
a user runs it, the real Flask app."""
from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from urllib.parse import quote

import pytest

from harness.attack import http, peak_rss_mb, reports, search_json
from harness.paths import copy_seeds
from harness.served import Served
from search.corpus import corpus_path, display_name, file_digest, list_corpus
from web import create_app

GBK_NAME = "2023年工作总结.txt"
REPORT = "2023年某某单位工作总结\n今年以来，我们坚持问题导向，把责任压紧压实到每一个岗位。\n"


def write_bytes_name(folder: Path, name: bytes, text: str = REPORT) -> bytes:
    path = os.fsencode(folder) + b"/" + name
    with open(path, "wb") as handle:
        handle.write(text.encode("utf-8"))
    return path


def app_for(corpus: Path, index: Path):
    return create_app({"INDEX_DIR": index, "CORPUS_DIR": corpus, "WARM_UP": False, "AUTH": None}).test_client()


# ------------------------------------------------------------------ names

@pytest.mark.slow
def test_gbk_file_name_is_indexed_under_the_name_a_chinese_user_reads(tmp_path):
    corpus = copy_seeds(tmp_path / "corpus")
    real = write_bytes_name(corpus, GBK_NAME.encode("gbk"))
    os.mkdir(os.fsencode(corpus) + b"/" + "子目录".encode("gbk"))
    write_bytes_name(corpus, "子目录".encode("gbk") + b"/" + "述职报告.txt".encode("gbk"),
                     "述职报告\n本人认真履职，压紧压实责任。\n")
    index = tmp_path / "index"
    first = reports("index", str(corpus), "--index", str(index))
    assert first.returncode == 0, first.stderr
    assert "Traceback" not in first.stderr and "新增 7" in first.stdout
    ids = {hit["id"] for hit in search_json(index, "压紧压实")["hits"]}
    assert {GBK_NAME, "子目录/述职报告.txt"} <= ids
    again = reports("index", str(corpus), "--index", str(index))  # every later update works too
    assert again.returncode == 0 and "未变 7" in again.stdout, again.stdout + again.stderr
    shown = reports("show", GBK_NAME, "--index", str(index))
    assert shown.returncode == 0 and "压紧压实" in shown.stdout
    assert os.fsencode(corpus_path(corpus, GBK_NAME)) == real  # the id finds the file again
    client = app_for(corpus, index)
    for doc_id in (GBK_NAME, "子目录/述职报告.txt"):
        page = client.get(f"/report/{quote(doc_id)}/original")
        assert page.status_code == 200 and "压紧压实" in page.get_data(as_text=True)


@pytest.mark.slow
def test_first_serve_on_a_corpus_with_a_gbk_name_builds_and_serves(tmp_path):
    corpus = copy_seeds(tmp_path / "corpus")
    write_bytes_name(corpus, GBK_NAME.encode("gbk"))
    with Served("--corpus", str(corpus), "--index", str(tmp_path / "index")) as server:
        status, _, body = http(server.port, "/search.json?q=" + quote("压紧压实"))
        assert status == 200 and GBK_NAME in [hit["id"] for hit in json.loads(body)["hits"]]


@pytest.mark.slow
def test_undecodable_and_colliding_names(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_bytes_name(corpus, b"\xff\xfe\x80.txt")  # not GB18030 either: U+FFFD
    write_bytes_name(corpus, "工作.txt".encode(), "工作汇报\n真正的 UTF-8 文件。\n")
    write_bytes_name(corpus, "工作.txt".encode("gbk"), "另一份\n同名的 GBK 文件。\n")
    listing = list_corpus(corpus)
    assert "\ufffd\ufffd\ufffd.txt" in listing.files or any("\ufffd" in i for i in listing.files)
    assert "工作.txt" in listing.files and Path(listing.files["工作.txt"]).name == "工作.txt"  # the literal one
    assert any(doc_id == "工作.txt" and "相同" in reason for doc_id, reason in listing.skipped)
    index = tmp_path / "index"
    built = reports("index", str(corpus), "--index", str(index))
    assert built.returncode == 0 and "跳过 工作.txt" in built.stdout, built.stdout + built.stderr
    hit = search_json(index, "真正的")["hits"][0]
    assert hit["id"] == "工作.txt"
    odd = next(i for i in listing.files if "\ufffd" in i)
    assert app_for(corpus, index).get(f"/report/{quote(odd)}/original").status_code == 200


@pytest.mark.slow
def test_newline_in_a_file_name_gets_a_visible_id_and_working_links(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "上半年\n总结.txt").write_text("上半年工作总结\n今年以来压紧压实责任。\n", "utf-8")
    assert display_name("上半年\n总结.txt") == "上半年\u240a总结.txt"
    index = tmp_path / "index"
    assert reports("index", str(corpus), "--index", str(index)).returncode == 0
    client = app_for(corpus, index)
    page = client.get("/search?q=" + quote("压紧压实")).get_data(as_text=True)
    link = f"/report/{quote('上半年␊总结.txt')}"
    assert link in page
    assert client.get(link).status_code == 200
    assert client.get(link + "/original").status_code == 200


# ------------------------------------------------------- not regular files

@pytest.mark.slow
def test_fifo_and_device_links_are_skipped_not_read(tmp_path):
    corpus = copy_seeds(tmp_path / "corpus")
    os.mkfifo(corpus / "x.txt")
    (corpus / "zero.txt").symlink_to("/dev/zero")
    result = reports("index", str(corpus), "--index", str(tmp_path / "index"), timeout=120)
    assert result.returncode == 0, result.stderr
    assert "跳过 x.txt：不是普通文件（命名管道 FIFO）" in result.stdout
    assert "跳过 zero.txt：链接指向语料库之外" in result.stdout
    assert "新增 5" in result.stdout


@pytest.mark.slow
def test_links_out_of_the_corpus_are_skipped_links_inside_are_read(tmp_path):
    corpus = copy_seeds(tmp_path / "corpus")
    secret = tmp_path / "secret.txt"
    secret.write_text("机密文件\n口令是绝密字符串。\n", "utf-8")
    (corpus / "p.txt").symlink_to(secret)
    (corpus / "out").symlink_to(tmp_path, target_is_directory=True)
    seed = min(corpus.glob("000_*.txt"))
    (corpus / "inside.txt").symlink_to(seed.name)
    (corpus / "dangling.txt").symlink_to("nothing.txt")
    index = tmp_path / "index"
    result = reports("index", str(corpus), "--index", str(index))
    assert result.returncode == 0, result.stderr
    assert "跳过 p.txt：链接指向语料库之外" in result.stdout
    assert "跳过 out/：链接指向语料库之外" in result.stdout
    assert "跳过 dangling.txt：链接指向的文件不存在" in result.stdout
    assert search_json(index, "绝密字符串")["total"] == 0
    assert "inside.txt" in reports("show", "inside.txt", "--index", str(index)).stdout
    client = app_for(corpus, index)
    assert client.get("/report/p.txt").status_code == 404


@pytest.mark.slow
def test_a_file_that_became_a_link_out_is_removed(tmp_path):
    corpus = copy_seeds(tmp_path / "corpus")
    (corpus / "p.txt").write_text("普通报告\n压紧压实。\n", "utf-8")
    index = tmp_path / "index"
    assert reports("index", str(corpus), "--index", str(index)).returncode == 0
    (corpus / "p.txt").unlink()
    (tmp_path / "elsewhere.txt").write_text("外面的文件\n绝密内容。\n", "utf-8")
    (corpus / "p.txt").symlink_to(tmp_path / "elsewhere.txt")
    again = reports("index", str(corpus), "--index", str(index))
    assert "删除 1" in again.stdout and search_json(index, "绝密内容")["total"] == 0


# ------------------------------------------------- folders it cannot list

def _deep_folder(corpus: Path, total: int) -> tuple[str, Path]:
    """A chain of folders inside `corpus` whose report's path is `total` characters long."""
    parts, length = [], len(os.fspath(corpus)) + len("/r.txt")
    while length + 201 < total:
        parts.append("深" * 1 + "d" * 199)
        length += 201
    parts.append("e" * (total - length - 1))
    folder = corpus.joinpath(*parts)
    folder.mkdir(parents=True)
    (folder / "r.txt").write_text("深处的报告\n这份报告藏在很深的文件夹里，独有词语甲乙丙丁。\n", "utf-8")
    return "/".join(parts) + "/r.txt", folder


@pytest.mark.slow
def test_a_folder_past_the_path_limit_keeps_its_reports_and_is_named(tmp_path):
    short = tmp_path / "s"
    corpus = copy_seeds(short / "corpus")
    doc_id, _ = _deep_folder(corpus, 4000)
    index = tmp_path / "index"
    assert reports("index", str(corpus), "--index", str(index)).returncode == 0
    assert search_json(index, "甲乙丙丁")["total"] == 1
    longer = tmp_path / ("s" * 200)  # the same corpus moved: now past PATH_MAX (4096)
    short.rename(longer)
    result = reports("index", str(longer / "corpus"), "--index", str(index))
    assert result.returncode == 0, result.stderr
    assert "删除 0" in result.stdout and "无法列出文件夹内容" in result.stdout, result.stdout
    assert search_json(index, "甲乙丙丁")["total"] == 1  # kept, not removed
    listing = list_corpus(longer / "corpus")
    assert listing.unlisted_dirs and listing.covers(doc_id)


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any folder")
def test_an_unreadable_folder_keeps_its_reports(tmp_path):
    corpus = copy_seeds(tmp_path / "corpus")
    (corpus / "sub").mkdir()
    (corpus / "sub" / "r.txt").write_text("子文件夹的报告\n独有词语甲乙丙丁。\n", "utf-8")
    index = tmp_path / "index"
    assert reports("index", str(corpus), "--index", str(index)).returncode == 0
    (corpus / "sub").chmod(0)
    try:
        result = reports("index", str(corpus), "--index", str(index))
    finally:
        (corpus / "sub").chmod(0o755)
    assert "删除 0" in result.stdout and "跳过 sub/：无法列出文件夹内容" in result.stdout
    assert search_json(index, "甲乙丙丁")["total"] == 1


# ------------------------------------------------------------ huge files

@pytest.mark.slow
def test_a_huge_file_is_skipped_without_reading_it(tmp_path):
    corpus = copy_seeds(tmp_path / "corpus")
    huge = corpus / "huge.txt"
    with open(huge, "wb") as handle:
        handle.truncate(1536 * 1024 * 1024)  # sparse: 1.5 GB that costs no disk
    digest, size = file_digest(huge)
    assert size == huge.stat().st_size and len(digest) == 32
    rss, out = peak_rss_mb(
        "import sys\nfrom search.cli import main\n"
        f"try:\n    main(['index', {str(corpus)!r}, '--index', {str(tmp_path / 'index')!r}])\n"
        "except SystemExit as exc:\n    assert not exc.code, exc.code\n")
    assert "跳过 huge.txt：文件太大" in out
    assert rss < 600, f"{rss:.0f} MB peak for a file that is skipped"


def test_streamed_digest_equals_the_whole_file_digest(tmp_path):
    import hashlib
    path = tmp_path / "r.txt"
    data = os.urandom(3 * 1024 * 1024 + 17)
    path.write_bytes(data)
    assert file_digest(path) == (hashlib.blake2b(data, digest_size=16).hexdigest(), len(data))


def _docx_with_huge_styles(path: Path, styles_mb: int) -> None:
    body = ('<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
            '<w:p><w:r><w:t>炸弹文件的正文</w:t></w:r></w:p><w:p><w:r><w:t>压紧压实责任。</w:t></w:r></w:p>'
            '</w:body></w:document>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("word/document.xml", body)
        with zf.open("word/styles.xml", "w", force_zip64=True) as member:
            member.write(b'<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><!--')
            block = b"x" * (1 << 20)
            for _ in range(styles_mb):
                member.write(block)
            member.write(b"--></w:styles>")


@pytest.mark.slow
def test_a_zip_bomb_in_styles_xml_stays_small(tmp_path):
    bomb = tmp_path / "bomb.docx"
    _docx_with_huge_styles(bomb, 400)
    assert bomb.stat().st_size < 3 * 1024 * 1024
    rss, out = peak_rss_mb("from search.readers import read_text\n"
                           f"print(repr(read_text({str(bomb)!r})))\n")
    assert "炸弹文件的正文" in out  # the text is still read
    assert rss < 250, f"{rss:.0f} MB peak for a {bomb.stat().st_size // 1024} KB .docx"


def test_text_saved_as_doc_has_the_text_limit(tmp_path):
    from search.readers import MAX_TEXT_BYTES, UnreadableFile, read_document
    fake = tmp_path / "big.doc"
    with open(fake, "wb") as handle:
        handle.write("文字".encode())
        handle.truncate(MAX_TEXT_BYTES + 1024)
    with pytest.raises(UnreadableFile, match="文件太大"):
        read_document(fake)
