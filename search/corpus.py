"""The corpus folder: which files in it are reports (and which are not, and
why), the id under which each is known, and their content hashes.

A report's id is its path relative to the corpus, with "/", as a person reads
it: a file name that is not valid UTF-8 (GBK bytes, what unzip makes of a zip
from Chinese Windows) is decoded as GB18030, and control characters (a newline
in a name) are shown as their visible symbols. `corpus_path` maps an id back
to the file; every path opened from an id goes through it.
"""
from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path

from . import analysis, doctypes
from .clean import RULES_FILE
from .readers import MAX_TEXT_BYTES, SUPPORTED_SUFFIXES

# Our own files that may sit in the corpus folder, never reports.
IGNORED_NAMES = frozenset({RULES_FILE, doctypes.LISTS_FILE, "Thumbs.db", "desktop.ini"})
# Formats that are read as text: larger than this on disk, they are never read.
_TEXT_SUFFIXES = frozenset({".txt", ".md", ".html", ".htm"})
_CHUNK = 1 << 20
_KINDS = ((stat.S_ISFIFO, "命名管道 FIFO"), (stat.S_ISCHR, "字符设备"), (stat.S_ISBLK, "块设备"),
          (stat.S_ISSOCK, "套接字"), (stat.S_ISDIR, "文件夹"))


# ------------------------------------------------------------------ names

