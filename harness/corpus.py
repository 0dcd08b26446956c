"""Generate a deterministic corpus of realistic, noisy Chinese work reports.

    python -m harness.corpus --docs 10000 --out bench/.cache/corpus-10000-1 [--seed 1]

Every report recombines CLEANED sentences (harness/corpus_pool.py): about
half from ~400 real public reports (../shared/real/docs), the rest from the
five seed reports (corpus/*.txt), a third of them spliced from the clauses
of two sentences, arranged the way work reports are: a title with year,
place (and so level), topic and type in the forms search.meta recognises,
an opening paragraph, sections 一、 / （一） / 一是 …, and a closing
paragraph. Figures are re-drawn, and sentences naming villages, towns and
people are added so that rare terms exist. Then the noise the seeds carry is
put back in (harness/corpus_noise.py). About 5 % of the reports are
near-duplicates of another one (a few adapted without any change: exact
copies); about 3 % are written in GB18030 instead of UTF-8.

The output depends only on (the source texts, --seed, report number):
report i is the same whatever --docs is, so corpus-300 is a prefix of
corpus-10000.
"""
from __future__ import annotations

import argparse
import hashlib
import random
import re
import time
from dataclasses import dataclass
from pathlib import Path

from harness.corpus_noise import add_noise
from harness.corpus_pool import (
    DEFAULT_REAL,
    DEFAULT_SEEDS,
    NUM,
    Pool,
    Source,
    load_pool,
    split_sentences,
)

GENERATOR_VERSION = "2"  # bump when the output changes: cached corpora are rebuilt
REAL_SHARE = 0.5         # of the drawn sentences, from the real reports (the rest from the seeds)
SPLICE = 0.35            # of the drawn sentences, the head of one joined to the tail of another
DISTINCT_SAMPLE = 20000  # reports over which the share of distinct sentences is counted

# ------------------------------------------------------------ vocabularies

YEARS = range(2015, 2026)
TYPES = ("汇报", "总结", "述职报告", "讲话", "方案", "计划")
LEVELS = ("省", "市", "县", "区", "乡镇", "村", "机关")
TOPICS = ("基层党建", "乡村振兴", "党风廉政建设", "意识形态", "安全生产", "优化营商环境",
          "生态环境保护", "民生保障", "组织", "宣传思想", "统战", "巡察整改", "招商引资",
          "城市管理", "教育", "人才", "机关党建", "精神文明建设", "基层治理", "党史学习教育")
PLACE_CHARS = ("青岗石桥河源龙凤安平东西南北新华兴隆长城金山水林白云红旗永乐福寿太和清泉"
               "马鞍黄土柳塘双江宁远高阳明月丰收梅花杨家李庄田湾沙坪松柏竹溪桃园岩口坝关")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余杜叶程"
GIVEN = "建华国强志明文军海燕秀英玉兰永红丽娟宏伟春梅晓东振兴德福光辉桂芳俊杰慧敏成龙"
DEPTS = ("财政局", "发改委", "教育局", "卫健委", "农业农村局", "自然资源局", "住建局", "交通运输局",
         "商务局", "民政局", "人社局", "审计局", "统计局", "司法局", "水利局", "林业局")
INDUSTRIES = ("中药材种植", "食用菌种植", "蔬菜大棚", "乡村旅游", "电商直播", "特色养殖", "茶叶种植",
              "油茶种植", "光伏发电", "小龙虾养殖", "沃柑种植", "花椒种植", "肉牛养殖", "民宿经济")
SLOGANS = ("红色细胞", "党员中心户", "一网统管", "村民说事", "红色代办", "支部建在网格上",
           "党建+积分", "四议两公开", "门前三包", "五星支部", "红色物业", "一站式服务")

