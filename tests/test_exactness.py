"""Property: phrase totals and search matches equal plain substring counting."""
from __future__ import annotations

from harness.samples import random_substrings
from search.analysis import fold
from search.phrase import lookup


def test_random_substrings_count_exactly(library, cleaned_seeds):
    texts = list(cleaned_seeds.values())
    folded = {name: fold(t) for name, t in cleaned_seeds.items()}
    for piece in random_substrings(texts, 400):
        needle = fold(piece)
        expected = sum(t.count(needle) for t in folded.values())
        expected_reports = {name for name, t in folded.items() if needle in t}
        result = lookup(library, piece, per_page=1)
        assert result.total_occurrences == expected, piece
        assert result.total_reports == len(expected_reports), piece
        # As a keyword query a piece is its literal text unless it holds query syntax: spaces, a
        # leading minus, field colons, quotes of either width (“” as IMEs type them), OR.
        if not any(c in piece for c in ' :"“”') and not piece.startswith("-") and piece != "OR":
            hits = library.search(piece, per_page=10)
            assert {h.id for h in hits.hits} == expected_reports, piece


def test_absent_strings_never_match(library):
    for piece in ["党建工作会议纪要", "区块链", "元宇宙", "压实压紧", "一网统建"]:
        assert lookup(library, piece).total_occurrences == 0
        assert library.search(piece).total == 0
