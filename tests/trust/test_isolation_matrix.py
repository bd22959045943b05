"""Isolation matrix generated from every service's OpenAPI document (issue 10's suite).

Nothing here lists routes by hand. The test reads each service's ``/openapi.json`` through the
gateway and, for every operation:

* **path-id probes** — when the path names an object (``{…_id}``), it is called with real ids of
  school A's objects (harvested by calling every list route as A's own people, plus a few objects
  made for the test) by people of school B (teacher, principal, administrator), of another
  district (its head and a principal there), and, for changing methods, by people without the
  right (A's accountant, the district inspector who reads but never changes). The answer must be
  403 or 404.
* **foreign-reference probes** — every id-like field of the request body and query (``*_id``,
  school, tenant, person, owner, signer, unit, e-mail…) is filled with school A's values while
  the caller is of school B. The answer must be a 4xx refusal (a read may also answer 2xx with
  nothing of A in it), it must not carry A's names, and A's objects must be unchanged.

Every 2xx answer to a foreign caller is also searched for A's ids and names. Public routes are
listed once (``PUBLIC``) and must equal the operations the documents declare without security.
A new route is covered by this test the day it appears in an OpenAPI document.
"""
from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import requests

from infra.demo.district import DEMO_DISTRICT, SPECIALIST
from infra.demo.documents import sample_pdf
from tests.trust.conftest import OTHER_DISTRICT_HEAD, OTHER_SCHOOL, OTHER_SCHOOL_PRINCIPAL
from tests.trust.platform import People
from tests.trust.figures import record

SERVICES = ("identity", "documents", "approvals", "signing", "notifications")
METHODS = ("get", "post", "put", "patch", "delete")

SCHOOL_A = "th-hoa-phong"
SCHOOL_B = "mn-hoa-chau"
A_PEOPLE = ("thhp.hieutruong", "thhp.phohieutruong", "thhp.totruong", "thhp.giaovien", "thhp.vanthu", "thhp.quantri")

# Who probes school A's objects, by kind, and the school each acts in.
FOREIGN: dict[str, tuple[str, str]] = {
    "school_b_teacher": ("mnhc.giaovien", SCHOOL_B),
    "school_b_principal": ("mnhc.hieutruong", SCHOOL_B),
    "school_b_admin": ("mnhc.quantri", SCHOOL_B),
    "other_district_head": (OTHER_DISTRICT_HEAD, OTHER_SCHOOL),
    "other_district_principal": (OTHER_SCHOOL_PRINCIPAL, OTHER_SCHOOL),
}
# Roles without the right to change school A's objects: probed on changing methods only.
NO_RIGHT: dict[str, tuple[str, str]] = {
    "school_a_accountant": ("thhp.ketoan", SCHOOL_A),
    "district_inspector": ("pgd.chuyenvien", SCHOOL_A),
}
# Callers of the foreign-reference probes (school B's people).
REFERENCE_CALLERS = ("school_b_teacher", "school_b_principal", "school_b_admin")
# The demo's teacher of two schools (A and C): with a token of one, nothing of the other.
SCHOOL_C = "thcs-nguyen-hue"
C_PEOPLE = ("thcsnh.hieutruong", "thcsnh.phohieutruong", "thcsnh.totruong", "thcsnh.giaovien", "thcsnh.vanthu", "thcsnh.quantri")

# The one place public routes are named: (service, method, OpenAPI path). Outside the OpenAPI
# documents anyone may also call every service's /healthz and /openapi.json, and identity's OIDC
# discovery, JWKS, authorize/token and sign-in pages (gateway/routes.py publishes them).
PUBLIC: frozenset[tuple[str, str, str]] = frozenset({
    ("signing", "get", "/api/v1/crl/{district_id}.crl"),  # the district CA's CRL, for relying parties
    ("signing", "post", "/api/v1/verify"),  # verification of an uploaded PDF
    ("signing", "get", "/api/v1/verify/{code}"),  # verification by the printed code / QR link
    ("signing", "post", "/api/v1/agent/pair"),  # the signing agent's one-time code for a job-scoped token
    ("signing", "get", "/api/v1/agent/jobs/{job_id}"),  # with that token (HoSo-Agent scheme), its job only
    ("signing", "post", "/api/v1/agent/jobs/{job_id}/signatures"),
})
PUBLIC_OUTSIDE_OPENAPI = ("/api/{service}/healthz", "/api/{service}/openapi.json",
                          "/api/identity/.well-known/openid-configuration", "/api/identity/oauth/jwks")