# Sentences that name places and people: they make the rare terms.
EXAMPLE_SENTENCES = (
    "{village}村党支部书记{person}带领群众发展{industry}，带动{n}户群众户均增收{m}元。",
    "{town}镇创新推行“{slogan}”工作法，累计解决群众急难愁盼问题{n}件。",
    "在{town}镇{village}村召开现场推进会，组织{n}名村（社区）党组织书记参加观摩。",
    "{county}县{dept}{person}同志被评为全省优秀共产党员。",
    "投资{m}万元建成{village}村党群服务中心，服务面积达{n}平方米。",
    "以{village}村为试点，探索“党支部+合作社+农户”模式，发展{industry}{n}亩。",
    "{town}镇{village}社区网格员{person}走访群众{n}户，收集意见建议{m}条。",
    "选派{person}等{n}名干部到{village}村担任第一书记，帮助引进项目{m}个。",
    "{county}县{town}镇{village}村获评省级乡村振兴示范村。",
    "{dept}机关党支部与{village}村党支部结对共建，开展联学联建活动{n}次。",
)
OPENINGS = ("今年以来，", "一年来，", "近年来，", "{year}年以来，", "按照会议安排，现将有关情况汇报如下。")
CLOSINGS = ("下一步，我们将坚持以习近平新时代中国特色社会主义思想为指导，持续推动各项工作落地见效。",
            "以上汇报，不妥之处，请批评指正。",
            "同志们，任务艰巨，责任重大，让我们团结一心、真抓实干，奋力开创工作新局面。",
            "我们将以此次述职评议为契机，认真查找不足，切实抓好整改，推动工作再上新台阶。")
STANDARD_H1 = ("工作开展情况", "主要做法及成效", "存在的问题和不足", "下一步工作打算",
               "工作成效及特色亮点", "下一步工作思路和措施", "总体要求", "重点任务", "保障措施")

_CLAUSE = re.compile(r"[^，]+，?")


def splice(a: str, b: str, r: random.Random) -> str:
    """The first clauses of `a` and the last of `b` (split at ，), as drafters
    reassemble formulae; `a` itself when either has a single clause."""
    ca, cb = _CLAUSE.findall(a), _CLAUSE.findall(b)
    if len(ca) < 2 or len(cb) < 2:
        return a
    return "".join(ca[:r.randint(1, len(ca) - 1)] + cb[r.randint(1, len(cb) - 1):])


# ------------------------------------------------------------ one report

@dataclass
class Draft:
    """A report before noise: title and paragraphs."""
    title: str
    paragraphs: list[str]
    year: int


