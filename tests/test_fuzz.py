"""Property tests: the query parser and every web endpoint take any input
without an exception or a 500. The request strategies and the checks are in
harness/fuzz.py, which bench/fuzz.py drives ten thousand times against a
real server."""
from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from harness.fuzz import (
    FuzzRequest,
    other_requests,
    problems,
    query_text,
    report_requests,
    search_requests,
    unicode_text,
)
from search.query import MAX_QUERY_CHARS, OR_WORDS, TEXT_FIELDS, QueryTooLong, parse
from web import create_app

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ANY_QUERY = st.one_of(query_text(12), unicode_text(250))


# ---------------------------------------------------------------- the parser

@FUZZ
@given(ANY_QUERY)
@example('"unclosed ( OR')
@example("year:99999999999 type: level:<script> -")
@example("\ud800 \udfff")
def test_parser_never_raises_and_returns_sane_terms(text):
    if len(text.strip()) > MAX_QUERY_CHARS:
        with pytest.raises(QueryTooLong):
            parse(text)
        return
    query = parse(text)
    assert query.required == [g for g in query.required if g], "no empty OR group"
    for term in query.positive_terms + query.excluded:
        assert isinstance(term.text, str) and term.text.strip(), term
        assert term.field in (None, *TEXT_FIELDS.values())
        # folding keeps lengths; a query is composed (NFC) first, as the texts are
        assert isinstance(term.folded, str) and len(term.folded) == len(unicodedata.normalize("NFC", term.text))
    for years in [query.filters.years, *query.filters.not_years]:
        if years is not None:
            assert 0 <= years[0] <= years[1] <= 9999
    for value in query.filters.types | query.filters.levels | query.filters.not_types | query.filters.not_levels:
        assert value and not value.isspace()
    assert parse(text) == query  # no hidden state


@FUZZ
@given(st.lists(st.text(st.characters(exclude_characters=' "-:：\u3000“”「」『』＂－−|｜',
                                      exclude_categories=("Z", "Cc")),
                        min_size=1, max_size=8), max_size=6))
def test_plain_words_are_anded_literally(words):
    """Without quotes (an input method's too), minus signs, colons, bars or OR
    (或, or), a query is its words, each required."""
    words = [w for w in words if w.split() == [w] and w not in OR_WORDS]
    query = parse(" ".join(words))
    assert [[t.text for t in g] for g in query.required] == [[w] for w in words]
    assert not query.excluded and query.filters.years is None


@FUZZ
@given(ANY_QUERY)
def test_library_search_of_any_text_never_raises(library, text):
    text = text[:MAX_QUERY_CHARS]
    result = library.search(text)
    assert 0 <= len(result.hits) <= result.total <= library.generation().report_count
    for hit in result.hits:
        body = library.report(hit.id).text
        for snippet in hit.snippets:  # passages of the text, cut with "…"
            assert all(part in body for part in "".join(s.text for s in snippet).split("…"))


# ---------------------------------------------------------------- the web

@pytest.fixture(scope="module")
def client(seed_index):
    corpus, index = seed_index
    return create_app({"INDEX_DIR": index, "CORPUS_DIR": corpus, "WARM_UP": False}).test_client()


def answer(client, request: FuzzRequest) -> list[str]:
    response = client.get(request.url)
    return problems(request, response.status_code, response.headers, response.get_data())


@pytest.mark.slow  # the most generated requests of the fuzz tests
@FUZZ
@given(search_requests())
@example(FuzzRequest("/search.json?q=%ED%A0%80%FF&page=1e9", "json", frozenset({400})))
@example(FuzzRequest("/phrase?q=" + "a" * 201, "html", frozenset({400})))
@example(FuzzRequest("/search?q=year:2023-&type=&level=%3Cscript%3E&page=" + str(10**30), "html", frozenset({400})))
def test_search_and_phrase_parameters(client, req):
    assert answer(client, req) == [], str(req)


@FUZZ
@given(report_requests())
@example(FuzzRequest("/report/000_76dcab7e818b9862.txt.json?q=%ED%A0%80", "json", frozenset({200})))
def test_report_routes(client, req):
    assert answer(client, req) == [], str(req)


@FUZZ
@given(other_requests())
def test_home_health_static_and_unknown_paths(client, req):
    assert answer(client, req) == [], str(req)


def test_the_checks_catch_what_they_are_for(client):
    """The oracle is not vacuous: wrong statuses, non-JSON and foreign scripts fail."""
    ok = FuzzRequest("/search.json?q=x", "json", frozenset({200}))
    assert answer(client, ok) == []
    assert answer(client, FuzzRequest("/search.json?page=0", "json", frozenset({200}))) == [
        "status 400, expected [200]"]
    headers = {"Content-Security-Policy": "x", "X-Content-Type-Options": "x", "Referrer-Policy": "x"}
    assert any("not JSON" in p for p in problems(ok, 200, headers, b"<html>"))
    page = b'<!doctype html><html lang="zh-CN"><script>alert(1)</script><p onclick=x></p></html>'
    found = problems(FuzzRequest("/", "html", frozenset({200})), 200, headers, page)
    assert any("foreign script" in p for p in found) and any("onclick" in p for p in found)
    assert any(re.match("server error", p) for p in problems(ok, 500, {}, b"{}"))