# Probes that leak today and belong to defects other work on issue 10 closes. The lead removes
# each entry when its fix lands. Keyed by (service, method, path, field or "path").
KNOWN: dict[tuple[str, str, str, str], str] = {
    # e.g. ("signing", "post", "/api/v1/credentials/remote", "account"): "issue 10 defect 2",
    # empty: the probes of defects 1 (people by e-mail), 2 (remote account), 4 (submission
    # references) and 6 (typed owners) all hold since their fixes landed
}

# Values of path parameters that name no object (enumerations of the domain), per name.
VOCABULARY = {"level": "tieu_hoc", "tier": "truong", "year": "2026-2027", "book_type": "ke_hoach_bai_day",
              "item": "default", "decision": "confirm", "code": "HS-0000-0000"}
# The object a list route's items are, when its last path segment is not a plain plural.
ITEM_OF = {"people": "person", "inbox": "notification", "queue": "submission", "signing-queue": "submission",
           "check-queue": "submission", "pending": "transaction", "rules": "rule"}
# Request fields (body or query) that refer to something of a person or a school, and which of A's
# values fills them: by exact name, else any ``*_id`` / ``*_ids`` by its object name.
REFERENCE_FIELDS = {"school": "school_id", "tenant": "school_id", "tenant_id": "school_id", "school_id": "school_id",
                    "person": "person_id", "owner": "person_id", "owner_key": "person_id", "signer": "person_id",
                    "on_behalf_of": "person_id", "actor": "person_id", "delegate_id": "person_id",
                    "username": "person_id", "account": "principal_id", "unit": "unit_id", "unit_id": "unit_id",
                    "email": "email", "phone": "phone", "staff_id": "staff_id", "sha256": "sha256",
                    "signed_sha256": "sha256", "signed_version_id": "version_id", "id": "school_id"}
# Values of fields no list answer shows (a setting of the platform, not data).
HINTS = {"provider": "simulated", "reason": "Kiểm tra cách ly giữa các trường"}
LEAK_OK_PATH = {403, 404}
REFUSALS = {400, 401, 403, 404, 409, 422}
TIMEOUT = 30
VERBOSE = bool(os.environ.get("TRUST_MATRIX_VERBOSE"))  # print every refused foreign-reference probe


@dataclass
class Operation:
    service: str
    method: str
    path: str
    spec: dict[str, Any]
    doc: dict[str, Any]

    @property
    def path_params(self) -> list[str]:
        return re.findall(r"{([^}]+)}", self.path)

    @property
    def object_params(self) -> list[str]:
        return [p for p in self.path_params if p.endswith("_id") and p != "school_id"]

    def query_params(self) -> list[str]:
        return [p["name"] for p in self.spec.get("parameters", []) if p.get("in") == "query"]

    def body(self) -> tuple[str | None, dict[str, Any] | None]:
        content = self.spec.get("requestBody", {}).get("content", {})
        for media, value in content.items():
            return media, resolve(self.doc, value.get("schema", {}))
        return None, None

    def key(self, where: str) -> tuple[str, str, str, str]:
        return (self.service, self.method, self.path, where)

    def label(self) -> str:
        return f"{self.method.upper()} /api/{self.service}{self.path[4:] if self.path.startswith('/api/v1') else self.path}"


@dataclass
class Leak:
    operation: Operation
    kind: str
    probe: str
    status: int
    why: str

    def line(self) -> str:
        return f"{self.operation.label()} as {self.kind} [{self.probe}] → {self.status}: {self.why}"


@dataclass
class Tally:
    routes: set[tuple[str, str]] = field(default_factory=set)
    probes: int = 0
    foreign_reference_probes: int = 0
    discriminating: int = 0  # refused foreign-reference probes whose control (own ids) was accepted
    leaks: list[Leak] = field(default_factory=list)
    known: list[tuple[Leak, str]] = field(default_factory=list)

    def leak(self, leak: Leak, where: str) -> None:
        known = KNOWN.get(leak.operation.key(where))
        if known:
            self.known.append((leak, known))
        else:
            self.leaks.append(leak)


def resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with a top-level ``$ref`` followed."""
    while "$ref" in schema:
        name = schema["$ref"].split("/")[-1]
        schema = doc["components"]["schemas"][name]
    return schema


def operations(url: str) -> Iterator[Operation]:
    """Every operation of every service, read from its OpenAPI document through the gateway."""
    for service in SERVICES:
        resp = requests.get(f"{url}/api/{service}/openapi.json", timeout=TIMEOUT)
        assert resp.status_code == 200, f"{service} publishes no OpenAPI document"
        doc = resp.json()
        for path, item in doc["paths"].items():
            for method in METHODS:
                if method in item:
                    yield Operation(service, method, path, item[method], doc)


class World:
    """School A's real objects, harvested from list routes as A's people, and the probes' HTTP calls."""

    def __init__(self, url: str, people: People, ops: list[Operation], *, school: str = SCHOOL_A,
                 owners: tuple[str, ...] = A_PEOPLE) -> None:
        self.url = url
        self.people = people
        self.ops = ops
        self.school = school  # the school whose objects are harvested (A of the main matrix)
        self.owners = owners  # its people who harvest them
        self.ids: dict[str, list[str]] = {"school_id": [school]}
        self.owner_of: dict[tuple[str, str], str] = {}  # (param, id) -> A's person who saw it
        self.markers: set[str] = set()  # A's ids and names: must never reach a foreign caller
        self.names: set[str] = set()  # A's people's names and e-mails: never even in a refusal
        self.seen: dict[str, list[str]] = {}  # every short text value a list answered, by field name

    def call(self, username: str, op: Operation, path_values: dict[str, str], *, query: dict[str, Any] | None = None,
             body: Any = None, media: str | None = None) -> requests.Response:
        path = op.path
        for name, value in path_values.items():
            path = path.replace("{" + name + "}", requests.utils.quote(str(value), safe=""))
        target = f"{self.url}/api/{op.service}{path[len('/api'):] if path.startswith('/api/v1') else path}"
        headers = self.people.headers(username)
        kwargs: dict[str, Any] = {"params": query or {}, "headers": headers, "timeout": TIMEOUT, "allow_redirects": False}
        if media == "application/json":
            kwargs["json"] = body if body is not None else {}
        elif media is not None:
            headers["Content-Type"] = media
            headers["X-File-Name"] = "kiem-tra-cach-ly.pdf"
            kwargs["data"] = body if body is not None else b""
        resp = requests.request(op.method.upper(), target, **kwargs)
        resp.sent = target + json.dumps(query or {}, ensure_ascii=False) + (  # type: ignore[attr-defined]
            json.dumps(body, ensure_ascii=False) if media == "application/json" else "")
        return resp

    # --- harvesting A's objects -------------------------------------------------------------
    def add(self, param: str, value: Any, owner: str) -> None:
        if not isinstance(value, str) or not value or len(value) > 300:
            return
        values = self.ids.setdefault(param, [])
        if value not in values:
            values.append(value)
            self.owner_of[(param, value)] = owner
        if param not in ("school_id",) and len(value) >= 6:
            self.markers.add(value)

    def harvest(self, body: Any, item: str, owner: str) -> None:
        if isinstance(body, list):
            for value in body:
                self.harvest(value, item, owner)
        elif isinstance(body, dict):
            for key, value in body.items():
                if key == "id":
                    self.add(f"{item}_id", value, owner)
                elif key.endswith("_id"):
                    self.add(key, value, owner)
                elif key.endswith("_ids") and isinstance(value, list):
                    for v in value:
                        self.add(key[:-1], v, owner)
                elif key in ("sha256", "email", "phone", "staff_id") and isinstance(value, str):
                    self.add(key, value, owner)
                elif key == "full_name" and isinstance(value, str):
                    self.names.add(value)
                if isinstance(value, str) and 0 < len(value) <= 64 and value not in self.seen.setdefault(key, []):
                    self.seen[key].append(value)
                if isinstance(value, (dict, list)):
                    nested = key if key not in ("items", "data", "steps", "history") else item
                    self.harvest(value, ITEM_OF.get(nested, nested.rstrip("s")) if nested != item else item, owner)

    def harvest_lists(self, usernames: Iterable[str] | None = None, school: str | None = None) -> None:
        """Call every GET route whose path holds only known values, as each of ``usernames`` (default: the owners)."""
        school = school or self.school
        for username in usernames or self.owners:
            for op in self.ops:
                if op.method != "get" or (op.service, op.method, op.path) in PUBLIC:
                    continue
                if any(p.endswith("_id") and p != "school_id" for p in op.path_params):
                    continue
                values = {p: school if p == "school_id" else VOCABULARY.get(p, "") for p in op.path_params}
                resp = self.call(username, op, values)
                if resp.status_code == 200 and resp.headers.get("Content-Type", "").startswith("application/json"):
                    segment = [s for s in op.path.split("/") if s and not s.startswith("{")][-1]
                    self.harvest(resp.json(), ITEM_OF.get(segment, segment.rstrip("s")), username)
        demo = next(d for d in DEMO_DISTRICT.schools if d.slug == school)
        for person in demo.people:
            self.add("person_id", person.username, person.username)
            self.add("email", person.email, person.username)
            self.names.add(person.full_name)
            if any(role == "hieu_truong" for role, _ in person.roles):
                self.add("principal_id", person.username, person.username)
        self.ids["school_id"] = [school]
        self.names.discard("")

    def make_objects(self) -> None:
        """Objects no demo list shows yet: a delegation, a lock, an export, a signing batch."""
        now = datetime.now(timezone.utc)
        principal = "thhp.hieutruong"
        self._post(principal, "identity", f"/v1/schools/{SCHOOL_A}/delegations", {
            "delegate_id": "thhp.phohieutruong", "role": "hieu_truong", "until": (now + timedelta(days=30)).isoformat()},
            "delegation_id")
        self._post("thhp.quantri", "documents", "/v1/locks", {
            "starts_at": (now + timedelta(days=300)).isoformat(), "ends_at": (now + timedelta(days=301)).isoformat(),
            "reason": "Khóa thử cho kiểm tra cách ly", "book": "so_cong_tac_doi"}, "lock_id")
        self._post(principal, "documents", "/v1/exports", {"school_year": "2026-2027", "kind": "zip"}, "export_id")
        credentials = self.ids.get("credential_id", [])
        submissions = self.ids.get("submission_id", [])
        if credentials and submissions:
            self._post(principal, "signing", "/v1/batches", {
                "credential_id": credentials[0], "submission_ids": submissions[:1]}, "batch_id")
        # every session of A's people (made when they signed in)
        for username in self.owners:
            resp = requests.get(f"{self.url}/api/identity/v1/me/sessions", headers=self.people.headers(username), timeout=TIMEOUT)
            if resp.status_code == 200:
                self.harvest(resp.json(), "session", username)

    def _post(self, username: str, service: str, path: str, body: dict[str, Any], param: str) -> None:
        resp = requests.post(f"{self.url}/api/{service}{path}", json=body, headers=self.people.headers(username), timeout=TIMEOUT)
        if resp.status_code in (200, 201, 202):
            data = resp.json()
            value = data.get("id") or data.get(param) or next((v for k, v in data.items() if k.endswith("_id")), None)
            self.add(param, value, username)
            self.harvest(data, param[:-3], username)
        else:
            print(f"could not make a {param[:-3]} of A: {resp.status_code} {resp.text[:200]}")

    # --- A's objects as A sees them, before and after the probes ----------------------------
    def snapshot(self) -> dict[str, str]:
        """Each of A's objects read by its own owner through every GET route naming it."""
        seen: dict[str, str] = {}
        for op in self.ops:
            if op.method != "get" or not op.object_params or (op.service, op.method, op.path) in PUBLIC:
                continue
            param = op.object_params[0]
            if "download" in op.path or op.path.endswith("/content") or op.path.endswith("/file"):
                continue
            for value in self.ids.get(param, [])[:3]:
                owner = self.owner_of.get((param, value), self.owners[0])
                values = {p: self.school if p == "school_id" else (value if p == param else self.first(p)) for p in op.path_params}
                resp = self.call(owner, op, values)
                if resp.status_code == 200:
                    seen[f"{op.label()} {value}"] = _stable(resp)
        return seen

    def read_object(self, param: str, value: str) -> str | None:
        """How the owner of A's object ``value`` reads it (the first GET route naming ``param``)."""
        owner = self.owner_of.get((param, value), self.owners[0])
        for op in self.ops:
            if op.method == "get" and op.object_params[:1] == [param] and len(op.object_params) == 1 \
                    and (op.service, op.method, op.path) not in PUBLIC and not op.path.endswith(("/content", "/file")):
                values = {p: self.school if p == "school_id" else value for p in op.path_params}
                resp = self.call(owner, op, values)
                if resp.status_code == 200:
                    return _stable(resp)
        return None

    def first(self, param: str) -> str:
        values = self.ids.get(param)
        return values[0] if values else VOCABULARY.get(param, f"khong-co-{param}")


