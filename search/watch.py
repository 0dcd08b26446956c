"""Keep the library current: notice changes in the corpus folder and index them.

The operating system tells of changes (watchdog: inotify, FSEvents, the
Windows API); where it cannot (a network share, too many folders for
inotify), the folder is polled: every file's size and modification time,
compared with the last look. A change is indexed once the folder has been
quiet for `settle` seconds (a copy of many files is one run, not many),
as an ordinary incremental run: a new small segment, the same lock, the
same crash safety. A run that finds the index busy (a `reports index` by
hand) is tried again on the next turn.
"""
from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from .errors import IndexBusy, ReportsError
from .indexer import IndexSummary, index_library
from .settings import Settings

Report = Callable[[IndexSummary | None, str | None], None]  # (summary, or the error's message)


class Watcher:
    def __init__(self, corpus: Path, index_dir: Path, report: Report | None = None,
                 interval: float = 2.0, settle: float = 1.0, jobs: int | None = None,
                 use_events: bool = True, settings: Settings | None = None) -> None:
        """`settings`: the run's rules and dictionaries (default: the corpus folder's own)."""
        self.corpus, self.index_dir = Path(corpus), Path(index_dir)
        self.settings = settings or Settings.for_corpus(self.corpus, self.index_dir)
        self.report = report or (lambda summary, error: None)
        self.interval, self.settle, self.jobs = interval, settle, jobs
        self.stop_event = threading.Event()
        self._changed = threading.Event()
        self._last_event = 0.0
        self._observer = self._start_events() if use_events else None
        self._signature = _signature(self.corpus)

    @property
    def uses_events(self) -> bool:
        return self._observer is not None

    def _start_events(self) -> object | None:
        try:
            from watchdog.events import FileSystemEventHandler
            from watchdog.observers import Observer
        except ImportError:
            return None
        watcher = self

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event) -> None:
                if event.event_type in ("opened", "closed_no_write"):
                    return  # files being read (by the indexer, say) are no change
                watcher._last_event = time.monotonic()
                watcher._changed.set()
        try:
            observer = Observer()
            observer.schedule(Handler(), str(self.corpus), recursive=True)
            observer.daemon = True
            observer.start()
            return observer
        except OSError:  # e.g. the inotify watch limit: poll instead
            return None

    def run(self) -> None:
        """Index changes until `stop()`; the first turn indexes what changed
        while nobody watched."""
        self._index()
        while not self.stop_event.is_set():
            if self._observer is not None:
                self._changed.wait(self.interval)
                if not self._changed.is_set():
                    continue
                while time.monotonic() - self._last_event < self.settle:  # let a copy finish
                    if self.stop_event.wait(self.settle / 4):
                        return
                self._changed.clear()
            else:
                if self.stop_event.wait(self.interval):
                    return
                signature = _signature(self.corpus)
                if signature == self._signature:
                    continue
                time.sleep(self.settle)
                if _signature(self.corpus) != signature:
                    continue  # still changing: look again next turn
            self._index()

    def _index(self) -> None:
        self._signature = _signature(self.corpus)
        try:
            summary = index_library(self.settings, jobs=self.jobs)
        except IndexBusy:
            self._changed.set()  # someone else is writing: try again next turn
            return
        except ReportsError as exc:  # settings broken, disk full …: said, and tried again on the next change
            self.report(None, exc.message)
            return
        except OSError as exc:  # the index folder not writable …: the watcher keeps watching
            self.report(None, f"无法读写 {exc.filename or self.index_dir}：{exc.strerror or exc}")
            return
        self.report(summary, None)
        # Ctrl+C during the commit: stop now that it is done. Only a watcher in
        # the main thread (`reports index --watch`) sees it: a run in another
        # thread leaves Ctrl+C to the main thread.
        if summary.interrupted:
            raise KeyboardInterrupt

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.run, name="corpus-watcher", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self.stop_event.set()
        self._changed.set()
        if self._observer is not None:
            self._observer.stop()


def _signature(corpus: Path) -> int:
    """A hash of every file's path, size and modification time."""
    found = []
    for root, dirs, files in os.walk(corpus):
        dirs.sort()
        for name in sorted(files):
            try:
                st = os.stat(os.path.join(root, name))
            except OSError:
                continue
            found.append((root, name, st.st_size, st.st_mtime_ns))
    return hash(tuple(found))
