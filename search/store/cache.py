"""A least-recently-used cache held to a byte budget, shared by threads."""
from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import numpy as np


def size_of(value: object) -> int:
    """Bytes a cached value holds, roughly (arrays by their buffers)."""
    if isinstance(value, np.ndarray):
        return value.nbytes + 112
    if isinstance(value, str | bytes):
        return sys.getsizeof(value)
    if isinstance(value, tuple | list):
        return 64 + sum(size_of(v) for v in value)
    return sys.getsizeof(value)


class ByteBudgetCache:
    def __init__(self, budget_bytes: int):
        self.budget = max(0, int(budget_bytes))
        self.used = 0
        self._items: OrderedDict[Hashable, tuple[object, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return None
            self._items.move_to_end(key)
            return found[0]

    def put(self, key: Hashable, value: object, size: int | None = None) -> None:
        size = size_of(value) if size is None else size
        if size > self.budget // 4:  # one answer may not push out most of the others
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.used -= old[1]
            self._items[key] = (value, size)
            self.used += size
            while self.used > self.budget and self._items:
                _, (_, freed) = self._items.popitem(last=False)
                self.used -= freed

    def get_or_make(self, key: Hashable, make: Callable[[], Any]) -> Any:
        value = self.get(key)
        if value is None:
            value = make()
            self.put(key, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.used = 0
