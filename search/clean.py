"""Raw report text -> Report, by deletion only.

The cleaned text is always the raw text with some character spans deleted;
`Report.removed` records them, so the original can be shown with the noise
struck through. The rules live in clean_rules.toml (format documented there).
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

RULES_FILE = "clean_rules.toml"  # built in beside this module; a corpus may add its own
BUILTIN_RULES = Path(__file__).with_name(RULES_FILE)
# Characters str.splitlines() treats as line breaks; only "\n" may separate lines.
_STRAY_BREAK = re.compile("[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_KINDS = {"block": {"start", "end", "while", "within", "max_lines", "anchor"},
          "line": {"find", "within", "anchor"},
          "span": {"find", "junk", "confirm", "endings", "scope"}}


@dataclass(frozen=True)
class RemovedSpan:
    start: int  # offsets into the raw text (after newline normalization)
    end: int
    rule: str  # name of the rule that removed it


@dataclass
class Report:
    title: str  # first line of the cleaned text
    body: str  # the other paragraphs joined by "\n"
    removed: list[RemovedSpan]  # sorted, non-overlapping

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.body}" if self.body else self.title

    @property
    def paragraphs(self) -> list[str]:
        return self.body.split("\n") if self.body else []


@dataclass(frozen=True)
class Rule:
    name: str
    kind: str  # "block" | "line" | "span"
    find: re.Pattern[str]  # the start pattern for a block
    end: re.Pattern[str] | None = None
    continues: re.Pattern[str] | None = None  # a block's `while`: it goes on over lines matching this
    within: int | None = 15  # a line rule: None = every line
    anchor: str = "top"  # "top" | "bottom": where `within` counts from
    max_lines: int = 40
    junk: re.Pattern[str] | None = None
    confirm: re.Pattern[str] | None = None
    scope: str = "all"  # "all" | "title"


@dataclass(frozen=True)
class Rules:
    rules: tuple[Rule, ...]


def load_rules(extra: Path | None = None) -> Rules:
    """The built-in rules, then those of `extra` (same format) if given."""
    rules = _read_rules_file(BUILTIN_RULES)
    return Rules(rules + (_read_rules_file(Path(extra)) if extra else ()))


_corpus_cache: dict[Path, tuple[int, Rules]] = {}


def corpus_rules(corpus_dir: Path) -> Rules:
    """Rules for a corpus: its clean_rules.toml appended if present; cached by mtime."""
    path = Path(corpus_dir) / RULES_FILE
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        return _default_rules()
    cached = _corpus_cache.get(path)
    if cached is None or cached[0] != mtime:
        cached = _corpus_cache[path] = (mtime, load_rules(path))
    return cached[1]


@lru_cache(maxsize=1)
def _default_rules() -> Rules:
    return load_rules()


def _read_rules_file(path: Path) -> tuple[Rule, ...]:
    with open(path, "rb") as fh:
        try:
            data = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"{path}: not valid TOML: {exc}") from exc
    return tuple(_parse_rule(d, f"{path} rule #{i + 1}") for i, d in enumerate(data.get("rule", [])))


def _parse_rule(d: dict, where: str) -> Rule:
    kind, name = d.get("kind"), d.get("name")
    if kind not in _KINDS or not isinstance(name, str) or not name:
        raise ValueError(f"{where}: needs a name and a kind ({', '.join(_KINDS)})")
    unknown = set(d) - _KINDS[kind] - {"kind", "name"}
    if unknown:
        raise ValueError(f"{where}: unknown keys for a {kind} rule: {', '.join(sorted(unknown))}")
    find = d.get("start" if kind == "block" else "find")
    if find is None or (kind == "block" and ("end" in d) == ("while" in d)):
        raise ValueError(f"{where}: missing {'start and one of end/while' if kind == 'block' else 'find'}")
    if "endings" in d and isinstance(find, str):
        endings = sorted(map(str, d["endings"]), key=len, reverse=True)  # prefer the longest ending
        find = find.replace("{endings}", "|".join(map(re.escape, endings)))
    if d.get("scope", "all") not in ("all", "title"):
        raise ValueError(f"{where}: scope must be 'all' or 'title'")
    if d.get("anchor", "top") not in ("top", "bottom"):
        raise ValueError(f"{where}: anchor must be 'top' or 'bottom'")
    within = d.get("within", 15 if kind == "block" else None)
    if within is not None and (not isinstance(within, int) or isinstance(within, bool) or within < 1):
        raise ValueError(f"{where}: within must be a positive whole number")

    # Line and block patterns only ever see one line, holding no "\n", where re.M
    # changes nothing but makes `re` try a leading ^ at every position (~2x slower).
    flags = re.M if kind == "span" else 0

    def regex(pattern: object) -> re.Pattern[str]:
        try:
            return re.compile(pattern, flags)  # type: ignore[arg-type]
        except (re.error, TypeError) as exc:
            raise ValueError(f"{where}: bad regular expression {pattern!r}: {exc}") from exc

    optional = {key: regex(d[key]) if key in d else None for key in ("end", "junk", "confirm")}
    return Rule(name=name, kind=kind, find=regex(find), within=within, anchor=d.get("anchor", "top"),
                continues=regex(d["while"]) if "while" in d else None,
                max_lines=int(d.get("max_lines", 40)), scope=d.get("scope", "all"), **optional)


class _Doc:
    """The raw text and which of its characters are still kept (`text` is the view).
    Kept offsets and code points are numpy arrays: a deletion costs a few
    vector operations, not a Python loop over the text."""

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.text = raw
        self.codes = np.frombuffer(raw.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        self.kept = np.arange(len(raw))
        self.rule_at: dict[int, str] = {}
        self._lines: list[tuple[int, int, str]] | None = None

    def lines(self) -> list[tuple[int, int, str]]:
        """(start, end, stripped text) of every non-empty line of the view. Kept
        until a deletion: most rules delete nothing, so most reuse it."""
        if self._lines is None:
            text = self.text
            self._lines = [(s, e, line) for s, e in _lines(text) if (line := text[s:e].strip())]
        return self._lines

    def delete(self, positions: Iterable[int], rule: str) -> None:
        """Delete characters given by their offsets in the current view."""
        drop = np.fromiter(set(positions), dtype=np.int64)
        if not drop.size:
            return
        for raw_offset in self.kept[drop].tolist():
            self.rule_at[raw_offset] = rule
        keep = np.ones(len(self.kept), dtype=bool)
        keep[drop] = False
        self.kept = self.kept[keep]
        self.text = self.codes[self.kept].tobytes().decode("utf-32-le", "surrogatepass")
        self._lines = None

    def removed(self) -> list[RemovedSpan]:
        spans: list[RemovedSpan] = []
        for pos in sorted(self.rule_at):
            rule = self.rule_at[pos]
            if spans and spans[-1].end == pos and spans[-1].rule == rule:
                spans[-1] = RemovedSpan(spans[-1].start, pos + 1, rule)
            else:
                spans.append(RemovedSpan(pos, pos + 1, rule))
        return spans


def _lines(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of every line, without its newline."""
    start = 0
    for line in text.split("\n"):
        yield start, start + len(line)
        start += len(line) + 1


