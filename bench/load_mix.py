"""The traffic of the load test (bench/load.py): a deterministic, weighted mix
of search, phrase and report requests over the words and phrases of the
generated corpus, and the check every answer must pass."""
from __future__ import annotations

import json
import random
from dataclasses import dataclass
from urllib.parse import quote, urlencode

# Words and phrases of the generated corpus (harness/corpus.py recombines the
# seed reports): common ones occur in most reports, rare ones in a few.
COMMON_TERMS = ("党建", "党支部", "基层党组织", "乡村振兴", "主题教育", "党建引领", "班子成员",
                "充分发挥", "社会主义", "常态化", "示范点", "基层治理", "第一书记", "集体经济",
                "软弱涣散", "两新组织", "组织生活", "三会一课", "党员", "工作", "会议", "群众")
RARE_TERMS = ("远土村", "双田村", "东松村", "黄坪村", "郭红福", "坝寿镇", "董兰宏", "梅桃村",
              "网格员张杰", "住建局田辉")
COMMON_PHRASES = ("基层党组织", "党组织书记", "基层党建", "党建工作", "乡村振兴", "扎实开展",
                  "中国特色", "新时代中国", "学习贯彻", "高质量发展", "压紧压实", "党群服务中心")
RARE_PHRASES = ("凤长县北杨镇坪", "朱晓海走访", "蔡辉带领", "曹振建走访群众", "到竹柏村",
                "万元建成松石", "赵燕同志被", "周兰华带领", "网格员蒋俊福")
# Strings in (nearly) every report, hundreds of thousands of times.
VERY_COMMON = ("的", "工作", "，", "了", "是")
ORDINARY_PHRASES = ("高质量发展", "基层党建", "压紧压实", "党群服务中心", "蔡辉带领", "网格员张杰")
YEARS = tuple(range(2015, 2026))
TYPES = ("汇报", "总结", "述职报告", "讲话", "方案", "计划")
LEVELS = ("省", "市", "县", "区", "乡镇", "村", "机关")
WEIGHTS = {"search": 50, "phrase": 30, "report": 20}  # percent of requests
CHECK_KEYS = {"search": "total", "phrase": "total_occurrences", "report": "id"}


@dataclass
class Request:
    kind: str       # search | phrase | report
    fmt: str        # json | html
    cls: str        # finer class, for the breakdown (e.g. phrase/very-common-sorted)
    path: str


class RequestMix:
    """A deterministic, weighted stream of requests (one per client thread)."""

    def __init__(self, seed: int, ids: list[str]):
        self.rng = random.Random(seed)
        self.ids = ids

    def next(self) -> Request:
        r = self.rng.random() * 100
        if r < WEIGHTS["search"]:
            return self.search()
        if r < WEIGHTS["search"] + WEIGHTS["phrase"]:
            return self.phrase()
        return self.report()

    def _fmt(self) -> str:
        return "json" if self.rng.random() < 0.5 else "html"

    def search(self) -> Request:
        rng, fmt = self.rng, self._fmt()
        n = rng.choice((1, 1, 2, 2, 3))
        terms = rng.sample(COMMON_TERMS, n)
        cls = "common"
        if rng.random() < 0.2:
            terms[-1] = rng.choice(RARE_TERMS)
            cls = "rare"
        args: dict = {"q": " ".join(terms)}
        f = rng.random()
        if f < 0.1:
            args["q"] += f" year:{rng.choice(YEARS)}"
            cls += "+filter"
        elif f < 0.25:  # a filter as a URL parameter, as the facet links make them
            key = rng.choice(("year", "type", "level"))
            args[key] = str(rng.choice(YEARS)) if key == "year" else rng.choice(TYPES if key == "type" else LEVELS)
            cls += "+filter"
        if rng.random() < 0.2:
            args["page"] = rng.randint(2, 5)
            cls += "+page2+"
        if rng.random() < 0.15:
            args["sort"] = rng.choice(("newest", "oldest"))
        path = "/search.json" if fmt == "json" else "/search"
        return Request("search", fmt, cls, f"{path}?{urlencode(args)}")

    def phrase(self) -> Request:
        rng, fmt = self.rng, self._fmt()
        r = rng.random()
        if r < 0.25:
            q, cls = rng.choice(VERY_COMMON), "very-common"
        elif r < 0.7:
            q, cls = rng.choice(COMMON_PHRASES), "common"
        else:
            q, cls = rng.choice(RARE_PHRASES), "rare"
        args: dict = {"q": q}
        s = rng.random()
        if s < 0.2:
            args["sort"] = rng.choice(("left", "right"))
            cls += "-sorted"
        if rng.random() < 0.15:
            args["page"] = rng.randint(2, 4)
        path = "/phrase.json" if fmt == "json" else "/phrase"
        return Request("phrase", fmt, cls, f"{path}?{urlencode(args)}")

    def report(self) -> Request:
        rng, fmt = self.rng, self._fmt()
        doc = quote(rng.choice(self.ids), safe="/")
        path = f"/report/{doc}.json" if fmt == "json" else f"/report/{doc}"
        if rng.random() < 0.3:  # opened from a search: hits marked
            return Request("report", fmt, "marked", f"{path}?{urlencode({'q': rng.choice(COMMON_TERMS)})}")
        return Request("report", fmt, "plain", path)


def check(req: Request, status: int, body: bytes) -> str | None:
    """None if the response is good, else what is wrong with it."""
    if status != 200:
        return f"status {status}: {body[:160]!r}"
    if req.fmt == "json":
        try:
            data = json.loads(body)
        except ValueError as exc:
            return f"JSON does not parse ({exc}): {body[:160]!r}"
        if not isinstance(data, dict) or CHECK_KEYS[req.kind] not in data:
            return f"JSON without {CHECK_KEYS[req.kind]!r}: {body[:160]!r}"
    elif b"</html>" not in body[-200:]:
        return f"HTML page incomplete ({len(body)} bytes)"
    return None
