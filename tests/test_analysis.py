"""Tokenizer, folding and dictionaries."""
from __future__ import annotations

import logging

import jieba
import pytest

from search import analysis
from search.analysis import fold


def test_rjieba_cuts_the_corpus_exactly_as_jieba(cleaned_seeds):
    """jieba-rs is used for speed: with the same dictionary it must cut alike."""
    jieba.setLogLevel(logging.WARNING)
    reference = jieba.Tokenizer()
    for word, freq in analysis.dictionary_entries():
        reference.add_word(word, freq)
    fast = analysis.segmenter(None)
    compared = 0
    for text in cleaned_seeds.values():
        folded = fold(text)
        for line in folded.split("\n"):
            assert fast.cut(line) == list(reference.cut(line)), line[:40]
            compared += 1
    assert compared == sum(t.count("\n") + 1 for t in cleaned_seeds.values()) > 50


def test_domain_dictionary_keeps_field_terms_whole():
    assert len(analysis.dictionary_entries()) >= 100
    for term in ["三会一课", "两学一做", "软弱涣散", "一肩挑", "第一书记", "主题党日", "党建引领", "两新组织"]:
        assert term in analysis.words(f"认真落实{term}制度，推动工作")


def test_words_are_folded_jieba_words_without_punctuation():
    text = "严格落实“三会一课”制度，，2023年 PPT设计。"
    words = analysis.words(text)
    assert "三会一课" in words and "2023" in words and "ppt" in words  # folded
    assert "".join(words) == "".join(c for c in fold(text) if c.isalnum())
    assert not any(w.strip("，。“”,\" ") == "" for w in words)  # no punctuation or space tokens


def test_folding_keeps_length_and_offsets():
    raw = "ＰＰＴ（一）２０２３年Ｘ市，ABC"
    folded = fold(raw)
    assert len(folded) == len(raw)
    assert folded == "ppt(一)2023年x市,abc"


@pytest.mark.parametrize("encoding,newline", [("utf-8", "\n"), ("utf-8-sig", "\r\n")])
def test_user_dictionary_loads_with_or_without_bom_and_crlf(tmp_path, encoding, newline):
    path = tmp_path / "userdict.txt"
    path.write_bytes(newline.join(["# 自定义词", "双百行动 50000", "四下基层", ""]).encode(encoding))
    entries = dict(analysis.dictionary_entries(path))
    assert entries["双百行动"] == 50000 and "四下基层" in entries
    assert "\ufeff" not in "".join(entries)
    assert "四下基层" in analysis.words("坚持四下基层工作方法", path)
    assert analysis.dictionary_fingerprint(path) != analysis.dictionary_fingerprint(None)