class Writer:
    """Draws the parts of report number i from its own random stream."""

    def __init__(self, pool: Pool, rng: random.Random):
        self.pool, self.rng = pool, rng
        self.year = rng.choice(YEARS)
        self.places = {k: self._place() for k in ("county", "town", "city", "village")}

    # --- names
    def _place(self) -> str:
        a, b = self.rng.sample(PLACE_CHARS, 2)
        return a + b

    def person(self) -> str:
        return self.rng.choice(SURNAMES) + "".join(self.rng.sample(GIVEN, self.rng.choice((1, 2))))

    # --- figures: re-draw numbers, keep masked ones (X, **) as they are
    def refigure(self, sentence: str) -> str:
        def swap(m: re.Match) -> str:
            digits = m.group()
            if len(digits) == 4 and digits.startswith("20"):
                return str(self.year - self.rng.choice((0, 0, 0, 1)))
            lo = 10 ** (len(digits) - 1) if len(digits) > 1 else 1
            return str(self.rng.randrange(lo, 10 ** len(digits)))
        return re.sub(r"\d+", swap, sentence)

    def example(self) -> str:
        r = self.rng
        return r.choice(EXAMPLE_SENTENCES).format(
            village=self._place() if r.random() < 0.6 else self.places["village"],
            town=self.places["town"], county=self.places["county"], person=self.person(),
            dept=r.choice(DEPTS), industry=r.choice(INDUSTRIES), slogan=r.choice(SLOGANS),
            n=r.randrange(2, 600), m=r.randrange(3, 9000))

    def sentence(self) -> str:
        r = self.rng
        if r.random() < 0.12:
            return self.example()
        src = self._source()
        s = r.choice(src.sentences)
        if r.random() < SPLICE:
            s = splice(s, r.choice(src.sentences), r)
        return self.refigure(s)

    def _source(self) -> Source:
        """The real reports for REAL_SHARE of the sentences, else the seeds."""
        real = self.pool.real
        return real if real.sentences and self.rng.random() < REAL_SHARE else self.pool.seed

    def heading(self, kind: str) -> str:
        return self.rng.choice(getattr(self._source(), kind) or getattr(self.pool.seed, kind))

    # --- structure
    def title(self, doc_type: str, level: str) -> str:
        r, y, topic = self.rng, self.year, self.rng.choice(TOPICS)
        place = self._level_place(level)
        half = r.choice(("", "", "", "上半年"))
        forms = {
            "汇报": (f"关于{y}年{place}{topic}工作开展情况的汇报", f"{place}{y}年{half}{topic}工作情况汇报"),
            "总结": (f"{place}{y}年{half}{topic}工作总结", f"{y}年{place}{topic}工作总结"),
            "述职报告": (f"{place}党组织书记{y}年抓基层党建工作述职报告", f"{y}年度{place}{topic}工作述职报告"),
            "讲话": (f"在{place}{y}年{topic}工作会议上的讲话", f"在{y}年{place}{topic}推进会上的讲话"),
            "方案": (f"{place}{y}年{topic}工作实施方案", f"{y}年{place}{topic}专项行动方案"),
            "计划": (f"{place}{y}年{topic}工作计划", f"{y}年{place}{topic}工作要点"),
        }
        return r.choice(forms[doc_type])

    def _level_place(self, level: str) -> str:
        p, r = self.places, self.rng
        return {
            "省": r.choice(("全省", f"{p['city']}省委")),
            "市": r.choice(("全市", f"{p['city']}市委")),
            "县": r.choice(("全县", f"{p['county']}县", f"{p['county']}县委")),
            "区": r.choice(("全区", f"{p['county']}区委")),
            "乡镇": r.choice((f"{p['town']}镇党委", f"{p['town']}街道", f"{p['town']}乡党委")),
            "村": r.choice((f"{p['village']}村党支部", f"{p['village']}村委")),
            "机关": f"{r.choice(DEPTS)}机关",
        }[level]

    def lead_paragraph(self) -> str:
        """一是…。二是…。 items, each followed by a few sentences."""
        parts = []
        for k in range(self.rng.randint(2, 5)):
            parts.append(NUM[k] + "是" + self.refigure(self.rng.choice(self._source().leads or self.pool.seed.leads)))
            parts.extend(self.sentence() for _ in range(self.rng.randint(1, 3)))
        return "".join(parts)

    def plain_paragraph(self) -> str:
        return "".join(self.sentence() for _ in range(self.rng.randint(2, 6)))

    def section(self, k: int) -> list[str]:
        r = self.rng
        paras = [f"{NUM[k]}、{self.heading('h1')}"]
        for j in range(r.randint(2, 4)):
            head = f"（{NUM[j]}）{self.heading('h2')}。"
            body = self.lead_paragraph() if r.random() < 0.6 else self.plain_paragraph()
            if r.random() < 0.5:
                paras.append(head + body)       # heading run into its paragraph, as in the seeds
            else:
                paras.extend((head, body))
        return paras

    def draft(self, target_chars: int) -> Draft:
        r = self.rng
        doc_type, level = r.choice(TYPES), r.choice(LEVELS)
        title = self.title(doc_type, level)
        paras: list[str] = []
        if doc_type == "汇报" and self.pool.seed.salutations and r.random() < 0.5:
            paras.append(r.choice(self.pool.seed.salutations))
        opening = r.choice(OPENINGS).format(year=self.year)
        paras.append(opening + "".join(self.sentence() for _ in range(r.randint(1, 3))))
        size, k = sum(map(len, paras)), 0
        while size < target_chars and k < len(NUM):
            section = self.section(k)
            paras.extend(section)
            size += sum(map(len, section))
            k += 1
        paras.append(r.choice(CLOSINGS))
        return Draft(title, paras, self.year)


def near_duplicate(draft: Draft, writer: Writer) -> Draft:
    """A copy with a few sentences changed, as when a report is adapted."""
    r = writer.rng
    paras = list(draft.paragraphs)
    for _ in range(r.randint(1, 4)):
        i = r.randrange(len(paras))
        sentences = split_sentences(paras[i])
        if len(sentences) > 1:
            sentences[r.randrange(len(sentences))] = writer.sentence()
            paras[i] = "".join(sentences)
    title = draft.title if r.random() < 0.5 else draft.title.replace(str(draft.year), str(writer.year), 1)
    return Draft(title, paras, draft.year)


# ------------------------------------------------------------ the corpus


