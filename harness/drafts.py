"""The library the 草稿比对 tests draft from (tests/test_draft.py and the
browser's tests/test_browser_check.py): the five seeds, a copy of one, a
near-duplicate of another, and small generated reports sharing two formulae;
and the seed sentences long enough to be called copied."""
from __future__ import annotations

import shutil
from pathlib import Path

from harness.paths import ROOT, copy_seeds
from search import analysis
from search.clean import clean
from search.draft_match import words_only
from search.readers import read_text

# Two formulae: one every generated report uses (2019–2024), one only those of 2019–2021.
FORMULA = "坚持以习近平新时代中国特色社会主义思想为指导，全面贯彻落实党的二十大精神。"
FADING = "巩固拓展不忘初心、牢记使命主题教育成果，推动党史学习教育常态化长效化。"
GENERATED = 12
COPY = "dups/000-副本.txt"               # the same text as 000_…: a copy
REPOST = "dups/001-转载.txt"             # 001_… re-posted with an edit: a near-duplicate
PLACES = ["东湖", "西岭", "南川", "北塘", "青山", "白水", "红星", "金沙", "石桥", "柳河", "松林", "云台"]


def generated_report(i: int) -> tuple[str, str]:
    year = 2019 + i % 6
    place = PLACES[i % len(PLACES)]
    fading = FADING if year <= 2021 else ""
    body = (f"{place}镇{year}年基层党建工作总结\n"
            f"{year}年，{place}镇党委团结带领全镇党员干部群众真抓实干。{FORMULA}{fading}\n"
            f"一、主要做法\n"
            f"{place}镇新建党群服务中心{i + 2}个，培训党员{40 + 3 * i}人次，{place}村集体经济收入增长{5 + i}%。"
            f"组织{place}片区{i + 7}个支部开展结对共建，解决群众反映的问题{11 + i}件。\n"
            f"二、下一步打算\n"
            f"{year + 1}年，{place}镇将聚焦{place}河流域综合治理，推动{i + 3}个项目落地。\n")
    return f"gen/{year}/{place}-{i:02d}.txt", body


def build_library(dest: Path) -> Path:
    """The five seeds, a copy of one, a near-duplicate of another, and
    GENERATED small reports sharing two formulae."""
    copy_seeds(dest)
    for i in range(GENERATED):
        name, body = generated_report(i)
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        (dest / name).write_text(body, "utf-8")
    (dest / "dups").mkdir()
    shutil.copy(dest / "000_76dcab7e818b9862.txt", dest / COPY)
    text = (dest / "001_febdc8b53386a303.txt").read_text("utf-8")
    (dest / REPOST).write_text("（转载）" + text.replace("不走偏", "不动摇", 1), "utf-8")
    return dest



def seed_sentences() -> dict[str, list[str]]:
    """Sentences of each seed report, cleaned as the index has them, that
    are long enough to be called copied."""
    out = {}
    for path in sorted((ROOT / "corpus").glob("*.txt")):
        text = clean(read_text(path)).text
        starts, ends = analysis.sentence_spans(analysis.fold(text))
        out[path.name] = [text[s:e] for s, e in zip(starts.tolist(), ends.tolist(), strict=True)
                          if len(words_only(text[s:e])) >= 14 and text[e - 1] in "。！？；"]
    return out
