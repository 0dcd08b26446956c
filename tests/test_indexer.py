"""Incremental indexing, bad files, interrupted and concurrent runs."""
from __future__ import annotations

import json
import os
import shutil

import pytest
from whoosh import index as whoosh_index

from search.errors import IndexBusy
from search.indexer import index_corpus
from search.phrase import lookup
from search.searcher import Library
from search.settings import Settings, fingerprint
from search.store import Snapshot

NEW_REPORT = "2024年某村党支部工作总结\n一、主要做法\n一是落实三会一课制度，推动独有提法星火燎原。\n"


def test_add_modify_delete_is_exactly_that_change(corpus_copy, tmp_path):
    index = tmp_path / "index"
    first = index_corpus(corpus_copy, index, jobs=1)
    assert (first.added, first.updated, first.removed, first.unchanged) == (5, 0, 0, 0)
    library = Library(index)
    assert library.search("星火燎原").total == 0

    (corpus_copy / "sub").mkdir()
    (corpus_copy / "sub" / "new.txt").write_text(NEW_REPORT, "utf-8")
    seed = sorted(corpus_copy.glob("00*.txt"))
    seed[0].write_text(seed[0].read_text("utf-8").replace("压紧压实", "压紧夯实"), "utf-8")
    seed[1].unlink()
    second = index_corpus(corpus_copy, index, jobs=1)
    assert (second.added, second.updated, second.removed, second.unchanged) == (1, 1, 1, 3)
    assert second.rebuilt_because is None

    # The running library sees the new generation without being reopened.
    assert [h.id for h in library.search("星火燎原").hits] == ["sub/new.txt"]
    assert library.search("压紧压实").total == 1
    assert library.search("压紧夯实").total == 1
    assert library.stats()["reports"] == 5
    assert seed[1].name not in {h.id for h in library.search("党").hits}

    third = index_corpus(corpus_copy, index, jobs=1)
    assert (third.added, third.updated, third.removed, third.unchanged) == (0, 0, 0, 5)
    assert third.generation == second.generation  # nothing changed, nothing written


def test_incremental_index_equals_a_fresh_build(corpus_copy, tmp_path):
    index_corpus(corpus_copy, tmp_path / "inc", jobs=1)
    (corpus_copy / "new.txt").write_text(NEW_REPORT, "utf-8")
    sorted(corpus_copy.glob("00*.txt"))[2].unlink()
    index_corpus(corpus_copy, tmp_path / "inc", jobs=1)
    index_corpus(corpus_copy, tmp_path / "fresh", jobs=1)
    inc, fresh = Library(tmp_path / "inc"), Library(tmp_path / "fresh")
    for q in ["党建", "三会一课", "组织建设 第一书记", "工作。一是"]:
        a, b = inc.search(q, per_page=50), fresh.search(q, per_page=50)
        assert [(h.id, round(h.score, 6)) for h in a.hits] == [(h.id, round(h.score, 6)) for h in b.hits]
        assert a.facets == b.facets
    for phrase in ["党建", "三会一课", "工作。一是"]:
        a, b = lookup(inc, phrase, per_page=500), lookup(fresh, phrase, per_page=500)
        assert a.to_json() | {"elapsed_ms": 0} == b.to_json() | {"elapsed_ms": 0}