def display_name(name: str) -> str:
    """A file name from the OS as a person reads it: bytes that are not UTF-8
    decoded as GB18030 (undecodable ones as U+FFFD), control characters as
    their visible symbols (U+2400…), so that an id is always one line of text."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: os.fsdecode kept undecodable bytes
        name = os.fsencode(name).decode("gb18030", "replace")
    return "".join(_visible(ch) for ch in name) if not name.isprintable() else name


def _visible(ch: str) -> str:
    code = ord(ch)
    if code < 0x20:
        return chr(0x2400 + code)
    if code == 0x7F:
        return "\u2421"
    if 0x80 <= code < 0xA0 or code in (0x2028, 0x2029):
        return "\ufffd"
    return ch


def _order(name: str) -> tuple[str, bool, str]:
    # Sorted by the name shown; of names that show alike, the literal one first.
    shown = display_name(name)
    return shown, shown != name, name


# ---------------------------------------------------------------- listing

@dataclass
class CorpusListing:
    files: dict[str, str] = field(default_factory=dict)  # report id -> its path (a str: 100 000
                                                         # Path objects cost a run a second)
    stamps: dict[str, tuple[int, int]] = field(default_factory=dict)  # id -> (size, mtime ns) as listed, for every file
    unlisted_dirs: list[str] = field(default_factory=list)  # folder ids ("" = the corpus) not listed
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (id, reason), files and folders
    ignored: Counter = field(default_factory=Counter)  # files of other types, by suffix

    def covers(self, doc_id: str) -> bool:
        """Whether `doc_id` lies in a folder that could not be listed: its
        report must be kept as it was, not removed."""
        return any(not d or doc_id.startswith(d + "/") for d in self.unlisted_dirs)


def list_corpus(corpus: Path) -> CorpusListing:
    """Every report file of the corpus, in a stable order, and what was left
    out: only regular files inside the corpus are reports. Links that leave the
    corpus, FIFOs, devices and sockets are skipped with their reason; a folder
    that cannot be listed is named, so that its reports can be kept."""
    listing = CorpusListing()
    root = os.path.realpath(corpus)
    stack = [(os.fspath(corpus), "")]
    while stack:
        folder, prefix = stack.pop()
        try:
            entries = _listed_in_order(folder)
        except OSError as exc:
            listing.unlisted_dirs.append(prefix.rstrip("/"))
            reason = f"无法列出文件夹内容（{_why(exc)}），其中已收录的报告保留不动"
            listing.skipped.append((prefix or "./", reason))
            continue
        subfolders = []
        for shown, entry in entries:
            if shown.startswith(".") or shown in IGNORED_NAMES:
                continue
            doc_id = prefix + shown
            if _is_dir(entry):
                if entry.is_symlink():
                    listing.skipped.append((doc_id + "/", _dir_link_reason(entry.path, root)))
                else:
                    subfolders.append((entry.path, doc_id + "/"))
                continue
            dot = shown.rfind(".")  # names starting with "." were left out above
            suffix = shown[dot:].lower() if dot > 0 else ""
            if suffix not in SUPPORTED_SUFFIXES:
                listing.ignored[suffix or "（无扩展名）"] += 1
                continue
            if doc_id == analysis.USER_DICT_NAME:
                continue
            reason, info = _not_a_report(entry, root)
            if reason is None and doc_id in listing.files:
                reason = f"文件名按 GB18030 解码后与 {doc_id} 相同：请改名"
            if reason:
                listing.skipped.append((doc_id, reason))
            else:
                listing.files[doc_id] = entry.path
                listing.stamps[doc_id] = (info.st_size, info.st_mtime_ns)
        stack.extend(reversed(subfolders))  # depth first, in name order
    return listing


def _listed_in_order(folder: str) -> list[tuple[str, os.DirEntry]]:
    """A folder's entries as (name shown, entry), sorted by the name shown; of
    names that show alike, the literal one first. (A folder of 100 000 reports
    lists in a few hundred ms: names that are all plain UTF-8 and printable,
    the usual case, are checked at once, not one by one.)"""
    with os.scandir(folder) as it:
        entries = list(it)
    names = [e.name for e in entries]
    joined = "/".join(names)  # "/" is in no file name
    try:
        joined.encode("utf-8")  # lone surrogates: a name that is not UTF-8
        plain = joined.isprintable()
    except UnicodeEncodeError:
        plain = False
    if plain:
        return sorted(zip(names, entries, strict=True), key=itemgetter(0))
    keyed = sorted(((_order(e.name), e) for e in entries), key=itemgetter(0))
    return [(key[0], e) for key, e in keyed]


def corpus_files(corpus: Path, ignored: Counter | None = None) -> dict[str, str]:
    """Report id -> file (see `list_corpus`). Files of other types are counted
    by suffix in `ignored`."""
    listing = list_corpus(corpus)
    if ignored is not None:
        ignored.update(listing.ignored)
    return listing.files


def _is_dir(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _dir_link_reason(path: str, root: str) -> str:
    target = os.path.realpath(path)
    if not _inside(target, root):
        return f"链接指向语料库之外（{display_name(target)}），不读取"
    return "链接到语料库内的文件夹，不重复读取"


def _not_a_report(entry: os.DirEntry, root: str) -> tuple[str | None, os.stat_result | None]:
    """Why this file entry is not read (None for a regular file in the
    corpus), and its stat, which the run's plan compares with the index's."""
    if entry.is_symlink():
        target = os.path.realpath(entry.path)
        if not _inside(target, root):
            return f"链接指向语料库之外（{display_name(target)}），不读取", None
    try:
        info = entry.stat()
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            return "链接指向的文件不存在", None
        return f"读不出：{_why(exc)}", None
    if not stat.S_ISREG(info.st_mode):
        kind = next((label for test, label in _KINDS if test(info.st_mode)), "特殊文件")
        return f"不是普通文件（{kind}），不读取", None
    return None, info


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)


# ------------------------------------------------------------- id -> path

def corpus_path(corpus: Path, doc_id: str) -> Path | None:
    """The file that `list_corpus` gives the id `doc_id`, or None when there is
    none now (moved, deleted, or no longer a regular file inside the corpus)."""
    parts = doc_id.split("/")
    if any(part in ("", ".", "..") or "\x00" in part for part in parts):
        return None
    root = os.path.realpath(corpus)
    return _find(os.fspath(corpus), parts, root)


def _find(folder: str, parts: list[str], root: str) -> Path | None:
    want, last = parts[0], len(parts) == 1
    for name in _named(folder, want):
        path = os.path.join(folder, name)
        if last:
            try:
                regular = stat.S_ISREG(os.stat(path).st_mode)
            except OSError:
                continue
            if regular and _inside(os.path.realpath(path), root):
                return Path(path)
        elif os.path.isdir(path) and not os.path.islink(path):
            found = _find(path, parts[1:], root)
            if found is not None:
                return found
    return None


def _named(folder: str, want: str) -> Iterator[str]:
    """Names in `folder` shown as `want`, in the order the listing takes them:
    the literal name first (no listing needed), then the decoded ones."""
    if display_name(want) == want and os.path.lexists(os.path.join(folder, want)):
        yield want
    if want.isascii():
        return  # a decoded name (GB18030, control symbols) is never pure ASCII
    try:
        with os.scandir(folder) as it:
            others = sorted((e.name for e in it if e.name != want and display_name(e.name) == want),
                            key=_order)
    except OSError:
        return
    yield from others


# ----------------------------------------------------------------- digests

def file_digest(path: str | Path) -> tuple[str, int]:
    """(content hash, size). Streams the file; one larger than a reader would
    ever read is not read at all (its hash stands for size and mtime). Only a
    regular file is opened for reading: a FIFO must not block the run."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with open(fd, "rb", closefd=True) as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        h = hashlib.blake2b(digest_size=16)
        limit = MAX_TEXT_BYTES if Path(path).suffix.lower() in _TEXT_SUFFIXES else 10 * MAX_TEXT_BYTES
        if info.st_size > limit:
            h.update(f"too large:{info.st_size}:{info.st_mtime_ns}".encode())
            return h.hexdigest(), info.st_size
        size = 0
        while chunk := handle.read(_CHUNK):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size
