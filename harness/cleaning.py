"""What every cleaning test checks (tests/test_clean*.py): the cleaner only
deletes, the spans it reports deleted rebuild its text exactly, and its lines
are whole, trimmed and single-spaced."""
from __future__ import annotations

import itertools

from search.clean import RemovedSpan, Report, clean


def apply_deletions(text: str, removed: list[RemovedSpan]) -> str:
    out, pos = [], 0
    for span in removed:
        out.append(text[pos : span.start])
        pos = span.end
    return "".join(out) + text[pos:]


def check_invariants(text: str, report: Report) -> None:
    assert apply_deletions(text, report.removed) == report.text
    ends = [(s.start, s.end) for s in report.removed]
    assert all(s < e for s, e in ends) and all(a[1] <= b[0] for a, b in itertools.pairwise(ends))
    lines = report.text.split("\n") if report.text else []
    assert all(line and line == line.strip() for line in lines)
    assert report.text.splitlines() == lines
    assert report.paragraphs == lines[1:]
    assert report.title == (lines[0] if lines else "")
    assert "  " not in report.text


def cleaned(text: str) -> str:
    report = clean(text)
    check_invariants(text, report)
    return report.text