def test_bad_files_are_skipped_with_reasons(corpus_copy, tmp_path):
    (corpus_copy / "empty.txt").write_bytes(b"")
    (corpus_copy / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (corpus_copy / "bad.txt").write_bytes(b"\xff\xfe\xfd" * 10 + "党建".encode() + b"\x81")
    (corpus_copy / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    (corpus_copy / "notes.xlsx").write_bytes(b"ignored: not a report type")
    summary = index_corpus(corpus_copy, tmp_path / "index", jobs=1)
    reasons = dict(summary.skipped)
    assert set(reasons) == {"empty.txt", "binary.txt", "bad.txt", "broken.docx"}
    assert "空文件" in reasons["empty.txt"] and "二进制" in reasons["binary.txt"]
    assert all(reasons.values())
    assert summary.added == 5 and summary.reports == 5


def test_parallel_workers_give_the_same_index(corpus_copy, tmp_path):
    for i in range(30):  # enough files for the worker pool to start
        (corpus_copy / f"copy{i}.txt").write_text(NEW_REPORT.replace("某村", f"第{i}村"), "utf-8")
    parallel = index_corpus(corpus_copy, tmp_path / "p", jobs=2)
    serial = index_corpus(corpus_copy, tmp_path / "s", jobs=1)
    assert parallel.added == serial.added == 35
    a, b = Library(tmp_path / "p"), Library(tmp_path / "s")
    assert [h.id for h in a.search("三会一课", per_page=50).hits] == \
        [h.id for h in b.search("三会一课", per_page=50).hits]


def test_interrupted_run_leaves_the_old_index_answering(corpus_copy, tmp_path):
    index = tmp_path / "index"
    index_corpus(corpus_copy, index, jobs=1)
    before = Snapshot.open(index).token
    (corpus_copy / "new.txt").write_text(NEW_REPORT, "utf-8")
    for seed in corpus_copy.glob("00*.txt"):
        seed.write_text(seed.read_text("utf-8") + "\n补充一段。", "utf-8")

    def killed(done, total, name):
        if done == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        index_corpus(corpus_copy, index, jobs=1, progress=killed)
    assert Snapshot.open(index).token == before
    assert sorted(p.name for p in index.iterdir() if p.name.endswith(".rsc")) == \
        [f"{p.whoosh.segment_id()}.rsc" for p in Snapshot.open(index).parts]  # nothing left behind
    library = Library(index)
    assert library.search("星火燎原").total == 0 and lookup(library, "压紧压实").total_occurrences == 2
    again = index_corpus(corpus_copy, index, jobs=1)  # the lock was released
    assert (again.added, again.updated) == (1, 5)
    assert library.search("星火燎原").total == 1


def test_second_concurrent_run_gets_a_clear_error(corpus_copy, tmp_path):
    index = tmp_path / "index"
    index_corpus(corpus_copy, index, jobs=1)
    writer = whoosh_index.open_dir(index).writer()  # another run holds the lock
    try:
        with pytest.raises(IndexBusy, match="另一个程序正在写"):
            index_corpus(corpus_copy, index, jobs=1)
    finally:
        writer.cancel()


def test_dictionary_change_forces_a_rebuild(corpus_copy, tmp_path):
    index = tmp_path / "index"
    index_corpus(corpus_copy, index, jobs=1)
    (corpus_copy / "userdict.txt").write_text("抓党建促乡村振兴 90000\n", "utf-8")
    summary = index_corpus(corpus_copy, index, jobs=1)
    assert summary.rebuilt_because and "词典" in summary.rebuilt_because
    assert summary.added == 5 and summary.reports == 5  # userdict.txt is not a report
    rules = corpus_copy / "clean_rules.toml"
    rules.write_text('[[rule]]\nkind = "span"\nname = "mine"\nfind = \'星火燎原\'\n', "utf-8")
    assert index_corpus(corpus_copy, index, jobs=1).rebuilt_because


def test_missing_corpus_is_explained(tmp_path):
    from search.errors import IndexingError
    with pytest.raises(IndexingError, match="不存在"):
        index_corpus(tmp_path / "nope", tmp_path / "index")


def test_analyzer_version_change_forces_a_rebuild(corpus_copy, tmp_path, monkeypatch):
    from search import analysis
    index = tmp_path / "index"
    index_corpus(corpus_copy, index, jobs=1)
    assert Snapshot.open(index).fingerprints == {fingerprint(Settings.for_corpus(corpus_copy))}
    monkeypatch.setattr(analysis, "ANALYZER_VERSION", analysis.ANALYZER_VERSION + "-next")
    summary = index_corpus(corpus_copy, index, jobs=1)
    assert summary.rebuilt_because and "分词方式" in summary.rebuilt_because
    assert summary.added == 5


def test_a_running_library_follows_an_index_rebuilt_from_scratch(corpus_copy, tmp_path):
    index = tmp_path / "index"
    index_corpus(corpus_copy, index, jobs=1)
    library = Library(index)
    assert library.search("星火燎原").total == 0
    shutil.rmtree(index)  # the new index's first commit has the same generation number
    (corpus_copy / "new.txt").write_text(NEW_REPORT, "utf-8")
    index_corpus(corpus_copy, index, jobs=1)
    assert library.search("星火燎原").total == 1


def test_a_copied_folder_is_hashed_again_once_not_at_every_run(corpus_copy, tmp_path):
    """Copying a library gives its files new times, not new contents: the
    run after the copy hashes them and remembers the new times
    (stamps.json), so that later runs trust size and time as for any file."""
    index = tmp_path / "index"
    index_corpus(corpus_copy, index, jobs=1)
    files = sorted(corpus_copy.glob("*.txt"))
    later = files[0].stat().st_mtime_ns + 3_600 * 10**9
    for f in files:
        os.utime(f, ns=(later, later))
    copied = index_corpus(corpus_copy, index, jobs=1)
    assert (copied.updated, copied.unchanged) == (0, len(files))
    assert set(json.loads((index / "stamps.json").read_text("utf-8"))) == {f.name for f in files}

    # Trusted from now on: the same size and time is not read again (as the index's own stamps) …
    target = files[0]
    text = target.read_text("utf-8")
    swapped = text.replace("压紧压实", "压紧夯实")
    assert swapped != text and len(swapped.encode()) == len(text.encode())
    target.write_text(swapped, "utf-8")
    os.utime(target, ns=(later, later))
    assert index_corpus(corpus_copy, index, jobs=1).updated == 0
    # … a new time is: the file is read, indexed anew, and its stamp is the index's again.
    os.utime(target, ns=(later + 10**9, later + 10**9))
    changed = index_corpus(corpus_copy, index, jobs=1)
    assert changed.updated == 1 and Library(index).search("压紧夯实").total == 1
    assert target.name not in json.loads((index / "stamps.json").read_text("utf-8"))