def _window(rule: Rule, count: int) -> range:
    """Indexes of the non-empty lines a rule may start on: the first or last `within`."""
    if rule.within is None:
        return range(count)
    return range(min(rule.within, count)) if rule.anchor == "top" else range(max(0, count - rule.within), count)


def _block(rule: Rule, lines: list[tuple[int, int, str]]) -> Iterator[int]:
    if rule.continues is not None:
        # Every start line in the window opens a block, which runs on over the lines
        # matching `while` and stops before the first one that does not.
        covered = -1
        for i in _window(rule, len(lines)):
            if i <= covered or not rule.find.search(lines[i][2]):
                continue
            covered = i
            while covered + 1 < len(lines) and rule.continues.search(lines[covered + 1][2]):
                covered += 1
            yield from range(lines[i][0], lines[covered][1])
        return
    for i in _window(rule, len(lines)):
        if rule.find.search(lines[i][2]):
            for _, end, line in lines[i : i + rule.max_lines + 1]:
                if rule.end and rule.end.search(line):
                    yield from range(lines[i][0], end)
                    return
            return


def _spans(rule: Rule, text: str) -> Iterator[int]:
    lo, hi = 0, len(text)
    if rule.scope == "title":
        lo, hi = next(((s, e) for s, e in _lines(text) if text[s:e].strip()), (0, 0))
    for m in rule.find.finditer(text[lo:hi]):
        found = m.group()
        if rule.confirm and not rule.confirm.fullmatch(rule.junk.sub("", found) if rule.junk else found):
            continue
        yield from (lo + j for j in range(m.start(), m.end()) if found[j - m.start()] != "\n")


def _apply(rule: Rule, doc: _Doc) -> None:
    if rule.kind == "block":
        doc.delete(_block(rule, doc.lines()), rule.name)
    elif rule.kind == "line":
        lines = doc.lines()
        doc.delete((j for i in _window(rule, len(lines)) if rule.find.search(lines[i][2])
                    for j in range(lines[i][0], lines[i][1])), rule.name)
    else:
        doc.delete(_spans(rule, doc.text), rule.name)


def _whitespace(doc: _Doc) -> None:
    """Strip lines, drop blank lines and stray line breaks, squeeze inner whitespace runs."""
    doc.delete((m.start() for m in _STRAY_BREAK.finditer(doc.text)), "whitespace")
    text, drop, last_kept = doc.text, [], -1
    for s, e in _lines(text):
        line = text[s:e]
        if not line.strip():
            drop.extend(range(s, min(e + 1, len(text))))  # the line and its newline
            continue
        a, b = s + len(line) - len(line.lstrip()), s + len(line.rstrip())
        drop.extend(range(s, a))
        drop.extend(range(b, e))
        for m in re.finditer(r"\s{2,}", text[a:b]):
            drop.extend(range(a + m.start() + 1, a + m.end()))
        last_kept = e
    if 0 <= last_kept < len(text):
        drop.append(last_kept)  # the newline after the last kept line
    doc.delete(drop, "whitespace")


def clean(raw: str, rules: Rules | None = None) -> Report:
    """Apply the rules (default: built-in) and the whitespace pass to `raw`."""
    doc = _Doc(raw)
    for rule in (rules or _default_rules()).rules:
        _apply(rule, doc)
    _whitespace(doc)
    title, _, body = doc.text.partition("\n")
    return Report(title=title, body=body, removed=doc.removed())
