"""The sentences and headings the corpus generator draws from.

Two sources, both read and cleaned by the engine's own code
(search.readers.read_document + search.clean.clean), so the generator
recombines text exactly as the engine would see it:

- the seed reports (corpus/*.txt): five WeChat-style work reports, about
  240 sentences, the vocabulary of 汇报 / 总结 / 述职报告;
- the real reports (../shared/real/docs): about 400 public documents,
  ~60 000 distinct sentences (government work reports, Party congress
  reports, policy documents, speeches), so that vocabulary and sentence
  variety look like a real library.

Nothing here names a file or a sentence of either source.
"""
from __future__ import annotations

import hashlib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from search.clean import clean
from search.readers import UnreadableFile, read_document

ROOT = Path(__file__).resolve().parent.parent

NUM = "一二三四五六七八九十"
DEFAULT_SEEDS = ROOT / "corpus"
DEFAULT_REAL = ROOT.parent / "shared" / "real" / "docs"
REAL_SUFFIXES = (".txt", ".md", ".docx")

_SENT = re.compile(r"[^。！？；]+[。！？；]?")
_H1 = re.compile(rf"^[{NUM}]{{1,3}}、(.*)$")
_H2 = re.compile(rf"^[（(][{NUM}]{{1,3}}[）)](.*)$")
_LEAD = re.compile(rf"^[{NUM}]{{1,2}}是")
_CJK = re.compile(r"[\u4e00-\u9fff]")
# Markup, references and tables that conversion left in a few real documents.
_JUNK = re.compile(r"https?|www\.|[<>\[\]#|\t]|\*\*|\u3000{2}")


@dataclass
class Source:
    """Sentences and headings of one source."""
    sentences: list[str] = field(default_factory=list)
    leads: list[str] = field(default_factory=list)       # "一是" items, without the numbering
    h1: list[str] = field(default_factory=list)
    h2: list[str] = field(default_factory=list)
    salutations: list[str] = field(default_factory=list)

    def dedupe(self) -> None:
        for name in ("sentences", "leads", "h1", "h2", "salutations"):
            setattr(self, name, list(dict.fromkeys(getattr(self, name))))  # keep order


@dataclass
class Pool:
    seed: Source
    real: Source
    digest: str  # of every sentence and heading: part of the corpus cache stamp

    # The seed pool's lists, as the generator's first version used them.
    @property
    def sentences(self) -> list[str]:
        return self.seed.sentences

    @property
    def leads(self) -> list[str]:
        return self.seed.leads


def split_sentences(paragraph: str) -> list[str]:
    return [s for s in _SENT.findall(paragraph) if s.strip()]


def _plausible(sentence: str, strict: bool) -> bool:
    if not 10 <= len(sentence) <= 300:
        return False
    if not strict:
        return True
    cjk = len(_CJK.findall(sentence))
    return cjk >= 0.6 * len(sentence) and not _JUNK.search(sentence)


def add_paragraph(src: Source, para: str, strict: bool = False) -> None:
    """File the sentences of one cleaned paragraph. `strict` (real reports):
    drop sentences that are mostly not Chinese prose (references, tables)."""
    if len(para) <= 8 and para.endswith(("：", ":")):
        if not strict:
            src.salutations.append(para)
        return
    if m := _H1.match(para):
        head, *rest = split_sentences(m.group(1)) or [""]
        if not strict or 4 <= len(head.strip()) <= 30:
            src.h1.append(head.strip().rstrip("。"))
        para = "".join(rest)
    elif m := _H2.match(para):
        head, *rest = split_sentences(m.group(1)) or [""]
        if not strict or 4 <= len(head.strip()) <= 30:
            src.h2.append(head.strip().rstrip("。"))
        para = "".join(rest)
    for sentence in split_sentences(para):
        sentence = sentence.strip()
        if _LEAD.match(sentence) and len(sentence) > 6:
            if _plausible(sentence[2:], strict) or not strict:
                src.leads.append(sentence[2:])
        elif _plausible(sentence, strict):
            src.sentences.append(sentence)


def _read(path: Path, strict: bool) -> Source:
    src = Source()
    try:
        report = clean(read_document(path).text)
    except UnreadableFile:
        return src
    for para in report.paragraphs:
        add_paragraph(src, para.strip(), strict)
    return src


def _merge(parts: list[Source]) -> Source:
    out = Source()
    for p in parts:
        for name in ("sentences", "leads", "h1", "h2", "salutations"):
            getattr(out, name).extend(getattr(p, name))
    out.dedupe()
    out.h1 = [h for h in out.h1 if h]
    out.h2 = [h for h in out.h2 if h]
    return out


def load_pool(seed_dir: Path = DEFAULT_SEEDS, real_dir: Path | None = DEFAULT_REAL) -> Pool:
    seeds = sorted(seed_dir.glob("*.txt"))
    if not seeds:
        raise SystemExit(f"no seed reports (*.txt) in {seed_dir}/")
    seed = _merge([_read(p, strict=False) for p in seeds])
    real = Source()
    if real_dir is not None and real_dir.is_dir():
        files = sorted(p for p in real_dir.iterdir() if p.suffix.lower() in REAL_SUFFIXES)
        real = _merge([_read(p, strict=True) for p in files])
    elif real_dir is not None:
        print(f"warning: no real reports at {real_dir}/: sentences come from the seeds only",
              file=sys.stderr)
    h = hashlib.sha256()
    for src in (seed, real):
        for name in ("sentences", "leads", "h1", "h2", "salutations"):
            h.update("\x00".join(getattr(src, name)).encode("utf-8") + b"\x01")
    return Pool(seed, real, h.hexdigest()[:16])
