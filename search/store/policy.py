"""Which segments to merge after a run: size tiers, as Lucene's tiered policy.

A segment is sized by its live characters. Segments within a factor of
TIER_FACTOR of each other form a tier; a tier with SEGMENTS_PER_TIER or more
is merged into one segment (as many at once as fit under the caps), so an
index that grows by small runs keeps O(log) segments and each report is
rewritten O(log) times. A segment with more than EXPUNGE_SHARE of its
reports deleted is rewritten on its own, so dead reports never hold much
of the disk. Full segments (half the cap or more) are otherwise left alone.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from .builder import MAX_DOCS
from .suffix import MAX_CHARS

SEGMENTS_PER_TIER = 8
TIER_FACTOR = 8
FLOOR_CHARS = 1 << 20
EXPUNGE_SHARE = 0.10


@dataclass(frozen=True)
class SegmentSize:
    docs: int          # all, deleted included
    live_docs: int
    live_chars: int    # characters of the live reports' texts, separators included

    @property
    def full(self) -> bool:
        return self.live_chars >= MAX_CHARS // 2 or self.live_docs >= MAX_DOCS // 2


def plan(sizes: list[SegmentSize]) -> list[list[int]]:
    """Groups of segment positions to merge, each group into one new segment."""
    merges: list[list[int]] = []
    tiers: dict[int, list[int]] = {}
    for i, s in enumerate(sizes):
        if s.docs and not s.full:
            tier = int(math.log(max(s.live_chars, FLOOR_CHARS) / FLOOR_CHARS, TIER_FACTOR))
            tiers.setdefault(tier, []).append(i)
    for members in tiers.values():
        if len(members) < SEGMENTS_PER_TIER:
            continue
        members.sort(key=lambda i: sizes[i].live_chars)
        group, chars, docs = [], 0, 0
        for i in members:
            s = sizes[i]
            if group and (chars + s.live_chars > MAX_CHARS or docs + s.live_docs > MAX_DOCS):
                if len(group) > 1:
                    merges.append(group)
                group, chars, docs = [], 0, 0
            group.append(i)
            chars += s.live_chars
            docs += s.live_docs
        if len(group) > 1:
            merges.append(group)
    merged = {i for g in merges for i in g}
    for i, s in enumerate(sizes):
        if i not in merged and s.docs and s.live_docs < s.docs * (1 - EXPUNGE_SHARE):
            merges.append([i])  # rewritten alone; with no live report left, only dropped
    return merges
