"""The type (文种) and level (层级) lists: doctypes.toml beside this module, plus
<corpus>/doctypes.toml if present (same format, documented in the file).

A broken list file raises ListFileError naming the file, the entry and what is
wrong, so the indexer can refuse to start instead of failing on every report.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .errors import SettingsError

LISTS_FILE = "doctypes.toml"  # built in beside this module; a corpus may add its own
BUILTIN_LISTS = Path(__file__).with_name(LISTS_FILE)
# Bump when the way metadata is derived changes (code, not lists), so indexes rebuild.
META_VERSION = "meta-2"
OTHER = "其他"

_TYPE_KEYS = {"name", "covers", "refines", "title", "opening", "closing", "body", "min_hits"}
_LEVEL_KEYS = {"name", "covers", "issuer", "self", "body", "min_hits", "below"}


class ListFileError(SettingsError, ValueError):
    """A type/level list file that cannot be used; the message says where and why."""


@dataclass(frozen=True)
class DocType:
    name: str
    covers: str = ""
    refines: str = ""
    title: tuple[re.Pattern[str], ...] = ()  # each anchored at the end
    opening: tuple[re.Pattern[str], ...] = ()
    closing: tuple[re.Pattern[str], ...] = ()
    body: tuple[re.Pattern[str], ...] = ()
    min_hits: int = 3
    corpus: bool = False  # added by a corpus's list file: wins a tie with a built-in type


@dataclass(frozen=True)
class Level:
    name: str
    covers: str = ""
    issuer: tuple[re.Pattern[str], ...] = ()
    self_: tuple[re.Pattern[str], ...] = ()
    body: tuple[re.Pattern[str], ...] = ()
    below: tuple[re.Pattern[str], ...] = ()
    min_hits: int = 3


@dataclass(frozen=True)
class DocLists:
    types: tuple[DocType, ...]
    levels: tuple[Level, ...]
    files: tuple[Path, ...] = field(default=())

    def type_names(self) -> list[str]:
        return [t.name for t in self.types]

    def level_names(self) -> list[str]:
        return [lv.name for lv in self.levels]


def list_files(corpus: Path | None) -> list[Path]:
    """The list files in effect for a corpus folder (for the analysis fingerprint)."""
    files = [BUILTIN_LISTS]
    if corpus is not None and (Path(corpus) / LISTS_FILE).is_file():
        files.append(Path(corpus) / LISTS_FILE)
    return files


def load_lists(corpus: Path | None = None) -> DocLists:
    """The built-in lists with the corpus's additions; raises ListFileError."""
    return load_lists_with(list_files(corpus)[1] if len(list_files(corpus)) > 1 else None)


def load_lists_with(extra: Path | None) -> DocLists:
    """The built-in lists with those of `extra` (an existing file, or None)."""
    files = (BUILTIN_LISTS,) if extra is None else (BUILTIN_LISTS, Path(extra))
    return _load(files, tuple(f.stat().st_mtime_ns for f in files))


def default_lists() -> DocLists:
    return load_lists(None)


@lru_cache(maxsize=8)
def _load(files: tuple[Path, ...], _mtimes: tuple[int, ...]) -> DocLists:
    types: list[DocType] = []
    levels: list[Level] = []
    for n, path in enumerate(files):
        data = _read(path)
        for i, entry in enumerate(data.get("type", [])):
            new = _doc_type(entry, f"{path}：第 {i + 1} 个 [[type]]")
            _merge(types, DocType(**{**new.__dict__, "corpus": n > 0}), before=OTHER)
        for i, entry in enumerate(data.get("level", [])):
            _merge(levels, _level(entry, f"{path}：第 {i + 1} 个 [[level]]"), before=None)
    if not any(t.name == OTHER for t in types):
        types.append(DocType(OTHER))
    return DocLists(tuple(types), tuple(levels), files)


def _read(path: Path) -> dict:
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ListFileError(f"{path}：不是有效的 TOML（{exc}）") from exc
    except OSError as exc:
        raise ListFileError(f"{path}：读不出来（{exc.strerror or exc}）") from exc
    unknown = set(data) - {"type", "level"}
    if unknown:
        raise ListFileError(f"{path}：不认识的表 {'、'.join(sorted(unknown))}（只能有 [[type]] 和 [[level]]）")
    for key in ("type", "level"):
        if not isinstance(data.get(key, []), list):
            raise ListFileError(f"{path}：{key} 要写成 [[{key}]] 表")
    return data


def _merge(items: list, new, before: str | None) -> None:
    """Same name: the new patterns go first. New name: appended (before `before`)."""
    for i, old in enumerate(items):
        if old.name == new.name:
            merged = {k: getattr(new, k) + getattr(old, k) for k in _pattern_fields(new)}
            items[i] = type(old)(**{**old.__dict__, **merged,
                                    **{k: getattr(new, k) for k in ("covers", "refines") if getattr(new, k, "")}})
            return
    at = next((i for i, old in enumerate(items) if old.name == before), len(items))
    items.insert(at, new)


def _pattern_fields(item) -> tuple[str, ...]:
    return tuple(k for k, v in item.__dict__.items() if isinstance(v, tuple))


def _doc_type(entry: object, where: str) -> DocType:
    d = _table(entry, where, _TYPE_KEYS)
    return DocType(
        name=d["name"], covers=_text(d, "covers", where), refines=_text(d, "refines", where),
        title=_patterns(d, "title", where, anchor_end=True), opening=_patterns(d, "opening", where),
        closing=_patterns(d, "closing", where), body=_patterns(d, "body", where),
        min_hits=_count(d, where))


def _level(entry: object, where: str) -> Level:
    d = _table(entry, where, _LEVEL_KEYS)
    return Level(name=d["name"], covers=_text(d, "covers", where), issuer=_patterns(d, "issuer", where),
                 self_=_patterns(d, "self", where), body=_patterns(d, "body", where),
                 below=_patterns(d, "below", where),
                 min_hits=_count(d, where))


def _table(entry: object, where: str, keys: set[str]) -> dict:
    if not isinstance(entry, dict):
        raise ListFileError(f"{where}：应是一张表")
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ListFileError(f"{where}：缺少 name（名称）")
    where_named = f"{where}（{name}）"
    unknown = set(entry) - keys
    if unknown:
        raise ListFileError(f"{where_named}：不认识的键 {'、'.join(sorted(unknown))}"
                            f"（可用的键：{'、'.join(sorted(keys))}）")
    return {**entry, "name": name.strip(), "_where": where_named}


def _text(d: dict, key: str, where: str) -> str:
    value = d.get(key, "")
    if not isinstance(value, str):
        raise ListFileError(f"{d['_where']}：{key} 应是一个字符串")
    return value


def _count(d: dict, where: str) -> int:
    value = d.get("min_hits", 3)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ListFileError(f"{d['_where']}：min_hits 应是正整数")
    return value


def _patterns(d: dict, key: str, where: str, anchor_end: bool = False) -> tuple[re.Pattern[str], ...]:
    values = d.get(key, [])
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ListFileError(f"{d['_where']}：{key} 应是一组字符串（正则表达式）")
    compiled = []
    for n, pattern in enumerate(values, 1):
        try:
            compiled.append(re.compile(f"(?:{pattern})$" if anchor_end else pattern))
        except re.error as exc:
            raise ListFileError(f"{d['_where']}：{key} 的第 {n} 条 {pattern!r} 不是有效的正则表达式（{exc}）") from exc
    return tuple(compiled)
