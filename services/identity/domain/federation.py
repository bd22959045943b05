"""Federated sign-in rules (plain Python): which organisation a configuration belongs to, what a
valid issuer, discovery document and list of e-mail domains look like, and when an outside
provider's account may be linked to a HoSo person.

The outside provider proves who signed in at its end (issuer + subject) and, when it says so,
that the e-mail address is verified. It never grants anything: roles come only from HoSo
memberships. A link needs a verified address equal to the one the school recorded for a person
who holds a role in the configured school or unit.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from services.identity.domain.errors import InvalidValue

SCHOOL = "school"
DISTRICT = "district"
ORG_KINDS = (SCHOOL, DISTRICT)
MAX_DOMAINS = 20
MAX_PREFIX = 30
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

#: why a first sign-in was not linked (the audit entry's ``reason``) and what the person reads
REFUSALS: dict[str, str] = {
    "unverified": ("Nhà cung cấp tài khoản chưa xác minh địa chỉ thư điện tử {email}. "
                   "HoSo chỉ liên kết tài khoản có địa chỉ thư điện tử đã được xác minh. "
                   "Không có tài khoản nào được liên kết."),
    "no_email": ("Nhà cung cấp tài khoản không cho HoSo biết địa chỉ thư điện tử của bạn, nên không thể liên kết. "
                 "Không có tài khoản nào được liên kết."),
    "domain": ("Địa chỉ thư điện tử {email} không thuộc các tên miền mà {org} cho phép đăng nhập. "
               "Không có tài khoản nào được liên kết."),
    "no_person": ("Không có người nào của {org} được ghi địa chỉ thư điện tử {email} trong HoSo. "
                  "Hãy nhờ quản trị của trường ghi đúng địa chỉ thư điện tử của bạn, hoặc đăng nhập bằng mật khẩu. "
                  "Không có tài khoản nào được liên kết."),
    "left": ("Tài khoản HoSo liên kết với địa chỉ {email} không còn vai trò nào ở {org}, nên không đăng nhập được "
             "bằng tài khoản của {org}. Hãy đăng nhập bằng mật khẩu."),
    "inactive": "Tài khoản HoSo liên kết với tài khoản này đã bị khóa. Hãy liên hệ quản trị của trường.",
}


def config_id(kind: str, org_id: str) -> str:
    """The id of an organisation's configuration (one per school or oversight unit)."""
    if kind not in ORG_KINDS:
        raise InvalidValue("Loại đơn vị không hợp lệ.", field="kind")
    return f"{kind}:{org_id}"


def check_issuer(value: str, *, allow_loopback_http: bool) -> str:
    """The issuer URL as typed, trimmed of a trailing slash: HTTPS (plain HTTP only on a loopback
    address outside production, for the test suite's provider), no query or fragment."""
    text = (value or "").strip().rstrip("/")
    parts = urlsplit(text)
    loopback = parts.scheme == "http" and (parts.hostname or "") in LOOPBACK_HOSTS and allow_loopback_http
    if not parts.hostname or parts.query or parts.fragment or not (parts.scheme == "https" or loopback):
        raise InvalidValue("Địa chỉ nhà cung cấp (issuer) phải là một địa chỉ https:// không có tham số.", field="issuer")
    return text


def normalise_domains(values: Iterable[str]) -> tuple[str, ...]:
    """Allowed e-mail domains, lowercase, without a leading "@", in the given order, no repeats."""
    out: list[str] = []
    for raw in values:
        text = (raw or "").strip().lower().lstrip("@")
        if not text:
            continue
        if not _DOMAIN.match(text):
            raise InvalidValue(f"Tên miền thư điện tử không hợp lệ: {raw}.", field="email_domains")
        if text not in out:
            out.append(text)
    if len(out) > MAX_DOMAINS:
        raise InvalidValue(f"Tối đa {MAX_DOMAINS} tên miền thư điện tử.", field="email_domains")
    return tuple(out)


