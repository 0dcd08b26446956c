"""What the command line prints, in Chinese: index summaries, results,
concordance lines fitted to the terminal, reports and statistics."""
from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

import click
from wcwidth import wcwidth

from .dedup import overlap_percent
from .indexer import IndexSummary
from .kwic import CONTEXT
from .phrase import KwicLine, PhraseResult
from .searcher import ReportView, SearchResult

ELLIPSIS = "…"
MIN_SIDE = 6          # display columns of context kept each side, however narrow the terminal


def echo(text: str = "", err: bool = False) -> None:
    click.echo(text, err=err)


def mark(text: str) -> str:
    """A hit: red on a terminal, «…» in a pipe."""
    if sys.stdout.isatty():
        return click.style(text, fg="red", bold=True)
    return f"«{text}»"




def ms(seconds_or_ms: float) -> str:
    return f"{seconds_or_ms:.1f} 毫秒"


def timing(query_ms: float, loading_s: float) -> str:
    """用时 3.2 毫秒, and what loading the dictionaries took when it was done now."""
    load = f"（另有首次载入词典 {loading_s:.1f} 秒）" if loading_s >= 0.05 else ""
    return f"用时 {ms(query_ms)}{load}"


# ---------------------------------------------------------------- index

def summary(s: IndexSummary, index_dir: Path) -> None:
    for note in s.notes:  # what an interrupted run left, and how it was recovered
        echo(note)
    if s.rebuilt_because:
        echo(f"重建了整个索引：{s.rebuilt_because}")
    mb = s.text_bytes / 1e6
    speed = f"，{mb / s.seconds:.2f} MB/秒" if s.seconds and mb >= 1 else ""
    echo(f"新增 {s.added}，更新 {s.updated}，删除 {s.removed}，未变 {s.unchanged}，跳过 {len(s.skipped)}"
         f" —— 索引 {index_dir}/ 中共 {s.reports} 篇报告（{s.seconds:.1f} 秒{speed}）")
    if s.copies:
        echo(f"  其中 {s.copies} 个文件与已收录的报告文字相同：记作它的同文副本，不重复收录")
    for name, reason in s.skipped:
        echo(f"  跳过 {name}：{reason}")
    if s.ignored:
        kinds = "、".join(f"{n} 个 {suffix}" for suffix, n in s.ignored.most_common())
        echo(f"  不是报告，未处理：其他类型的文件 {sum(s.ignored.values())} 个（{kinds}）")


# ---------------------------------------------------------------- search

def results(result: SearchResult, loading_s: float) -> None:
    merged = f"（另有 {result.merged} 篇相似稿已合并）" if result.merged else ""
    echo(f"{result.total} 篇{merged} · 第 {result.page}/{result.pages} 页 · "
         f"{timing(result.elapsed_ms, loading_s)}")
    for n, hit in enumerate(result.hits, (result.page - 1) * result.per_page + 1):
        facts = " · ".join(str(x) for x in (hit.year, hit.type, hit.level) if x)
        echo(f"\n{n}. {hit.title}  [{facts}]  {hit.id}")
        for snip in hit.snippets:
            echo("   " + "".join(mark(s.text) if s.match else s.text for s in snip))
        if hit.copies:
            echo("   同文副本：" + "、".join(hit.copies))
        if hit.similar:
            echo(f"   另有 {len(hit.similar)} 份相似：" + "、".join(
                f"{s['id']}（重合 {overlap_percent(s['overlap'])}）" for s in hit.similar))
    if not result.total:
        missing = [t for t, c in result.term_reports.items() if c == 0]
        if missing:
            echo("没有报告包含：" + "、".join(missing))


# ---------------------------------------------------------------- phrase

def width_of(text: str) -> int:
    return sum(max(wcwidth(c), 0) for c in text)


def _tail(text: str, columns: int) -> str:
    """The end of `text` in at most `columns` display columns."""
    out, used = [], 0
    for ch in reversed(text):
        w = max(wcwidth(ch), 0)
        if used + w > columns:
            break
        out.append(ch)
        used += w
    return "".join(reversed(out))


def _head(text: str, columns: int) -> str:
    out, used = [], 0
    for ch in text:
        w = max(wcwidth(ch), 0)
        if used + w > columns:
            break
        out.append(ch)
        used += w
    return "".join(out)


