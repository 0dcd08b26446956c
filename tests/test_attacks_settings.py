"""Issue 16, settings under attack: a typo in corpus/clean_rules.toml or in
corpus/userdict.txt is a one-line error naming the file, the line and the
rule, exit 1, and the old index keeps answering; the CLI's other failures
(index folder not writable, port in use, bad --host) are one line too."""
from __future__ import annotations

import socket
from pathlib import Path

import pytest

from harness.attack import http, one_line_error, reports, search_json
from harness.paths import copy_seeds
from harness.served import Served
from search.errors import SettingsError
from search.settings import Settings, check_settings

GOOD_RULE = """# my rules
[[rule]]
name = "我的广告"
kind = "line"
find = '^广告'

"""


@pytest.fixture
def indexed(tmp_path) -> tuple[Path, Path]:
    corpus = copy_seeds(tmp_path / "corpus")
    index = tmp_path / "index"
    assert reports("index", str(corpus), "--index", str(index)).returncode == 0
    return corpus, index


def _still_answers(index: Path) -> None:
    assert search_json(index, "组织建设")["total"] == 5


@pytest.mark.slow
def test_a_bad_regex_names_file_line_and_rule_and_keeps_the_index(indexed):
    corpus, index = indexed
    (corpus / "clean_rules.toml").write_text(
        GOOD_RULE + '[[rule]]\nname = "页脚"\nkind = "span"\nfind = \'[未闭合\'\n', "utf-8")
    message = one_line_error(reports("index", str(corpus), "--index", str(index)))
    assert "clean_rules.toml" in message and "第 10 行" in message and "「页脚」" in message, message
    assert "正则表达式" in message
    _still_answers(index)


@pytest.mark.slow
def test_invalid_toml_names_the_line(indexed):
    corpus, index = indexed
    (corpus / "clean_rules.toml").write_text(GOOD_RULE + "[[rule]\nname = 'x'\n", "utf-8")
    message = one_line_error(reports("index", str(corpus), "--index", str(index)))
    assert "clean_rules.toml" in message and "第 7 行" in message and "TOML" in message, message
    _still_answers(index)


@pytest.mark.parametrize("body,line,words", [
    ("[[rule]]\nname = 'x'\nkind = 'line'\nfind = 'a'\nwithin = 0\n", 5, ["within", "「x」"]),
    ("[[rule]]\nname = 'y'\nkind = 'magic'\nfind = 'a'\n", 3, ["kind", "「y」"]),
    ("[[rule]]\nname = 'z'\nkind = 'span'\nfind = 'a'\nfnid = 'b'\n", 5, ["fnid", "「z」"]),
    ("[[rule]]\nname = 'w'\nkind = 'span'\nfind = 'a'\nmax_lines = 'x'\n", 5, ["max_lines"]),
])
def test_check_settings_finds_each_kind_of_mistake(tmp_path, body, line, words):
    (tmp_path / "clean_rules.toml").write_text(body, "utf-8")
    with pytest.raises(SettingsError) as info:
        check_settings(Settings.for_corpus(tmp_path))
    message = str(info.value)
    assert isinstance(info.value, ValueError)
    assert f"第 {line} 行" in message and all(w in message for w in words), message


def test_rules_file_not_utf8(tmp_path):
    (tmp_path / "clean_rules.toml").write_bytes(GOOD_RULE.encode("gbk"))
    with pytest.raises(SettingsError, match="第 3 行.*UTF-8"):
        check_settings(Settings.for_corpus(tmp_path))


def test_good_settings_pass(tmp_path):
    (tmp_path / "clean_rules.toml").write_text(GOOD_RULE, "utf-8")
    (tmp_path / "userdict.txt").write_text("双百行动 50000\n四下基层\n党建引领 100 n\n", "utf-8")
    check_settings(Settings.for_corpus(tmp_path))  # no error
    check_settings(Settings.for_corpus(tmp_path / "no-such-corpus"))  # the built-in files alone


@pytest.mark.slow
def test_userdict_not_utf8_is_one_line_and_keeps_the_index(indexed):
    corpus, index = indexed
    (corpus / "userdict.txt").write_bytes("双百行动 50000\n四下基层\n".encode("gbk"))
    message = one_line_error(reports("index", str(corpus), "--index", str(index)))
    assert "userdict.txt" in message and "第 1 行" in message and "UTF-8" in message, message
    _still_answers(index)
    served = one_line_error(reports("serve", "--corpus", str(corpus), "--index", str(index), "--port", "0"))
    assert "userdict.txt" in served


@pytest.mark.slow
def test_userdict_bad_line(indexed):
    corpus, index = indexed
    (corpus / "userdict.txt").write_text("# 我的词\n双百行动 50000\n全面 从严治党\n", "utf-8")
    message = one_line_error(reports("index", str(corpus), "--index", str(index)))
    assert "userdict.txt" in message and "第 3 行" in message and "从严治党" in message, message
    _still_answers(index)


# ---------------------------------------------------------- other failures

@pytest.mark.slow
def test_index_folder_not_writable_is_one_line(tmp_path):
    corpus = copy_seeds(tmp_path / "corpus")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", "utf-8")
    message = one_line_error(reports("index", str(corpus), "--index", str(blocker / "index")))
    assert "无法写入索引文件夹" in message, message


@pytest.mark.slow
def test_port_in_use_suggests_another(tmp_path, indexed):
    corpus, index = indexed
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        message = one_line_error(reports("serve", "--port", str(port), "--corpus", str(corpus),
                                         "--index", str(index), timeout=60))
    assert f"端口 {port} 已被占用" in message and f"--port {port + 1}" in message, message


@pytest.mark.slow
@pytest.mark.parametrize("host", ["no-such-host.invalid", "300.1.1.1", "a..b"])
def test_bad_host_is_one_line(indexed, host):
    corpus, index = indexed
    message = one_line_error(reports("serve", "--host", host, "--port", "0", "--corpus", str(corpus),
                                     "--index", str(index), timeout=60))
    assert "--host" in message, message


@pytest.mark.slow
def test_a_broken_rules_file_while_serving_is_a_clear_page(indexed):
    corpus, index = indexed
    with Served("--corpus", str(corpus), "--index", str(index)) as server:
        doc_id = search_json(index, "组织建设")["hits"][0]["id"]
        assert http(server.port, f"/report/{doc_id}/original")[0] == 200
        (corpus / "clean_rules.toml").write_text("[[rule]]\nname = 'x'\nkind = 'span'\nfind = '('\n", "utf-8")
        status, _, body = http(server.port, f"/report/{doc_id}/original")
        assert status == 503 and "清理规则" in body.decode("utf-8")
        assert http(server.port, f"/report/{doc_id}")[0] == 200  # the rest still answers
