"""Builds and incremental steps of every indexed system, each in a child
process (bench/measure.run_child: wall time, peak RSS of its process tree),
and the sizes of what each leaves on disk.

Peer indexes live in bench/.cache/peers-N-SEED/ with a stamp (the texts and
the peer's code); `--reuse` keeps one whose stamp matches instead of
building it again (its recorded build figures are reported, marked
`reused`). The incremental step runs on a copy, so the kept index stays
that of the cleaned texts.
"""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from corpus_cache import say, texts_dir
from measure import dir_bytes, run_child

BENCH = Path(__file__).resolve().parent
PEER_FILES = {"sqlite_fts5_trigram": ("peer_sqlite.py", "peer_common.py"),
              "tantivy": ("peer_tantivy.py", "peer_common.py")}


def _stamp(name: str, manifest: dict) -> str:
    h = hashlib.sha256(manifest["stamp"].encode())
    for f in PEER_FILES[name]:
        h.update((BENCH / f).read_bytes())
    return h.hexdigest()[:16]


def _record(run, out: dict) -> dict:
    return {**out, "wall_s": run.wall_s, "peak_tree_rss_mb": run.peak_tree_rss_mb,
            "peak_tree_pss_mb": run.peak_tree_pss_mb, "max_process_rss_mb": run.max_process_rss_mb}


def tantivy_live_bytes(index_dir: Path) -> int:
    """The files of the segments tantivy's meta.json lists, and meta.json."""
    meta = json.loads((index_dir / "meta.json").read_text("utf-8"))
    live = {s["segment_id"].replace("-", "") for s in meta.get("segments", [])}
    return sum(p.stat().st_size for p in index_dir.iterdir()
               if p.is_file() and (p.name == "meta.json" or p.name.split(".")[0] in live))


# ---------------------------------------------------------------- ours

def ours_build(corpus: Path, work: Path) -> dict:
    index_dir = work / "index"
    shutil.rmtree(index_dir, ignore_errors=True)
    run = run_child([str(BENCH / "ours.py"), "build", str(corpus), str(index_dir)], log=work / "ours-build.log")
    out = _record(run, run.output)
    say(f"ours: built {out['reports']} reports in {out['seconds']:.1f} s (peak RSS {run.peak_tree_rss_mb:.0f} MiB), "
        f"{out['skipped_count']} skipped")
    return out


def ours_incremental(corpus: Path, work: Path) -> dict:
    run = run_child([str(BENCH / "ours.py"), "update", str(corpus), str(work / "index")],
                    log=work / "ours-update.log")
    out = _record(run, run.output)
    say(f"ours: incremental run: {out['seconds']:.1f} s ({out['updated']} updated, {out['added']} added)")
    return out


# ---------------------------------------------------------------- peers

def peer_paths(name: str, peers_dir: Path) -> Path:
    return peers_dir / ("fts5.sqlite" if name == "sqlite_fts5_trigram" else "tantivy")


def peer_build(name: str, cleaned: Path, manifest_file: Path, manifest: dict, peers_dir: Path,
               reuse: bool) -> dict:
    target = peer_paths(name, peers_dir)
    record_file = peers_dir / f"{name}.build.json"
    stamp = _stamp(name, manifest)
    if reuse and record_file.is_file():
        record = json.loads(record_file.read_text("utf-8"))
        if record.get("stamp") == stamp and target.exists():
            say(f"{name}: index reused from {target} (built in {record['seconds']:.1f} s)")
            return {**record, "reused": True}
    peers_dir.mkdir(parents=True, exist_ok=True)
    script = BENCH / PEER_FILES[name][0]
    run = run_child([str(script), "build", str(texts_dir(cleaned)), str(manifest_file), str(target)],
                    log=peers_dir / f"{name}-build.log")
    out = _record(run, run.output)
    out["index_folder_bytes"] = dir_bytes(target) if target.is_dir() else target.stat().st_size
    out["index_bytes"] = tantivy_live_bytes(target) if target.is_dir() else out["index_folder_bytes"]
    out["stamp"] = stamp
    record_file.write_text(json.dumps(out), "utf-8")
    say(f"{name}: built in {out['seconds']:.1f} s (peak RSS {run.peak_tree_rss_mb:.0f} MiB), "
        f"{out['index_bytes'] / 2**20:.0f} MiB")
    return out


def peer_incremental(name: str, peers_dir: Path, work: Path, touched: list[dict]) -> dict:
    source = peer_paths(name, peers_dir)
    copy = work / ("incremental-" + source.name)
    _remove(copy)
    if source.is_dir():
        shutil.copytree(source, copy)
    else:
        shutil.copyfile(source, copy)
    script = BENCH / PEER_FILES[name][0]
    run = run_child([str(script), "update", str(copy)], log=work / f"{name}-update.log",
                    stdin=json.dumps(touched, ensure_ascii=False))
    out = _record(run, run.output)
    out["index_folder_bytes"] = dir_bytes(copy) if copy.is_dir() else copy.stat().st_size
    out["index_bytes"] = tantivy_live_bytes(copy) if copy.is_dir() else out["index_folder_bytes"]
    say(f"{name}: incremental step: {out['seconds']:.1f} s")
    _remove(copy)
    return out


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def whoosh(cleaned: Path, manifest_file: Path, work: Path, queries_file: Path, docs: int) -> dict:
    from peer_whoosh import summarize

    wdir, raw = work / "whoosh", str(texts_dir(cleaned, folded=False))
    say(f"whoosh+jieba: building on the first {docs} reports (slow, single process)…")
    build = run_child([str(BENCH / "peer_whoosh.py"), "build", raw, str(manifest_file), str(wdir), str(docs)],
                      log=work / "whoosh-build.log")
    phrase = run_child([str(BENCH / "peer_whoosh.py"), "phrase", raw, str(manifest_file), str(wdir), str(docs),
                        str(queries_file)], log=work / "whoosh-phrase.log")
    say(f"whoosh+jieba: built in {build.output['seconds']:.1f} s")
    return summarize(build.output, build.peak_tree_rss_mb, phrase.output)
