"""Precision and recall of near-duplicate grouping (search/dedup.py).

    python bench/dedup.py --docs 10000

Positives: harness/corpus.py makes about 5 % of its reports as adapted
copies of another (1–4 sentences rewritten, the title's year sometimes
changed, other noise). Reports adapted from the same draft belong together.
Negatives that are hard: every other pair, and also --templated reports
written from one template that differ only in place names, years and
figures (the way a county's offices write the same kind of report), which a
drafter counts as different reports.

Prints pair precision and recall for the corpus and the false pairs among the
templated reports, for the threshold in use and a few others.
"""
from __future__ import annotations

import argparse
import itertools
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repo root first: its search/, harness/

from corpus_cache import ensure_cleaned, ensure_corpus, texts_dir

from harness import corpus as make_corpus
from search import dedup
from search.analysis import fold


def adapted_from(docs: int, seed: int) -> dict[int, int]:
    """Report number -> the draft it was adapted from (as make_corpus decides).
    A report adapted from draft s joins the group of s's own draft, which is
    report s only when s was not itself adapted."""
    origin = {}
    for i in range(docs):
        r = make_corpus.doc_rng(seed, i, "kind")
        if i > 20 and r.random() < 0.05:
            origin[i] = r.randrange(i)
    return origin


def pairs_of(labels) -> set[tuple[int, int]]:
    members = defaultdict(list)
    for i, label in enumerate(labels):
        members[label].append(i)
    return {p for m in members.values() for p in itertools.combinations(m, 2)}


def templated(count: int, seed: int) -> list[str]:
    """Reports from one template: other places, years and figures only."""
    r = random.Random(seed)
    places = [a + b for a in "东西南北青白红金石柳松云梅竹桃" for b in ("湖", "岭", "川", "塘", "山")]
    out = []
    for _ in range(count):
        p, y, n = r.choice(places), r.randrange(2018, 2025), [r.randrange(3, 300) for _ in range(8)]
        out.append(
            f"按照上级部署，现将{y}年{p}镇基层党建和组织建设工作情况报告如下。一、主要做法。"
            f"（一）压紧压实责任，党建工作有力有序。一是健全责任体系。{p}镇党委把组织建设摆在突出位置，"
            f"逐级签订党建工作责任书{n[0]}份，确保责任压紧压实、任务落地见效。二是强化督促检查。坚持每季度"
            f"开展一次党建工作督查，发现问题{n[1]}个，全部整改到位。（二）夯实基层基础，组织建设全面进步。"
            f"一是规范组织生活。严格落实“三会一课”制度，开展主题党日活动{n[2]}次。二是加强阵地建设。新建改建"
            f"党群服务中心{n[3]}个，组织建设基础更加牢固。三是抓好队伍建设。培训党务干部{n[4]}人次，党建工作"
            f"能力明显提升。二、存在的问题。一是{p}镇组织建设发展还不平衡，个别党组织作用发挥不充分；二是党建"
            f"工作与中心工作融合还不够紧密。三、下一步打算。{y + 1}年，我们将继续压紧压实党建责任，"
            f"以高质量组织建设推动高质量发展，全年计划发展党员{n[5]}名，整顿软弱涣散党组织{n[6]}个。")
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--templated", type=int, default=300, help="templated reports (hard negatives)")
    args = ap.parse_args(argv)

    corpus = ensure_corpus(args.docs, args.seed)
    cleaned, manifest_file = ensure_cleaned(corpus, args.docs)
    import json
    manifest = json.loads(manifest_file.read_text("utf-8"))
    number = {d["id"]: int(d["id"].split("_")[0]) for d in manifest["docs"]}  # copies left out
    origin = adapted_from(args.docs, args.seed)

    started = time.perf_counter()
    ids = [d["id"] for d in manifest["docs"]]
    raw = texts_dir(cleaned, folded=False)
    sketches = np.array([dedup.sketch(fold((raw / i).read_text("utf-8").partition("\n")[2])) for i in ids])
    sketch_ms = (time.perf_counter() - started) * 1000 / len(ids)
    truth = pairs_of([origin.get(number[i], number[i]) for i in ids])
    negatives = np.array([dedup.sketch(fold(t)) for t in templated(args.templated, args.seed)])

    print(f"{len(ids)} distinct reports ({manifest.get('copies', 0)} exact copies left out), "
          f"{len(truth)} near-duplicate pairs; {args.templated} templated reports; "
          f"sketch {sketch_ms:.2f} ms a report")
    print("| SIMILAR | found pairs | precision | recall | templated pairs grouped | grouping ms |")
    print("|---|---|---|---|---|---|")
    chosen = dedup.SIMILAR
    for threshold in sorted({0.8, 0.85, chosen, 0.9, 0.95}):
        dedup.SIMILAR = threshold
        started = time.perf_counter()
        groups = dedup.groups(sketches, np.ones(len(ids), dtype=bool))
        ms = (time.perf_counter() - started) * 1000
        found = pairs_of(groups.tolist())
        right = len(found & truth)
        false_templated = len(pairs_of(dedup.groups(negatives, np.ones(len(negatives), bool)).tolist()))
        mark = " (in use)" if threshold == chosen else ""
        print(f"| {threshold}{mark} | {len(found)} | {right / max(1, len(found)):.3f} | "
              f"{right / max(1, len(truth)):.3f} | {false_templated} | {ms:.0f} |")
    dedup.SIMILAR = chosen


if __name__ == "__main__":
    main()
