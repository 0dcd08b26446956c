"""ripgrep and grep over the folded text files, spawned once a query as a
user runs them: no index, the whole corpus read on every query (from the
page cache once warm). They give the exact totals every phrase answer is
checked against.

- ripgrep: `rg --count-matches --fixed-strings` (per-file occurrence counts,
  non-overlapping, as `grep -o | wc -l`), its default threads (one a core);
- grep: `LC_ALL=C grep -r -F -c`, the plain baseline: fixed string, the C
  locale (bytes: exact for UTF-8, and grep's fast path); -c counts matching
  LINES, so grep answers the number of reports, not of occurrences.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path


def _run(cmd: list[str], env: dict | None = None) -> tuple[float, str, str, int]:
    """ms, stdout, stderr and exit code of one command. (Its peak RSS is not
    reported: a forked child counts its parent's pages until it execs.)"""
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, env=env, check=False)
    ms = (time.perf_counter() - started) * 1000
    return ms, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace"), proc.returncode


class Ripgrep:
    name = "ripgrep"

    def __init__(self, texts: Path):
        self.texts = texts
        self.rg = shutil.which("rg")

    @property
    def available(self) -> bool:
        return self.rg is not None

    def version(self) -> str:
        out = subprocess.run([self.rg, "--version"], capture_output=True, text=True, check=False).stdout
        return out.splitlines()[0] if out else "?"

    def phrase(self, needle: str) -> dict:
        # --no-ignore/--hidden: the cache folder is git-ignored and hidden.
        cmd = [self.rg, "--no-config", "--no-ignore", "--hidden", "--count-matches",
               "--fixed-strings", "--no-messages", "--", needle, str(self.texts)]
        ms, out, err, code = _run(cmd)
        if code not in (0, 1):  # 1: no match
            raise RuntimeError(f"rg failed: {err.strip()}")
        counts = [int(line.rsplit(":", 1)[1]) for line in out.splitlines() if line]
        return {"ms": ms, "occurrences": sum(counts), "reports": len(counts), "answered": True}


class Grep:
    name = "grep"

    def __init__(self, texts: Path):
        self.texts = texts
        self.grep = shutil.which("grep")
        self.env = {**os.environ, "LC_ALL": "C"}

    @property
    def available(self) -> bool:
        return self.grep is not None

    def version(self) -> str:
        out = subprocess.run([self.grep, "--version"], capture_output=True, text=True, check=False).stdout
        return out.splitlines()[0] if out else "?"

    def phrase(self, needle: str) -> dict:
        ms, out, err, code = _run([self.grep, "-r", "-F", "-c", "--", needle, str(self.texts)], self.env)
        if code not in (0, 1):
            raise RuntimeError(f"grep failed: {err.strip()}")
        reports = sum(1 for line in out.splitlines() if line and not line.endswith(":0"))
        return {"ms": ms, "occurrences": None, "reports": reports, "answered": True}
