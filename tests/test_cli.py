"""The `reports` command line, run as a user runs it."""
from __future__ import annotations

import json
import os
import subprocess
import sys




def reports(*args, cwd=None, env=None):
    return subprocess.run([sys.executable, "-m", "search", *args], capture_output=True, text=True,
                          cwd=cwd, env={**os.environ, **(env or {})}, timeout=300)


def test_missing_index_message(tmp_path):
    result = reports("search", "党建", "--index", str(tmp_path / "none"))
    assert result.returncode == 1
    assert "no index at" in result.stderr and "reports index" in result.stderr
    assert "Traceback" not in result.stderr


def test_index_then_json_outputs(tmp_path, corpus_copy):
    index = str(tmp_path / "ix")
    built = reports("index", str(corpus_copy), "--index", index)
    assert built.returncode == 0, built.stderr
    assert "added 5" in built.stdout and "skipped 0" in built.stdout

    search = json.loads(reports("search", "组织建设", "--json", "--index", index).stdout)
    assert {"query", "total", "page", "pages", "hits", "facets"} <= set(search)
    assert search["total"] == 5
    hit = search["hits"][0]
    assert {"id", "title", "year", "type", "level", "score", "snippets"} <= set(hit)
    assert any(seg["match"] for seg in hit["snippets"][0])
    assert set(search["facets"]) == {"year", "type", "level"}

    phrase = json.loads(reports("phrase", "压紧压实", "--json", "--index", index).stdout)
    assert {"phrase", "total_occurrences", "total_reports", "lines", "before", "after"} <= set(phrase)
    assert (phrase["total_occurrences"], phrase["total_reports"]) == (2, 2)
    assert {"id", "title", "year", "offset", "left", "match", "right", "count"} <= set(phrase["lines"][0])

    show = json.loads(reports("show", hit["id"], "--json", "--index", index).stdout)
    assert {"id", "title", "year", "period", "type", "level", "outline", "text"} <= set(show)
    assert {"depth", "text"} <= set(show["outline"][0])

    stats = json.loads(reports("stats", "--json", env={"REPORTS_INDEX": index}).stdout)
    assert stats["reports"] == 5 and stats["index_bytes"] > 0
    assert {"by_year", "by_type", "by_level"} <= set(stats)
    assert sum(stats["by_type"].values()) == 5


def test_human_output_and_errors(tmp_path, corpus_copy):
    index = str(tmp_path / "ix")
    reports("index", str(corpus_copy), "--index", index)
    out = reports("search", "压紧压实", "--index", index)
    assert out.returncode == 0 and "«压紧压实»" in out.stdout and "2 篇" in out.stdout
    out = reports("phrase", "压紧压实", "--index", index)
    assert "2 处，2 篇" in out.stdout and "前接" in out.stdout
    too_long = reports("search", "党" * 201, "--index", index)
    assert too_long.returncode == 1 and "200" in too_long.stderr and "Traceback" not in too_long.stderr
    missing = reports("show", "nope.txt", "--index", index)
    assert missing.returncode == 1 and "no report" in missing.stderr
    nothing = reports("search", "区块链", "--index", index)
    assert nothing.returncode == 0 and "0 篇" in nothing.stdout and "区块链" in nothing.stdout


def test_clean_command(corpus_copy):
    seed = sorted(corpus_copy.glob("000_*.txt"))[0]
    cleaned = reports("clean", str(seed))
    assert cleaned.returncode == 0 and "哒哒" not in cleaned.stdout and "压紧压实" in cleaned.stdout
    diff = reports("clean", str(seed), "--diff")
    assert "哒哒" in diff.stdout and "paid" in diff.stdout
    bad = reports("clean", str(corpus_copy / "nope.txt"))
    assert bad.returncode == 1 and "cannot read" in bad.stderr


def test_busy_index_is_reported(tmp_path, corpus_copy):
    from whoosh import index as whoosh_index
    index = tmp_path / "ix"
    reports("index", str(corpus_copy), "--index", str(index))
    writer = whoosh_index.open_dir(index).writer()
    try:
        busy = reports("index", str(corpus_copy), "--index", str(index))
    finally:
        writer.cancel()
    assert busy.returncode == 1 and "being written" in busy.stderr


def test_phrase_filters(tmp_path, corpus_copy):
    index = str(tmp_path / "ix")
    reports("index", str(corpus_copy), "--index", index)
    all_years = json.loads(reports("phrase", "第一书记", "--json", "--index", index).stdout)
    only = json.loads(reports("phrase", "第一书记", "--year", "2020", "--json", "--index", index).stdout)
    assert only["total_occurrences"] < all_years["total_occurrences"]
    assert {line["year"] for line in only["lines"]} == {2020}
    typed = json.loads(reports("phrase", "第一书记", "--type", "述职报告", "--json", "--index", index).stdout)
    assert {line["title"] for line in typed["lines"]} == {"党组织书记抓基层党建工作述职报告"}
    bad = reports("phrase", "第一书记", "--year", "去年", "--index", index)
    assert bad.returncode == 1 and "2020-2023" in bad.stderr


def test_undecodable_argument_bytes_are_searched_not_a_crash(tmp_path, corpus_copy):
    index = str(tmp_path / "ix")
    reports("index", str(corpus_copy), "--index", index)
    run = subprocess.run([sys.executable, "-m", "search", "search", "党建", "OR", b"\xff", "--json",
                          "--index", index], capture_output=True, timeout=120)
    assert run.returncode == 0, run.stderr.decode(errors="replace")
    assert json.loads(run.stdout)["total"] == 5
