"""Raw report text -> Report, by deletion only.

The cleaned text is always the raw text with some character spans deleted;
`Report.removed` records them, so the original can be shown with the noise
struck through. The rules live in clean_rules.toml (format documented there).
"""
from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .errors import SettingsError

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
    return rules_with(Path(corpus_dir) / RULES_FILE)


def rules_with(path: Path) -> Rules:
    """The built-in rules with those of `path` appended if it exists; cached by mtime."""
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


class RulesError(SettingsError, ValueError):
    """A cleaning rules file that cannot be used. The message (Chinese) names
    the file, the line and the rule; `technical` is the parser's English;
    `problem` the Chinese of it, `line` (1-based), `rule` (its name) and
    `index` (its number) say where, when known."""

    headline = "清理规则有误，原文暂不可看。"

    def __init__(self, path: Path, message: str, problem: str, line: int | None = None,
                 rule: str | None = None, index: int | None = None) -> None:
        self.path, self.problem, self.line, self.rule, self.index = path, problem, line, rule, index
        self.technical = f"{path}{f' line {line}' if line else ''}: {message}"
        where = f"清理规则文件 {path}" + (f" 第 {line} 行" if line else "")
        named = f"，规则「{rule}」" if rule else (f"，第 {index} 条规则" if index else "")
        super().__init__(f"{where}{named}：{problem}。改正后再运行，现有索引不受影响")


class _RuleProblem(ValueError):
    def __init__(self, message: str, problem: str, key: str | None = None) -> None:
        super().__init__(message)
        self.problem, self.key = problem, key


_TOML_AT = re.compile(r"\(at line (\d+), column \d+\)")
_RULE_HEADER = re.compile(r"^[ \t]*\[\[[ \t]*rule[ \t]*\]\]")
_KEY_LINE = re.compile(r"^[ \t]*([A-Za-z_]+)[ \t]*=")


def _read_rules_file(path: Path) -> tuple[Rule, ...]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RulesError(path, "not valid TOML: not UTF-8", "不是 UTF-8 编码（请另存为 UTF-8）",
                         line=data[:exc.start].count(b"\n") + 1) from exc
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        at = _TOML_AT.search(str(exc))
        raise RulesError(path, f"not valid TOML: {exc}", f"不是有效的 TOML（{_TOML_AT.sub('', str(exc)).strip()}）",
                         line=int(at.group(1)) if at else None) from exc
    found = table.get("rule", [])
    if not isinstance(found, list) or not all(isinstance(d, dict) for d in found):
        raise RulesError(path, "rule must be a list of [[rule]] tables", "rule 必须是一组 [[rule]] 表")
    headers = [n for n, line in enumerate(text.split("\n"), 1) if _RULE_HEADER.match(line)]
    rules = []
    for i, d in enumerate(found):
        try:
            rules.append(_parse_rule(d, f"{path} rule #{i + 1}"))
        except _RuleProblem as exc:
            header = headers[i] if len(headers) == len(found) else None
            name = d.get("name") if isinstance(d.get("name"), str) and d.get("name") else None
            raise RulesError(path, str(exc), exc.problem, line=_key_line(text, header, exc.key),
                             rule=name, index=i + 1) from None
    return tuple(rules)


def _key_line(text: str, header: int | None, key: str | None) -> int | None:
    """The line of `key` in the [[rule]] table that starts at line `header`, else `header`."""
    if header is None or key is None:
        return header
    lines = text.split("\n")
    for n in range(header, len(lines)):  # lines after the header (0-based index = header)
        if lines[n].lstrip().startswith("["):
            break
        m = _KEY_LINE.match(lines[n])
        if m and m.group(1) == key:
            return n + 1
    return header


