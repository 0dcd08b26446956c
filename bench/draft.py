"""草稿比对 timings: drafts of about 5 000 characters checked against a built index.

    python -m harness.corpus --docs 10000 --out /tmp/corpus-10000
    reports index /tmp/corpus-10000 --index /tmp/index-10000
    python bench/draft.py --index /tmp/index-10000 [--drafts 10] [--chars 5000]

Each draft is made from the library as the tests make theirs: 30 % of its
sentences copied verbatim from random reports, 20 % copied and then edited
once (a figure changed, a word replaced, punctuation changed), 50 % made up
(two library sentences spliced at a comma, or invented; either checked to
occur nowhere in the library). Prints the time of
the first check (cold: the index's pages not yet read) and the median and
worst of the next ones (warm, as in a running server), and how many planted
sentences were reported as found (copied or 套话) by kind. The CPU time
(this process's) tells how much of a wall time was waiting for a core on a
machine busy with other work. In a generated
corpus nearly every sentence recurs in thousands of reports, so most copies
come out as 套话: the worst case for the check's cost, not a realistic mix
of classes.
"""
from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repo root first: its search/, harness/

from search import analysis, draft, matching
from search.draft_match import core_bounds, words_only
from search.searcher import Library

SWAPS = ["工作", "事业", "任务", "能力", "水平", "质量", "机制", "体系", "成效", "作用"]
PLACES = ["桂花", "荷塘", "雁门", "鹿鸣", "龙潭", "凤岭", "茶山", "松溪"]
TOPICS = ["冬季护林防火", "农村饮水安全", "老旧小区加装电梯", "校园周边交通秩序", "古树名木保护", "渔船安全生产"]


def library_sentences(library: Library, rng: random.Random, reports: int = 200) -> list[str]:
    snap = library.snapshot()
    docs = [d for d in rng.sample(range(snap.n), min(snap.n, reports * 2)) if snap.indexed[d]][:reports]
    out = []
    for d in docs:
        text = snap.text(d)
        starts, ends = analysis.sentence_spans(analysis.fold(text))
        out += [text[s:e].strip() for s, e in zip(starts.tolist(), ends.tolist(), strict=True)
                if len(words_only(text[s:e])) >= 14 and text[e - 1] in "。！？；"]
    return out


def edit(sentence: str, rng: random.Random) -> str:
    digits = list(re.finditer(r"\d+", sentence))
    kind = rng.choice(["word", "punctuation"] + (["figure"] if digits else []))
    if kind == "figure":
        m = rng.choice(digits)
        return sentence[:m.start()] + str(int(m.group()) + rng.randrange(1, 9)) + sentence[m.end():]
    if kind == "word":
        words = [w for w in analysis.segmenter().cut(sentence) if len(w) == 2 and re.fullmatch(r"\w+", w)]
        if len(words) > 2:
            w = rng.choice(words[1:-1])
            at = sentence.index(w)
            return sentence[:at] + rng.choice([s for s in SWAPS if s != w]) + sentence[at + 2:]
    commas = [m.start() for m in re.finditer("，", sentence)]
    if commas:
        at = rng.choice(commas)
        return sentence[:at] + rng.choice(["、", "；", ""]) + sentence[at + 1:]
    return sentence[:-1] + "！"


def made_up(pool: list[str], rng: random.Random) -> str:
    a, b = rng.sample(pool, 2)
    ca, cb = re.split("(?<=，)", a.rstrip("。；！？")), re.split("(?<=，)", b)
    if rng.random() < 0.5 and len(ca) > 1 and len(cb) > 1:
        head, tail = "".join(ca[:len(ca) // 2]), "".join(cb[len(cb) // 2:])
        if 0.3 < len(head) / (len(head) + len(tail)) < 0.6:  # neither half is most of it
            return head + tail
    return (f"{rng.choice(PLACES)}{rng.choice('镇乡村')}围绕{rng.choice(TOPICS)}，组织{rng.randrange(2, 90)}名干部"
            f"{rng.choice(['下沉一线', '包村到户', '轮班值守'])}，化解问题{rng.randrange(3, 300)}条。")


def absent(library: Library, sentence: str) -> bool:
    """Whether the library holds the sentence nowhere (two halves spliced may make one it has)."""
    a, b = core_bounds(analysis.fold(sentence))
    return not len(matching.find(library.snapshot(), analysis.fold(sentence)[a:b]).docs)


def make_draft(library: Library, pool: list[str], rng: random.Random,
               chars: int) -> tuple[str, list[tuple[str, str]]]:
    planted: list[tuple[str, str]] = []
    size = 0
    while size < chars:
        r = rng.random()
        if r < 0.3:
            s, kind = rng.choice(pool), "verbatim"
        elif r < 0.5:
            s, kind = edit(rng.choice(pool), rng), "edited"
        else:
            s, kind = made_up(pool, rng), "new"
            while not absent(library, s):
                s = made_up(pool, rng)
        planted.append((s, kind))
        size += len(s)
    lines, i = ["关于2024年工作情况的汇报"], 0
    while i < len(planted):
        n = rng.randrange(2, 6)
        lines.append("".join(s for s, _ in planted[i:i + n]))
        i += n
    return "\n".join(lines), planted


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--drafts", type=int, default=10)
    ap.add_argument("--chars", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    library = Library(args.index)
    snap = library.snapshot()
    rng = random.Random(args.seed)
    pool = library_sentences(library, rng)
    drafts = [make_draft(library, pool, rng, args.chars) for _ in range(args.drafts + 1)]
    found = {"verbatim": [0, 0], "edited": [0, 0], "new": [0, 0]}
    classes = {c: 0 for c in draft.CLASSES}
    times, cpu = [], []
    for text, planted in drafts:
        started, started_cpu = time.perf_counter(), time.process_time()
        result = draft.check(library, text)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        for s in result.sentences:
            classes[s.cls] += 1
        for sentence, kind in planted:
            a = result.text.find(sentence)
            hit = any(s.cls != "new" for s in result.sentences if a <= s.offset < a + len(sentence))
            found[kind][0] += hit
            found[kind][1] += 1
    cold, warm = times[0], times[1:]
    print(f"{snap.report_count} reports in {len(snap.parts)} segments; {args.drafts} drafts of "
          f"{statistics.mean(len(t) for t, _ in drafts):.0f} characters, "
          f"{statistics.mean(len(p) for _, p in drafts):.0f} sentences")
    print("| index | first check (cold) s | warm median s | warm max s | warm median CPU s |")
    print("|---|---|---|---|---|")
    print(f"| {snap.report_count} reports | {cold:.2f} | {statistics.median(warm):.2f} | {max(warm):.2f} "
          f"| {statistics.median(cpu[1:]):.2f} |")
    print("found (copied or 套话): " + ", ".join(f"{k} {a}/{n} ({a / n:.1%})" for k, (a, n) in found.items()))
    print("classes: " + ", ".join(f"{k} {n}" for k, n in classes.items()))


if __name__ == "__main__":
    main()
