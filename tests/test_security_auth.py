"""HTTP Basic login (web.auth) through the real Flask app: every route is
closed without the right login and open with it; the login file and the
REPORTS_AUTH value are parsed strictly."""
from __future__ import annotations

import base64
from urllib.parse import quote

import pytest

from harness.paths import SEEDS
from harness.served import basic
from web import create_app
from web.auth import AuthConfigError, Credentials, from_value, is_loopback, read_auth_file

SEED = SEEDS[0].name


# ---------------------------------------------------------------- (e) basic auth

USERS = [("张三", "正确的密码"), ("admin", "pa:ss word")]
PROTECTED = ["/", f"/search?q={quote('党建')}", f"/search.json?q={quote('党建')}", f"/phrase?q={quote('党建')}",
             f"/phrase.json?q={quote('党建')}", f"/report/{SEED}", f"/report/{SEED}.json",
             f"/report/{SEED}/original", f"/report/{SEED}/file", "/stats.json",
             f"/phrase.xlsx?q={quote('党建')}", f"/search.csv?q={quote('党建')}", f"/search.docx?q={quote('党建')}",
             "/static/app.js", "/static/style.css", "/nothing", "/nothing.json"]


@pytest.fixture(scope="module")
def locked(seed_index):
    corpus, index = seed_index
    app = create_app({"INDEX_DIR": index, "CORPUS_DIR": corpus, "WARM_UP": False,
                      "AUTH": Credentials.from_pairs(USERS)})
    return app.test_client()


def challenge(response) -> str:
    # On the wire the header is UTF-8 bytes; WSGI and http.client hold them as latin-1.
    return response.headers["WWW-Authenticate"].encode("latin-1").decode("utf-8")


def test_auth_no_or_wrong_login_is_401_everywhere(locked):
    attempts = [None, basic("张三", "错误"), basic("张三", ""), basic("李四", "正确的密码"), basic("admin", "pa"),
                basic("张三:正确的密码", ""), "Basic !!!not-base64", "Bearer abc", "Basic " + base64.b64encode(
                    b"\xff\xfe:x").decode(), basic("admin", "正确的密码"), basic("", "")]
    for url in PROTECTED:
        for header in attempts:
            response = locked.get(url, headers={"Authorization": header} if header else {})
            assert response.status_code == 401, (url, header, response.status_code)
            assert challenge(response) == 'Basic realm="报告检索", charset="UTF-8"'
            body = response.get_data(as_text=True)
            assert "基层党建工作开展情况" not in body and "function" not in body, url  # no report, no script
            if url.split("?")[0].endswith(".json"):
                assert response.get_json() == {"ok": False, "error": "需要登录：请输入报告检索的用户名和密码。",
                                               "status": 401}
            else:
                assert "需要登录" in body and 'lang="zh-CN"' in body


def test_auth_right_login_gets_in(locked, library):
    for user, password in USERS:
        for url in PROTECTED:
            response = locked.get(url, headers={"Authorization": basic(user, password)})
            assert response.status_code == (404 if "nothing" in url else 200), (url, user)
    data = locked.get("/search.json?q=" + quote("压紧压实"), headers={"Authorization": basic(*USERS[1])}).get_json()
    assert data["total"] == library.search("压紧压实").total
    # /healthz stays open for monitors: it tells only the generation and the report count
    assert set(locked.get("/healthz").get_json()) == {"ok", "generation", "reports"}


def test_credentials_accept_exactly_the_listed_pairs():
    creds = Credentials.from_pairs(USERS)
    assert creds.accepts("张三", "正确的密码") and creds.accepts("admin", "pa:ss word")
    for user, password in [("张三", "正确的密码 "), ("admin", "pa:ss"), ("admin:pa", "ss word"), ("", ""),
                           ("张三", "pa:ss word"), ("ADMIN", "pa:ss word")]:
        assert not creds.accepts(user, password), (user, password)
    assert all(len(d) == 64 for d in creds.digests)  # only digests kept, of one length


def test_auth_file_and_env_parsing(tmp_path):
    good = tmp_path / "users"
    good.write_text("\ufeff# office\n\n张三:正确的密码\n  admin:pa:ss word  \n", encoding="utf-8")
    creds = read_auth_file(good)
    assert creds.accepts("张三", "正确的密码") and creds.accepts("admin", "pa:ss word")
    assert from_value("") is None and from_value("a:b").accepts("a", "b")
    for text, message in [("nocolon\n", "没有冒号"), ("user:\n", "用户 'user' 的密码是空的"),
                          (":pw\n", "用户名是空的"), ("# only a comment\n\n", "没有用户")]:
        bad = tmp_path / "bad"
        bad.write_text(text, encoding="utf-8")
        with pytest.raises(AuthConfigError, match=message):
            read_auth_file(bad)
    with pytest.raises(AuthConfigError, match="不存在"):
        read_auth_file(tmp_path / "missing")
    with pytest.raises(AuthConfigError, match="REPORTS_AUTH"):
        from_value("no-colon")
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not any(is_loopback(h) for h in ("0.0.0.0", "", "::", "192.168.1.10", "example.org"))


