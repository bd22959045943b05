"""Signing tells approvals' and documents' refusals apart by their stable code, not their Vietnamese text.

Each answer here is what the other service sends, with its title and detail reworded: the signer must
still get the right refusal (and, through it, the right status and code of the signing service).
"""
from __future__ import annotations

import io

import pytest
import requests
import responses

from services.kernel.errors import BadGateway, NotFound
from services.signing.adapters.approvals_client import HttpApprovals, refusal_for_turn
from services.signing.adapters.documents_client import HttpDocuments
from services.signing.domain.errors import (
    DocumentChanged, NotApproved, OutOfTurn, RenditionNotReady, SigningRefused,
)

APPROVALS = "http://approvals.test"
DOCUMENTS = "http://documents.test"
REWORDED = {"title": "Một tiêu đề đã được viết lại.", "detail": "Một câu giải thích hoàn toàn mới."}


def problem(code: str, status: int) -> dict:
    return {"type": f"https://hoso.edu.vn/problems/{code}", "code": code, "status": status, **REWORDED}


def no_auth(request: requests.PreparedRequest) -> requests.PreparedRequest:
    return request


@pytest.mark.parametrize(("code", "refusal"), [
    ("not-awaiting-signature", NotApproved), ("out-of-turn", OutOfTurn), ("not-a-signer", OutOfTurn),
])
def test_a_signing_turn_refusal_follows_its_reason_code_whatever_the_sentence(code, refusal) -> None:
    turn = {"may_sign": False, "reason": REWORDED["detail"], "reason_code": code}
    refused = refusal_for_turn(turn)
    assert type(refused) is refusal
    assert REWORDED["detail"] in refused.detail  # the person still reads approvals' own sentence


@pytest.mark.parametrize(("code", "refusal"), [
    ("document-changed", DocumentChanged), ("out-of-turn", OutOfTurn), ("wrong-signing-step", OutOfTurn),
    ("not-a-signer", OutOfTurn), ("not-awaiting-signature", NotApproved), ("conflict", SigningRefused),
])
@responses.activate
def test_recording_a_signature_maps_approvals_codes_not_its_text(code, refusal) -> None:
    responses.post(f"{APPROVALS}/api/v1/submissions/s1/signatures", json=problem(code, 409), status=409,
                   content_type="application/problem+json")
    with pytest.raises(SigningRefused) as refused:
        HttpApprovals(base_url=APPROVALS, auth=no_auth).record_signature("s1", {"signer": "a"})
    assert type(refused.value) is refusal


@responses.activate
def test_approvals_missing_or_failing_is_not_a_refusal() -> None:
    approvals = HttpApprovals(base_url=APPROVALS, auth=no_auth)
    responses.get(f"{APPROVALS}/api/v1/submissions/gone", json=problem("not-found", 404), status=404)
    responses.get(f"{APPROVALS}/api/v1/submissions/broken", json=problem("internal-error", 500), status=500)
    with pytest.raises(NotFound):
        approvals.submission("gone")
    with pytest.raises(BadGateway) as failed:
        approvals.submission("broken")
    assert failed.value.extra == {"upstream_code": "internal-error"}


@pytest.mark.parametrize(("code", "refusal"), [
    ("rendition-not-ready", RenditionNotReady), ("not-record-version", DocumentChanged),
    ("write-once", SigningRefused),
])
@responses.activate
def test_documents_refusals_are_told_apart_by_code(code, refusal) -> None:
    responses.get(f"{DOCUMENTS}/api/v1/internal/versions/v1/pdf", json=problem(code, 409), status=409)
    responses.post(f"{DOCUMENTS}/api/v1/internal/versions/v1/signed", json=problem(code, 409), status=409)
    documents = HttpDocuments(base_url=DOCUMENTS, auth=no_auth)
    with pytest.raises(SigningRefused) as fetching:
        documents.fetch_pdf("t1", "v1", io.BytesIO())
    with pytest.raises(SigningRefused) as storing:
        documents.store_signed("t1", "v1", io.BytesIO(b"%PDF"), file_name="a.pdf", signers=[])
    assert type(fetching.value) is refusal and type(storing.value) is refusal


@responses.activate
def test_documents_unreachable_is_a_bad_gateway_naming_the_service() -> None:
    responses.get(f"{DOCUMENTS}/api/v1/internal/versions/v1/pdf", body=requests.ConnectionError("refused"))
    with pytest.raises(BadGateway) as failed:
        HttpDocuments(base_url=DOCUMENTS, auth=no_auth).fetch_pdf("t1", "v1", io.BytesIO())
    assert failed.value.code == "bad-gateway" and "tài liệu" in (failed.value.detail or "")