def kwic_line(line: KwicLine, columns: int, key: tuple[int, int] | None = None,
              side: str = "") -> str:
    """One occurrence on one line of `columns` display columns: the left
    context right-aligned, the phrase, the right context, then year and
    report id (what `reports show` takes). … where a context is cut."""
    count = f" ×{line.count}" if line.count > 1 else ""
    source = f"  {line.year or '    '} {line.id}{count}"
    marks = 0 if sys.stdout.isatty() else 2
    room = columns - width_of(line.match) - marks - width_of(source) - 2
    side_cols = max(MIN_SIDE, room // 2)
    left, right = line.left, line.right
    left_cut = len(left) >= CONTEXT
    right_cut = len(right) >= CONTEXT
    if width_of(left) + (1 if left_cut else 0) > side_cols:
        left, left_cut = _tail(left, side_cols - 1), True
    if width_of(right) + (1 if right_cut else 0) > side_cols:
        right, right_cut = _head(right, side_cols - 1), True
    left_shown = (ELLIPSIS if left_cut else "") + left
    right_shown = right + (ELLIPSIS if right_cut else "")
    if key and side and sys.stdout.isatty():  # the sort key, underlined
        text = left if side == "left" else right
        full = line.left if side == "left" else line.right
        offset = len(full) - len(text) if side == "left" else 0
        a, b = key[0] - offset, key[1] - offset
        if 0 <= a < b <= len(text):
            styled = text[:a] + click.style(text[a:b], underline=True) + text[b:]
            if side == "left":
                left_shown = (ELLIPSIS if left_cut else "") + styled
            else:
                right_shown = styled + (ELLIPSIS if right_cut else "")
    pad_left = " " * max(0, side_cols - width_of((ELLIPSIS if left_cut else "") + left))
    pad_right = " " * max(0, side_cols - width_of(right + (ELLIPSIS if right_cut else "")))
    return f"{pad_left}{left_shown}{mark(line.match)}{right_shown}{pad_right}{source}"


def terminal_columns() -> int:
    return max(40, shutil.get_terminal_size((100, 24)).columns)


def phrase(result: PhraseResult, loading_s: float) -> None:
    groups = f"（相似稿合并后 {result.total_groups} 篇）" if result.total_groups < result.total_reports else ""
    echo(f"「{result.phrase}」 {result.total_occurrences} 处，{result.total_reports} 篇{groups}"
         f" · {timing(result.elapsed_ms, loading_s)}")
    if result.lines_from < result.total_occurrences:
        echo(f"列出的是按相关度排在前面的 {result.lines_from} 处；加 --year/--type/--level 缩小范围可看全")
    columns = terminal_columns()
    for line in result.lines:
        echo(kwic_line(line, columns, line.key, result.sort))
    for label, words in (("前接", result.before), ("后接", result.after)):
        if words:
            echo(f"{label}（次数 · 搭配强度）：" + "  ".join(f"{c.word} {c.count}·{c.score:.0f}" for c in words))


# ---------------------------------------------------------------- one report

def report(view: ReportView) -> None:
    facts = " · ".join(str(x) for x in (view.year, view.period, view.type, view.level) if x)
    echo(f"{view.title}\n{facts} · {view.id}")
    if view.copy_of:
        echo(f"与 {view.copy_of} 同文")
    if view.copies:
        echo("同文副本：" + "、".join(view.copies))
    if view.similar:
        echo("相似稿：" + "、".join(f"{s['id']}（重合 {overlap_percent(s['overlap'])}）" for s in view.similar))
    if view.outline:
        echo("\n提纲：")
        for h in view.outline:
            echo("  " * h["depth"] + h["text"])
    body = view.text.split("\n", 1)
    echo("\n" + (body[1] if len(body) > 1 else ""))  # its first line is the title, shown above


def stats(data: dict) -> None:
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(data["updated"])) if data.get("updated") else "—"
    echo(f"{data['reports']} 篇报告，索引 {data['index_bytes'] / 1e6:.1f} MB"
         f"（第 {data['generation']} 版，更新于 {when}）")
    echo(f"{data['files']} 个文件：{data['copies']} 个是同文副本；近似稿 {data['similar_groups']} 组，"
         f"共 {data['in_similar_groups']} 篇")
    for key, label in (("by_year", "年份"), ("by_type", "类型"), ("by_level", "层级")):
        echo(f"{label}：" + "  ".join(f"{k} {v}" for k, v in data[key].items()))
