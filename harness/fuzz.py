"""Hypothesis strategies for hostile requests, and the checks every answer must
pass. Shared by tests/test_fuzz.py (a few hundred examples per test run) and
bench/fuzz.py (ten thousand and more against a real `reports serve`).

A request is built as a raw, percent-encoded URL, so it can carry what no
well-behaved client sends: lone surrogates as their UTF-8-style bytes
(`%ED%A0%80`), invalid UTF-8 (`%FF`), control characters, broken escapes.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from html.parser import HTMLParser
from urllib.parse import parse_qsl, quote_from_bytes, unquote

import werkzeug.urls  # noqa: F401  (registers the "werkzeug.url_quote" codec error handler)
from hypothesis import strategies as st

from search.doctypes import default_lists
from search.query import MAX_QUERY_CHARS

SEED_IDS = ["000_76dcab7e818b9862.txt", "001_febdc8b53386a303.txt", "002_34095a95df17f33c.txt",
            "003_df19bd985d99e2e9.txt", "004_c3b5e33bd99874ad.txt"]
STATIC_FILES = ["app.js", "style.css", "favicon.svg"]
PARAM_NAMES = ["q", "page", "sort", "year", "type", "level", "limit"]
SORTS_OF = {"search": {"relevance", "newest", "oldest"}, "phrase": {"rank", "left", "right"}}
VALID = {"type": set(default_lists().type_names()), "level": set(default_lists().level_names())}
MAX_PAGE = 10000          # web.params.MAX_PAGE; the oracle below repeats the contract, not the code
ALLOWED = frozenset({200, 400, 404})

# Pieces of the query language and of known trouble, glued together at random.
QUERY_PIECES = [
    "组织建设", "党建", "压紧压实", "乡村振兴", "一是", "工作。一是", "（一）", "X", "**",
    "OR", "or", "-", "--", "-OR", '"', '""', '"压紧压实', '压紧"压实', "(", ")", "((", "))", "()",
    "title:", "heading:", "title:述职", 'title:"', 'heading:"一是', "标题：", "小标题:", "foo:bar", ":",
    "year:", "year:2023", "year:2020-2023", "year:2023-2020", "year:abc", "year:99999999999",
    "year:2023-", "year:-2023", "year:0000", "year:２０２３", "年份：2023", "-year:2021",
    "type:", "type:述职报告", "type:<script>", "-type:讲话", "类型：汇报", "level:", "level:县",
    "level:<script>", "-level:村", "层级：乡镇", "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>',
    "</mark>", "<mark>", "{{7*7}}", "&amp;", "&#x3c;", "javascript:alert(1)", "\x00", "\x1f", "\x7f",
    "\u200b", "\u200e", "\u202e", "\ufeff", "\ufffd", "\u3000", "\U0001f600", "\U0010ffff", "\ud800",
    "\udfff", "İ", "ß", "ﬀ", "Å", "e\u0301", "ǅ", "ＡＢＣ", "①", "㍿", "%", "%25", "+", "&", "=", "#", "?",
    "/", "\\", "..", "\n", "\r\n", "\t",
]
BAD_PAGES = ["0", "-1", "1e9", "1.5", "1,000", "0x10", "+1", "１", "٣", "abc", str(10**30), "10001",
             str(2**63), "-0", "1 1", "∞", "NaN"]
GOOD_PAGES = ["1", "2", "3", "10000", " 2 ", "007"]
BAD_YEARS = ["abc", "99999999999", "2023-", "-2023", "20230", "202", "２０２３", "2020-2023-2024", "2023–2024", "year"]
GOOD_YEARS = ["2023", "2020-2023", "2023-2020", "0000", "9999", " 2021 "]
SORTS = ["relevance", "newest", "oldest", "rank", "left", "right", "RANK", "", "\x00"]
FILTER_VALUES = ["述职报告", "汇报", "总结", "讲话", "方案", "计划", "其他", "省", "市", "县", "区", "乡镇",
                 "村", "机关", "<script>", "", " "]
TRAVERSAL = ["..", "../..", "../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "%2e%2e/%2e%2e/etc/passwd",
             "%252e%252e%252f", "..%5C..%5Cwin.ini", "....//....//etc/passwd", "%c0%ae%c0%ae/etc/passwd",
             "..;/etc/passwd", "%00", "/etc/passwd", ".", "./", "//", "%2F", "C:%5Cboot.ini",
             "../../../search/cli.py", "../index/CURRENT"]
JUNK_PARAMS = ["%", "%zz", "%%", "%2", "%u0041", "&", "=", "==x", "q[]=x", "page[]=1", "Q=x", "limit=-1",
               "limit=" + str(10**30), "callback=alert", "__proto__=x"]


# ------------------------------------------------------------------ text

# Strategies are built once, here: building them inside every draw costs
# Hypothesis more than the request itself.

# Any code point, controls and lone surrogates included (and ASCII, often).
CHARACTERS = st.one_of(st.characters(exclude_categories=()), st.characters(categories=["Cs"]),
                       st.characters(min_codepoint=0, max_codepoint=0x7f))


@cache
def unicode_text(max_size: int = 30) -> st.SearchStrategy[str]:
    return st.text(CHARACTERS, max_size=max_size)


@cache
def query_text(max_pieces: int = 8) -> st.SearchStrategy[str]:
    """Query-language pieces and random text, glued with or without spaces."""
    piece = st.one_of(st.sampled_from(QUERY_PIECES), unicode_text(6))
    return st.tuples(st.lists(piece, max_size=max_pieces), st.sampled_from([" ", "", "  ", "\u3000", "\t"])
                     ).map(lambda parts: parts[1].join(parts[0]))


# Around the 200-character limit, and far past it.
LONG_TEXT = st.tuples(st.sampled_from(["a", "党", "压紧压实 ", "\U0001f600", '"', "-x ", "%"]),
                      st.one_of(st.integers(MAX_QUERY_CHARS - 10, MAX_QUERY_CHARS + 10),
                                st.sampled_from([1000, 5000, 20000]))
                      ).map(lambda t: (t[0] * t[1])[:t[1]])

# A value as it goes into the URL: text (encoded as UTF-8, surrogates too) or raw bytes.
Value = str | bytes


def encode(value: Value, safe: str = "") -> str:
    raw = value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")
    return quote_from_bytes(raw, safe=safe)


@cache
def any_value(max_size: int = 30) -> st.SearchStrategy[Value]:
    return st.one_of(query_text(), unicode_text(max_size), st.binary(max_size=12), LONG_TEXT)


Q_VALUES = st.one_of(query_text(), query_text(), query_text(), unicode_text(), st.binary(max_size=12), LONG_TEXT)
PAGE_VALUES = st.one_of(st.sampled_from(GOOD_PAGES), st.integers(-3, 30).map(str), st.sampled_from(BAD_PAGES),
                        st.integers(-10**40, 10**40).map(str), any_value(8))
SORT_VALUES = st.one_of(st.sampled_from(SORTS), any_value(10))
YEAR_VALUES = st.one_of(st.sampled_from(GOOD_YEARS), st.integers(1990, 2030).map(str),
                        st.sampled_from(BAD_YEARS), any_value(12))
FILTER_LISTS = st.one_of(st.lists(st.sampled_from(FILTER_VALUES), max_size=3),
                         st.lists(st.one_of(st.sampled_from(FILTER_VALUES), any_value(8), st.just("长" * 41)),
                                  max_size=13))
EXTRA_PARAMS = st.lists(st.tuples(st.one_of(st.sampled_from(["limit", "offset", "format", "id", "q ", "Page"]),
                                            unicode_text(6)), any_value(10)), max_size=3)
JUNK = st.lists(st.sampled_from(JUNK_PARAMS), max_size=2)
ONE_IN_THREE = st.integers(0, 2).map(lambda n: n == 0)
PATH_TEXT = unicode_text(20).map(lambda s: encode(s, safe="/"))
UNKNOWN_PATHS = st.one_of(PATH_TEXT, st.sampled_from(TRAVERSAL))
FOUR_IN_FIVE = st.integers(0, 4).map(bool)
BOOLEANS = st.booleans()
RANDOMS = st.randoms(use_true_random=False)
SEARCH_PATHS = st.sampled_from(["/search", "/search.json", "/phrase", "/phrase.json"])
REPORT_SUFFIXES = st.sampled_from(["", ".json", "/original"])
SEED_ID_VALUES = st.sampled_from(SEED_IDS)
OTHER_KINDS = st.sampled_from(["home", "healthz", "static", "unknown"])


# ------------------------------------------------------------------ requests

@dataclass(frozen=True)
class FuzzRequest:
    url: str                  # ASCII: path and percent-encoded query
    kind: str                 # "json", "html" or "static"
    expect: frozenset[int]    # the statuses the contract allows for this request

    def __str__(self) -> str:
        return f"GET {self.url[:300]}{'…' if len(self.url) > 300 else ''} (expects {sorted(self.expect)})"


def server_args(query_string: str) -> dict[str, list[str]]:
    """The parameters as the server decodes them (Werkzeug: invalid bytes stay
    percent-encoded)."""
    out: dict[str, list[str]] = {}
    for name, value in parse_qsl(query_string, keep_blank_values=True, errors="werkzeug.url_quote"):
        out.setdefault(name, []).append(value)
    return out


def breaks_a_limit(args: dict[str, list[str]], path: str = "/search") -> bool:
    """Whether the search and phrase contract demands a 400: a query over 200
    characters, a page that is not 1..10000, a sort the page does not have,
    a year that is not 2023 or 2020-2023, more than 10 (or longer than 40
    characters) type/level values or one not in the lists, or (phrase
    lookup) a limit that is not 1..1000."""
    first = {name: values[0] for name, values in args.items()}
    if len(first.get("q", "").strip()) > MAX_QUERY_CHARS:
        return True
    page = first.get("page", "").strip()
    if page and not (page.isascii() and page.isdigit() and 1 <= int(page) <= MAX_PAGE):
        return True
    kind = "phrase" if path.startswith("/phrase") else "search"
    sort = first.get("sort", "").strip()
    if sort and sort not in SORTS_OF[kind]:
        return True
    year = first.get("year", "").strip()
    if year and not _year_ok(year):
        return True
    for name in ("type", "level"):
        values = [v.strip() for v in args.get(name, []) if v.strip()]
        if len(values) > 10 or any(len(v) > 40 for v in values):
            return True
        if any(v not in VALID[name] for v in values):
            return True
    limit = first.get("limit", "").strip()
    return kind == "phrase" and bool(limit) and not (limit.isascii() and limit.isdigit() and 1 <= int(limit) <= 1000)


def _year_ok(year: str) -> bool:
    parts = year.split("-")
    return len(parts) in (1, 2) and all(len(p) == 4 and p.isascii() and p.isdigit() for p in parts)


@st.composite
def parameters(draw) -> str:
    """A query string over every parameter a route reads, good and bad values,
    repeated names, unknown names and broken escapes."""
    pairs: list[tuple[str, str]] = []
    # Each parameter is left out or well-formed often enough that requests get
    # past validation and into the search itself.
    if draw(FOUR_IN_FIVE):
        pairs.append(("q", encode(draw(Q_VALUES))))
    for name, values in (("page", PAGE_VALUES), ("sort", SORT_VALUES), ("year", YEAR_VALUES)):
        if draw(ONE_IN_THREE):
            pairs.append((name, encode(draw(values))))
    for name in ("type", "level"):
        if draw(ONE_IN_THREE):
            pairs.extend((name, encode(v)) for v in draw(FILTER_LISTS))
    draw(RANDOMS).shuffle(pairs)  # the first q/page/... is the one read; order matters
    for name, value in draw(EXTRA_PARAMS):
        if name.strip() in PARAM_NAMES or encode(name) in PARAM_NAMES:
            continue
        pairs.append((encode(name), encode(value)))
    query = "&".join(f"{k}={v}" for k, v in pairs)
    junk = draw(JUNK)
    return "&".join([query, *junk]) if junk else query


@st.composite
def search_requests(draw) -> FuzzRequest:
    """/search, /search.json, /phrase and /phrase.json."""
    path = draw(SEARCH_PATHS)
    qs = draw(parameters())
    expect = frozenset({400}) if breaks_a_limit(server_args(qs), path) else frozenset({200})
    return FuzzRequest(f"{path}?{qs}", "json" if path.endswith(".json") else "html", expect)


MANGLED_IDS = st.tuples(
    st.sampled_from(["/", "", "%2F"]),
    st.lists(st.one_of(st.sampled_from(TRAVERSAL), st.sampled_from(SEED_IDS), unicode_text(12).map(
        lambda s: encode(s, safe="/")), st.binary(max_size=6).map(encode)), min_size=1, max_size=4),
).map(lambda t: t[0].join(t[1]))
REPORT_Q = st.one_of(st.none(), query_text(), any_value(), LONG_TEXT)
STATIC_NAMES = st.one_of(st.sampled_from(STATIC_FILES), st.sampled_from(TRAVERSAL), PATH_TEXT)


@st.composite
def report_requests(draw) -> FuzzRequest:
    """/report/<id>, .json and /original: real ids, mangled ids, traversal."""
    suffix = draw(REPORT_SUFFIXES)
    real = draw(BOOLEANS)
    if real:
        rest = encode(draw(SEED_ID_VALUES))
    else:
        rest = draw(MANGLED_IDS)
    q = draw(REPORT_Q)
    qs = "" if q is None else "q=" + encode(q)
    url = f"/report/{rest}{suffix}" + (f"?{qs}" if qs else "")
    if not real:
        expect = ALLOWED - {200} if not any(i in rest for i in SEED_IDS) else ALLOWED
    elif suffix == "/original":
        expect = frozenset({200})  # the original page reads no parameter
    else:
        too_long = len(server_args(qs).get("q", [""])[0].strip()) > MAX_QUERY_CHARS
        expect = frozenset({400 if too_long else 200})
    return FuzzRequest(url, _kind(f"/report/{rest}{suffix}"), frozenset(expect))


@st.composite
def other_requests(draw) -> FuzzRequest:
    """/, /healthz (both ignore parameters), static files and unknown paths."""
    choice = draw(OTHER_KINDS)
    qs = draw(parameters())
    if choice == "home":
        return FuzzRequest(f"/?{qs}", "html", frozenset({200}))
    if choice == "healthz":
        return FuzzRequest(f"/healthz?{qs}", "json", frozenset({200}))
    if choice == "static":
        name = draw(STATIC_NAMES)
        expect = frozenset({200}) if name in STATIC_FILES else frozenset({404})
        return FuzzRequest(f"/static/{name}?{qs}", "static", expect)
    path = "/x-" + draw(UNKNOWN_PATHS)
    # no route starts with /x-, unless a layer resolves dot segments: then anything goes
    expect = frozenset({404}) if ".." not in unquote(path) else ALLOWED
    return FuzzRequest(f"{path}?{qs}", _kind(path), expect)


def _kind(path: str) -> str:
    """What the server answers with: JSON for paths that end in .json (as decoded)."""
    return "json" if unquote(path, errors="replace").endswith(".json") else "html"


def requests() -> st.SearchStrategy[FuzzRequest]:
    return REQUESTS



REQUESTS = st.one_of(search_requests(), report_requests(), other_requests())


# ------------------------------------------------------------------ checks

REQUIRED_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy")


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.scripts: list[str | None] = []
        self.handlers: list[str] = []
        self.h1: list[str] = []
        self._in_h1 = False

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self.scripts.append(dict(attrs).get("src"))
        self.handlers += [f"{tag} {name}" for name, _ in attrs if name.startswith("on")]
        self._in_h1 = tag == "h1"

    def handle_endtag(self, tag):
        if tag == "h1":
            self._in_h1 = False

    def handle_data(self, data):
        if self._in_h1:
            self.h1.append(data)


def problems(request: FuzzRequest, status: int, headers, body: bytes) -> list[str]:
    """What is wrong with this answer (empty when nothing is)."""
    found = []
    if status >= 500:
        found.append(f"server error {status}")
    elif status not in request.expect:
        found.append(f"status {status}, expected {sorted(request.expect)}")
    found += [f"no {name} header" for name in REQUIRED_HEADERS if not headers.get(name)]
    content_type = headers.get("Content-Type", "")
    if request.kind == "json" or content_type.startswith("application/json"):
        return found + _json_problems(status, body)
    if request.kind == "html" or content_type.startswith("text/html"):
        return found + _html_problems(status, body)
    return found


def _json_problems(status: int, body: bytes) -> list[str]:
    try:
        data = json.loads(body)
    except ValueError as exc:
        return [f"body is not JSON ({exc}): {body[:200]!r}"]
    if status != 200 and not (isinstance(data, dict) and data.get("ok") is False
                              and data.get("status") == status and isinstance(data.get("error"), str)
                              and data["error"].strip()):
        return [f"no error envelope: {data!r:.300}"]
    return []


def _html_problems(status: int, body: bytes) -> list[str]:
    found = []
    text = body.decode("utf-8", "replace")
    if not text.rstrip().endswith("</html>") or 'lang="zh-CN"' not in text:
        found.append("HTML page is not complete")
    parser = _Tags()
    parser.feed(text)
    if any(not (src or "").startswith("/static/") for src in parser.scripts):
        found.append(f"foreign script: {parser.scripts}")
    if parser.handlers:
        found.append(f"event handler attributes: {parser.handlers[:5]}")
    if status == 400 and not "".join(parser.h1).strip():
        found.append("400 page without a message")
    return found