def _stable(resp: requests.Response) -> str:
    """A JSON answer without the fields that change by themselves (reads, expiring links)."""
    try:
        body = resp.json()
    except ValueError:
        return str(len(resp.content))
    volatile = re.compile(r"(url|link|expires|read_at|last_seen|progress|percent|updated_at|status_at|sig)$")

    def clean(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items() if not volatile.search(k)}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    return json.dumps(clean(body), sort_keys=True, ensure_ascii=False)


def example(schema: dict[str, Any], doc: dict[str, Any], name: str = "", seen: dict[str, list[str]] | None = None) -> Any:
    """A small valid value of ``schema`` (every property filled, so every field is probed).

    Text fields take a value the caller's own lists showed for that field name (a real book, period,
    role…) when there is one, so a probe is refused for the foreign id it carries, not for nonsense.
    """
    schema = resolve(doc, schema)
    if "anyOf" in schema or "oneOf" in schema:
        options = [s for s in schema.get("anyOf", schema.get("oneOf", [])) if resolve(doc, s).get("type") != "null"]
        nullable = len(options) < len(schema.get("anyOf", schema.get("oneOf", [])))
        if nullable and not (seen and seen.get(name)) and name not in HINTS:
            return None  # optional and nothing real to put there (id-like fields are filled afterwards)
        return example(options[0], doc, name, seen) if options else None
    if "allOf" in schema:
        return example(schema["allOf"][0], doc, name, seen)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return {key: example(value, doc, key, seen) for key, value in schema.get("properties", {}).items()}
    if kind == "array":
        return [example(schema.get("items", {}), doc, name, seen) for _ in range(max(1, schema.get("minItems", 1)))]
    if kind == "string" and not schema.get("format") and name in HINTS:
        return HINTS[name]
    if kind == "string" and not schema.get("format") and seen and seen.get(name):
        return seen[name][0]
    if kind == "boolean":
        return False
    if kind in ("integer", "number"):
        return schema.get("minimum", 1)
    fmt = schema.get("format")
    if fmt == "date-time":
        later = 14 if name.startswith(("end", "until")) else 7
        return (datetime.now(timezone.utc) + timedelta(days=later)).isoformat()
    if fmt == "date":
        return "2026-10-15"
    if fmt == "binary":
        return ""
    pattern = schema.get("pattern", "")
    if "0-9a-f" in pattern:
        return "0" * 64
    if pattern.startswith("^\\d{4}-\\d{4}"):
        return "2026-2027"
    return ("Kiểm tra cách ly " + name)[: schema.get("maxLength", 64)].ljust(schema.get("minLength", 1), "x")


