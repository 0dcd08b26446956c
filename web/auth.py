"""Optional HTTP basic auth, for serving the library on an office network.

Credentials come from an auth file (`reports serve --auth-file FILE`, lines
`user:password`) or from the env (`REPORTS_AUTH="user:pass"`), as the
settings (search/settings.py) name them. When the app's
config holds credentials (AUTH), every request needs them, static
files included, except /healthz: a load balancer or monitor probes it without
credentials, and it tells only the generation number and the report count.

Basic auth sends the password in the clear on every request: behind TLS (a
reverse proxy) on anything but a trusted network.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, request

from search.errors import AuthConfigError
from search.settings import Settings

ENV_VAR = "REPORTS_AUTH"
REALM = "报告检索"
OPEN_PATHS = frozenset({"/healthz"})
CHALLENGE = f'Basic realm="{REALM}", charset="UTF-8"'


@dataclass(frozen=True)
class Credentials:
    """Accepted logins, kept as digests of user and password: every check
    hashes the attempt once and compares it with each of them in constant time."""
    digests: tuple[bytes, ...]

    @classmethod
    def from_pairs(cls, pairs: list[tuple[str, str]]) -> Credentials:
        return cls(tuple(_digest(user, password) for user, password in pairs))

    def accepts(self, user: str, password: str) -> bool:
        attempt = _digest(user, password)
        ok = False
        for digest in self.digests:  # no early exit: the time does not tell which entry matched
            ok |= hmac.compare_digest(attempt, digest)
        return ok


def _digest(user: str, password: str) -> bytes:
    # Both parts hashed apart (so "a:b" + "c" is not "a" + "b:c") and compared
    # as one string of fixed length: the time says nothing about which part failed.
    return b"".join(hashlib.sha256(part.encode("utf-8", "surrogatepass")).digest() for part in (user, password))


def parse_line(line: str, where: str) -> tuple[str, str]:
    user, colon, password = line.partition(":")
    if not colon:
        raise AuthConfigError(f"{where}：应写作 用户名:密码，这里没有冒号")
    if not user.strip():
        raise AuthConfigError(f"{where}：用户名是空的")
    if not password:
        raise AuthConfigError(f"{where}：用户 {user!r} 的密码是空的")
    return user, password


def read_auth_file(path: Path) -> Credentials:
    """Lines `user:password`; blank lines and lines starting with # are
    skipped; spaces around a line are ignored."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise AuthConfigError(f"登录文件 {path} 不存在") from None
    except (OSError, UnicodeError) as exc:
        raise AuthConfigError(f"读不出登录文件 {path}：{exc}") from None
    pairs = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line and not line.startswith("#"):
            pairs.append(parse_line(line, f"{path} 第 {number} 行"))
    if not pairs:
        raise AuthConfigError(f"登录文件 {path} 中没有用户（每行写 用户名:密码）")
    return Credentials.from_pairs(pairs)


def from_value(value: str) -> Credentials | None:
    """A REPORTS_AUTH value "user:pass"; None when it is empty."""
    if not value.strip():
        return None
    return Credentials.from_pairs([parse_line(value.strip(), ENV_VAR)])


def from_settings(settings: Settings) -> Credentials | None:
    """The logins the settings name: the auth file's, else the REPORTS_AUTH value's."""
    return read_auth_file(settings.auth_file) if settings.auth_file else from_value(settings.auth)


def install(app: Flask, credentials: Credentials) -> None:
    """Require a login for every request but OPEN_PATHS."""

    def _require_login():
        if request.path in OPEN_PATHS:
            return None
        given = request.authorization
        if (given is not None and given.type == "basic"
                and credentials.accepts(given.username or "", given.password or "")):
            return None
        from .views import (
            error_response,  # the error page and JSON envelope every route uses
        )
        response = error_response(401, "需要登录：请输入报告检索的用户名和密码。")
        # WSGI header values are latin-1 strings standing for bytes: the realm goes out as UTF-8.
        response.headers["WWW-Authenticate"] = CHALLENGE.encode("utf-8").decode("latin-1")
        return response

    # First of all request hooks, so no other runs for a stranger.
    app.before_request_funcs.setdefault(None, []).insert(0, _require_login)


def is_loopback(host: str) -> bool:
    """Whether `host` is reachable from this machine only."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a host name, "" or 0.0.0.0-like: assume the network sees it
        return False


def for_serve(settings: Settings, host: str) -> tuple[Credentials | None, list[str]]:
    """`reports serve`'s credentials (the auth file, else REPORTS_AUTH) and the
    warnings to print. Raises AuthConfigError for a file or value it cannot use."""
    credentials = from_settings(settings)
    auth_file = settings.auth_file
    warnings = []
    if auth_file and os.name == "posix" and auth_file.stat().st_mode & 0o077:
        warnings.append(f"注意：本机的其他用户能读 {auth_file}；"
                        f"请运行 chmod 600 {auth_file}")
    if credentials is None and not is_loopback(host):
        warnings.append(f"注意：在 {host or '所有地址'} 上提供服务而不要求登录：网络上的任何人都能读这个库；"
                        f"请用 --auth-file（或 {ENV_VAR}=用户名:密码）")
    return credentials, warnings
