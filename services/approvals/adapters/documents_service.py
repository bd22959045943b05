"""The documents service as approvals sees it: a school's catalog, check a person's reference,
freeze an approved version.

:class:`HttpDocuments` calls documents' internal routes with the kernel's client-credentials
auth and keeps each school's catalog until documents says its version changed (``ETag`` /
``If-None-Match``: one small request, no body, while nothing changed); it branches on the
problem's ``code`` (and, for ids documents cannot look up at all, on the status and ``field``),
never on its Vietnamese text. :class:`FakeDocuments` keeps documents in memory for unit tests
and follows the same contract (the same refusals, codes and fields, and the catalog documents'
own domain builds).
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import requests

from services.approvals.domain.catalog import SchoolCatalog, parse_catalog
from services.kernel.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.kernel.service_client import ServiceClient, problem_code


@dataclass(frozen=True)
class Reference:
    """What a person named in a request: a document version of their school, with its digest."""

    tenant: str
    document_id: str
    version_id: str
    sha256: str
    person: str
    roles: frozenset[str] = frozenset()
    unit_roles: frozenset[tuple[str, str]] = frozenset()


@dataclass(frozen=True)
class Referenced:
    """What documents says of a reference it accepted: the document as people call it (a học bạ:
    the student's name) and its owner slot (a học bạ: its class), for the rows people sign from."""

    title: str | None = None
    owner_key: str | None = None


def unknown_document() -> ValidationFailed:
    return ValidationFailed("Không tìm thấy tài liệu này trong hồ sơ của trường.", field="document_id",
                            code="unknown-document")


def not_owner() -> Forbidden:
    return Forbidden("Tài liệu này không thuộc hồ sơ của người nộp.", field="document_id", code="not-document-owner")


def unknown_version() -> ValidationFailed:
    return ValidationFailed("Phiên bản này không thuộc tài liệu đã nêu.", field="version_id", code="unknown-version")


def digest_mismatch() -> ValidationFailed:
    return ValidationFailed("Mã băm SHA-256 không khớp với phiên bản đã lưu.", field="sha256", code="digest-mismatch")


def already_frozen() -> Conflict:
    return Conflict("Tài liệu đã được chốt ở một phiên bản khác đã duyệt.", field="version_id", code="already-frozen")


class DocumentsPort(Protocol):
    def catalog(self, school_id: str) -> SchoolCatalog:
        """The catalog the school is held to (documents' ``GET /internal/schools/<id>/catalog``)."""

    def forget(self, school_id: str) -> None:
        """Drop what is held of the school's catalog (documents said it changed): the next read asks again."""

    def verify_reference(self, ref: Reference) -> Referenced:
        """Accept ``ref`` and say what the document is, or raise the problem naming the field
        (unknown-document, not-document-owner, unknown-version, digest-mismatch)."""

    def freeze(self, tenant: str, document_id: str, version_id: str, *, decision_id: str) -> None:
        """Make ``version_id`` the document's approved version and refuse later uploads (idempotent)."""


_REFUSALS = {"unknown-document": unknown_document, "not-document-owner": not_owner,
             "unknown-version": unknown_version, "digest-mismatch": digest_mismatch}


class HttpDocuments:
    """Documents' internal routes over HTTP, with a service token; refusals are told apart by ``code``."""

    def __init__(self, *, base_url: str, auth: requests.auth.AuthBase, session: requests.Session | None = None,
                 timeout: float = 15.0, max_age: float = 30.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._client = ServiceClient(base_url=base_url.rstrip("/") + "/api/v1/internal", auth=auth,
                                     service_name="tài liệu", session=session, timeout=timeout)
        self._catalogs: dict[str, tuple[SchoolCatalog, float]] = {}  # school id -> last version sent, when checked
        self._lock = threading.Lock()
        self._max_age = max_age
        self._monotonic = monotonic

    def forget(self, school_id: str) -> None:
        with self._lock:
            self._catalogs.pop(school_id, None)

    def catalog(self, school_id: str) -> SchoolCatalog:
        """The school's catalog: held for ``max_age`` seconds, then revalidated with its version.

        A list of 200 obligations names a book 200 times: within the window no request is made;
        after it, one conditional request (304, no body) while nothing changed. The consumer of
        ``documents.catalog.changed`` calls :meth:`forget`, so a recompute never reads a stale one.
        """
        entry = self._catalogs.get(school_id)
        now = self._monotonic()
        if entry is not None and now - entry[1] < self._max_age:
            return entry[0]
        held = entry[0] if entry else None
        headers = {"If-None-Match": f'"{held.version}"'} if held else {}
        resp = self._client.request("GET", f"/schools/{requests.utils.quote(school_id, safe='')}/catalog",
                                    headers=headers)
        if resp.status_code == 304 and held is not None:
            with self._lock:
                self._catalogs[school_id] = (held, now)
            return held
        if resp.status_code == 404:  # documents has not onboarded the school yet: the recompute waits
            raise NotFound("Dịch vụ tài liệu chưa có danh mục hồ sơ của trường này.", field="school",
                           code="unknown-school")
        if resp.status_code != 200:
            raise self._client.unexpected(resp)
        catalog = parse_catalog(resp.json())
        with self._lock:
            self._catalogs[school_id] = (catalog, now)
        return catalog

    def _post(self, path: str, tenant: str, body: dict) -> requests.Response:
        return self._client.request("POST", path, params={"tenant": tenant}, json=body)

    def verify_reference(self, ref: Reference) -> Referenced:
        resp = self._post(f"/documents/{requests.utils.quote(ref.document_id, safe='')}/references", ref.tenant,
                          {"version_id": ref.version_id, "sha256": ref.sha256, "person": ref.person,
                           "roles": sorted(ref.roles), "unit_roles": [list(u) for u in sorted(ref.unit_roles)]})
        if resp.status_code == 200:
            body = resp.json()
            return Referenced(title=body.get("title"), owner_key=body.get("owner_key"))
        code = problem_code(resp)
        if code in _REFUSALS:
            raise _REFUSALS[code]()
        if resp.status_code in (400, 404, 405, 422):
            # an id documents cannot even look up (unknown school, malformed id): nothing of it exists
            raise {"version_id": unknown_version, "sha256": digest_mismatch}.get(_field(resp), unknown_document)()
        raise self._client.unexpected(resp)

    def freeze(self, tenant: str, document_id: str, version_id: str, *, decision_id: str) -> None:
        resp = self._post(f"/versions/{requests.utils.quote(version_id, safe='')}/approved", tenant,
                          {"decision_id": decision_id, "document_id": document_id})
        if resp.status_code == 200:
            return
        code = problem_code(resp)
        if code == "already-frozen":
            raise already_frozen()
        if code in _REFUSALS:
            raise _REFUSALS[code]()
        raise self._client.unexpected(resp)


def _field(resp: requests.Response) -> str:
    """The input a problem names (``field``), "" when it names none."""
    try:
        return str(resp.json().get("field") or "")
    except ValueError:
        return ""


@dataclass
class _Doc:
    tenant: str
    owners: frozenset[str]
    versions: dict[str, str] = field(default_factory=dict)  # version id -> sha256
    approved_version_id: str | None = None
    title: str | None = None


CatalogSource = Callable[[str], Mapping[str, Any]]


def _documents_catalog(school_id: str) -> Mapping[str, Any]:
    """The catalog documents serves for a school, built by documents' own (pure) domain.

    The school's levels and units come from approvals' projection of the same identity event
    documents projects; test support only (the HTTP adapter asks documents itself).
    """
    from services.approvals.adapters.documents import SchoolDoc
    from services.documents.domain.catalog import BASE_CATALOGS
    from services.documents.domain.catalog_view import merge_levels, school_catalog_view

    school = SchoolDoc.objects(id=school_id).first()
    levels = [lv for lv in (school.levels if school else []) if lv in BASE_CATALOGS]
    merged = merge_levels({lv: BASE_CATALOGS[lv] for lv in levels}, "+".join(levels))
    return school_catalog_view(school_id, levels, merged)


class FakeDocuments:
    """Documents in memory: each school's catalog, who may submit each document, its versions and
    digests, the frozen version.

    ``catalogs`` gives a school's catalog JSON (documents' ``SchoolCatalog``); by default the seeded
    catalog of the school's levels, as documents builds it.
    """

    def __init__(self, catalogs: CatalogSource | None = None) -> None:
        self.documents: dict[str, _Doc] = {}
        self.freezes: list[tuple[str, str, str]] = []
        self.catalogs = catalogs or _documents_catalog

    def catalog(self, school_id: str) -> SchoolCatalog:
        return parse_catalog(self.catalogs(school_id))

    def forget(self, school_id: str) -> None:
        """Nothing is held: every read builds the catalog afresh."""

    def add(self, tenant: str, document_id: str, version_id: str, sha256: str, *, owners: set[str] | frozenset[str],
            title: str | None = None) -> None:
        """A version uploaded to a document whose slot ``owners`` owe (the owner and allowed co-owners)."""
        doc = self.documents.setdefault(document_id, _Doc(tenant, frozenset(owners), title=title))
        doc.versions[version_id] = sha256

    def verify_reference(self, ref: Reference) -> Referenced:
        doc = self.documents.get(ref.document_id)
        if doc is None or doc.tenant != ref.tenant:
            raise unknown_document()
        if ref.person not in doc.owners:
            raise not_owner()
        if ref.version_id not in doc.versions:
            raise unknown_version()
        if doc.versions[ref.version_id] != ref.sha256:
            raise digest_mismatch()
        return Referenced(title=doc.title)

    def freeze(self, tenant: str, document_id: str, version_id: str, *, decision_id: str) -> None:
        doc = self.documents.get(document_id)
        if doc is None or doc.tenant != tenant or version_id not in doc.versions:
            raise unknown_version()
        if doc.approved_version_id not in (None, version_id):
            raise already_frozen()
        doc.approved_version_id = version_id
        self.freezes.append((tenant, document_id, version_id))


__all__ = ["DocumentsPort", "FakeDocuments", "HttpDocuments", "Reference", "Referenced"]