def reference_value(world: World, name: str) -> str | None:
    """School A's value for a request field that names something, or None when it names nothing."""
    param = REFERENCE_FIELDS.get(name)
    if param is None and name.endswith("_ids"):
        param = name[:-1]
    if param is None and name.endswith("_id"):
        param = name
    if param is None:
        return None
    values = world.ids.get(param)
    return values[0] if values else None


def fill_references(world: World, value: Any, schema: dict[str, Any], doc: dict[str, Any], filled: list[str],
                    *, only: str | None = None, own: World | None = None) -> Any:
    """``value`` with every id-like property set to ``world``'s value (their names added to ``filled``);
    with ``only``, just that property takes ``world``'s value and the others ``own``'s."""
    schema = resolve(doc, schema)
    if isinstance(value, dict):
        props = schema.get("properties", {})
        out = {}
        for key, item in value.items():
            source = world if only is None or key == only else own
            foreign = reference_value(source, key) if source is not None else None
            if foreign is not None:
                out[key] = [foreign] if isinstance(item, list) else foreign
                if source is world:
                    filled.append(key)
            else:
                out[key] = fill_references(world, item, props.get(key, {}), doc, filled, only=only, own=own)
        return out
    if isinstance(value, list):
        items = schema.get("items", {})
        return [fill_references(world, v, items, doc, filled, only=only, own=own) for v in value]
    return value


