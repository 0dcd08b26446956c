"""Per-generation arrays that make queries fast, written beside the Whoosh index.

- character unigram/bigram postings (docs): which reports can contain a
  string — exact for 1–2 characters, confirmed with `in` above that;
- jieba word postings (doc, tf in body / title / headings) for BM25F ranking;
- each report's sentences (start, length, key) and, per sentence key, the
  reports holding it: how phrase lookup counts copied lines;
- the cleaned texts in one UTF-8 blob, decoded per report on demand;
- duplicates: a copy (the same cleaned text as a report already indexed) is
  listed in docs.json with `copy_of` and has no text or postings of its own;
  each report's shingle sketch, and its near-duplicate group (dedup.py).

A generation is a folder `gen-<n>` made once and never changed; `CURRENT`
names the live one. The indexer makes generation n+1 from generation n by
dropping changed reports' rows and appending the new ones, so an update
costs a merge of sorted arrays, not a re-analysis of the library.
"""
from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import dedup, faults
from .analysis import ANALYZER_VERSION, USER_DICT_NAME as USER_DICT, fold, word_key

CURRENT = "CURRENT"
FORMAT = 6  # bump when the files of a generation change
FIELDS = ("body", "title", "headings")


@dataclass
class DocRecord:
    """Everything the index keeps of one report, made by the analysis step."""
    id: str
    hash: str
    size: int
    title: str
    subtitle: str
    text: str                       # cleaned: title line, then paragraphs
    year: int | None
    period: str
    doc_type: str
    level: str
    outline: list[tuple[int, str, int]]   # (depth, text, offset in text)
    sentence_starts: np.ndarray     # int32 offsets in text, in order (analysis.sentences)
    sentence_lengths: np.ndarray    # int32
    sentence_keys: np.ndarray       # uint64: identical sentences share a key
    word_keys: np.ndarray           # uint64 sorted: analysis.word_key of each distinct word
    word_tf: np.ndarray             # uint16 (3, len(word_keys)): body, title, headings
    lengths: tuple[int, int, int]   # word counts of body, title, headings
    gram_keys: np.ndarray           # uint64, sorted unique
    text_hash: str = ""             # dedup.text_hash(text): equal for copies
    sketch: np.ndarray | None = None  # dedup.sketch of the folded body

    def meta(self) -> dict:
        return {"id": self.id, "hash": self.hash, "size": self.size,
                "title": self.title, "subtitle": self.subtitle, "year": self.year, "period": self.period,
                "type": self.doc_type, "level": self.level,
                "outline": self.outline, "lengths": list(self.lengths),
                "text_hash": self.text_hash}


# ------------------------------------------------------------------ reading

class OldFormat(Exception):
    pass