def doc_rng(seed: int, i: int, salt: str = "") -> random.Random:
    return random.Random(f"{seed}:{i}:{salt}")


def target_length(r: random.Random) -> int:
    """3k–12k characters, most near 3–5k (mean about 4k)."""
    return int(min(12000, 2200 + r.expovariate(1 / 1100)))


def primary_draft(pool: Pool, seed: int, i: int) -> Draft:
    r = doc_rng(seed, i)
    return Writer(pool, r).draft(target_length(r))


def make_draft(pool: Pool, seed: int, i: int) -> Draft:
    """Report number i before noise: its own draft or one adapted from an earlier one."""
    r = doc_rng(seed, i, "kind")
    if i > 20 and r.random() < 0.05:
        source = r.randrange(i)
        return near_duplicate(primary_draft(pool, seed, source), Writer(pool, doc_rng(seed, i, "dup")))
    return primary_draft(pool, seed, i)


def make_report(pool: Pool, seed: int, i: int) -> tuple[str, str]:
    """(text, encoding) of report number i."""
    return _noisy(make_draft(pool, seed, i), seed, i)


def _noisy(draft: Draft, seed: int, i: int) -> tuple[str, str]:
    text = add_noise(draft, doc_rng(seed, i, "noise"))
    # The same stream as the draft's choice of kind, one draw on (as version 1 did).
    r = doc_rng(seed, i, "kind")
    if i > 20 and r.random() < 0.05:
        r.randrange(i)
    encoding = "gb18030" if r.random() < 0.03 else "utf-8"
    return text, encoding


def file_name(seed: int, i: int) -> str:
    return f"{i:05d}_{hashlib.blake2b(f'{seed}:{i}'.encode(), digest_size=8).hexdigest()}.txt"


class SentenceCount:
    """How many of the reports' sentences are distinct (first DISTINCT_SAMPLE reports)."""

    def __init__(self) -> None:
        self.total, self.seen = 0, set()

    def add(self, draft: Draft) -> None:
        for para in draft.paragraphs:
            for s in split_sentences(para):
                self.total += 1
                self.seen.add(hashlib.blake2b(s.encode("utf-8"), digest_size=8).digest())

    def stats(self, docs: int) -> dict:
        return {"sentences": self.total, "distinct": len(self.seen),
                "distinct_share": round(len(self.seen) / max(1, self.total), 4),
                "over_reports": min(docs, DISTINCT_SAMPLE)}


def make_corpus(docs: int, out: Path, seed: int = 1, seed_dir: Path = DEFAULT_SEEDS,
                real_dir: Path | None = DEFAULT_REAL, pool: Pool | None = None) -> dict:
    pool = pool or load_pool(seed_dir, real_dir)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.txt"):
        old.unlink()
    chars = gb = 0
    counter = SentenceCount()
    for i in range(docs):
        draft = make_draft(pool, seed, i)
        if i < DISTINCT_SAMPLE:
            counter.add(draft)
        text, encoding = _noisy(draft, seed, i)
        (out / file_name(seed, i)).write_bytes(text.encode(encoding))
        chars += len(text)
        gb += encoding != "utf-8"
    return {"docs": docs, "chars": chars, "gb18030": gb, "seed": seed, "pool": pool.digest,
            "seed_sentences": len(pool.seed.sentences), "real_sentences": len(pool.real.sentences),
            **counter.stats(docs)}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, required=True, help="number of reports")
    ap.add_argument("--out", type=Path, required=True, help="output folder (its *.txt are replaced)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--seeds-dir", type=Path, default=DEFAULT_SEEDS, help="seed reports (default corpus/)")
    ap.add_argument("--real-dir", type=Path, default=DEFAULT_REAL,
                    help="real reports to draw sentences from (default ../shared/real/docs)")
    args = ap.parse_args(argv)
    started = time.perf_counter()
    info = make_corpus(args.docs, args.out, args.seed, args.seeds_dir, args.real_dir)
    print(f"{info['docs']} reports, {info['chars'] / 1e6:.1f} M characters "
          f"({info['gb18030']} in GB18030) from {info['seed_sentences']} seed and "
          f"{info['real_sentences']} real sentences; {info['distinct_share']:.1%} of "
          f"{info['sentences']} sentences distinct -> {args.out}/ in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
