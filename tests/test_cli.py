"""The `reports` command line, run as a user runs it: every message in
Chinese, exactly."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from wcwidth import wcswidth

from search.doctypes import default_lists

pytestmark = pytest.mark.slow  # every test runs the `reports` command or a server

SEED = "000_76dcab7e818b9862.txt"
REPORT_3 = "003_df19bd985d99e2e9.txt"
TYPES = "、".join(default_lists().type_names())
LEVELS = "、".join(default_lists().level_names())
TIME = r"用时 \d+\.\d 毫秒(（另有首次载入词典 \d+\.\d 秒）)?"


def reports(*args, cwd=None, env=None, timeout=300):
    return subprocess.run([sys.executable, "-m", "search", *args], capture_output=True, text=True,
                          cwd=cwd, env={**os.environ, "COLUMNS": "100", **(env or {})}, timeout=timeout,
                          check=False)


def error(result, code: int = 1) -> str:
    """The one error line of a failed command (after Click's usage lines, if any)."""
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result.stderr.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def ix(seed_index) -> str:
    return str(seed_index[1])


# ---------------------------------------------------------------- help and errors in Chinese

def test_help_is_chinese():
    top = reports("--help")
    assert top.returncode == 0
    assert top.stdout.startswith("用法：reports [选项] 命令 [参数]...\n\n  报告检索：")
    for words in ("选项：\n  -h, --help  显示本帮助并退出。", "命令：\n", "  phrase       查提法：",
                  "  search       检索报告："):
        assert words in top.stdout, words
    phrase = reports("phrase", "-h").stdout
    assert phrase.startswith("用法：reports phrase [选项] 提法...\n")
    assert "  --sort rank|left|right  rank（按相关度）、left（按前一个词，拼音序）或" in phrase
    assert "--format xlsx|docx|csv" in phrase and "[默认：50]" in phrase
    for english in ("Usage", "Options", "Show this message", "default:", "Commands"):
        assert english not in top.stdout + phrase


def test_usage_errors_are_chinese(ix):
    bad = reports("search", "党建", "--sort", "bogus", "--index", ix)
    assert bad.stderr.splitlines()[:2] == ["用法：reports search [选项] 检索词...",
                                            "运行 'reports search --help' 查看用法。"]
    assert error(bad, 2) == ("错误：'--sort' 的取值有误：排序方式只能是 relevance（相关度）、newest（最新）、"
                             "oldest（最早），不是 'bogus'")
    assert error(reports("search", "党建", "--page", "0", "--index", ix), 2) == \
        "错误：'--page' 的取值有误：页码应为 1 到 100000 之间的整数，不是 0"
    assert error(reports("phrase", "党建", "--limit", "abc", "--index", ix), 2) == \
        "错误：'--limit' 的取值有误：应为 1 到 100000 之间的整数，不是 'abc'"
    assert error(reports("search", "党建", "--bogus"), 2) == "错误：没有选项 '--bogus'。 是不是 '--corpus'？"
    assert error(reports("nonsense"), 2) == "错误：没有命令 'nonsense'。"


def test_missing_index_message(tmp_path):
    none = tmp_path / "none"
    assert error(reports("search", "党建", "--index", str(none))) == \
        f"错误：{none}/ 中没有索引 —— 请先运行 reports index"


# ---------------------------------------------------------------- index

def test_index_summary_lines(tmp_path, corpus_copy):
    (corpus_copy / "副本.txt").write_bytes((corpus_copy / SEED).read_bytes())
    os.mkfifo(corpus_copy / "管道.txt")
    for name in ("a.jpg", "b.jpg", "c.zip"):
        (corpus_copy / name).write_bytes(b"\x00")
    index = tmp_path / "ix"
    built = reports("index", str(corpus_copy), "--index", str(index))
    assert built.returncode == 0, built.stderr
    assert built.stderr == "已分析 6/6 个文件\n"
    lines = built.stdout.splitlines()
    assert re.fullmatch(rf"新增 6，更新 0，删除 0，未变 0，跳过 1 —— 索引 {re.escape(str(index))}/ 中共 5 篇报告"
                        r"（\d+\.\d 秒）", lines[0]), lines[0]
    assert lines[1:] == ["  其中 1 个文件与已收录的报告文字相同：记作它的同文副本，不重复收录",
                         "  跳过 管道.txt：不是普通文件（命名管道 FIFO），不读取",
                         "  不是报告，未处理：其他类型的文件 3 个（2 个 .jpg、1 个 .zip）"]
    again = reports("index", str(corpus_copy), "--index", str(index)).stdout.splitlines()[0]
    assert again.startswith("新增 0，更新 0，删除 0，未变 6，跳过 1 —— ")
    rebuilt = reports("index", str(corpus_copy), "--index", str(index), "--rebuild").stdout.splitlines()
    assert rebuilt[0] == "重建了整个索引：按要求重建（--rebuild）"
    gone = reports("index", str(tmp_path / "nowhere"), "--index", str(index))
    assert error(gone) == f"错误：语料库文件夹 {tmp_path / 'nowhere'}/ 不存在"


def test_busy_index_is_reported(tmp_path, corpus_copy):
    from whoosh import index as whoosh_index
    index = tmp_path / "ix"
    reports("index", str(corpus_copy), "--index", str(index))
    writer = whoosh_index.open_dir(index).writer()
    try:
        busy = reports("index", str(corpus_copy), "--index", str(index))
    finally:
        writer.cancel()
    assert error(busy) == f"错误：另一个程序正在写 {index}/ 中的索引；等它写完再试"


# ---------------------------------------------------------------- search

def test_search_output(ix):
    out = reports("search", "压紧压实", "--index", ix)
    assert out.returncode == 0 and out.stderr == ""
    lines = out.stdout.splitlines()
    assert re.fullmatch(rf"2 篇 · 第 1/1 页 · {TIME}", lines[0]), lines[0]
    assert lines[2] == f"1. 党组织书记抓基层党建工作述职报告  [2023 · 述职报告 · 乡镇]  {REPORT_3}"
    assert "«压紧压实»" in lines[3]
    nothing = reports("search", "区块链", "--index", ix)
    assert nothing.returncode == 0 and nothing.stdout.splitlines()[-1] == "没有报告包含：区块链"
    assert nothing.stdout.startswith("0 篇 · 第 1/1 页 · ")


def test_search_errors(ix):
    assert error(reports("search", "党建", "--page", "9", "--index", ix)) == "错误：没有第 9 页：共 1 页（5 篇）"
    assert error(reports("search", "", "--index", ix)) == "错误：请输入检索词（库的概况：reports stats）"
    assert error(reports("search", "党" * 201, "--index", ix)) == (
        "错误：查询过长：201 个字符，最多 200 个。请缩短后再试。")
    assert error(reports("search", "党建", "--type", "报告x", "--index", ix)) == \
        f"错误：--type 没有类型「报告x」；可用的类型：{TYPES}"
    assert error(reports("search", "党建", "--level", "省级", "--index", ix)) == \
        f"错误：--level 没有层级「省级」；可用的层级：{LEVELS}"


def test_an_unknown_type_in_the_query_is_said_and_searched(ix):
    out = reports("search", "党建", "type:报告x", "--index", ix)
    assert out.returncode == 0
    assert out.stderr == f"注意：没有类型「报告x」；可用的类型：{TYPES}\n"
    assert out.stdout.startswith("0 篇")
    typed = reports("search", "党建", "type:述职报告", "--index", ix)
    assert typed.stderr == "" and typed.stdout.startswith("1 篇")


def test_search_filters_as_options(ix):
    data = json.loads(reports("search", "党建", "--type", "汇报", "--type", "总结", "--json", "--index", ix).stdout)
    assert data["total"] == 4 and {h["type"] for h in data["hits"]} == {"汇报", "总结"}


# ---------------------------------------------------------------- phrase

def test_phrase_kwic_one_line_each_aligned_by_display_width(ix):
    out = reports("phrase", "党建工作", "--limit", "8", "--index", ix)
    assert out.returncode == 0 and out.stderr == ""
    lines = out.stdout.splitlines()
    assert re.fullmatch(rf"「党建工作」 72 处，5 篇 · {TIME}", lines[0]), lines[0]
    kwic = lines[1:9]
    assert len(kwic) == 8
    columns = {wcswidth(line[:line.index("«")]) for line in kwic}
    assert len(columns) == 1, columns                       # every phrase at the same column
    assert all(wcswidth(line) <= 100 for line in kwic)
    for line in kwic:
        year, doc_id = line.split()[-2:]
        assert re.fullmatch(r"20\d\d", year) and doc_id.endswith(".txt")
    assert reports("show", kwic[0].split()[-1], "--index", ix).returncode == 0  # the id to follow
    assert lines[9].startswith("前接（次数 · 搭配强度）：基层 25·")
    assert lines[10].startswith("后接（次数 · 搭配强度）：")


def test_phrase_exact_lines(ix):
    out = reports("phrase", "压紧压实", "--index", ix).stdout.splitlines()
    assert out[1:] == [
        " …党建述职评议考核重要内容，«压紧压实»村级党组织主体责任。我镇**…   2023 003_df19bd985d99e2e9.txt",
        " …、定时限、定单位，确保责任«压紧压实»、任务落实落地。二是观摩评…   2023 000_76dcab7e818b9862.txt",
        "前接（次数 · 搭配强度）：责任 1·9",
        "后接（次数 · 搭配强度）：村级 1·10",
    ]


def test_phrase_errors(ix):
    assert error(reports("phrase", "", "--index", ix)) == "错误：请输入要查的提法"
    assert error(reports("phrase", "--index", ix)) == "错误：请输入要查的提法"
    assert error(reports("phrase", "党建工作", "--page", "3", "--index", ix)) == \
        "错误：没有第 3 页：共 2 页（每页 50 行）"
    assert error(reports("phrase", "第一书记", "--year", "去年", "--index", ix)) == \
        "错误：--year '去年'：年份应写作 2023 或 2020-2023"
    assert error(reports("phrase", "第一书记", "--type", "报告x", "--index", ix)) == \
        f"错误：--type 没有类型「报告x」；可用的类型：{TYPES}"


def test_phrase_filters(ix):
    all_years = json.loads(reports("phrase", "第一书记", "--json", "--index", ix).stdout)
    only = json.loads(reports("phrase", "第一书记", "--year", "2020", "--json", "--index", ix).stdout)
    assert only["total_occurrences"] < all_years["total_occurrences"]
    assert {line["year"] for line in only["lines"]} == {2020}
    typed = json.loads(reports("phrase", "第一书记", "--type", "述职报告", "--json", "--index", ix).stdout)
    assert {line["title"] for line in typed["lines"]} == {"党组织书记抓基层党建工作述职报告"}


def test_piping_into_head_ends_quietly(ix):
    proc = subprocess.Popen([sys.executable, "-m", "search", "phrase", "党", "--limit", "5000", "--index", ix],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = proc.stdout.readline()
    proc.stdout.close()  # as `head -1` does
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == 0, err
    assert first.decode().startswith("「党」 589 处") and err == b""


# ---------------------------------------------------------------- export

def test_exports(tmp_path, ix):
    from docx import Document
    from openpyxl import load_workbook

    xlsx = tmp_path / "压紧压实.xlsx"
    out = reports("phrase", "压紧压实", "--output", str(xlsx), "--index", ix)
    assert out.stdout == f"已导出 2 行到 {xlsx}（Excel）\n"
    rows = list(load_workbook(xlsx).active.iter_rows(values_only=True))
    assert rows[0][:5] == ("序号", "前文", "提法", "后文", "整句") and len(rows) == 3
    assert {r[2] for r in rows[1:]} == {"压紧压实"}
    assert all(re.search(r"（来源：《[^》]+》，2023年）$", r[-1]) for r in rows[1:])
    docx = tmp_path / "党建.docx"
    out = reports("search", "党建", "--format", "docx", "--output", str(docx), "--index", ix)
    assert out.stdout == f"已导出 5 篇到 {docx}（Word）\n"
    paragraphs = [p.text for p in Document(str(docx)).paragraphs]
    assert paragraphs[:2] == ["「党建」的检索结果", "「党建」5 篇"]
    assert sum("（来源：《" in p for p in paragraphs) >= 5
    csv = reports("phrase", "压紧压实", "--format", "csv", "--index", ix)
    assert csv.stdout.startswith("\ufeff序号,前文,提法,后文,")
    assert error(reports("phrase", "压紧压实", "--format", "docx", "--index", ix)) == \
        "错误：--format docx 要配合 --output 文件名，如 --output 结果.docx"
    assert error(reports("phrase", "压紧压实", "--output", str(tmp_path / "x.pdf"), "--index", ix)) == \
        f"错误：--output {tmp_path / 'x.pdf'}：从扩展名看不出格式，请加 --format xlsx、docx 或 csv"


# ---------------------------------------------------------------- show, stats, clean

def test_show_takes_what_tab_completion_gives(seed_index, ix):
    corpus = seed_index[0]
    by_id = reports("show", SEED, "--index", ix).stdout
    by_path = reports("show", f"{corpus.name}/{SEED}", "--corpus", corpus.name, "--index", ix, cwd=corpus.parent)
    assert by_path.returncode == 0 and by_path.stdout == by_id
    assert reports("show", str(corpus / SEED), "--corpus", str(corpus), "--index", ix).stdout == by_id
    assert reports("show", SEED.removesuffix(".txt"), "--index", ix).stdout == by_id
    assert error(reports("show", "nope.txt", "--index", ix)) == \
        "错误：索引中没有报告 'nope.txt'（报告 ID 是相对于语料库的路径）"


def test_show_prints_the_whole_outline_and_the_title_once(ix):
    view = json.loads(reports("show", SEED, "--json", "--index", ix).stdout)
    out = reports("show", SEED, "--index", ix).stdout
    lines = out.splitlines()
    assert lines[0] == view["title"] and lines[1] == f"2023 · 全年 · 汇报 · 县 · {SEED}"
    start = lines.index("提纲：") + 1
    assert lines[start:start + len(view["outline"])] == ["  " * h["depth"] + h["text"] for h in view["outline"]]
    assert {h["depth"] for h in view["outline"]} >= {1, 2, 5}
    assert out.count(view["title"]) == view["text"].count(view["title"])  # not printed again above the text


def test_stats(ix):
    out = reports("stats", "--index", ix).stdout.splitlines()
    assert re.fullmatch(r"5 篇报告，索引 \d+\.\d MB（第 \d+ 版，更新于 \d{4}-\d\d-\d\d \d\d:\d\d）", out[0]), out[0]
    assert out[1:] == ["5 个文件：0 个是同文副本；近似稿 0 组，共 0 篇", "年份：2023 3  2022 1  2020 1",
                       "类型：总结 2  汇报 2  述职报告 1", "层级：乡镇 2  县 2  区 1"]
    assert json.loads(reports("stats", "--json", "--index", ix).stdout)["updated"] > 1.6e9


def test_clean_command(corpus_copy):
    seed = corpus_copy / SEED
    cleaned = reports("clean", str(seed))
    assert cleaned.returncode == 0 and "哒哒" not in cleaned.stdout and "压紧压实" in cleaned.stdout
    diff = reports("clean", str(seed), "--diff")
    assert "哒哒" in diff.stdout and "paid" in diff.stdout
    assert error(reports("clean", str(corpus_copy / "nope.txt"))) == f"错误：文件 {corpus_copy / 'nope.txt'} 不存在"


# ---------------------------------------------------------------- JSON

def test_json_outputs(ix):
    search = json.loads(reports("search", "组织建设", "--json", "--index", ix).stdout)
    assert {"query", "total", "page", "pages", "hits", "facets"} <= set(search)
    assert search["total"] == 5 and set(search["facets"]) == {"year", "type", "level"}
    hit = search["hits"][0]
    assert {"id", "title", "year", "type", "level", "score", "snippets"} <= set(hit)
    phrase = json.loads(reports("phrase", "压紧压实", "--json", "--index", ix).stdout)
    assert (phrase["total_occurrences"], phrase["total_reports"]) == (2, 2)
    assert {"id", "title", "year", "type", "level", "offset", "left", "match", "right", "count", "key"} \
        <= set(phrase["lines"][0])
    [[word, count, score]] = phrase["before"]
    assert (word, count) == ("责任", 1) and score > 0 and set(phrase["facets"]) == {"year", "type", "level"}
    show = json.loads(reports("show", hit["id"], "--json", "--index", ix).stdout)
    assert {"id", "title", "year", "period", "type", "level", "outline", "text"} <= set(show)


def test_undecodable_argument_bytes_are_searched_not_a_crash(ix):
    run = subprocess.run([sys.executable, "-m", "search", "search", "党建", "OR", b"\xff", "--json",
                          "--index", ix], capture_output=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr.decode(errors="replace")
    assert json.loads(run.stdout)["total"] == 5


def test_the_module_and_the_console_script_agree():
    script = Path(sys.executable).with_name("reports")
    if not script.exists():
        pytest.skip("the console script is installed by `pip install -e .`")
    out = subprocess.run([str(script), "--help"], capture_output=True, text=True, check=False)
    assert out.returncode == 0 and out.stdout == reports("--help").stdout

