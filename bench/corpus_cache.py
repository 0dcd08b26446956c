"""The generated corpus and its cleaned texts, cached in bench/.cache/.

- corpus-N-SEED/   the raw noisy reports (harness/corpus.py), re-made when
                   the generator or its source texts change;
- cleaned-N-SEED/  raw/: each distinct report's cleaned text (search.clean) as
                   UTF-8; texts/: the same folded (NFKC + case, one character
                   for one, as search.analysis.fold), what every peer, ripgrep
                   and grep search; manifest.json with year, type, level
                   (search.meta), size and hash of each. Re-made when the
                   corpus or the cleaning code changes.

Our engine matches a string where the folded text contains the folded
string (， finds , too; ＰＰＴ finds PPT). Giving every other system the
folded texts and the folded query makes them answer exactly that question,
as their users get it with an NFKC normaliser before indexing (Lucene's ICU
normaliser, say).

Exact copies (the same cleaned text under another name) are left out of the
cleaned texts: our engine indexes a copy once, so every system counts over
the same distinct texts.
"""
from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import shutil
import tempfile
import time
from pathlib import Path

from harness import corpus as make_corpus
from harness.corpus_pool import DEFAULT_REAL, DEFAULT_SEEDS, load_pool

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
CACHE = BENCH / ".cache"
TOUCHED = 100  # reports modified for the incremental step
CLEANING_SOURCES = ("search/clean.py", "search/clean_rules.toml", "search/meta.py",
                    *sorted(f"search/readers/{p.name}" for p in (ROOT / "search" / "readers").glob("*.py")))


def say(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def text_hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


def ensure_corpus(docs: int, seed: int, real_dir: Path | None = DEFAULT_REAL) -> Path:
    folder = CACHE / f"corpus-{docs}-{seed}"
    marker = folder / ".done"
    pool = load_pool(DEFAULT_SEEDS, real_dir)
    stamp = f"{make_corpus.GENERATOR_VERSION}:{pool.digest}"
    if marker.is_file() and marker.read_text() == stamp:
        say(f"corpus: cached {folder.relative_to(ROOT)}/")
        return folder
    started = time.perf_counter()
    marker.unlink(missing_ok=True)
    info = make_corpus.make_corpus(docs, folder, seed, pool=pool)
    (folder / ".stats.json").write_text(json.dumps(info), "utf-8")
    marker.write_text(stamp)
    say(f"corpus: generated {docs} reports, {info['chars'] / 1e6:.1f} M characters "
        f"({info['gb18030']} GB18030), {info['distinct_share']:.1%} of sentences distinct, "
        f"in {time.perf_counter() - started:.1f} s")
    return folder


def corpus_stats(corpus: Path) -> dict:
    f = corpus / ".stats.json"
    return json.loads(f.read_text("utf-8")) if f.is_file() else {}


def clean_text(raw: str, name: str) -> tuple[str, dict]:
    """The cleaned text of one report and the metadata the peers filter on."""
    from search.clean import clean
    from search.meta import extract_meta

    report = clean(raw)
    meta = extract_meta(report, name)
    return report.text, {"year": meta.year, "type": meta.doc_type, "level": meta.level}


def _clean_one(path: Path) -> tuple[str, str, str, dict]:
    from search.analysis import fold
    from search.readers import read_text

    text, meta = clean_text(read_text(path), path.name)
    return path.name, text, fold(text), meta


def _cleaning_digest() -> str:
    h = hashlib.sha256()
    for rel in CLEANING_SOURCES:
        h.update((ROOT / rel).read_bytes())
    return h.hexdigest()[:16]


def ensure_cleaned(corpus: Path, docs: int) -> tuple[Path, Path]:
    """Cleaned texts as UTF-8 files (what the peers index) and their manifest."""
    seed = corpus.name.rsplit("-", 1)[-1]
    folder = CACHE / f"cleaned-{docs}-{seed}"
    manifest = folder / "manifest.json"
    stamp = (corpus / ".done").read_text() + ":" + corpus.name + ":" + _cleaning_digest() + ":folded"
    if manifest.is_file() and json.loads(manifest.read_text("utf-8")).get("stamp") == stamp:
        say(f"cleaned texts: cached {folder.relative_to(ROOT)}/")
        return folder, manifest
    started = time.perf_counter()
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "texts").mkdir(parents=True)
    (folder / "raw").mkdir()
    files = sorted(corpus.glob("*.txt"))
    entries, seen = [], set()
    with multiprocessing.get_context("fork").Pool(os.cpu_count() or 1) as pool:
        for name, text, folded, meta in pool.imap(_clean_one, files, chunksize=32):
            digest = text_hash(text)
            if digest in seen:
                continue
            seen.add(digest)
            (folder / "raw" / name).write_text(text, "utf-8")
            (folder / "texts" / name).write_text(folded, "utf-8")
            entries.append({"id": name, **meta, "bytes": len(text.encode("utf-8")),
                            "folded_bytes": len(folded.encode("utf-8")), "hash": digest})
    manifest.write_text(json.dumps({"stamp": stamp, "docs": entries, "copies": len(files) - len(entries)},
                                   ensure_ascii=False), "utf-8")
    say(f"cleaned texts: {len(entries)} written ({len(files) - len(entries)} copies left out) "
        f"in {time.perf_counter() - started:.1f} s")
    return folder, manifest


def texts_dir(cleaned: Path, folded: bool = True) -> Path:
    """The folder of the folded texts (what the peers, ripgrep and grep
    search) or of the cleaned texts as they are (folded=False)."""
    return cleaned / ("texts" if folded else "raw")


def load_manifest(manifest_file: Path) -> dict:
    return json.loads(Path(manifest_file).read_text("utf-8"))


def load_texts(cleaned: Path, manifest: dict, folded: bool = True) -> list[str]:
    folder = texts_dir(cleaned, folded)
    return [(folder / d["id"]).read_text("utf-8") for d in manifest["docs"]]


# ---------------------------------------------------------------- the incremental step

def touched_ids(manifest: dict) -> list[str]:
    """100 reports spread over the corpus."""
    ids = [d["id"] for d in manifest["docs"]]
    step = max(1, len(ids) // TOUCHED)
    return ids[::step][:TOUCHED]


def touch(raw: bytes, k: int) -> bytes:
    """The file with a new paragraph in the middle, in its own encoding."""
    try:
        text, encoding = raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = raw.decode("gb18030"), "gb18030"
    lines = text.split("\n")
    lines.insert(len(lines) // 2, f"（补充）第{k + 1}次修改：再次召开专题推进会，研究部署下一阶段重点工作，"
                                  "逐项明确责任单位和完成时限。")
    return "\n".join(lines).encode(encoding)


def touched_texts(corpus: Path, ids: list[str]) -> list[dict]:
    """The folded cleaned texts the touched reports will have (what the peers
    re-index), read back through the engine's reader as our engine reads them."""
    from search.analysis import fold
    from search.readers import read_text

    out = []
    with tempfile.TemporaryDirectory(prefix="bench-touch-") as tmp:
        for k, name in enumerate(ids):
            path = Path(tmp) / name
            path.write_bytes(touch((corpus / name).read_bytes(), k))
            text, meta = clean_text(read_text(path), name)
            out.append({"id": name, "text": fold(text), **meta})
    return out


def touch_corpus(corpus: Path, ids: list[str]) -> None:
    """Modify the touched reports in `corpus` (a copy), for our engine."""
    for k, name in enumerate(ids):
        path = corpus / name
        path.write_bytes(touch(path.read_bytes(), k))
