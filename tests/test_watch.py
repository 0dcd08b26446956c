"""The library keeps itself current: a watcher indexes what is added,
changed and removed in the corpus folder within seconds, by the OS's
events or, where there are none, by polling."""
from __future__ import annotations

import time

import pytest

from harness.paths import copy_seeds
from harness.polling import until
from search.indexer import index_corpus
from search.searcher import Library
from search.watch import Watcher

NEW = "2024年某村党支部工作总结\n一、主要做法\n一是落实三会一课制度，推动独有提法星火燎原。\n"


@pytest.mark.slow  # waits seconds for the watcher
@pytest.mark.parametrize("events", [True, False], ids=["events", "polling"])
def test_added_changed_and_removed_files_are_indexed_within_seconds(tmp_path, events):
    corpus, index = copy_seeds(tmp_path / "corpus"), tmp_path / "index"
    index_corpus(corpus, index, jobs=1)
    runs = []
    watcher = Watcher(corpus, index, report=lambda s, e: runs.append((s, e)), interval=0.3,
                      settle=0.3, jobs=1, use_events=events)
    assert watcher.uses_events == events
    watcher.start()
    library = Library(index)
    try:
        assert until(lambda: len(runs) >= 1, 20)  # the first turn: nothing had changed
        assert runs[0][0] is not None and not runs[0][0].changed
        time.sleep(1.0)
        assert len(runs) == 1  # reading the corpus is no change
        (corpus / "sub").mkdir()
        (corpus / "sub" / "new.txt").write_text(NEW, "utf-8")
        assert until(lambda: library.search("星火燎原").total == 1, 20)
        (corpus / "sub" / "new.txt").write_text(NEW.replace("星火燎原", "燎原之势"), "utf-8")
        assert until(lambda: library.search("燎原之势").total == 1, 20)
        assert library.search("星火燎原").total == 0
        (corpus / "sub" / "new.txt").unlink()
        assert until(lambda: library.search("燎原之势").total == 0, 20)
        assert all(error is None for _, error in runs)
    finally:
        watcher.stop()
