"""Crash and pause points for testing what a killed or slow indexer leaves behind.

    REPORTS_CRASH_AT="adding:50"        kill -9 this run at the 50th pass of "adding"
    REPORTS_PAUSE_AT="locked,committed" sleep at these points (REPORTS_PAUSE_SECONDS, default 5)

A point is `name` or `name:n` (the n-th time this process passes it; 1 when
left out); several are separated by commas. Without these variables every
hook is a dictionary lookup and nothing else, so the hooks stay in the
shipped code: a test can only kill the real program at a precise place if
the place is in the real program.

A crash is a real SIGKILL (os._exit on Windows): no `finally`, no atexit, no
flushing, like a user's kill -9 or a power cut to the process. When the point
is reached in a worker process, the indexer that started it is killed first,
so that "kill -9 while reading" means the whole run dies there.
"""
from __future__ import annotations

import os
import signal
import sys
import time
from collections import Counter

CRASH_ENV = "REPORTS_CRASH_AT"
PAUSE_ENV = "REPORTS_PAUSE_AT"
PAUSE_SECONDS_ENV = "REPORTS_PAUSE_SECONDS"

# The process that imported the indexer; forked workers inherit the value,
# so a worker can tell it is not the run itself.
_ORIGIN_PID = os.getpid()
_passes: Counter[str] = Counter()


def _parse(spec: str) -> dict[str, int]:
    points = {}
    for part in spec.split(","):
        name, _, n = part.strip().partition(":")
        if name:
            points[name] = int(n) if n.strip().isdigit() else 1
    return points


def _due(env: str, name: str, count: int) -> bool:
    spec = os.environ.get(env)
    return bool(spec) and _parse(spec).get(name) == count


def armed(name: str) -> bool:
    """Whether a crash at `name` is asked for at all (for hooks that cost something)."""
    spec = os.environ.get(CRASH_ENV)
    return bool(spec) and name in _parse(spec)


def crash_point(name: str) -> None:
    """Count one pass through `name`; die or pause there if the environment says so."""
    if not (os.environ.get(CRASH_ENV) or os.environ.get(PAUSE_ENV)):
        return
    _passes[name] += 1
    count = _passes[name]
    if _due(PAUSE_ENV, name, count):
        seconds = float(os.environ.get(PAUSE_SECONDS_ENV) or 5)
        print(f"pause point {name}:{count} reached (pid {os.getpid()}), sleeping {seconds:g} s",
              file=sys.stderr, flush=True)
        time.sleep(seconds)
    if _due(CRASH_ENV, name, count):
        print(f"crash point {name}:{count} reached (pid {os.getpid()}), killing the run",
              file=sys.stderr, flush=True)
        die()


def die() -> None:
    """SIGKILL the run (and this process, if it is a worker of the run)."""
    if os.name == "nt":
        os._exit(137)
    if os.getpid() != _ORIGIN_PID:
        try:
            os.kill(_ORIGIN_PID, signal.SIGKILL)
        except OSError:
            pass
    os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(60)  # the signal is delivered before this returns
