"""A draft check as a Word document: the draft itself, its copied sentences
highlighted in yellow and its 套话 in grey, each with a comment naming its
sources (a copied sentence) or how many reports use it, year by year (a
套话); a comment on the title sums up the check."""
from __future__ import annotations

from pathlib import Path

from .draft import CheckResult, Sentence

CLASS_NAMES = {"new": "新写", "common": "套话", "copied": "照搬"}
AUTHOR = "报告检索·草稿比对"
INITIALS = "比对"


def percent(share: float) -> str:
    return f"{share * 100:.1f}%"


def overlap_text(overlap: float) -> str:
    """1.0 is the very sentence; a near-copy is never shown as 100 %."""
    return "原句" if overlap >= 1.0 else f"重合 {min(overlap * 100, 99):.0f}%"


def summary_lines(result: CheckResult) -> list[str]:
    share = result.share
    lines = [(f"草稿比对：{len(result.sentences)} 句，对照 {result.library_reports} 篇报告"
              f"（{result.common_at} 篇及以上都用的句子算套话）"),
             "新写 {} · 套话 {} · 照搬 {}".format(*(percent(share[c]) for c in ("new", "common", "copied")))]
    if result.top_reports:
        lines.append("照搬最多的报告：")
        for n, t in enumerate(result.top_reports, 1):
            year = f"（{t.year}）" if t.year else ""
            lines.append(f"{n}. 《{t.title}》{year} {t.chars} 字，{t.sentences} 句 — {t.id}")
    return lines


def comment_lines(s: Sentence) -> list[str]:
    if s.cls == "copied":
        lines = [f"照搬：见于 {s.reports} 篇报告"]
        for src in s.sources:
            year = f"（{src.year}）" if src.year else ""
            lines.append(f"《{src.title}》{year} {overlap_text(src.overlap)} — {src.id}")
            if src.overlap < 1.0:
                lines.append(f"  原文：{src.text}")
        return lines
    years = " · ".join(f"{y} 年 {n} 篇" for y, n in s.by_year.items())
    lines = [f"套话：{s.reports} 篇报告都用"] + ([f"按年份：{years}"] if years else [])
    return lines + [f"例：《{src.title}》" + (f"（{src.year}）" if src.year else "") for src in s.sources[:3]]


def write_docx(result: CheckResult, path: Path) -> None:
    from docx import Document
    from docx.enum.text import WD_COLOR_INDEX
    from docx.oxml.ns import qn

    colours = {"copied": WD_COLOR_INDEX.YELLOW, "common": WD_COLOR_INDEX.GRAY_25}
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = "SimSun"
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    text = result.text
    sentences = sorted(result.sentences, key=lambda s: s.offset)
    k, pos = 0, 0
    first_run = None
    for number, line in enumerate(text.split("\n")):
        start, end = pos, pos + len(line)
        pos = end + 1
        paragraph = doc.add_paragraph(style="Title" if number == 0 else None)
        at = start
        while at < end:
            while k < len(sentences) and sentences[k].offset + len(sentences[k].text) <= at:
                k += 1
            s = sentences[k] if k < len(sentences) and sentences[k].offset < end else None
            if s is None or s.offset > at:  # text between sentences
                stop = end if s is None else s.offset
                run = paragraph.add_run(text[at:stop])
                at = stop
            else:
                stop = min(end, s.offset + len(s.text))
                run = paragraph.add_run(text[at:stop])
                if s.cls in colours:
                    run.font.highlight_color = colours[s.cls]
                    if at == s.offset:
                        doc.add_comment(run, "\n".join(comment_lines(s)), author=AUTHOR, initials=INITIALS)
                at = stop
            if first_run is None:
                first_run = run
    if first_run is not None:
        doc.add_comment(first_run, "\n".join(summary_lines(result)), author=AUTHOR, initials=INITIALS)
    doc.save(str(path))