class Generation:
    """One immutable, loaded generation. Thread-safe for reading."""

    def __init__(self, folder: Path):
        self.folder = folder
        info = json.loads((folder / "info.json").read_text("utf-8"))
        if info.get("format") != FORMAT:
            raise OldFormat(f"the index at {folder.parent}/ was written by another version "
                            "of Report Search — run `reports index` to rebuild it")
        self.number: int = info["generation"]
        self.whoosh_generation: int = info["whoosh_generation"]
        self.fingerprint: str = info["fingerprint"]
        # The user dictionary the words were cut with; queries must cut alike.
        self.user_dict: Path | None = folder / USER_DICT if (folder / USER_DICT).is_file() else None
        self.docs: list[dict] = json.loads((folder / "docs.json").read_text("utf-8"))
        self.n = len(self.docs)
        self.position = {d["id"]: i for i, d in enumerate(self.docs)}
        # A copy reads its text from the report it copies (its source).
        self.source = copy_sources(self.docs)
        self.indexed = self.source == np.arange(self.n)  # has postings of its own
        self.copies_of: dict[int, list[int]] = {}
        for i in np.flatnonzero(~self.indexed).tolist():
            self.copies_of.setdefault(int(self.source[i]), []).append(i)
        self._source = self.source.tolist()  # for text(): a list index is cheaper than numpy's
        self.copy_count = self.n - int(self.indexed.sum())
        self.years = np.array([d["year"] or 0 for d in self.docs], dtype=np.int32)
        lengths = np.array([d["lengths"] for d in self.docs], dtype=np.float64).reshape(-1, 3)
        self.lengths = lengths.T  # (3, n)
        self.avg_lengths = (np.maximum(self.lengths[:, self.indexed].mean(axis=1), 1.0)
                            if self.n else np.ones(3))

        load = lambda name: np.load(folder / f"{name}.npy", mmap_mode="r")
        self.gram_keys = load("gram_keys")
        self.gram_starts = load("gram_starts")
        self.gram_docs = load("gram_docs")
        self.word_keys = load("word_keys")
        self.word_starts = load("word_starts")
        self.word_docs = load("word_docs")
        self.word_tf = load("word_tf")  # (3, rows)
        # Each report's sentences in text order (rows sentence_ptr[d]:sentence_ptr[d+1]),
        # and postings from a sentence's key to the reports holding it.
        self.sentence_ptr = load("sentence_ptr")
        self.sentence_starts = load("sentence_starts")
        self.sentence_lengths = load("sentence_lengths")
        self.sentence_keys = load("sentence_keys")
        self.copy_keys = load("copy_keys")
        self.copy_starts = load("copy_starts")
        self.copy_docs = load("copy_docs")
        self.copy_tf = load("copy_tf")
        self.text_offsets = load("text_offsets")
        self.sketches = load("sketches")
        self.group = load("groups")    # near-duplicate group: its smallest position
        self._blob = np.memmap(folder / "text.bin", dtype=np.uint8, mode="r") \
            if (folder / "text.bin").stat().st_size else np.zeros(0, np.uint8)
        self._texts: list[str | None] = [None] * self.n
        self._folded: list[str | None] = [None] * self.n
        self._categories: dict[str, tuple[np.ndarray, list[str]]] = {}
        self._titles: list[str] | None = None
        self.derived: dict = {}         # what the searcher computes once per generation
        self.retired = False            # set when a newer generation is in use
        self._headings: list[str] | None = None

    def text(self, i: int) -> str:
        i = self._source[i]
        t = self._texts[i]
        if t is None:
            a, b = self.text_offsets[i], self.text_offsets[i + 1]
            t = bytes(self._blob[a:b]).decode("utf-8")
            self._texts[i] = t
        return t

    def folded(self, i: int) -> str:
        i = self._source[i]
        f = self._folded[i]
        if f is None:
            f = self._folded[i] = fold(self.text(i))
        return f

    def warm(self) -> None:
        """Decode and fold every text now rather than on first use (stopping
        if a newer generation replaces this one meanwhile)."""
        for i in np.flatnonzero(self.indexed).tolist():
            if self.retired:
                return
            self.folded(i)

    def categories(self, key: str) -> tuple[np.ndarray, list[str]]:
        """Per-report codes and their names for a facet ("year", "type", "level")."""
        cached = self._categories.get(key)
        if cached is None:
            values = [str(d[key] or "") for d in self.docs]
            names = sorted(set(values))
            index = {name: i for i, name in enumerate(names)}
            cached = (np.array([index[v] for v in values], dtype=np.int32), names)
            self._categories[key] = cached
        return cached

    def folded_titles(self) -> list[str]:
        if self._titles is None:
            self._titles = [fold(d["title"]) for d in self.docs]
        return self._titles

    def folded_headings(self) -> list[str]:
        if self._headings is None:
            self._headings = [fold("\n".join(h[1] for h in d["outline"])) for d in self.docs]
        return self._headings

    def group_members(self) -> dict[int, np.ndarray]:
        """Each near-duplicate group of two or more reports: its members
        (copies are shown with their source, so left out)."""
        groups = self.derived.get("group_members")
        if groups is None:
            order = np.flatnonzero(self.indexed)
            order = order[np.argsort(np.asarray(self.group)[order], kind="stable")]
            keys, starts = np.unique(np.asarray(self.group)[order], return_index=True)
            ends = np.append(starts[1:], len(order))
            groups = self.derived["group_members"] = {
                int(k): order[a:b] for k, a, b in zip(keys, starts, ends) if b - a > 1}
        return groups

    def similar(self, d: int, among: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The other members of d's near-duplicate group (those in `among`, a
        mask, when given), with their estimated overlap with d, closest first."""
        members = self.group_members().get(int(self.group[d]))
        if members is None:
            return []
        members = members[(members != d) & (among[members] if among is not None else True)]
        overlap = dedup.similarity(self.sketches[d:d + 1], self.sketches[members])
        order = np.argsort(-overlap, kind="stable")
        return [(int(members[i]), float(overlap[i])) for i in order]

    def gram_postings(self, key: int) -> np.ndarray:
        """Docs containing a character gram."""
        a, b = _run(self.gram_keys, self.gram_starts, key)
        return self.gram_docs[a:b]

    def sentence_at(self, d: int, offset: int) -> tuple[int, int, int]:
        """(start, length, key) of report d's sentence holding `offset`,
        or (offset, 0, 0) when it falls between sentences (a line end)."""
        a, b = int(self.sentence_ptr[d]), int(self.sentence_ptr[d + 1])
        i = a + int(np.searchsorted(self.sentence_starts[a:b], offset, side="right")) - 1
        if i >= a:
            start, length = int(self.sentence_starts[i]), int(self.sentence_lengths[i])
            if offset < start + length:
                return start, length, int(self.sentence_keys[i])
        return offset, 0, 0

    def copies(self, key: int) -> tuple[np.ndarray, np.ndarray]:
        """Reports holding a sentence, and how many times each."""
        a, b = _run(self.copy_keys, self.copy_starts, key)
        return self.copy_docs[a:b], self.copy_tf[a:b]

    def word_postings(self, word: str) -> tuple[np.ndarray, np.ndarray]:
        """Docs containing a word, and its (3, k) counts in body, title, headings."""
        a, b = _run(self.word_keys, self.word_starts, word_key(word))
        return self.word_docs[a:b], self.word_tf[:, a:b]


def copy_sources(docs: list[dict]) -> np.ndarray:
    """Position of the report each entry of docs.json reads its text from:
    its own, or for a copy (`copy_of`) that of the report it copies."""
    position = {d["id"]: i for i, d in enumerate(docs)}
    return np.array([position[d.get("copy_of") or d["id"]] for d in docs], dtype=np.int64)


def _run(keys: np.ndarray, starts: np.ndarray, key: int) -> tuple[int, int]:
    """The rows of `key` in postings sorted by key (empty when absent)."""
    i = int(np.searchsorted(keys, np.uint64(key)))
    if i == len(keys) or int(keys[i]) != key:
        return 0, 0
    return int(starts[i]), int(starts[i + 1])


def current_pointer(index_dir: Path) -> tuple[str, Path] | None:
    """CURRENT's content and the generation folder it names. The content
    carries a token new at every publish, so a rebuilt index whose folder
    name repeats (gen-1 again) is still told apart."""
    try:
        pointer = (index_dir / CURRENT).read_text("utf-8")
    except OSError:
        return None
    folder = index_dir / pointer.split()[0] if pointer.strip() else None
    return (pointer, folder) if folder and (folder / "info.json").is_file() else None


def current_folder(index_dir: Path) -> Path | None:
    found = current_pointer(index_dir)
    return found[1] if found else None


# ------------------------------------------------------------------ writing

def _group_starts(sorted_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unique keys of a sorted array and the start of each key's run."""
    if len(sorted_keys) == 0:
        return sorted_keys[:0], np.zeros(1, np.int64)
    bounds = np.flatnonzero(sorted_keys[1:] != sorted_keys[:-1]) + 1
    starts = np.concatenate([[0], bounds, [len(sorted_keys)]]).astype(np.int64)
    return sorted_keys[starts[:-1]], starts