def op_query(world: World, op: Operation, plain: World | None = None) -> dict[str, Any]:
    """Query parameters: ``world``'s value where one names something, else a value ``plain``'s lists showed
    (or a small valid one when required)."""
    plain = plain or world
    query: dict[str, Any] = {}
    for param in op.spec.get("parameters", []):
        if param.get("in") != "query":
            continue
        value = reference_value(world, param["name"])
        if value is None and (param.get("required") or plain.seen.get(param["name"])):
            value = example(param.get("schema", {}), op.doc, param["name"], plain.seen)
        if value is not None:
            query[param["name"]] = value
    return query


def _items_refused(resp: requests.Response) -> bool:
    """A 2xx answer that is one refusal per item (a bulk route's per-item results)."""
    try:
        body = resp.json()
    except ValueError:
        return False
    items = next((v for v in body.values() if isinstance(v, list)), None) if isinstance(body, dict) else None
    return bool(items) and all(isinstance(i, dict) and i.get("ok") is False and int(i.get("status", 0)) in REFUSALS
                               for i in items)


def _binary_body(media: str) -> bytes:
    return sample_pdf(["Kiểm tra cách ly"]) if "pdf" in media or "octet" in media else b"PK\x03\x04"


def _contains(resp: requests.Response, needles: Iterable[str]) -> str | None:
    """The first of A's ids or names in the answer that the caller did not send itself."""
    text, sent = resp.text, getattr(resp, "sent", "")
    for needle in needles:
        if needle and needle in text and needle not in sent and requests.utils.quote(needle, safe="") not in sent:
            return needle
    return None


def test_no_route_of_any_service_answers_school_a_objects_to_another_school(platform, people: People) -> None:
    ops = list(operations(platform.url))
    declared_public = {(o.service, o.method, o.path) for o in ops if o.spec.get("security") == []}
    assert declared_public == PUBLIC, (
        "public operations differ from the one list of public routes: "
        f"undeclared {sorted(declared_public - PUBLIC)}, no longer public {sorted(PUBLIC - declared_public)}")
    for service in SERVICES:
        for path in PUBLIC_OUTSIDE_OPENAPI:
            if "{service}" in path or service == "identity":
                assert requests.get(platform.url + path.format(service=service), timeout=TIMEOUT).status_code == 200

    tally = probe_school(World(platform.url, people, ops), ops, foreign=FOREIGN, no_right=NO_RIGHT,
                         reference_callers=REFERENCE_CALLERS, shared_school=SCHOOL_B, make=True)
    assert not tally.leaks, "school A's objects reached other callers:\n" + "\n".join(l.line() for l in tally.leaks)


def test_a_person_of_two_schools_with_a_token_of_one_reaches_nothing_of_the_other(platform, people: People) -> None:
    """The matrix again for Lê Thị Thu Hà, who teaches in A and in C: with a token for C against A's objects,
    then with a token for A against C's. She holds a role in both, yet a token speaks for one school only."""
    ops = list(operations(platform.url))
    leaks: list[Leak] = []
    for target, owners, acting in ((SCHOOL_A, A_PEOPLE, SCHOOL_C), (SCHOOL_C, C_PEOPLE, SCHOOL_A)):
        caller = people.in_school(SPECIALIST, acting)
        me = requests.get(f"{platform.url}/api/identity/v1/me", headers=people.headers(caller), timeout=TIMEOUT).json()
        assert me["tenant"] == acting and {c["id"] for c in me["school_choices"]} == {SCHOOL_A, SCHOOL_C}
        kinds = {f"two_school_teacher_in_{acting}": (caller, acting)}
        tally = probe_school(World(platform.url, people, ops, school=target, owners=owners), ops, foreign=kinds,
                             no_right={}, reference_callers=tuple(kinds), shared_school=acting,
                             section="two_schools")
        assert tally.probes and tally.foreign_reference_probes
        leaks += tally.leaks
    assert not leaks, "a two-school teacher reached the other school's objects:\n" + "\n".join(l.line() for l in leaks)


