"""The index folder as files: making it, wiping it, what an interrupted run
left in it, and which segments' checksums were checked (verified.json)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.codec.base import Segment
from whoosh.filedb.filestore import Storage
from whoosh.index import FileIndex

from ..analysis import USER_DICT_NAME
from ..errors import IndexDamaged
from ..schema import build_schema
from .container import file_crc
from .snapshot import INDEX_NAME, Snapshot

VERIFIED_FILE = "verified.json"  # segments whose checksums held, by their files' sizes and times
SKIPPED_FILE = "skipped.json"    # files that could not be read, by content hash (indexer.py)
STAMPS_FILE = "stamps.json"      # files hashed again and found unchanged: their new (size, mtime) (indexer.py)
CACHES = (VERIFIED_FILE, SKIPPED_FILE, STAMPS_FILE, USER_DICT_NAME)  # what a run keeps beside the index


def stamps(index_dir: Path, segid: str) -> list:
    return sorted([p.name, st.st_size, st.st_mtime_ns] for p in index_dir.glob(f"{segid}.*")
                  if (st := p.stat()) and not p.name.endswith((".part", ".tmp")))


def verify_changed(index_dir: Path, snapshot: Snapshot) -> dict[str, list]:
    """Check every checksum of each segment whose files changed since they
    were last checked (a run trusts what it reads); raises IndexDamaged."""
    try:
        known = json.loads((index_dir / VERIFIED_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        known = {}
    out = {}
    for part in snapshot.parts:
        segid = part.whoosh.segment_id()
        now = stamps(index_dir, segid)
        if known.get(segid) != now:
            try:
                part.data.verify()
            except Exception as exc:
                raise IndexDamaged(index_dir, str(exc)) from None
        out[segid] = now
    return out


def write_verified(index_dir: Path, stamps: dict) -> None:
    tmp = index_dir / f".{VERIFIED_FILE}.tmp"
    try:
        tmp.write_text(json.dumps(stamps), "utf-8")
        tmp.replace(index_dir / VERIFIED_FILE)
    except OSError:
        pass  # only saves reading the files again next run


def whoosh_files(storage: Storage, segment: Segment) -> dict[str, list[int]]:
    """Size and CRC-32 of each of Whoosh's files of a segment, kept in its
    companion so that damage to them is found too (on open: the sizes)."""
    out = {}
    for name in segment.list_files(storage):
        if name.endswith((".rsc", ".rse")) or ".part" in name or name.endswith(".tmp"):
            continue
        out[name] = [storage.file_length(name), file_crc(Path(storage.folder) / name)]
    return out


_OURS = ("MAIN_", "_MAIN_")
_LEGACY = ("CURRENT", ".CURRENT.tmp")


def open_or_create(index_dir: Path, wipe_if_damaged: bool, notes: list[str]) -> FileIndex:
    index_dir.mkdir(parents=True, exist_ok=True)
    legacy = [p for p in index_dir.iterdir() if p.name in _LEGACY or p.name.startswith(("gen-", ".gen-"))]
    if legacy:
        wipe(index_dir)
        notes.append("索引是另一版本的报告检索写的：已重建")
    try:
        if any(p.name.startswith(f"_{INDEX_NAME}_") and p.name.endswith(".toc") for p in index_dir.iterdir()):
            ix = whoosh_index.open_dir(index_dir, INDEX_NAME)
            ix._read_toc()
            return ix
    except Exception as exc:
        if not wipe_if_damaged:
            raise IndexDamaged(index_dir, f"读不出 Whoosh 的目录文件"
                                          f"（{type(exc).__name__}: {exc}）") from None
        wipe(index_dir)
        notes.append("已删除损坏的索引，再重建")
    return whoosh_index.create_in(index_dir, build_schema(), INDEX_NAME)


def wipe(index_dir: Path) -> None:
    """Remove every index file (the lock file stays: it is never deleted)."""
    for p in index_dir.iterdir():
        if p.name == ".lock":
            continue
        if p.is_dir() and (p.name.startswith(("gen-", ".gen-")) or p.name == f"{INDEX_NAME}.tmp"):
            shutil.rmtree(p, ignore_errors=True)
        elif p.name.startswith(_OURS) or p.name in _LEGACY or p.name in CACHES:
            try:
                p.unlink()
            except OSError:
                pass


def remove_leftovers(index_dir: Path, ix: FileIndex) -> list[str]:
    """Under the lock: remove what interrupted runs left, saying what it was."""
    notes = []
    toc_gen = ix.latest_generation()
    toc_path = index_dir / f"_{INDEX_NAME}_{toc_gen}.toc"
    toc_time = toc_path.stat().st_mtime if toc_path.exists() else 0
    live = {s.segment_id() for s in ix._read_toc().segments}
    unfinished, stale = set(), set()
    for p in index_dir.iterdir():
        name = p.name
        if name == f"{INDEX_NAME}.tmp":
            shutil.rmtree(p, ignore_errors=True)
            continue
        if name.startswith(f"_{INDEX_NAME}_") and ".toc." in name or name.endswith((".part", ".tmp")):
            p.unlink(missing_ok=True)
            unfinished.add(name)
            continue
        if name.startswith(f"_{INDEX_NAME}_") and name.endswith(".toc") and name != toc_path.name:
            p.unlink(missing_ok=True)
            stale.add(name)
            continue
        if name.startswith(f"{INDEX_NAME}_") and name != f"{INDEX_NAME}_WRITELOCK":
            segid = name.partition(".")[0]
            if segid not in live:
                (unfinished if p.stat().st_mtime >= toc_time else stale).add(segid)
                p.unlink(missing_ok=True)
    if unfinished:
        notes.append(f"删除了中断的运行留下的 {len(unfinished)} 个未写完的段文件")
    if stale:
        notes.append(f"删除了中断的运行没来得及清理的 {len(stale)} 个旧段文件")
    return notes