class GenerationWriter:
    """Writes generation `number` = `base` minus `drop` plus the added records.

    Records are streamed in (`add`): each one's text goes straight to disk and
    only its postings arrays are kept, so memory holds no texts. `finish`
    merges the postings and renames the folder into place; until then nothing
    a reader looks at has changed."""

    def __init__(self, index_dir: Path, number: int, base: Generation | None, drop: set[str]):
        self.index_dir, self.number, self.base = index_dir, number, base
        self.tmp = index_dir / f".gen-{number}.tmp"
        shutil.rmtree(self.tmp, ignore_errors=True)
        self.tmp.mkdir(parents=True)

        self.keep = np.ones(base.n if base else 0, dtype=bool)
        for doc_id in drop:
            if base is not None and doc_id in base.position:
                self.keep[base.position[doc_id]] = False
        self.docs = [d for d, k in zip(base.docs, self.keep) if k] if base else []
        orphans = [d["id"] for d in self.docs if d.get("copy_of") in drop]
        if orphans:  # the indexer re-reads these: their text went with their source
            raise ValueError(f"copies kept whose source is dropped: {orphans[:3]}")
        # The report each cleaned text is indexed under, for spotting copies.
        self.indexed_as = {d["text_hash"]: d["id"] for d in self.docs if d.get("copy_of") is None}
        self.sketches = [np.asarray(base.sketches)[self.keep]] if base else []
        self.new_grams: list[np.ndarray] = []
        self.new_words: list[tuple[np.ndarray, np.ndarray]] = []
        self.new_sentences: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

        self._text = open(self.tmp / "text.bin", "wb")
        self._offsets = [0]
        if base is not None:  # kept texts are copied as bytes, never decoded
            for i in np.flatnonzero(self.keep):
                a, b = int(base.text_offsets[i]), int(base.text_offsets[i + 1])
                self._write_text(bytes(base._blob[a:b]))

    def _write_text(self, data: bytes) -> None:
        self._text.write(data)
        self._offsets.append(self._offsets[-1] + len(data))

    def add(self, record: DocRecord) -> str | None:
        """Add a report; a copy of one already indexed is listed with no text or
        postings of its own. Returns the id of the report it copies, if any."""
        meta = record.meta()
        source = self.indexed_as.get(record.text_hash)
        self.sketches.append(record.sketch[None, :])
        if source is not None:
            meta["copy_of"] = source
            self.docs.append(meta)
            self._write_text(b"")
            self.new_grams.append(np.zeros(0, np.uint64))
            self.new_words.append((np.zeros(0, np.uint64), np.zeros((len(FIELDS), 0), np.uint16)))
            empty = np.zeros(0, np.int32)
            self.new_sentences.append((empty, empty, np.zeros(0, np.uint64)))
            return source
        self.indexed_as[record.text_hash] = record.id
        self._write_text(record.text.encode("utf-8"))
        self.docs.append(meta)
        self.new_grams.append(record.gram_keys)
        self.new_words.append((record.word_keys, record.word_tf))
        self.new_sentences.append((record.sentence_starts, record.sentence_lengths, record.sentence_keys))
        return None

    def finish(self, whoosh_generation: int, fingerprint: str, user_dict: Path | None) -> Path:
        self._text.close()
        tmp, base = self.tmp, self.base
        np.save(tmp / "text_offsets.npy", np.array(self._offsets, dtype=np.int64))
        remap = np.cumsum(self.keep, dtype=np.int64) - 1  # old position -> new position
        first_new = int(self.keep.sum())
        old = base and (base.gram_keys, base.gram_starts, base.gram_docs)
        for part, array in zip(("keys", "starts", "docs"),
                               _merge_grams(old, self.keep, remap, self.new_grams, first_new)):
            np.save(tmp / f"gram_{part}.npy", array)
        old = base and (base.word_keys, base.word_starts, base.word_docs, base.word_tf)
        for part, array in zip(("keys", "starts", "docs", "tf"),
                               _merge_keyed(old, self.keep, remap, self.new_words, first_new, len(FIELDS))):
            np.save(tmp / f"word_{part}.npy", array)
        self._finish_sentences(tmp, remap, first_new)
        self._finish_groups(tmp)

        if user_dict is not None:
            shutil.copyfile(user_dict, tmp / USER_DICT)
        (tmp / "docs.json").write_text(json.dumps(self.docs, ensure_ascii=False), "utf-8")
        info = {"format": FORMAT, "generation": self.number, "whoosh_generation": whoosh_generation,
                "fingerprint": fingerprint, "analyzer_version": ANALYZER_VERSION,
                "reports": len(self.docs)}
        (tmp / "info.json").write_text(json.dumps(info), "utf-8")

        final = self.index_dir / f"gen-{self.number}"
        shutil.rmtree(final, ignore_errors=True)
        os.replace(tmp, final)
        return final

    def _finish_sentences(self, tmp: Path, remap: np.ndarray, first_new: int) -> None:
        """Per-report sentence tables (kept rows, then new ones) and the copy
        postings: sentence key -> reports and counts."""
        base, keep = self.base, self.keep
        parts = {"starts": [], "lengths": [], "keys": []}
        counts = []
        if base is not None and base.n:
            per_doc = np.diff(base.sentence_ptr)
            rows = np.repeat(keep, per_doc)
            for name in parts:
                parts[name].append(np.asarray(getattr(base, f"sentence_{name}"))[rows])
            counts.append(per_doc[keep])
        copies = []
        for starts, lengths, keys in self.new_sentences:
            parts["starts"].append(starts)
            parts["lengths"].append(lengths)
            parts["keys"].append(keys)
            counts.append(np.array([len(keys)]))
            unique, tf = np.unique(keys, return_counts=True)
            copies.append((unique, tf.astype(np.uint32)))
        self.new_sentences.clear()
        ptr = np.concatenate([[0], np.cumsum(np.concatenate(counts) if counts else [])]).astype(np.int64)
        np.save(tmp / "sentence_ptr.npy", ptr)
        for name, dtype in (("starts", np.int32), ("lengths", np.int32), ("keys", np.uint64)):
            array = np.concatenate(parts[name]).astype(dtype) if parts[name] else np.zeros(0, dtype)
            np.save(tmp / f"sentence_{name}.npy", array)
        old = base and (base.copy_keys, base.copy_starts, base.copy_docs, base.copy_tf)
        for part, array in zip(("keys", "starts", "docs", "tf"),
                               _merge_keyed(old, keep, remap, copies, first_new)):
            np.save(tmp / f"copy_{part}.npy", array)

    def _finish_groups(self, tmp: Path) -> None:
        """Sketches, and near-duplicate groups over the reports indexed (a
        copy joins its source's group)."""
        sketches = (np.concatenate(self.sketches) if self.sketches
                    else np.zeros((0, dedup.BINS), np.uint32))
        source = copy_sources(self.docs)
        groups = dedup.groups(sketches, source == np.arange(len(self.docs)))
        np.save(tmp / "sketches.npy", sketches)
        np.save(tmp / "groups.npy", groups[source])

    def abandon(self) -> None:
        self._text.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def publish(index_dir: Path, folder: Path) -> None:
    """Point CURRENT at `folder` (atomic rename) and prune old generations.
    The one it replaces stays for readers that are still loading it."""
    replaced = current_folder(index_dir)
    tmp = index_dir / f".{CURRENT}.tmp"
    tmp.write_text(f"{folder.name}\n{uuid.uuid4().hex}\n", "utf-8")
    os.replace(tmp, index_dir / CURRENT)
    faults.crash_point("published")
    prune_generations(index_dir, replaced)


