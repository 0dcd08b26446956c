"""Copies (the same cleaned text under several file names) are indexed once;
near-duplicates (other ads, a changed title, a few edited sentences) are one
result with their similar reports. Real files, real index, real app."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from search import dedup
from search.analysis import fold
from search.cli import main as cli
from search.clean import clean
from search.indexer import index_corpus
from search.phrase import lookup
from search.readers import read_text
from search.searcher import Library
from conftest import copy_seeds
from web import create_app

COPIED = "000_76dcab7e818b9862.txt"      # has 严抓严管严促, found in no other seed
ADAPTED = "001_febdc8b53386a303.txt"     # has 把稳政治方向, found in no other seed
COPIES = ("copies/000-副本.txt", "copies/000 (1)-gbk.txt")
VARIANTS = ("similar/001-转载.txt", "similar/001-改写.txt")
EDIT_A = ("充分发挥“把方向、管大局、保落实”的领导作用", "充分发挥领导核心作用并开展星级评定试点")
EDIT_B = ("把稳政治方向不走偏", "把稳政治方向不动摇")


def make_corpus(root: Path) -> Path:
    corpus = copy_seeds(root / "corpus")
    (corpus / "copies").mkdir()
    (corpus / "similar").mkdir()
    shutil.copy(corpus / COPIED, corpus / COPIES[0])
    # A GB18030 save of the same report: other bytes, the same cleaned text.
    (corpus / COPIES[1]).write_bytes((corpus / COPIED).read_text("utf-8").encode("gb18030"))
    original = (corpus / ADAPTED).read_text("utf-8")
    title, _, body = original.partition("\n")
    # Re-posted with a changed title, one edited sentence and an ad of its own.
    (corpus / VARIANTS[0]).write_text(
        "（转载）" + title + "\n" + body.replace(*EDIT_A, 1) + "\n更多好文请关注本号，每日更新。\n", "utf-8")
    (corpus / VARIANTS[1]).write_text(title + "\n" + body.replace(*EDIT_B, 1), "utf-8")
    return corpus


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("dups")
    corpus = make_corpus(root)
    summary = index_corpus(corpus, root / "index", jobs=1)
    return corpus, root / "index", summary


@pytest.fixture(scope="module")
def lib(built) -> Library:
    return Library(built[1])


def test_index_run_counts_copies_once(built):
    summary = built[2]
    assert summary.added == 9 and not summary.skipped
    assert summary.copies == 2
    assert summary.reports == 7          # the copies are listed, not counted


def test_stats_count_files_reports_copies_and_groups(lib):
    stats = lib.stats()
    assert stats["files"] == 9
    assert stats["reports"] == 7          # 5 seeds + 2 near-duplicates
    assert stats["copies"] == 2
    assert stats["similar_groups"] == 1
    assert stats["in_similar_groups"] == 3
    assert sum(stats["by_year"].values()) <= 7


def test_a_copied_report_is_one_hit_listing_every_file(lib):
    result = lib.search("严抓严管严促")
    assert result.total == 1 and len(result.hits) == 1
    hit = result.hits[0]
    assert hit.id == COPIED
    assert sorted(hit.copies) == sorted(COPIES)
    assert hit.similar == []


def test_near_duplicates_are_one_hit_with_the_others_listed(lib):
    result = lib.search("把稳政治方向")
    assert result.total == 1 and result.merged == 2
    hit = result.hits[0]
    others = {s["id"]: s for s in hit.similar}
    assert set(others) | {hit.id} == {ADAPTED, *VARIANTS}
    assert all(dedup.SIMILAR <= s["overlap"] <= 1 for s in others.values())
    assert sum(sum(v.values()) for v in [result.facets["year"]]) == 1


def test_a_term_only_one_variant_has_finds_that_variant_alone(lib):
    result = lib.search("星级评定试点")
    assert [h.id for h in result.hits] == [VARIANTS[0]]
    assert result.hits[0].similar == [] and result.merged == 0


def test_totals_and_facets_count_a_group_once(lib, built):
    corpus = built[0]
    everywhere = lib.search("党建")
    texts = {p.relative_to(corpus).as_posix(): fold(clean(read_text(p)).text)
             for p in corpus.rglob("*.txt")}
    files_with_term = [i for i, t in texts.items() if "党建" in t]
    assert len(files_with_term) == 9
    assert everywhere.total == 5 and everywhere.merged == 2
    assert sum(everywhere.facets["type"].values()) == 5
    ids = [h.id for h in everywhere.hits]
    assert len(ids) == len(set(ids)) == 5
    assert not set(ids) & set(COPIES)


def test_filters_alone_do_not_list_copies(lib):
    result = lib.search("year:2000-2100", per_page=50)
    ids = {h.id for h in result.hits}
    assert not ids & set(COPIES)
    assert result.total == len(ids)


def test_phrase_lookup_counts_a_copied_text_once(lib, built):
    corpus = built[0]
    once = fold(clean(read_text(corpus / COPIED)).text).count("严抓严管严促")
    result = lookup(lib, "严抓严管严促")
    assert once >= 1
    assert result.total_occurrences == once and result.total_reports == 1


def test_phrase_lookup_groups_near_duplicate_lines(lib, built):
    corpus = built[0]
    phrase = "存在的困难和问题"   # a heading of the adapted report, untouched by the edits
    distinct = {fold(clean(read_text(p)).text) for p in corpus.rglob("*.txt")}
    assert len(distinct) == 7
    holding = [t.count(phrase) for t in distinct if phrase in t]
    result = lookup(lib, phrase)
    assert result.total_occurrences == sum(holding)             # exact, as grep counts
    assert result.total_reports == len(holding)
    assert result.total_groups == len(holding) - 2              # the adapted report's group once
    assert sum(line.count for line in result.lines) == result.total_occurrences
    grouped = [line for line in result.lines if line.count == 3]
    assert grouped and {a["id"] for a in grouped[0].also_in} | {grouped[0].id} == {ADAPTED, *VARIANTS}


def test_report_view_of_a_copy_names_its_source_and_siblings(lib):
    view = lib.report(COPIES[1])
    source = lib.report(COPIED)
    assert view.copy_of == COPIED and view.text == source.text
    assert sorted(view.copies) == sorted([COPIED, COPIES[0]])
    assert source.copy_of is None and sorted(source.copies) == sorted(COPIES)
    assert {s["id"] for s in lib.report(ADAPTED).similar} == set(VARIANTS)


def test_removing_the_source_keeps_its_copies_findable(tmp_path):
    corpus = make_corpus(tmp_path)
    index = tmp_path / "index"
    index_corpus(corpus, index, jobs=1)
    (corpus / COPIED).unlink()
    summary = index_corpus(corpus, index, jobs=1)
    assert (summary.added, summary.updated, summary.removed) == (0, 0, 1)
    result = Library(index).search("严抓严管严促")
    assert result.total == 1
    hit = result.hits[0]
    assert sorted([hit.id, *hit.copies]) == sorted(COPIES)
    # Same answer as a fresh build of the same folder.
    fresh = tmp_path / "fresh"
    index_corpus(corpus, fresh, jobs=1)
    again = Library(fresh).search("严抓严管严促").hits[0]
    assert sorted([again.id, *again.copies]) == sorted(COPIES)
    assert Library(index).stats()["copies"] == Library(fresh).stats()["copies"] == 1


def test_a_new_copy_is_added_as_a_copy(tmp_path):
    corpus = copy_seeds(tmp_path / "corpus")
    index = tmp_path / "index"
    index_corpus(corpus, index, jobs=1)
    shutil.copy(corpus / COPIED, corpus / "again.txt")
    summary = index_corpus(corpus, index, jobs=1)
    assert (summary.added, summary.copies) == (1, 1)
    assert Library(index).search("严抓严管严促").hits[0].copies == ["again.txt"]


def test_sketch_overlap_tracks_edits():
    text = fold(clean(read_text(Path(__file__).parent.parent / "corpus" / ADAPTED)).body)
    same = dedup.sketch(text)
    assert dedup.similarity(same, same)[0] == 1.0
    edited = dedup.sketch(text.replace(*EDIT_A, 1))
    other = dedup.sketch(fold(clean(read_text(Path(__file__).parent.parent / "corpus" / COPIED)).body))
    assert dedup.SIMILAR <= dedup.similarity(same, edited)[0] < 1.0
    assert dedup.similarity(same, other)[0] < 0.3
    assert (dedup.sketch("太短的文本") == dedup.EMPTY).all()


def test_groups_join_candidates_and_keep_strangers_apart():
    rng = np.random.default_rng(1)
    base = rng.integers(0, 2**31, size=(4, dedup.BINS), dtype=np.uint32)
    near = base[0].copy()
    near[:6] += 1                                 # 95 % the same
    sketches = np.vstack([base, near, np.full(dedup.BINS, dedup.EMPTY, np.uint32)])
    groups = dedup.groups(sketches, np.ones(len(sketches), dtype=bool))
    assert groups.tolist() == [0, 1, 2, 3, 0, 5]


def test_cli_stats_and_search_show_duplicates(built):
    corpus, index, _ = built
    runner = CliRunner()
    stats = json.loads(runner.invoke(cli, ["stats", "--json", "--index", str(index)]).output)
    assert (stats["reports"], stats["files"], stats["copies"], stats["similar_groups"]) == (7, 9, 2, 1)
    text = runner.invoke(cli, ["stats", "--index", str(index)]).output
    assert "2 个是同文副本" in text and "近似稿 1 组" in text
    out = runner.invoke(cli, ["search", "把稳政治方向", "--index", str(index)]).output
    assert "另有 2 份相似" in out
    assert "（重合 " in out and "100%" not in out
    data = json.loads(runner.invoke(cli, ["search", "严抓严管严促", "--json", "--index", str(index)]).output)
    assert sorted(data["hits"][0]["copies"]) == sorted(COPIES)


@pytest.fixture(scope="module")
def client(built):
    corpus, index, _ = built
    app = create_app({"INDEX_DIR": index, "CORPUS_DIR": corpus, "TESTING": True, "WARM_UP": False})
    return app.test_client()


def test_web_search_shows_a_group_once_with_its_similar_reports(client):
    data = client.get("/search.json?q=把稳政治方向").get_json()
    assert data["total"] == 1 and data["merged"] == 2
    assert len(data["hits"][0]["similar"]) == 2
    page = client.get("/search?q=把稳政治方向").get_data(as_text=True)
    assert "另有 2 份相似" in page
    for s in data["hits"][0]["similar"]:
        assert f'href="/report/{s["id"]}' in page or s["id"] in page


def test_web_search_lists_every_file_of_a_copied_report(client):
    page = client.get("/search?q=严抓严管严促").get_data(as_text=True)
    for copy in COPIES:
        assert copy in page
    assert "同文副本" in page


def test_web_report_page_of_a_copy(client):
    page = client.get(f"/report/{COPIES[0]}").get_data(as_text=True)
    assert COPIED in page and "同文" in page
    data = client.get(f"/report/{COPIES[0]}.json").get_json()
    assert data["copy_of"] == COPIED
