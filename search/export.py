"""Phrase lines and result lists as files a drafter opens in Word or Excel:
.xlsx (openpyxl), .docx (python-docx, every passage with its citation) and
CSV (UTF-8 with a BOM, so that Excel reads the Chinese). Built from the same
result objects as the pages, the JSON and the command line.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from .highlight import Segment
from .phrase import KwicLine, PhraseResult
from .searcher import SearchResult

FORMATS = ("xlsx", "docx", "csv")
MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "csv": "text/csv; charset=utf-8",
}
PHRASE_LINES = 10000   # lines of a phrase exported at most (as many as a sort orders)
SEARCH_HITS = 1000     # results of a search exported at most

PHRASE_COLUMNS = ("序号", "前文", "提法", "后文", "整句", "标题", "年份", "类型", "层级", "报告", "相同句子", "引文")
SEARCH_COLUMNS = ("序号", "标题", "年份", "类型", "层级", "报告", "摘要", "引文")
_WIDTHS = {"序号": 6, "前文": 32, "提法": 12, "后文": 32, "整句": 60, "标题": 36, "年份": 7, "类型": 10,
           "层级": 7, "报告": 30, "相同句子": 9, "摘要": 80, "引文": 80}


def citation(text: str, title: str, year: int | None) -> str:
    """A passage with its source, as every copy button and export gives it:
    …（来源：《标题》，2023年）."""
    when = f"，{year}年" if year else ""
    return f"{text}（来源：《{title}》{when}）"


def plain(segments: list[Segment]) -> str:
    """A snippet as text, without the … that mark its cuts."""
    return "".join(s.text for s in segments).strip("…")


@dataclass
class Table:
    title: str              # what was asked, for the file's heading
    summary: str            # totals, and what was left out
    columns: tuple[str, ...]
    rows: list[tuple]
    passages: list[tuple[list[tuple[str, bool]], str]]  # for Word: (text pieces, marked?), source


def phrase_table(result: PhraseResult) -> Table:
    rows, passages = [], []
    for n, line in enumerate(result.lines, 1):
        rows.append((n, line.left, line.match, line.right, line.sentence, line.title, line.year or "",
                     line.type, line.level, line.id, line.count,
                     citation(line.sentence, line.title, line.year)))
        passages.append((_marked_sentence(line), _source(line.title, line.year, line.id, line.count)))
    summary = f"「{result.phrase}」{result.total_occurrences} 处，{result.total_reports} 篇"
    if result.lines_from < result.total_occurrences:
        summary += f"；按相关度排在前面的 {result.lines_from} 处"
    if result.total_lines is not None and result.total_lines > len(result.lines):
        summary += f"；共 {result.total_lines} 行，只导出前 {len(result.lines)} 行"
    return Table(f"「{result.phrase}」的用法", summary, PHRASE_COLUMNS, rows, passages)


def search_table(result: SearchResult) -> Table:
    rows, passages = [], []
    for n, hit in enumerate(result.hits, 1):
        texts = [plain(s) for s in hit.snippets]
        first = texts[0] if texts else ""
        rows.append((n, hit.title, hit.year or "", hit.type, hit.level, hit.id, " / ".join(texts),
                     citation(first, hit.title, hit.year) if first else ""))
        for snip in hit.snippets or [[]]:
            pieces = [(s.text, s.match) for s in snip if s.text] or [(hit.title, False)]
            passages.append((_strip_ellipsis(pieces), _source(hit.title, hit.year, hit.id, 1)))
    shown = len(result.hits)
    summary = f"「{result.query}」{result.total} 篇" if result.query else f"{result.total} 篇"
    if shown < result.total:
        summary += f"，只导出前 {shown} 篇"
    return Table(f"「{result.query}」的检索结果" if result.query else "检索结果", summary,
                 SEARCH_COLUMNS, rows, passages)


def _marked_sentence(line: KwicLine) -> list[tuple[str, bool]]:
    """The line's sentence with the occurrence at its offset marked."""
    at = line.sentence.find(line.left[-8:] + line.match) if line.left else -1
    at = at + len(line.left[-8:]) if at >= 0 else line.sentence.find(line.match)
    if at < 0:
        return [(line.sentence, False)]
    end = at + len(line.match)
    return [p for p in ((line.sentence[:at], False), (line.match, True), (line.sentence[end:], False)) if p[0]]


def _strip_ellipsis(pieces: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    if pieces and pieces[0] == ("…", False):
        pieces = pieces[1:]
    if pieces and pieces[-1] == ("…", False):
        pieces = pieces[:-1]
    return pieces


def _source(title: str, year: int | None, doc_id: str, count: int) -> str:
    when = f"，{year}年" if year else ""
    again = f"（相同句子 {count} 处）" if count > 1 else ""
    return f"（来源：《{title}》{when}）{again}　{doc_id}"


# ---------------------------------------------------------------- writers

def write(table: Table, fmt: str) -> bytes:
    if fmt == "xlsx":
        return to_xlsx(table)
    if fmt == "docx":
        return to_docx(table)
    if fmt == "csv":
        return to_csv(table)
    raise ValueError(f"unknown export format {fmt!r}")


def to_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.columns)
    writer.writerows([_csv_cell(v) for v in row] for row in table.rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(table: Table) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = "查提法" if table.columns == PHRASE_COLUMNS else "检索结果"
    sheet.append(list(table.columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        sheet.append(list(row))
        for cell in sheet[sheet.max_row]:
            if cell.data_type == "f":  # text that starts with = stays text, never a formula
                cell.data_type = "s"
    for i, name in enumerate(table.columns, 1):
        sheet.column_dimensions[get_column_letter(i)].width = _WIDTHS.get(name, 12)
    if table.columns == PHRASE_COLUMNS:  # the phrase stands out between its contexts
        for row in sheet.iter_rows(min_row=2, min_col=2, max_col=4):
            row[0].alignment = Alignment(horizontal="right")
            row[1].font = Font(bold=True, color="A23A2F")
            row[1].alignment = Alignment(horizontal="center")
    sheet.freeze_panes = "A2"
    notes = book.create_sheet("说明")
    notes.append([table.title])
    notes.append([table.summary])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _csv_cell(value):
    """Text that Excel would run as a formula when it opens a CSV (=, +, -,
    @ first) gets a leading ' , as OWASP advises."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_docx(table: Table) -> bytes:
    from docx import Document
    from docx.enum.text import WD_COLOR_INDEX
    from docx.shared import Pt, RGBColor

    doc = Document()
    doc.add_heading(table.title, level=1)
    doc.add_paragraph(table.summary)
    for n, (pieces, source) in enumerate(table.passages, 1):
        para = doc.add_paragraph()
        para.add_run(f"{n}. ")
        for text, marked in pieces:
            run = para.add_run(text)
            if marked:
                run.bold = True
                run.font.highlight_color = WD_COLOR_INDEX.YELLOW
        src = para.add_run(source)
        src.font.size = Pt(9)
        src.font.color.rgb = RGBColor(0x6A, 0x73, 0x7D)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