def roll_forward(index_dir: Path, whoosh_generation: int) -> list[str]:
    """Publish the finished generation of a run killed after Whoosh's commit
    but before CURRENT was switched: it matches what Whoosh holds, so the
    run only lacked its last step. Only the holder of the index lock may call
    this. Returns a note when it did."""
    live = current_folder(index_dir)
    live_number = _generation_number(live) if live else -1
    newer = sorted(((n, p) for p in index_dir.glob("gen-*")
                    if p.is_dir() and (n := _generation_number(p)) is not None and n > live_number),
                   reverse=True)
    for _, folder in newer:
        try:
            info = json.loads((folder / "info.json").read_text("utf-8"))
        except (OSError, ValueError):
            continue
        if info.get("format") == FORMAT and info.get("whoosh_generation") == whoosh_generation:
            publish(index_dir, folder)
            return [f"switched to {folder.name}, which an interrupted run had finished but not switched to"]
    return []


def _generation_number(folder: Path) -> int | None:
    number = folder.name.removeprefix("gen-")
    return int(number) if folder.name.startswith("gen-") and number.isdigit() else None


def prune_generations(index_dir: Path, previous: Path | None = None) -> list[str]:
    """Remove every generation folder but the live one (CURRENT's) and the one
    before it (`previous`, or else the newest older one), which a reader may
    still be loading. Only the holder of the index lock may call this.

    Returns a note for each folder an interrupted run left: unfinished ones
    (`.gen-N.tmp`), finished but never published ones (newer than the live
    one), and old ones it had no time to prune."""
    live = current_folder(index_dir)
    live_number = _generation_number(live) if live else None
    gens = sorted((n, p) for p in index_dir.glob("gen-*")
                  if p.is_dir() and (n := _generation_number(p)) is not None)
    if previous is None and live_number is not None:
        older = [p for n, p in gens if n < live_number]
        previous = older[-1] if older else None
    notes = []
    for tmp in sorted(index_dir.glob(".gen-*.tmp")):
        shutil.rmtree(tmp, ignore_errors=True)
        notes.append(f"removed {tmp.name}, a generation an interrupted run did not finish")
    for number, folder in gens:
        if folder in (live, previous):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        if live_number is None or number > live_number:
            notes.append(f"removed {folder.name}, a generation an interrupted run did not publish")
        else:
            notes.append(f"removed {folder.name}, an old generation an interrupted run did not prune")
    return notes