def search_words(text: str) -> list[str]:
    """The words of a name as the provider search compares them: lowercase, without diacritics
    ("đ" as "d"), so "hoa phong" finds "Trường Tiểu học Hòa Phong"."""
    folded = unicodedata.normalize("NFD", (text or "").casefold().replace("đ", "d"))
    return "".join(c for c in folded if not unicodedata.combining(c)).split()


def search_prefixes(name: str) -> list[str]:
    """Every prefix of every word of an organisation's name (stored and indexed): a typed word is
    found by an exact, indexed match whatever part of a word it is the beginning of."""
    out: list[str] = []
    for word in search_words(name):
        out.extend(p for p in (word[:n] for n in range(1, min(len(word), MAX_PREFIX) + 1)) if p not in out)
    return out


def email_domain(email: str) -> str:
    """The part after the last "@", lowercase ("" when there is none)."""
    text = (email or "").strip().lower()
    return text.rsplit("@", 1)[1] if "@" in text else ""


@dataclass(frozen=True)
class Discovery:
    """What HoSo uses of an outside provider's ``.well-known/openid-configuration``."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    #: ``client_secret_basic`` when the provider accepts it (the specification's default), else ``client_secret_post``
    token_auth: str


def check_discovery(doc: Mapping[str, Any], issuer: str, *, allow_loopback_http: bool) -> Discovery:
    """The parts of a discovery document HoSo needs, or InvalidValue (Vietnamese) saying what is wrong:
    the same issuer, the endpoints over HTTPS, the code flow, PKCE S256 when methods are listed,
    and a client authentication HoSo can use."""
    def fail(why: str) -> InvalidValue:
        return InvalidValue(f"Cấu hình OpenID Connect của nhà cung cấp không dùng được: {why}", field="issuer")

    if str(doc.get("issuer", "")).rstrip("/") != issuer:
        raise fail(f"issuer trong tài liệu là “{doc.get('issuer')}”, khác với địa chỉ đã nhập.")
    endpoints = {}
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        url = str(doc.get(name) or "")
        parts = urlsplit(url)
        secure = parts.scheme == "https" or (parts.scheme == "http" and allow_loopback_http
                                             and (parts.hostname or "") in LOOPBACK_HOSTS)
        if not parts.hostname or parts.fragment or not secure:
            raise fail(f"thiếu {name} hoặc {name} không dùng https://.")
        endpoints[name] = url
    if "code" not in (doc.get("response_types_supported") or []):
        raise fail("nhà cung cấp không hỗ trợ luồng mã ủy quyền (response_type=code).")
    methods = doc.get("code_challenge_methods_supported")
    if methods is not None and "S256" not in methods:
        raise fail("nhà cung cấp không hỗ trợ PKCE S256.")
    auth_methods = doc.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    token_auth = next((m for m in ("client_secret_basic", "client_secret_post") if m in auth_methods), None)
    if token_auth is None:
        raise fail("nhà cung cấp không nhận client_secret_basic hay client_secret_post.")
    return Discovery(issuer=str(doc["issuer"]), authorization_endpoint=endpoints["authorization_endpoint"],
                     token_endpoint=endpoints["token_endpoint"], jwks_uri=endpoints["jwks_uri"], token_auth=token_auth)


@dataclass(frozen=True)
class OutsideAccount:
    """Who the outside provider says signed in (from a verified ID token)."""

    issuer: str
    subject: str
    email: str
    email_verified: bool
    name: str


def link_refusal(account: OutsideAccount, *, domains: tuple[str, ...]) -> str | None:
    """Why ``account`` cannot be linked before any person is looked up, or None."""
    if not account.email:
        return "no_email"
    if not account.email_verified:
        return "unverified"
    if domains and email_domain(account.email) not in domains:
        return "domain"
    return None


def refusal_message(reason: str, *, email: str, org: str) -> str:
    """What the person reads when their first sign-in is not linked."""
    return REFUSALS[reason].format(email=email or "—", org=org)
