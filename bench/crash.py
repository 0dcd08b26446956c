"""kill -9 `reports index` at every crash point and at random moments, then
check what each kill left and how the rerun recovered. Prints a table.

    python bench/crash.py [--docs 300] [--random 10] [--seed 7] [--keep DIR]

The scenario (harness/crash.py): an index of --docs generated reports
plus five small incremental runs (so Whoosh has segments to merge), then the
corpus changes (5 % deleted, 10 % changed, 15 % added) and an update to it is
killed. After each kill a fresh reader must see exactly the old or exactly
the new state; the rerun must equal a `--rebuild` of the new corpus (ids and
hashes in docs.json and in Whoosh, search results with scores, no leftover
generation folders) and a reader opened before the rerun must follow it.
Not part of the test run; tests/test_crash.py runs a dozen of these cases.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repo root first: its search/, harness/

from harness.crash import (
    POINTS,
    CaseResult,
    build_scenario,
    crash_case,
    expected_state,
    random_delays,
    run_index,
)

DEADLINE_SECONDS = 3600  # the whole run: no case may loop for ever


def cases(changed: int) -> list[tuple[str, int, bool]]:
    """(crash point, jobs, --rebuild) for every point in POINTS, "reading" both
    in a worker and in the main process, "adding" at the first and the middle
    report, and the merge points of a `--rebuild` too (it merges with CLEAR)."""
    out = []
    for name in POINTS:
        if name == "reading":
            out += [(f"reading:{changed // 4}", 2, False), (f"reading:{changed // 2}", 1, False)]
        elif name == "adding":
            out += [("adding:1", 2, False), (f"adding:{changed // 2}", 2, False)]
        else:
            out.append((name, 2, False))
    out += [("merge", 2, True), ("segment-written", 2, True), ("committed", 2, True)]
    return out


def first_note(output: str) -> str:
    """What the rerun said about the recovery (its first lines before the summary)."""
    said = [line for line in output.splitlines()
            if line.startswith(("cleared", "removed", "rebuilt", "switched"))]
    return " / ".join(said) if said else "—"


def row(r: CaseResult, expected: str | None) -> str:
    ok = (r.state in ("old", "new") and (expected is None or r.state == expected)
          and r.rerun_code == 0 and r.equals_rebuild)
    state = r.state if expected is None or r.state == expected else f"{r.state} (expected {expected})"
    return (f"| {r.point} | {r.jobs} | {'yes' if r.killed else 'finished first'} | {state} | "
            f"{r.recovery_seconds:.2f} | {'yes' if r.equals_rebuild else 'NO: ' + r.mismatch} | "
            f"{first_note(r.rerun_output)} | {'ok' if ok else 'FAIL'} |")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=300, help="reports in the old index (default 300)")
    ap.add_argument("--random", type=int, default=10, help="external kills at random moments")
    ap.add_argument("--seed", type=int, default=7, help="seed of the random kill times")
    ap.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temporary one)")
    args = ap.parse_args(argv)
    if os.name == "nt":
        print("kill -9 is POSIX: run this on Linux or macOS")
        return 2
    work = args.keep or Path(tempfile.mkdtemp(prefix="crash-bench-"))
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    started = time.monotonic()
    try:
        deleted, changed, added = args.docs // 20, args.docs // 10, args.docs * 3 // 20
        t = time.perf_counter()
        scenario = build_scenario(work, old_docs=args.docs, batches=5, batch_size=3,
                                  deleted=deleted, changed=changed, added=added)
        print(f"scenario: {scenario.old.reports} reports indexed, then {deleted} deleted, "
              f"{changed} changed, {added} added -> {scenario.new.reports} "
              f"({time.perf_counter() - t:.1f} s to set up)")

        clean = work / "clean-update"
        shutil.copytree(scenario.old_index, clean)
        t = time.perf_counter()
        done = run_index(scenario.corpus, clean)
        update_seconds = time.perf_counter() - t
        assert done.returncode == 0, done.stderr
        print(f"a clean update takes {update_seconds:.2f} s (random kills fall in 0.2 s .. that)\n")

        print("| kill | jobs | killed | state after the kill | rerun s | rerun = rebuild | the rerun said | |")
        print("|---|---|---|---|---|---|---|---|")
        failures = total = 0
        plan = [(p, j, rb, None) for p, j, rb in cases(changed + added)]
        plan += [(None, 2, False, d) for d in random_delays(args.random, 0.2, update_seconds, args.seed)]
        for point, jobs, rebuild, delay in plan:
            if time.monotonic() - started > DEADLINE_SECONDS:
                print(f"stopped: over {DEADLINE_SECONDS} s")
                failures += 1
                break
            r = crash_case(scenario, point, jobs, kill_after=delay, rebuild=rebuild)
            expected = expected_state(point) if point else None
            line = row(r, expected)
            print(line, flush=True)
            total += 1
            failures += line.endswith("FAIL |")
        print(f"\n{total - failures} of {total} kills recovered to exactly a rebuild, "
              f"old or new state after every kill; {time.monotonic() - started:.0f} s in all")
        return 1 if failures else 0
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