DOC_BITS = 22  # gram rows are sorted as one uint64: 42-bit gram key, then the doc
MAX_DOCS = 1 << DOC_BITS


def _merge_grams(old, keep: np.ndarray, remap: np.ndarray, new: list[np.ndarray], first_new: int):
    """Gram postings: old rows minus dropped docs, plus the new docs' keys.

    Each row is packed as (key << 22 | doc) so one in-place sort orders rows
    by key, then doc, with no index array (the biggest array of the index)."""
    if first_new + len(new) >= MAX_DOCS:
        raise ValueError(f"more than {MAX_DOCS - 1} reports in one index")
    parts = []
    if old is not None and len(old[2]):
        keys, starts, docs = (np.asarray(a) for a in old)
        mask = keep[docs]
        packed = np.repeat(keys, np.diff(starts))[mask] << np.uint64(DOC_BITS)
        packed |= remap[docs[mask]].astype(np.uint64)
        parts.append(packed)
    for j, keys in enumerate(new):
        parts.append((keys << np.uint64(DOC_BITS)) | np.uint64(first_new + j))
    new.clear()  # the per-report arrays can go once joined
    rows = np.concatenate(parts) if parts else np.zeros(0, np.uint64)
    del parts
    rows.sort()
    docs = (rows & np.uint64(MAX_DOCS - 1)).astype(np.int32)
    rows >>= np.uint64(DOC_BITS)
    keys, starts = _group_starts(rows)
    return keys, starts, docs