def probe_school(world: World, ops: list[Operation], *, foreign: dict[str, tuple[str, str]],
                 no_right: dict[str, tuple[str, str]], reference_callers: tuple[str, ...], shared_school: str,
                 make: bool = False, section: str = "isolation") -> Tally:
    """Harvest ``world.school``'s objects as its own people (and make a few when ``make``), probe every
    operation with them as each ``foreign`` caller (path ids; and as each of ``reference_callers``, their ids
    in bodies and queries), record the figures and return the tally. What the callers see in their own
    school ``shared_school`` (the district, the catalog, themselves) is no leak. The figures go to the trust
    report's ``section``."""
    world.harvest_lists()
    if make:
        world.make_objects()
    shared = World(world.url, world.people, ops, school=shared_school)
    shared.harvest_lists([username for username, school in foreign.values() if school == shared_school], shared_school)
    world.markers -= {v for values in shared.ids.values() for v in values} | shared.markers
    world.names -= shared.names
    before = world.snapshot()
    tally = Tally()

    for op in ops:
        if (op.service, op.method, op.path) in PUBLIC:
            continue
        tally.routes.add((op.service, op.path))
        _path_probes(world, op, tally, foreign, no_right)
        _reference_probes(world, shared, op, tally, {k: foreign[k] for k in reference_callers})

    after = world.snapshot()
    changed = sorted(k for k in before if after.get(k) != before[k])
    for key in changed:
        tally.leaks.append(Leak(ops[0], "any", f"{world.school}'s object changed", 0, f"{key} changed during the probes"))

    record(section, routes=len(tally.routes), probes=tally.probes,
           foreign_reference_probes=tally.foreign_reference_probes, leaks=len(tally.leaks) + len(tally.known),
           known_leaks=len(tally.known))
    missing = sorted({p for o in ops for p in o.object_params if not world.ids.get(p)})
    print(f"\nisolation of {world.school} against {sorted(foreign)}: {len(tally.routes)} routes, {tally.probes} probes, "
          f"{tally.foreign_reference_probes} foreign-reference probes ({tally.discriminating} refused where the caller's "
          f"own ids were accepted), {len(tally.leaks)} leaks, {len(tally.known)} known; "
          f"path ids without a real object of {world.school}: {missing}")
    for leak, defect in tally.known:
        print(f"  known ({defect}): {leak.line()}")
    return tally


def _path_probes(world: World, op: Operation, tally: Tally, foreign: dict[str, tuple[str, str]],
                 no_right: dict[str, tuple[str, str]]) -> None:
    """Call the route on A's real objects as every foreign kind (and, when it changes, as no-right roles)."""
    if not op.object_params:
        return
    media, schema = op.body()
    body: Any = None
    if media == "application/json":
        body = example(schema or {}, op.doc)
    elif media is not None:
        body = _binary_body(media)
    kinds = dict(foreign)
    if op.method != "get":
        kinds.update(no_right)
    for kind, (username, own_school) in kinds.items():
        for school in {world.school, own_school} if "school_id" in op.path_params else {world.school}:
            values = {p: school if p == "school_id" else world.first(p) if p.endswith("_id") else VOCABULARY.get(p, "x")
                      for p in op.path_params}
            query = op_query(world, op)
            target = (op.object_params[0], values[op.object_params[0]])
            before = world.read_object(*target) if kind in no_right else None
            resp = world.call(username, op, values, query=query, body=body, media=media)
            tally.probes += 1
            where = "path" if school == world.school else f"path with own school {school}"
            if kind in no_right and resp.ok:  # the inspector reads every school, a colleague some things: no change
                if world.read_object(*target) != before:
                    tally.leak(Leak(op, kind, where, resp.status_code, f"changed A's {target[0]} {target[1]}"), "path")
            elif resp.status_code not in LEAK_OK_PATH:
                tally.leak(Leak(op, kind, where, resp.status_code, _problem(resp)), "path")
            elif (name := _contains(resp, world.names)) is not None:
                tally.leak(Leak(op, kind, where, resp.status_code, f"the refusal names {name!r}"), "path")


