"""Approvals tells documents' refusals apart by their stable code, not their Vietnamese text.

Documents' answers here carry reworded titles and details: approvals must still refuse the named
reference with its own problem (same code and field) and treat anything else as a failed dependency.
"""
from __future__ import annotations

import pytest
import requests
import responses

from services.approvals.adapters.documents_service import HttpDocuments, Reference
from services.kernel.errors import BadGateway, Problem

DOCUMENTS = "http://documents.test"
REF = Reference(tenant="th-hoa-phong", document_id="d1", version_id="v1", sha256="0" * 64, person="thhp.giaovien")
REWORDED = {"title": "Tiêu đề mới hoàn toàn.", "detail": "Lời giải thích đã được viết lại."}


def problem(code: str, status: int, field: str | None = None) -> dict:
    body = {"type": f"https://hoso.edu.vn/problems/{code}", "code": code, "status": status, **REWORDED}
    return {**body, "field": field} if field else body


def no_auth(request: requests.PreparedRequest) -> requests.PreparedRequest:
    return request


@pytest.mark.parametrize(("code", "status", "field"), [
    ("unknown-document", 422, "document_id"), ("not-document-owner", 403, "document_id"),
    ("unknown-version", 422, "version_id"), ("digest-mismatch", 422, "sha256"),
])
@responses.activate
def test_a_refused_reference_keeps_documents_code_whatever_its_text(code, status, field) -> None:
    responses.post(f"{DOCUMENTS}/api/v1/internal/documents/d1/references", json=problem(code, status), status=status)
    with pytest.raises(Problem) as refused:
        HttpDocuments(base_url=DOCUMENTS, auth=no_auth).verify_reference(REF)
    assert (refused.value.code, refused.value.status, refused.value.field) == (code, status, field)
    assert refused.value.detail != REWORDED["detail"]  # approvals speaks its own words to the submitter


@responses.activate
def test_freezing_on_another_version_is_already_frozen_by_code() -> None:
    responses.post(f"{DOCUMENTS}/api/v1/internal/versions/v1/approved", json=problem("already-frozen", 409), status=409)
    with pytest.raises(Problem) as refused:
        HttpDocuments(base_url=DOCUMENTS, auth=no_auth).freeze("th-hoa-phong", "d1", "v1", decision_id="x")
    assert (refused.value.code, refused.value.status) == ("already-frozen", 409)


@responses.activate
def test_another_conflict_from_documents_is_not_taken_for_already_frozen() -> None:
    responses.post(f"{DOCUMENTS}/api/v1/internal/versions/v1/approved", json=problem("locked", 409), status=409)
    with pytest.raises(BadGateway) as failed:
        HttpDocuments(base_url=DOCUMENTS, auth=no_auth).freeze("th-hoa-phong", "d1", "v1", decision_id="x")
    assert failed.value.extra == {"upstream_code": "locked"}


@responses.activate
def test_an_id_documents_cannot_look_up_is_an_unknown_document() -> None:
    responses.post(f"{DOCUMENTS}/api/v1/internal/documents/d1/references", json=problem("not-found", 404), status=404)
    with pytest.raises(Problem) as refused:
        HttpDocuments(base_url=DOCUMENTS, auth=no_auth).verify_reference(REF)
    assert refused.value.code == "unknown-document"
