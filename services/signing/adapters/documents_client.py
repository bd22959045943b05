"""The documents service as the signing service sees it: a version's PDF in, a signed version out.

:class:`HttpDocuments` streams both ways (the PDF is never held whole in memory here) and
tells documents' refusals apart by their problem ``code``;
:class:`FakeDocuments` keeps versions in memory for unit tests.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import IO, Any, Protocol

import requests

from services.kernel.errors import NotFound
from services.kernel.ids import new_id
from services.kernel.service_client import ServiceClient, problem_code
from services.signing.domain.errors import DocumentChanged, RecordAlreadySigned, RenditionNotReady, SigningRefused


@dataclass(frozen=True)
class StoredVersion:
    id: str
    sha256: str


@dataclass(frozen=True)
class RecordToSign:
    """A biên bản kiểm tra as documents answers for signing it (``/internal/schools/{s}/inspection-records/{id}``)."""

    record: str
    school: str
    district: str
    campaign: str
    document_id: str
    version_id: str
    head: str
    head_name: str
    title: str
    state: str
    signed_version_id: str | None
    page: int
    box: tuple[int, int, int, int]

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> "RecordToSign":
        sig = body.get("signature") or {}
        box = tuple(int(v) for v in sig.get("box") or ())
        return cls(record=body["record"], school=body["school"], district=body["district"], campaign=body["campaign"],
                   document_id=body["document_id"], version_id=body["version_id"], head=body["head"], head_name=body["head_name"],
                   title=body["title"], state=body["state"], signed_version_id=body.get("signed_version_id"),
                   page=int(sig.get("page", -1)), box=box if len(box) == 4 else (303, 30, 565, 108))  # type: ignore[arg-type]


class RecordsPort(Protocol):
    """Documents' internal routes of inspection records (biên bản kiểm tra)."""

    def inspection_record(self, school: str, record_id: str) -> RecordToSign:
        """The record of ``school``; NotFound for another school's id."""

    def record_signed(self, school: str, record_id: str, *, version_id: str, signed_by: str,
                      signed_at: str) -> dict[str, Any]:
        """Tell documents the head's signed version stands for the record (draft → signed)."""


class DocumentsPort(Protocol):
    def fetch_pdf(self, tenant: str, version_id: str, into: IO[bytes]) -> None:
        """Write the version's PDF (its rendition for office files) into ``into``."""

    def store_signed(self, tenant: str, base_version_id: str, pdf: IO[bytes], *, file_name: str,
                     signers: list[dict[str, Any]]) -> StoredVersion:
        """Store ``pdf`` as a new signed version derived from ``base_version_id``."""


# documents' refusal codes as the signing refusal a signer sees
_REFUSALS: dict[str, type[SigningRefused]] = {
    "rendition-not-ready": RenditionNotReady,
    "not-record-version": DocumentChanged,
    "record-signed": RecordAlreadySigned,
}


class HttpDocuments:
    """Documents' internal routes over HTTP with a service token; refusals are told apart by ``code``."""

    def __init__(self, *, base_url: str, auth: requests.auth.AuthBase, session: requests.Session | None = None,
                 timeout: float = 60.0) -> None:
        self._client = ServiceClient(base_url=base_url.rstrip("/") + "/api/v1/internal", auth=auth,
                                     service_name="tài liệu", session=session, timeout=timeout)

    def _check(self, resp: requests.Response) -> requests.Response:
        if resp.status_code == 404:
            raise NotFound("Không tìm thấy phiên bản tài liệu.")
        if resp.status_code in (409, 422):
            cls = _REFUSALS.get(problem_code(resp), SigningRefused)
            try:
                detail = str(resp.json().get("detail") or "")
            except ValueError:
                detail = ""
            raise cls(detail or None)
        if resp.status_code >= 400:
            raise self._client.unexpected(resp)
        return resp

    def fetch_pdf(self, tenant: str, version_id: str, into: IO[bytes]) -> None:
        with self._client.request("GET", f"/versions/{version_id}/pdf", params={"tenant": tenant}, stream=True) as resp:
            self._check(resp)
            try:
                for chunk in resp.iter_content(1 << 20):
                    into.write(chunk)
            except requests.RequestException as exc:
                raise self._client.unreachable(exc) from None

    def store_signed(self, tenant: str, base_version_id: str, pdf: IO[bytes], *, file_name: str,
                     signers: list[dict[str, Any]]) -> StoredVersion:
        pdf.seek(0, 2)
        size = pdf.tell()
        pdf.seek(0)
        headers = {"Content-Type": "application/pdf", "Content-Length": str(size),
                   "X-File-Name": file_name.encode("utf-8").decode("latin-1"),
                   "X-Signers": json.dumps(signers, ensure_ascii=True)}
        resp = self._check(self._client.request("POST", f"/versions/{base_version_id}/signed",
                                                params={"tenant": tenant}, data=pdf, headers=headers))
        body = resp.json()
        return StoredVersion(body["id"], body["sha256"])

    def inspection_record(self, school: str, record_id: str) -> RecordToSign:
        resp = self._check(self._client.request("GET", f"/schools/{school}/inspection-records/{record_id}"))
        return RecordToSign.from_json(resp.json())

    def record_signed(self, school: str, record_id: str, *, version_id: str, signed_by: str,
                      signed_at: str) -> dict[str, Any]:
        resp = self._check(self._client.request("POST", f"/schools/{school}/inspection-records/{record_id}/signed",
                                                json={"version_id": version_id, "signed_by": signed_by,
                                                      "signed_at": signed_at}))
        return resp.json()


class FakeDocuments:
    """Versions in memory, for unit tests."""

    def __init__(self) -> None:
        self.versions: dict[str, tuple[str, bytes, str | None]] = {}  # id -> (tenant, bytes, base)

    def add(self, tenant: str, data: bytes, version_id: str | None = None) -> StoredVersion:
        version_id = version_id or new_id()
        self.versions[version_id] = (tenant, data, None)
        return StoredVersion(version_id, hashlib.sha256(data).hexdigest())

    def fetch_pdf(self, tenant: str, version_id: str, into: IO[bytes]) -> None:
        owner, data, _ = self.versions.get(version_id, (None, b"", None))
        if owner != tenant:
            raise NotFound()
        into.write(data)

    def store_signed(self, tenant: str, base_version_id: str, pdf: IO[bytes], *, file_name: str,
                     signers: list[dict[str, Any]]) -> StoredVersion:
        pdf.seek(0)
        data = pdf.read()
        version_id = new_id()
        self.versions[version_id] = (tenant, data, base_version_id)
        return StoredVersion(version_id, hashlib.sha256(data).hexdigest())
