"""Waiting for something a background process or thread will do."""
from __future__ import annotations

import time
from collections.abc import Callable


def until(check: Callable[[], bool], seconds: float, every: float = 0.1) -> bool:
    """Whether `check()` came true within `seconds`, asked every `every` s."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(every)
    return False
