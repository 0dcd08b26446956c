"""The type and level names a filter may use, and the message for one that
is not among them (the same words on the command line and on the pages)."""
from __future__ import annotations

from .doctypes import ListFileError, default_lists
from .query import Filters, unknown_values
from .settings import Settings, type_lists
from .store import Snapshot

LABELS = {"type": "类型", "level": "层级"}


def names(settings: Settings | None, snap: Snapshot | None = None) -> dict[str, list[str]]:
    """{"type": [...], "level": [...]}: the lists in effect (doctypes.toml and
    the corpus's own), then any other value the index holds (written under an
    older list)."""
    try:
        lists = type_lists(settings) if settings is not None else default_lists()
    except (ListFileError, OSError):  # a broken list file is reported by `reports index`
        lists = default_lists()
    out = {"type": lists.type_names(), "level": lists.level_names()}
    if snap is not None:
        for key, names_ in out.items():
            _, held = snap.categories(key)
            names_ += [n for n in held if n and n not in names_]
    return out


def unknown(filters: Filters, valid: dict[str, list[str]]) -> dict[str, list[str]]:
    return unknown_values(filters, valid["type"], valid["level"])


def message(key: str, values: list[str], valid: list[str]) -> str:
    """没有类型「报告x」；可用的类型：政府工作报告、…"""
    label = LABELS[key]
    asked = "、".join(f"「{v}」" for v in values)
    return f"没有{label}{asked}；可用的{label}：{'、'.join(valid)}"
