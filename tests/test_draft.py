"""草稿比对: drafts built from the library (sentences copied verbatim, copied
then edited, and sentences that appear nowhere) checked against a real
index of real files; the CLI and its .docx output."""
from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ROOT, copy_seeds

from search import analysis, draft
from search.clean import clean
from search.draft_match import core_bounds, words_only
from search.settings import Settings
from search.indexer import index_corpus
from search.readers import read_text
from search.searcher import Library

# ---------------------------------------------------------------- the library

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


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path, Library]:
    base = tmp_path_factory.mktemp("draft")
    corpus = build_library(base / "corpus")
    index = base / "index"
    summary = index_corpus(corpus, index, jobs=1)
    assert not summary.skipped
    return corpus, index, Library(index)


# ---------------------------------------------------------------- drafts

@dataclass
class Planted:
    text: str            # the sentence as put in the draft
    kind: str            # "verbatim" | "edited" | "new"
    origin: str = ""     # the report it was taken from


SWAPS = ["工作", "事业", "任务", "能力", "水平", "质量", "机制", "体系", "成效", "作用", "基础", "力度"]
FRESH_PLACES = ["桂花", "荷塘", "雁门", "鹿鸣", "龙潭", "凤岭", "茶山", "松溪"]
FRESH_TOPICS = ["冬季护林防火", "农村饮水安全", "老旧小区加装电梯", "校园周边交通秩序", "古树名木保护",
                "外卖骑手权益保障", "农机跨区作业", "渔船安全生产"]
FRESH_ACTS = ["走访排查", "集中整治", "入户宣讲", "联合巡查", "分片包干", "台账销号"]


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


def edit(sentence: str, rng: random.Random) -> str:
    """The sentence with one edit: a figure changed, a word replaced, or its punctuation changed."""
    kinds = ["word", "punctuation"] + (["figure"] * 2 if re.search(r"\d", sentence) else [])
    kind = rng.choice(kinds)
    if kind == "figure":
        runs = list(re.finditer(r"\d+", sentence))
        m = rng.choice(runs)
        new = str(int(m.group()) + rng.randrange(1, 9) * 10 ** max(0, len(m.group()) - 1))
        return sentence[:m.start()] + new + sentence[m.end():]
    if kind == "word":
        words = [w for w in analysis.segmenter().cut(sentence) if len(w) == 2 and re.fullmatch(r"\w+", w)]
        if words:
            w = rng.choice(words[1:-1] or words)
            at = sentence.index(w)
            return sentence[:at] + rng.choice([s for s in SWAPS if s != w]) + sentence[at + 2:]
    commas = [m.start() for m in re.finditer("，", sentence)]
    choice = rng.randrange(3)
    if commas and choice == 0:
        at = rng.choice(commas)
        return sentence[:at] + rng.choice("、；") + sentence[at + 1:]
    if commas and choice == 1:
        at = rng.choice(commas)
        return sentence[:at] + sentence[at + 1:]
    return sentence.rstrip("。；！") + rng.choice("！；") if sentence.endswith("。") else sentence + "。"


