"""The corpus folder: which files in it are reports, their content hashes,
and the fingerprint of the settings files that the analysis depends on."""
from __future__ import annotations

import hashlib
import os
from collections import Counter
from pathlib import Path

from . import analysis
from .clean import BUILTIN_RULES, RULES_FILE
from .readers import SUPPORTED_SUFFIXES

# Our own files that may sit in the corpus folder, never reports.
IGNORED_NAMES = frozenset({RULES_FILE, "Thumbs.db", "desktop.ini"})


def corpus_files(corpus: Path, ignored: Counter | None = None) -> dict[str, Path]:
    """Report id (path relative to the corpus, with /) -> file. Files of
    other types are counted by suffix in `ignored`."""
    found = {}
    for root, dirs, files in os.walk(corpus):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            path = Path(root) / name
            if name.startswith(".") or name in IGNORED_NAMES:
                continue
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                if ignored is not None:
                    ignored[path.suffix.lower() or "(no extension)"] += 1
                continue
            doc_id = path.relative_to(corpus).as_posix()
            if doc_id == analysis.USER_DICT_NAME:
                continue
            found[doc_id] = path
    return found


def fingerprint(corpus: Path) -> str:
    """What the analysis depends on: analyzer version, dictionaries, rules."""
    h = hashlib.sha256(analysis.dictionary_fingerprint(analysis.user_dict_for(corpus)).encode())
    for rules in (BUILTIN_RULES, corpus / RULES_FILE):
        if rules.is_file():
            h.update(rules.read_bytes())
    return h.hexdigest()[:16]


def file_digest(path: Path) -> tuple[str, int]:
    data = path.read_bytes()
    return hashlib.blake2b(data, digest_size=16).hexdigest(), len(data)