def _merge_keyed(old, keep: np.ndarray, remap: np.ndarray,
                 new: list[tuple[np.ndarray, np.ndarray]], first_new: int, fields: int = 0):
    """Postings keyed by 64-bit hashes (words, sentences), each row with a
    count (or, for words, counts for three fields: tf is (3, k)). Keys use
    all 64 bits, so rows are ordered by a stable argsort: old rows come first
    in (key, doc) order, new docs are higher and in doc order."""
    parts_k, parts_d, parts_t = [], [], []
    if old is not None and len(old[2]):
        keys, starts, docs, tf = (np.asarray(a) for a in old)
        mask = keep[docs]
        parts_k.append(np.repeat(keys, np.diff(starts))[mask])
        parts_d.append(remap[docs[mask]].astype(np.int32))
        parts_t.append(tf[..., mask])
    for j, (keys, tf) in enumerate(new):
        parts_k.append(keys)
        parts_d.append(np.full(len(keys), first_new + j, dtype=np.int32))
        parts_t.append(tf)
    new.clear()
    if not parts_k:  # an empty index
        return (np.zeros(0, np.uint64), np.zeros(1, np.int64), np.zeros(0, np.int32),
                np.zeros((fields, 0) if fields else 0, np.uint16))
    keys = np.concatenate(parts_k).astype(np.uint64, copy=False)
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    docs = np.concatenate(parts_d)[order]
    tf = np.ascontiguousarray(np.concatenate(parts_t, axis=-1)[..., order])
    ukeys, starts = _group_starts(keys)
    return ukeys, starts, docs, tf
