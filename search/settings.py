"""Settings, resolved once at the edge and passed down.

The command line (search/cli.py) and the app factory (web/create_app) build
one `Settings` from their flags and the environment; nothing below them reads
the environment (but the crash and pause hooks of faults.py). Each field is a
row of the README's settings table, which a test checks against this class.

An indexing run loads what the analysis depends on — cleaning rules, type and
level lists, dictionaries — once at its start (`load_analysis`): its workers
analyse every file with that, and the index's fingerprint is taken of it, so a
file edited during the run cannot make the two disagree.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from . import analysis, doctypes
from .clean import BUILTIN_RULES, RULES_FILE, Rules, load_rules, rules_with
from .errors import BadInput, SettingsError

DEFAULT_CACHE_MB = 256  # answers and texts kept per process
ENV = {"index_dir": "REPORTS_INDEX", "corpus_dir": "REPORTS_CORPUS", "user_dict": "REPORTS_USERDICT",
       "auth": "REPORTS_AUTH", "cache_mb": "REPORTS_CACHE_MB"}


@dataclass(frozen=True)
class Settings:
    index_dir: Path = Path("index")          # the index folder
    corpus_dir: Path = Path("corpus")        # the reports
    rules_file: Path = Path("corpus") / RULES_FILE         # the corpus's own cleaning rules (if the file exists)
    lists_file: Path = Path("corpus") / doctypes.LISTS_FILE  # the corpus's type and level lists (if it exists)
    user_dict: Path = Path("corpus") / analysis.USER_DICT_NAME  # the user dictionary (if it exists)
    auth_file: Path | None = None            # `user:password` lines: logins for the web
    auth: str = ""                           # one `user:password` login for the web
    cache_mb: int = DEFAULT_CACHE_MB         # answers and texts kept in memory per process

    @classmethod
    def for_corpus(cls, corpus_dir: Path, index_dir: Path = Path("index"), **given: object) -> Settings:
        """The settings of a corpus folder: its rules, lists and dictionary files."""
        corpus_dir = Path(corpus_dir)
        files = {"rules_file": corpus_dir / RULES_FILE, "lists_file": corpus_dir / doctypes.LISTS_FILE,
                 "user_dict": corpus_dir / analysis.USER_DICT_NAME}
        chosen = {k: v for k, v in given.items() if v is not None}
        return cls(index_dir=Path(index_dir), corpus_dir=corpus_dir, **{**files, **chosen})

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **flags: object) -> Settings:
        """Flags given (not None) first, then the environment, then the defaults."""
        env = os.environ if environ is None else environ

        def pick(name: str, default):
            if flags.get(name) is not None:
                return flags[name]
            return env.get(ENV[name]) or default

        cache = pick("cache_mb", DEFAULT_CACHE_MB)
        try:
            cache_mb = int(cache)
        except ValueError:
            raise BadInput(f"{ENV['cache_mb']}={cache!r}：缓存大小应为整数（MB）") from None
        if not 1 <= cache_mb <= 1 << 20:
            raise BadInput(f"缓存大小 {cache_mb} MB：应在 1 到 {1 << 20} 之间")
        user_dict = pick("user_dict", None)
        return cls.for_corpus(Path(pick("corpus_dir", "corpus")), Path(pick("index_dir", "index")),
                              user_dict=Path(user_dict) if user_dict else None,
                              auth_file=flags.get("auth_file"), auth=pick("auth", ""), cache_mb=cache_mb)


def _existing(path: Path | None) -> Path | None:
    return path if path is not None and path.is_file() else None


# ---------------------------------------------------------------- what the analysis depends on

@dataclass(frozen=True)
class Analysis:
    """Rules, lists and dictionary words as loaded once, and their fingerprint."""
    rules: Rules
    lists: doctypes.DocLists
    words: analysis.Words
    fingerprint: str


def cleaning_rules(settings: Settings) -> Rules:
    """The built-in cleaning rules with the corpus's own (cached by mtime)."""
    return rules_with(settings.rules_file)


def type_lists(settings: Settings) -> doctypes.DocLists:
    return doctypes.load_lists_with(_existing(settings.lists_file))


def load_analysis(settings: Settings) -> Analysis:
    """Load and validate every settings file the analysis depends on: the
    built-in and the corpus's cleaning rules, the domain and the user
    dictionary, the type and level lists. Raises SettingsError naming the
    file, the line and the rule."""
    extra = _existing(settings.rules_file)
    try:
        rules = load_rules(extra)  # RulesError is a SettingsError
    except OSError as exc:
        raise SettingsError(f"清理规则文件 {extra} 读不出来：{_why(exc)}") from None
    try:
        words = analysis.Words.load(_existing(settings.user_dict), strict=True)
    except OSError as exc:
        raise SettingsError(f"词典 {exc.filename or settings.user_dict} 读不出来：{_why(exc)}") from None
    try:
        lists = type_lists(settings)
    except doctypes.ListFileError as exc:
        raise SettingsError(f"文种和层级表有误：{exc}") from None
    except OSError as exc:
        raise SettingsError(f"文种和层级表读不出来：{_why(exc)}") from None
    return Analysis(rules, lists, words, _fingerprint(settings, words))


def check_settings(settings: Settings) -> None:
    """`load_analysis` for its errors alone (`reports serve` before serving)."""
    load_analysis(settings)


def _fingerprint(settings: Settings, words: analysis.Words) -> str:
    """What the analysis depends on: analyzer version, dictionaries, cleaning
    rules, and the type and level lists with the metadata rules' version."""
    h = hashlib.sha256(words.fingerprint.encode())
    for rules in (BUILTIN_RULES, settings.rules_file):
        if rules.is_file():
            h.update(rules.read_bytes())
    h.update(doctypes.META_VERSION.encode())
    for lists in (doctypes.BUILTIN_LISTS, _existing(settings.lists_file)):
        if lists is not None:
            h.update(lists.read_bytes())
    return h.hexdigest()[:16]


def fingerprint(settings: Settings) -> str:
    return load_analysis(settings).fingerprint


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)