def _reference_probes(world: World, own: World, op: Operation, tally: Tally, callers: dict[str, tuple[str, str]]) -> None:
    """Call the route in the caller's own school with A's ids in its id-like body and query fields:
    all of them at once, then each alone (the others the caller's own), so one refusal hides no other."""
    if op.object_params:
        return  # the path-id probes above call these with A's objects already
    media, schema = op.body()
    base = example(schema or {}, op.doc, seen=own.seen) if media == "application/json" else None
    own_query = op_query(own, op)
    variants: list[tuple[list[str], Any, dict[str, Any]]] = []  # (fields with A's ids, body, query)
    filled: list[str] = []
    all_body = fill_references(world, base, schema or {}, op.doc, filled) if base is not None else None
    all_query = op_query(world, op, own)
    filled += [name for name in all_query if reference_value(world, name) is not None]
    variants.append((filled, all_body, all_query))
    if len(set(filled)) > 1:
        for name in sorted(set(filled)):
            one: list[str] = []
            body = fill_references(world, base, schema or {}, op.doc, one, only=name, own=own) if base is not None else None
            query = dict(own_query)
            if name in all_query:
                query[name] = all_query[name]
                one.append(name)
            if one:
                variants.append((one, body, query))
    control_body = fill_references(own, base, schema or {}, op.doc, []) if base is not None else None
    for kind, (username, own_school) in callers.items():
        values = {p: own_school if p == "school_id" else VOCABULARY.get(p, "x") for p in op.path_params}
        control = None
        for fields, body, query in variants:
            if media and media != "application/json":
                body = _binary_body(media)
            resp = world.call(username, op, values, query=query, body=body, media=media)
            if not fields:  # nothing to point at A: the route must still answer nothing of A's
                tally.probes += 1
                if resp.ok and (marker := _contains(resp, world.markers | world.names)) is not None:
                    tally.leak(Leak(op, kind, "own school", resp.status_code, f"answers A's {marker!r}"), "own")
                continue
            if not resp.ok and control is None:  # the call with the caller's own ids: does the id make the difference?
                control = own.call(username, op, values, query=own_query,
                                   body=control_body if media == "application/json" else body, media=media)
            if not resp.ok and control is not None:
                tally.discriminating += control.ok
            if VERBOSE:
                print(f"  ref {op.label()} as {kind} {sorted(set(fields))}: {resp.status_code} {_problem(resp)[:70]}"
                      f" | own ids: {control.status_code if control is not None else '-'}")
            tally.foreign_reference_probes += 1
            _judge_reference(world, op, kind, fields, resp, tally)


def _judge_reference(world: World, op: Operation, kind: str, fields: list[str], resp: requests.Response,
                     tally: Tally) -> None:
    """A foreign-reference probe holds when refused (4xx) without A's names, or a read answers nothing of A's."""
    where = f"A's ids in {','.join(sorted(set(fields)))}"
    field_key = next((f for f in fields if op.key(f) in KNOWN), fields[0])
    if resp.ok and op.method != "get" and not _items_refused(resp):
        tally.leak(Leak(op, kind, where, resp.status_code, _problem(resp)), field_key)
    elif resp.ok and (marker := _contains(resp, world.markers | world.names)) is not None:
        tally.leak(Leak(op, kind, where, resp.status_code, f"answers A's {marker!r}"), field_key)
    elif not resp.ok and resp.status_code not in REFUSALS:
        tally.leak(Leak(op, kind, where, resp.status_code, _problem(resp)), field_key)
    elif not resp.ok and (name := _contains(resp, world.names)) is not None:
        tally.leak(Leak(op, kind, where, resp.status_code, f"the refusal names {name!r}"), field_key)


def _problem(resp: requests.Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        return resp.text[:120]
    if isinstance(body, dict):
        return str(body.get("type") or body.get("title") or list(body)[:6])[:160]
    return f"list of {len(body)}"
