"""An original file read and cleaned as the index cleans it: its raw text and
what the rules remove from it (`reports clean --diff`, the page with the
noise struck through). Read once, then kept in a bounded cache (a 300-page
PDF costs seconds to read) until the file or the cleaning rules change."""
from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from .clean import RemovedSpan, clean
from .readers import read_text
from .settings import Settings, cleaning_rules

CACHE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Original:
    raw: str
    removed: tuple[RemovedSpan, ...]
    cleaned: str

    @property
    def cleaned_hash(self) -> str:
        return text_hash(self.cleaned)

    @property
    def cost(self) -> int:  # bytes held, roughly
        return 4 * len(self.raw) + 64 * len(self.removed) + 200


_cache: OrderedDict[tuple, Original] = OrderedDict()
_cache_bytes = 0
_lock = threading.Lock()
_reading: dict[tuple, threading.Lock] = {}  # one reader per file at a time


def read_original(path: Path, settings: Settings) -> Original:
    """The raw text of a file and its cleaning. Raises UnreadableFile, OSError,
    RulesError."""
    info = os.stat(path)
    rules = settings.rules_file
    key = (os.fspath(path), info.st_mtime_ns, info.st_size, info.st_ino,
           rules.stat().st_mtime_ns if rules.is_file() else None)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
        gate = _reading.setdefault(key, threading.Lock())
    with gate:  # a second request for the same file waits for the first one's reading
        with _lock:
            if key in _cache:
                return _cache[key]
        try:
            raw = read_text(path)
            report = clean(raw, cleaning_rules(settings))
            found = Original(raw, tuple(report.removed), report.text)
        finally:
            with _lock:
                _reading.pop(key, None)
        _keep(key, found)
    return found


def _keep(key: tuple, found: Original) -> None:
    global _cache_bytes
    with _lock:
        if found.cost <= CACHE_BYTES // 4:
            _cache[key] = found
            _cache_bytes += found.cost
            while _cache_bytes > CACHE_BYTES:
                _cache_bytes -= _cache.popitem(last=False)[1].cost


def text_hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