def _parse_rule(d: dict, where: str) -> Rule:
    kind, name = d.get("kind"), d.get("name")
    if not isinstance(kind, str) or kind not in _KINDS or not isinstance(name, str) or not name:
        raise _RuleProblem(f"{where}: needs a name and a kind ({', '.join(_KINDS)})",
                           f"需要 name 和 kind（kind 是 {'、'.join(_KINDS)} 之一）",
                           "kind" if isinstance(name, str) and name else "name")
    unknown = set(d) - _KINDS[kind] - {"kind", "name"}
    if unknown:
        keys = ", ".join(sorted(unknown))
        raise _RuleProblem(f"{where}: unknown keys for a {kind} rule: {keys}",
                           f"{kind} 规则没有这些键：{keys}", min(unknown))
    find = d.get("start" if kind == "block" else "find")
    if find is None or (kind == "block" and ("end" in d) == ("while" in d)):
        missing = 'start and one of end/while' if kind == 'block' else 'find'
        raise _RuleProblem(f"{where}: missing {missing}",
                           "需要 start，以及 end 和 while 二者之一" if kind == "block" else "缺少 find")
    if "endings" in d and isinstance(find, str):
        if not isinstance(d["endings"], list):
            raise _RuleProblem(f"{where}: endings must be a list of strings",
                               "endings 必须是字符串列表", "endings")
        endings = sorted(map(str, d["endings"]), key=len, reverse=True)  # prefer the longest ending
        find = find.replace("{endings}", "|".join(map(re.escape, endings)))
    if d.get("scope", "all") not in ("all", "title"):
        raise _RuleProblem(f"{where}: scope must be 'all' or 'title'", "scope 只能是 'all' 或 'title'", "scope")
    if d.get("anchor", "top") not in ("top", "bottom"):
        raise _RuleProblem(f"{where}: anchor must be 'top' or 'bottom'",
                           "anchor 只能是 'top' 或 'bottom'", "anchor")
    within = d.get("within", 15 if kind == "block" else None)
    for key, value in (("within", within), ("max_lines", d.get("max_lines", 40))):
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
            raise _RuleProblem(f"{where}: {key} must be a positive whole number",
                               f"{key} 必须是正整数", key)

    # Line and block patterns only ever see one line, holding no "\n", where re.M
    # changes nothing but makes `re` try a leading ^ at every position (~2x slower).
    flags = re.MULTILINE if kind == "span" else 0

    def regex(pattern: object, key: str) -> re.Pattern[str]:
        try:
            return re.compile(pattern, flags)  # type: ignore[arg-type]
        except (re.error, TypeError) as exc:
            raise _RuleProblem(f"{where}: bad regular expression {pattern!r}: {exc}",
                               f"{key} 的正则表达式 {pattern!r} 有误（{exc}）", key) from exc

    optional = {key: regex(d[key], key) if key in d else None for key in ("end", "junk", "confirm")}
    find_key = "start" if kind == "block" else "find"
    return Rule(name=name, kind=kind, find=regex(find, find_key), within=within,
                anchor=d.get("anchor", "top"),
                continues=regex(d["while"], "while") if "while" in d else None,
                max_lines=int(d.get("max_lines", 40)), scope=d.get("scope", "all"), **optional)


