"""Settings are resolved once at the edge: the README's table names every
field of `Settings`, and the flags that issue 12 asked for work from a real
command line: --cache-mb, `reports index --watch`, `reports serve --watch`."""
from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from harness.paths import ROOT, copy_seeds
from harness.polling import until
from harness.served import Command, Served
from search.errors import BadInput
from search.searcher import Library
from search.settings import DEFAULT_CACHE_MB, ENV, Settings
from web import create_app

NEW = "2024年某村党支部工作总结\n一、主要做法\n一是落实三会一课制度，推动独有提法星火燎原。\n"


# ---------------------------------------------------------------- the table

def _readme_table() -> dict[str, list[str]]:
    text = (ROOT / "README.md").read_text("utf-8")
    section = text.split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| `"):
            rows[cells[0].strip("`")] = cells[1:]
    return rows


def test_the_readme_table_names_every_setting_with_its_flag_variable_and_default():
    rows = _readme_table()
    fields = {f.name: f for f in dataclasses.fields(Settings)}
    assert set(rows) == set(fields)
    for name, (flag, env, default) in rows.items():
        assert (env.split()[0].strip("`") if env != "—" else None) == ENV.get(name), name
        value = fields[name].default
        if isinstance(value, Path) and name not in ("index_dir", "corpus_dir"):
            assert f"`<corpus>/{value.name}`" in default, name  # a file of the corpus folder
        elif value is None or value == "":
            assert default == "none", name
        else:
            assert default.startswith(f"`{value}`"), name
        assert flag == "—" or flag.startswith("`--"), name


def test_settings_come_from_flags_then_the_environment_then_the_defaults(tmp_path):
    env = {"REPORTS_INDEX": "ix", "REPORTS_CORPUS": str(tmp_path), "REPORTS_CACHE_MB": "64",
           "REPORTS_USERDICT": str(tmp_path / "words.txt"), "REPORTS_AUTH": "a:b"}
    from_env = Settings.from_env(env)
    assert (from_env.index_dir, from_env.corpus_dir, from_env.cache_mb) == (Path("ix"), tmp_path, 64)
    assert from_env.user_dict == tmp_path / "words.txt" and from_env.auth == "a:b"
    assert from_env.rules_file == tmp_path / "clean_rules.toml"
    flagged = Settings.from_env(env, index_dir=Path("other"), cache_mb=8)
    assert (flagged.index_dir, flagged.cache_mb) == (Path("other"), 8)
    assert Settings.from_env({}) == Settings.for_corpus(Path("corpus")) and Settings().cache_mb == DEFAULT_CACHE_MB
    with pytest.raises(BadInput, match="REPORTS_CACHE_MB"):
        Settings.from_env({"REPORTS_CACHE_MB": "lots"})


def test_the_app_factory_passes_the_cache_budget_to_its_library(seed_index, monkeypatch):
    corpus, index = seed_index
    monkeypatch.setenv("REPORTS_CACHE_MB", "8")
    app = create_app({"INDEX_DIR": index, "CORPUS_DIR": corpus, "WARM_UP": False})
    library = app.extensions["library"]
    assert library.answers.budget + library.texts.budget == 8 << 20
    assert app.extensions["settings"].cache_mb == 8


def test_an_index_run_analyses_with_the_user_dictionary_the_settings_name(tmp_path):
    from search.indexer import index_library
    from search.store import Snapshot

    corpus = copy_seeds(tmp_path / "corpus")
    words = tmp_path / "elsewhere.txt"
    words.write_text("星火燎原之势 50000\n", "utf-8")
    plain = index_library(Settings.for_corpus(corpus, tmp_path / "a"))
    named = index_library(Settings.for_corpus(corpus, tmp_path / "b", user_dict=words))
    assert plain.added == named.added == 5
    # The dictionary is part of what the index was analysed with.
    assert Snapshot.open(tmp_path / "a").fingerprints != Snapshot.open(tmp_path / "b").fingerprints


def test_queries_are_cut_with_the_words_the_index_was_cut_with(tmp_path):
    from search import analysis
    from search.indexer import index_library

    corpus = copy_seeds(tmp_path / "corpus")
    index = tmp_path / "index"
    assert analysis.words("星火燎原之势") != ["星火燎原之势"]  # not a word of jieba's own
    (corpus / "userdict.txt").write_text("星火燎原之势 50000\n", "utf-8")
    index_library(Settings.for_corpus(corpus, index))
    library = Library(index)
    assert analysis.words("星火燎原之势", library.snapshot().user_dict) == ["星火燎原之势"]
    # The corpus's dictionary edited after the run: queries keep the run's words …
    (corpus / "userdict.txt").write_text("三会一课制度 50000\n", "utf-8")
    assert analysis.words("星火燎原之势", library.snapshot().user_dict) == ["星火燎原之势"]
    # … until the next run (a rebuild: the dictionary is part of the fingerprint).
    index_library(Settings.for_corpus(corpus, index))
    user_dict = Library(index).snapshot().user_dict
    assert analysis.words("星火燎原之势", user_dict) != ["星火燎原之势"]
    assert analysis.words("三会一课制度", user_dict) == ["三会一课制度"]


# ---------------------------------------------------------------- the flags, from a real command line