def new_sentence(pool: list[str], rng: random.Random) -> str:
    """A sentence that appears nowhere: half of it from each of two library
    sentences (joined at commas), or made up."""
    if rng.random() < 0.5:
        a, b = rng.sample(pool, 2)
        ca, cb = re.split("(?<=，)", a.rstrip("。；！？")), re.split("(?<=，)", b)
        if len(ca) > 1 and len(cb) > 1:
            head = "".join(ca[:max(1, len(ca) // 2)])
            tail = "".join(cb[len(cb) // 2:])
            if 0.3 < len(head) / (len(head) + len(tail)) < 0.6:
                return head + tail
    place, topic, act = rng.choice(FRESH_PLACES), rng.choice(FRESH_TOPICS), rng.choice(FRESH_ACTS)
    return (f"{place}{rng.choice('镇乡村街道')}围绕{topic}，采取{act}的办法，"
            f"{rng.randrange(2, 40)}名干部{rng.choice(['下沉一线', '包村到户', '轮班值守'])}，"
            f"{rng.choice(['收集', '梳理', '化解'])}问题{rng.randrange(3, 300)}条。")


def make_draft(rng: random.Random, sentences: int = 50) -> list[Planted]:
    """30 % verbatim copies, 20 % copies with one edit, 50 % new sentences, shuffled."""
    by_report = seed_sentences()
    pool = [(name, s) for name, ss in by_report.items() for s in ss]
    picked = rng.sample(pool, sentences // 2)
    verbatim = round(sentences * 0.3)
    planted = [Planted(s, "verbatim", name) for name, s in picked[:verbatim]]
    planted += [Planted(edit(s, rng), "edited", name) for name, s in picked[verbatim:]]
    texts = [s for _, s in pool]
    while len(planted) < sentences:
        s = new_sentence(texts, rng)
        if nowhere(s):
            planted.append(Planted(s, "new"))
    rng.shuffle(planted)
    return planted


def library_texts() -> list[str]:
    """The folded cleaned text of every report of build_library (the oracle: plain `in`)."""
    seeds = [clean(read_text(p)).text for p in sorted((ROOT / "corpus").glob("*.txt"))]
    return [analysis.fold(t) for t in seeds + [generated_report(i)[1] for i in range(GENERATED)]]


def nowhere(sentence: str) -> bool:
    """Whether no library report holds the sentence (spliced halves may make one it has)."""
    folded = analysis.fold(sentence)
    a, b = core_bounds(folded)
    return not any(folded[a:b] in text for text in _LIBRARY_TEXTS)


_LIBRARY_TEXTS = library_texts()


def as_text(planted: list[Planted], rng: random.Random) -> str:
    """Paragraphs of two to five sentences under a title."""
    lines, i = ["关于某镇2024年工作情况的汇报"], 0
    while i < len(planted):
        n = rng.randrange(2, 6)
        lines.append("".join(p.text for p in planted[i:i + n]))
        i += n
    return "\n".join(lines)


def outcome(result: draft.CheckResult, planted: list[Planted]) -> list[tuple[Planted, list[draft.Sentence]]]:
    """Each planted sentence with the checked sentences it became (one, or
    two when an edit split it at a new ；)."""
    out, sentences = [], result.sentences
    for p in planted:
        a = result.text.find(p.text)
        assert a >= 0, p.text
        out.append((p, [s for s in sentences if a <= s.offset < a + len(p.text)]))
    return out


def detected(sentences: list[draft.Sentence]) -> bool:
    return any(s.cls in ("copied", "common") for s in sentences)


def sources_of(sentences: list[draft.Sentence]) -> set[str]:
    return {src.id for s in sentences for src in s.sources}


# ---------------------------------------------------------------- recall

def test_copies_are_found_and_new_sentences_are_not(built):
    """Ten drafts of 50 sentences: 30 % copied verbatim, 20 % copied with one
    edit, 50 % that appear nowhere (two library sentences spliced at a
    comma, or made up)."""
    _, _, library = built
    found = {"verbatim": 0, "edited": 0, "new": 0}
    planted_n = {"verbatim": 0, "edited": 0, "new": 0}
    wrong_source = []
    for seed in range(10):
        rng = random.Random(seed)
        planted = make_draft(rng)
        result = draft.check(library, as_text(planted, rng))
        for p, sentences in outcome(result, planted):
            planted_n[p.kind] += 1
            if not detected(sentences):
                continue
            found[p.kind] += 1
            # The report it came from, as the library holds it: the copy's
            # original, or (a near-duplicate counted once) either of the pair.
            if p.kind != "new" and not sources_of(sentences) & {p.origin, REPOST if p.origin.startswith("001") else ""}:
                wrong_source.append((p.text, p.origin, sources_of(sentences)))
    recall = {k: found[k] / planted_n[k] for k in ("verbatim", "edited")}
    false_positive = found["new"] / planted_n["new"]
    print(f"\nrecall verbatim {recall['verbatim']:.3f} ({found['verbatim']}/{planted_n['verbatim']}), "
          f"edited {recall['edited']:.3f} ({found['edited']}/{planted_n['edited']}); "
          f"new reported as copied {false_positive:.3f} ({found['new']}/{planted_n['new']})")
    assert planted_n == {"verbatim": 150, "edited": 100, "new": 250}
    assert recall["verbatim"] >= 0.95
    assert recall["edited"] >= 0.80
    assert false_positive <= 0.02
    assert not wrong_source


def test_a_verbatim_copy_names_its_report_year_and_offset(built):
    _, _, library = built
    name, sentence = "004_c3b5e33bd99874ad.txt", seed_sentences()["004_c3b5e33bd99874ad.txt"][7]
    result = draft.check(library, "新写的标题\n" + sentence)
    s = result.sentences[-1]
    assert (s.cls, s.reports, s.text) == ("copied", 1, sentence)
    src = s.sources[0]
    view = library.report(name)
    assert (src.id, src.title, src.year, src.overlap) == (name, view.title, view.year, 1.0)
    assert view.text[src.offset:src.offset + len(src.text)] == src.text == sentence  # with its end mark


def test_an_edited_copy_shows_its_overlap_and_the_library_sentence(built):
    _, _, library = built
    original = next(s for s in seed_sentences()["002_34095a95df17f33c.txt"] if 30 <= len(s) <= 80)
    words = [w for w in analysis.segmenter().cut(original) if len(w) == 2 and re.fullmatch(r"\w+", w)]
    edited = original.replace(words[len(words) // 2], "某某", 1)
    s = draft.check(library, edited).sentences[0]
    assert s.cls == "copied"
    src = s.sources[0]
    assert src.id == "002_34095a95df17f33c.txt"
    assert draft.draft_match.NEAR <= src.overlap < 1.0
    assert src.text == original


def test_punctuation_at_the_ends_is_ignored_and_boundaries_are_respected(built):
    """The whole sentence, whatever its end mark; not the same words inside a longer sentence."""
    _, _, library = built
    sentence = seed_sentences()["003_df19bd985d99e2e9.txt"][5]
    bare = sentence.rstrip("。！？；")
    for variant in (bare + "！", "“" + bare + "”", bare):
        s = draft.check(library, variant).sentences[0]
        assert s.cls == "copied" and s.sources[0].overlap == 1.0, variant
    # A clause of a library sentence is not the whole sentence: at best a near-copy.
    clause = FORMULA.split("，")[0]
    s = draft.check(library, clause + "。").sentences[0]
    assert all(src.overlap < 1.0 for src in s.sources)


# ---------------------------------------------------------------- 套话

def test_a_sentence_in_many_reports_is_common_with_its_use_by_year(built):
    _, _, library = built
    result = draft.check(library, f"关于某项工作的汇报\n{FORMULA}{FADING}今年，我们将继续推进此项工作，务求实效。")
    formula, fading, new = result.sentences[1:]
    assert (formula.cls, formula.reports) == ("common", GENERATED)
    assert formula.by_year == {str(y): 2 for y in range(2019, 2025)}
    assert (fading.cls, fading.reports) == ("common", 6)
    assert fading.by_year == {"2019": 2, "2020": 2, "2021": 2}   # a formula that faded
    assert new.cls == "new" and not new.sources
    assert len(formula.sources) == draft.EXAMPLES_SHOWN
    assert formula.sources[0].year == 2024   # the newest first


def test_the_threshold_is_a_setting(built):
    _, _, library = built
    s = draft.check(library, FORMULA, common_at=GENERATED + 1).sentences[0]
    assert (s.cls, s.reports, len(s.sources)) == ("copied", GENERATED, draft.SOURCES_SHOWN)
    s = draft.check(library, FADING, common_at=7).sentences[0]
    assert (s.cls, s.reports) == ("copied", 6)


def test_copies_and_near_duplicates_count_once(built):
    _, _, library = built
    from_copied = seed_sentences()["000_76dcab7e818b9862.txt"][3]      # its file has a copy
    from_reposted = seed_sentences()["001_febdc8b53386a303.txt"][9]    # re-posted as a near-duplicate
    result = draft.check(library, from_copied + from_reposted)
    a, b = result.sentences
    assert (a.cls, a.reports, [s.id for s in a.sources]) == ("copied", 1, ["000_76dcab7e818b9862.txt"])
    assert (b.cls, b.reports, len(b.sources)) == ("copied", 1, 1)
    assert b.sources[0].id in ("001_febdc8b53386a303.txt", REPOST) and b.sources[0].similar == 1


def test_short_sentences_are_never_called_copied(built):
    _, _, library = built
    result = draft.check(library, "一、主要做法\n同志们：\n二、下一步打算")
    assert [(s.text, s.cls) for s in result.sentences] == [
        ("一、主要做法", "common"), ("同志们：", "new"), ("二、下一步打算", "common")]


# ---------------------------------------------------------------- shares and reports

def test_shares_and_the_reports_copied_most(built):
    _, _, library = built
    seeds = seed_sentences()
    most, less = seeds["004_c3b5e33bd99874ad.txt"][10:16], seeds["002_34095a95df17f33c.txt"][20:22]
    new = "这是一句全新的话，从来没有人写过。另一句也是新的，谁也没有见过。"
    result = draft.check(library, "标题\n" + "".join(most) + new + "".join(less))
    chars = {c: sum(len(s.text) for s in result.sentences if s.cls == c) for c in draft.CLASSES}
    total = sum(chars.values())
    assert result.share == {c: round(n / total, 3) for c, n in chars.items()}
    top = result.top_reports
    assert [t.id for t in top[:2]] == ["004_c3b5e33bd99874ad.txt", "002_34095a95df17f33c.txt"]
    assert top[0].sentences == len(most)
    assert top[0].chars == sum(len(words_only(s)) for s in most)
    view = library.report(top[0].id)
    assert view.text[top[0].offset:].startswith(top[0].text) and top[0].text in most[0]


# ---------------------------------------------------------------- input

def test_files_are_read_and_cleaned_as_reports_are(built, tmp_path):
    _, _, library = built
    import docx

    sentences = seed_sentences()["003_df19bd985d99e2e9.txt"][10:14]
    document = docx.Document()
    document.add_heading("某镇工作汇报", level=1)
    for s in sentences:
        document.add_paragraph(s)
    path = tmp_path / "草稿.docx"
    document.save(str(path))
    from_file = draft.check(library, draft.read_path(path))
    from_upload = draft.check(library, draft.read_upload("草稿.docx", path.read_bytes()))
    assert [s.cls for s in from_file.sentences] == ["new"] + ["copied"] * 4
    assert from_upload.to_json()["sentences"] == from_file.to_json()["sentences"]
    # the cleaning rules apply: a watermark spliced into a sentence is removed
    marked = sentences[0][:6] + "[最新%热点素材尽在^【#公&*众号：哒哒君】]" + sentences[0][6:]
    text = draft.read_upload("a.txt", marked.encode("gb18030"))
    assert draft.check(library, text).sentences[0].cls == "copied"


def test_what_cannot_be_checked_says_why(built):
    _, _, library = built
    with pytest.raises(draft.DraftError, match="空"):
        draft.check(library, " \n\n ")
    with pytest.raises(draft.DraftError, match="太长") as too_long:
        draft.check(library, "新的句子。" * (draft.MAX_DRAFT_CHARS // 5 + 1))
    assert too_long.value.status == 413
    with pytest.raises(draft.DraftError, match=r"\.pdf"):
        draft.read_upload("a.pdf", b"%PDF-1.4")
    with pytest.raises(draft.DraftError, match="读不出"):
        draft.read_upload("a.docx", b"not a zip")


# ---------------------------------------------------------------- command line

def reports(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "search", *args], capture_output=True, text=True,
                          input=stdin, cwd=ROOT, timeout=300, check=False)


def test_cli_json_has_the_keys_of_the_web_twin(built, tmp_path):
    corpus, index, library = built
    sentence = seed_sentences()["004_c3b5e33bd99874ad.txt"][3]
    path = tmp_path / "draft.txt"
    path.write_text(f"标题\n{sentence}{FORMULA}全新的一句话，没有出处。", "utf-8")
    run = reports("check", str(path), "--json", "--index", str(index), "--corpus", str(corpus))
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert {"sentences", "share", "top_reports"} <= set(data)
    assert set(data["share"]) == {"new", "common", "copied"}
    assert [s["class"] for s in data["sentences"]] == ["new", "copied", "common", "new"]
    copied = data["sentences"][1]
    assert {"text", "offset", "class", "sources"} <= set(copied)
    assert {"id", "title", "year", "overlap"} <= set(copied["sources"][0])
    assert copied["sources"][0]["overlap"] == 1.0
    assert {"id", "title", "year", "chars"} <= set(data["top_reports"][0])
    expected = draft.check(library, path.read_text("utf-8"), Settings.for_corpus(corpus)).to_json()
    assert {k: v for k, v in data.items() if k != "elapsed_ms"} == \
        {k: v for k, v in expected.items() if k != "elapsed_ms"}
    piped = reports("check", "-", "--index", str(index), stdin=sentence)
    assert piped.returncode == 0 and "[照搬]" in piped.stdout and "004_c3b5e33bd99874ad.txt" in piped.stdout


def test_cli_errors_are_one_line(built, tmp_path):
    _, index, _ = built
    empty = tmp_path / "empty.txt"
    empty.write_text("\n", "utf-8")
    for args in (["check", str(empty), "--index", str(index)],
                 ["check", str(tmp_path / "none.txt"), "--index", str(index)],
                 ["check", str(empty), "--format", "docx", "--index", str(index)],
                 ["check", "-", "--index", str(tmp_path / "no-index")]):
        run = reports(*args, stdin="一句话。")
        assert run.returncode != 0 and "Traceback" not in run.stderr, (args, run.stderr)
        assert len(run.stderr.strip().splitlines()) <= 2, run.stderr


def test_docx_output_highlights_copied_sentences_and_carries_their_sources(built, tmp_path):
    import docx
    from docx.enum.text import WD_COLOR_INDEX

    _, index, _ = built
    copied = seed_sentences()["004_c3b5e33bd99874ad.txt"][3]
    path = tmp_path / "draft.txt"
    path.write_text(f"某镇工作汇报\n{copied}全新的一句话，没有出处。\n{FORMULA}", "utf-8")
    out = tmp_path / "比对结果.docx"
    run = reports("check", str(path), "--format", "docx", "--output", str(out), "--index", str(index))
    assert run.returncode == 0, run.stderr
    document = docx.Document(str(out))
    assert [p.text for p in document.paragraphs] == path.read_text("utf-8").split("\n")
    yellow = [r.text for p in document.paragraphs for r in p.runs if r.font.highlight_color == WD_COLOR_INDEX.YELLOW]
    grey = [r.text for p in document.paragraphs for r in p.runs if r.font.highlight_color == WD_COLOR_INDEX.GRAY_25]
    assert yellow == [copied] and grey == [FORMULA]
    comments = list(document.comments)
    texts = [c.text for c in comments]
    assert any("004_c3b5e33bd99874ad.txt" in t and "照搬" in t for t in texts)
    assert any(f"{GENERATED} 篇报告都用" in t for t in texts)
    assert any(t.startswith("草稿比对") for t in texts)
    # and our own reader reads the draft back
    assert draft.read_path(out).split("\n") == path.read_text("utf-8").split("\n")


# ---------------------------------------------------------------- the web page

@pytest.fixture(scope="module")
def client(built):
    from web import create_app

    corpus, index, _ = built
    app = create_app({"INDEX_DIR": index, "CORPUS_DIR": corpus, "WARM_UP": False, "AUTH": None})
    return app.test_client()


def folder_state(*folders: Path) -> dict:
    return {p: (p.stat().st_size, p.stat().st_mtime_ns) for f in folders for p in sorted(f.rglob("*"))}


def test_the_page_states_its_limits_and_checks_a_pasted_draft(built, client):
    corpus, index, library = built
    form = client.get("/check")
    page = form.get_data(as_text=True)
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in page and 'method="post"' in page
    assert f"不超过 {draft_views().MAX_UPLOAD_MB} MB" in page and "不保存在服务器上" in page
    copied = seed_sentences()["004_c3b5e33bd99874ad.txt"][3]
    text = f"某镇工作汇报\n{copied}{FORMULA}全新的一句话，没有出处。"
    before = folder_state(corpus, index)
    html = client.post("/check", data={"text": text})
    assert html.status_code == 200
    body = html.get_data(as_text=True)
    assert 'class="ck-s ck-copied" href="#ck-src-1"' in body and 'class="ck-s ck-common"' in body
    assert 'id="ck-src-1"' in body and "004_c3b5e33bd99874ad.txt" in body
    assert "/report/004_c3b5e33bd99874ad.txt?q=" in body   # a link to the spot
    as_json = client.post("/check.json", data={"text": text}).get_json()
    expected = draft.check(library, text, Settings.for_corpus(corpus)).to_json()
    assert {k: v for k, v in as_json.items() if k != "elapsed_ms"} == \
        {k: v for k, v in expected.items() if k != "elapsed_ms"}
    assert folder_state(corpus, index) == before   # nothing stored


def draft_views():
    from web import draft_views

    return draft_views


def test_the_page_takes_a_file_and_refuses_what_it_cannot_read(client, tmp_path):
    import io

    import docx

    copied = seed_sentences()["004_c3b5e33bd99874ad.txt"][3]
    document = docx.Document()
    document.add_paragraph("某镇工作汇报")
    document.add_paragraph(copied)
    buffer = io.BytesIO()
    document.save(buffer)
    data = client.post("/check.json", data={"file": (io.BytesIO(buffer.getvalue()), "草稿.docx")},
                       content_type="multipart/form-data").get_json()
    assert [s["class"] for s in data["sentences"]] == ["new", "copied"]
    refused = client.post("/check", data={"file": (io.BytesIO(b"x"), "a.pdf")}, content_type="multipart/form-data")
    assert refused.status_code == 400 and ".pdf" in refused.get_data(as_text=True)
    empty = client.post("/check.json", data={"text": "  "})
    assert empty.status_code == 400 and empty.get_json()["ok"] is False and "空" in empty.get_json()["error"]
    big = draft_views().MAX_UPLOAD_BYTES + 1
    too_big = client.post("/check", data={"file": (io.BytesIO(b"a" * big), "big.txt")},
                          content_type="multipart/form-data")
    assert too_big.status_code == 413 and "5 MB" in too_big.get_data(as_text=True)
    assert client.get("/check.json").status_code == 405


def test_the_page_escapes_the_draft_and_its_sources(client):
    payload = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    body = client.post("/check", data={"text": f"{payload}\n{FORMULA}{payload}。"}).get_data(as_text=True)
    assert "<script>alert" not in body and "<img src=x" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert " style=" not in body and "onerror=" not in body.replace("&lt;img src=x onerror=", "")


def test_the_page_needs_the_same_login_as_everything_else(built):
    import base64

    from web import create_app
    from web.auth import Credentials

    corpus, index, _ = built
    app = create_app({"INDEX_DIR": index, "CORPUS_DIR": corpus, "WARM_UP": False,
                      "AUTH": Credentials.from_pairs([("张三", "密码")])})
    locked = app.test_client()
    for method, url in (("get", "/check"), ("post", "/check"), ("post", "/check.json"),
                        ("get", "/static/check.js")):
        assert getattr(locked, method)(url, data={"text": FORMULA} if method == "post" else None).status_code == 401
    login = {"Authorization": "Basic " + base64.b64encode("张三:密码".encode()).decode()}
    ok = locked.post("/check.json", data={"text": FORMULA}, headers=login)
    assert ok.status_code == 200 and ok.get_json()["sentences"][0]["class"] == "common"