class _Doc:
    """The raw text and which of its characters are still kept (`text` is the view).
    Deletions are spans, applied with a few vector operations (never a Python
    loop over characters); which rule removed each raw character is an array."""

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.text = raw
        self.codes = np.frombuffer(raw.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        self.kept = np.arange(len(raw))
        self.rule_of = np.full(len(raw), -1, dtype=np.int32)  # -1: kept
        self.rule_names: list[str] = []
        self._lines: list[tuple[int, int, str]] | None = None

    def lines(self) -> list[tuple[int, int, str]]:
        """(start, end, stripped text) of every non-empty line of the view. Kept
        until a deletion: most rules delete nothing, so most reuse it."""
        if self._lines is None:
            text = self.text
            self._lines = [(s, e, line) for s, e in _lines(text) if (line := text[s:e].strip())]
        return self._lines

    def delete(self, spans: Iterable[tuple[int, int]], rule: str) -> None:
        """Delete the characters of [start, end) spans of the current view
        (spans may overlap)."""
        spans = [(a, b) for a, b in spans if b > a]
        if not spans:
            return
        n = len(self.kept)
        edges = np.zeros(n + 1, dtype=np.int32)
        bounds = np.array(spans, dtype=np.int64)
        np.add.at(edges, bounds[:, 0], 1)
        np.add.at(edges, bounds[:, 1], -1)
        drop = np.cumsum(edges[:n]) > 0
        if rule not in self.rule_names:
            self.rule_names.append(rule)
        self.rule_of[self.kept[drop]] = self.rule_names.index(rule)
        self.kept = self.kept[~drop]
        self.text = self.codes[self.kept].tobytes().decode("utf-32-le", "surrogatepass")
        self._lines = None

    def removed(self) -> list[RemovedSpan]:
        """Runs of raw characters removed by one rule, in order."""
        of = self.rule_of
        if not len(of):
            return []
        change = np.flatnonzero(np.diff(of)) + 1
        starts = np.concatenate([[0], change])
        ends = np.concatenate([change, [len(of)]])
        return [RemovedSpan(a, b, self.rule_names[r])
                for a, b, r in zip(starts.tolist(), ends.tolist(), of[starts].tolist(), strict=True)
                if r >= 0]


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


def _block(rule: Rule, lines: list[tuple[int, int, str]]) -> Iterator[tuple[int, int]]:
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
            yield lines[i][0], lines[covered][1]
        return
    for i in _window(rule, len(lines)):
        if rule.find.search(lines[i][2]):
            for _, end, line in lines[i : i + rule.max_lines + 1]:
                if rule.end and rule.end.search(line):
                    yield lines[i][0], end
                    return
            return


def _spans(rule: Rule, text: str) -> Iterator[tuple[int, int]]:
    lo, hi = 0, len(text)
    if rule.scope == "title":
        lo, hi = next(((s, e) for s, e in _lines(text) if text[s:e].strip()), (0, 0))
    for m in rule.find.finditer(text[lo:hi]):
        found = m.group()
        if rule.confirm and not rule.confirm.fullmatch(rule.junk.sub("", found) if rule.junk else found):
            continue
        start = lo + m.start()
        for piece in found.split("\n"):  # a span rule never deletes a newline
            yield start, start + len(piece)
            start += len(piece) + 1


def _apply(rule: Rule, doc: _Doc) -> None:
    if rule.kind == "block":
        doc.delete(_block(rule, doc.lines()), rule.name)
    elif rule.kind == "line":
        lines = doc.lines()
        doc.delete(((lines[i][0], lines[i][1]) for i in _window(rule, len(lines))
                    if rule.find.search(lines[i][2])), rule.name)
    else:
        doc.delete(_spans(rule, doc.text), rule.name)


_INNER_SPACE = re.compile(r"\s{2,}")


def _whitespace(doc: _Doc) -> None:
    """Strip lines, drop blank lines and stray line breaks, squeeze inner whitespace runs."""
    doc.delete(((m.start(), m.end()) for m in _STRAY_BREAK.finditer(doc.text)), "whitespace")
    text, drop, last_kept = doc.text, [], -1
    for s, e in _lines(text):
        line = text[s:e]
        stripped = line.strip()
        if not stripped:
            drop.append((s, min(e + 1, len(text))))  # the line and its newline
            continue
        a, b = s + len(line) - len(line.lstrip()), s + len(line.rstrip())
        drop.append((s, a))
        drop.append((b, e))
        if len(stripped) > 1 and not stripped.isalnum():  # inner runs: only where spaces can be
            for m in _INNER_SPACE.finditer(text, a, b):
                drop.append((m.start() + 1, m.end()))
        last_kept = e
    if 0 <= last_kept < len(text):
        drop.append((last_kept, last_kept + 1))  # the newline after the last kept line
    doc.delete(drop, "whitespace")


def clean(raw: str, rules: Rules | None = None) -> Report:
    """Apply the rules (default: built-in) and the whitespace pass to `raw`."""
    doc = _Doc(raw)
    for rule in (rules or _default_rules()).rules:
        _apply(rule, doc)
    _whitespace(doc)
    title, _, body = doc.text.partition("\n")
    return Report(title=title, body=body, removed=doc.removed())