def _env(**extra: str) -> dict:
    keep = {k: v for k, v in os.environ.items() if not k.startswith("REPORTS_")}
    return {**keep, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT), **extra}


def reports(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "search", *args], cwd=cwd, capture_output=True, text=True,
                          encoding="utf-8", env=_env(**env), timeout=300)


def test_cache_mb_is_taken_by_search_phrase_and_serve_and_checked(seed_index, tmp_path):
    corpus, index = seed_index
    ok = reports("search", "党建", "--cache-mb", "16", "--index", str(index), "--corpus", str(corpus), cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    ok = reports("phrase", "党建", "--json", "--index", str(index), "--corpus", str(corpus), cwd=tmp_path,
                 REPORTS_CACHE_MB="16")
    assert ok.returncode == 0 and json.loads(ok.stdout)["total_occurrences"] > 0, ok.stderr
    bad = reports("search", "党建", "--cache-mb", "0", "--index", str(index), cwd=tmp_path)
    assert bad.returncode == 2 and "--cache-mb" in bad.stderr
    bad = reports("stats", "--index", str(index), cwd=tmp_path, REPORTS_CACHE_MB="lots")
    assert bad.returncode == 1 and bad.stderr.strip() == "错误：REPORTS_CACHE_MB='lots'：缓存大小应为整数（MB）"
    assert "--cache-mb" in reports("serve", "--help", cwd=tmp_path).stdout


def test_index_watch_keeps_indexing_changes_until_ctrl_c(tmp_path):
    corpus, index = copy_seeds(tmp_path / "corpus"), tmp_path / "index"
    run = Command("index", str(corpus), "--index", str(index), "--jobs", "1", "--watch", cwd=tmp_path)
    try:
        run.wait_for(r"新增 5，", timeout=120)
        run.wait_for(r"正在监视", "stderr", timeout=120)
        library = Library(index)
        (corpus / "new.txt").write_text(NEW, "utf-8")
        assert until(lambda: library.search("星火燎原").total == 1, 60, every=0.2)
        run.wait_for(r"新增 1，", timeout=120)
        (corpus / "new.txt").unlink()
        assert until(lambda: library.search("星火燎原").total == 0, 60, every=0.2)
    finally:
        stderr = run.stop(60, signal.SIGINT)
    assert run.proc.returncode == 0
    assert "已停止监视" in stderr + "".join(run.seen)


def test_ctrl_c_while_the_watcher_commits_a_change_stops_it_once_the_change_is_in(tmp_path):
    corpus, index = copy_seeds(tmp_path / "corpus"), tmp_path / "index"
    # The second commit (the watcher's first change) is held for 3 s with its table of contents written.
    run = Command("index", str(corpus), "--index", str(index), "--jobs", "1", "--watch", cwd=tmp_path,
                  env={"REPORTS_PAUSE_AT": "committed:2", "REPORTS_PAUSE_SECONDS": "3"})
    try:
        run.wait_for(r"正在监视", "stderr", timeout=120)
        (corpus / "new.txt").write_text(NEW, "utf-8")
        run.wait_for(r"pause point committed:2", "stderr", timeout=120)
        run.proc.send_signal(signal.SIGINT)
        ended = run.proc.wait(timeout=30)  # a dropped Ctrl+C: it would watch on
    finally:
        stderr = run.stop(5, signal.SIGINT)
    assert ended == 0
    assert "已停止监视" in stderr
    assert any("新增 1，" in line for line in run.seen)  # the change was indexed and said first
    assert Library(index).search("星火燎原").total == 1


def test_ctrl_c_while_serve_commits_its_first_index_ends_it_without_serving(tmp_path):
    corpus, index = copy_seeds(tmp_path / "corpus"), tmp_path / "index"
    run = Served("--corpus", str(corpus), "--index", str(index), cwd=tmp_path, wait=False,
                 env={"REPORTS_PAUSE_AT": "committed", "REPORTS_PAUSE_SECONDS": "3"})
    try:
        run.wait_for(r"pause point committed", "stderr", timeout=120)
        run.proc.send_signal(signal.SIGINT)
        ended = run.proc.wait(timeout=30)
    finally:
        stderr = run.stop(5, signal.SIGINT)
    assert ended == 130
    assert "已中断：按下 Ctrl+C 时索引正在提交，本次更新已完成" in stderr
    assert not any("报告检索已启动" in line for line in run.seen)  # it never served
    assert Library(index).search("党建").total > 0  # the index it built is there


def test_serve_watch_reindexes_in_the_server_while_it_serves(tmp_path):
    corpus, index = copy_seeds(tmp_path / "corpus"), tmp_path / "index"
    server = Served("--corpus", str(corpus), "--index", str(index), "--watch", cwd=tmp_path)
    try:
        def total(q: str) -> int:
            status, _, body = server.get(f"/search.json?q={urllib.parse.quote(q)}", timeout=30)
            assert status == 200
            return json.loads(body)["total"]

        assert total("星火燎原") == 0
        (corpus / "new.txt").write_text(NEW, "utf-8")
        assert until(lambda: total("星火燎原") == 1, 60, every=0.2)
        assert total("党建") > 0  # still serving the rest
    finally:
        server.stop(60)
    assert server.proc.returncode == 0
