"""The approvals service as the signing service sees it: whose turn it is, and recording signatures.

:class:`HttpApprovals` calls the approvals API with a client-credentials token and tells
approvals' refusals apart by their stable codes (``reason_code``, problem ``code``), never by
their Vietnamese sentences;
:class:`FakeApprovals` keeps submissions in memory for unit tests, applying the same rules
the approvals service applies to signing (state, order, approved version).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import requests

from services.kernel.errors import NotFound
from services.kernel.service_client import ServiceClient, problem_code
from services.signing.domain.errors import DocumentChanged, NotApproved, OutOfTurn, SigningRefused


class ApprovalsPort(Protocol):
    def submission(self, submission_id: str) -> dict[str, Any]: ...

    def signing_turn(self, submission_id: str, signer: str) -> dict[str, Any]: ...

    def record_signature(self, submission_id: str, body: dict[str, Any]) -> dict[str, Any]: ...


# approvals' refusal codes (its ``reason_code`` or problem ``code``) as the signing refusal a signer sees
_TURN_REFUSALS: dict[str, type[SigningRefused]] = {
    "not-awaiting-signature": NotApproved,
    "out-of-turn": OutOfTurn,
    "not-a-signer": OutOfTurn,
    "wrong-signing-step": OutOfTurn,
    "document-changed": DocumentChanged,
}


def refusal_for(code: str, detail: str) -> SigningRefused:
    """The signing refusal for approvals' refusal ``code``; approvals' own sentence as the detail."""
    cls = _TURN_REFUSALS.get(code, SigningRefused)
    return cls(f"{cls.message} {detail}".strip() if cls is NotApproved else (detail or cls.message))


def refusal_for_turn(turn: dict[str, Any]) -> SigningRefused:
    """The refusal matching approvals' ``reason_code`` for ``may_sign: false``."""
    return refusal_for(str(turn.get("reason_code") or "out-of-turn"), turn.get("reason") or "")


class HttpApprovals:
    """Approvals' API over HTTP with a service token; refusals are told apart by their ``code``."""

    def __init__(self, *, base_url: str, auth: requests.auth.AuthBase, session: requests.Session | None = None,
                 timeout: float = 15.0) -> None:
        self._client = ServiceClient(base_url=base_url.rstrip("/") + "/api/v1", auth=auth, service_name="phê duyệt",
                                     session=session, timeout=timeout)

    def _call(self, method: str, path: str, **kw: Any) -> dict[str, Any]:
        resp = self._client.request(method, path, **kw)
        if resp.status_code == 404:
            raise NotFound("Không tìm thấy hồ sơ trình duyệt.")
        if resp.status_code in (409, 422):
            try:
                detail = str(resp.json().get("detail") or "")
            except ValueError:
                detail = ""
            raise refusal_for(problem_code(resp), detail)
        if resp.status_code >= 400:
            raise self._client.unexpected(resp)
        return resp.json()

    def submission(self, submission_id: str) -> dict[str, Any]:
        return self._call("GET", f"/submissions/{submission_id}")

    def signing_turn(self, submission_id: str, signer: str) -> dict[str, Any]:
        return self._call("GET", f"/submissions/{submission_id}/signing-turn", params={"signer": signer})

    def record_signature(self, submission_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._call("POST", f"/submissions/{submission_id}/signatures", json=body)


@dataclass
class FakeSubmission:
    id: str
    tenant: str
    district: str
    book_type: str
    document_id: str
    version_id: str
    sha256: str
    steps: list[dict]  # {order, role, signer (person or None), organisation}
    holders: dict[str, set[str]]  # person -> roles
    state: str = "signing"
    signed: list[dict] = field(default_factory=list)


class FakeApprovals:
    """Submissions in memory with approvals' signing rules, for unit tests."""

    def __init__(self) -> None:
        self.submissions: dict[str, FakeSubmission] = {}

    def add(self, sub: FakeSubmission) -> None:
        self.submissions[sub.id] = sub

    def _get(self, submission_id: str) -> FakeSubmission:
        try:
            return self.submissions[submission_id]
        except KeyError:
            raise NotFound() from None

    def _pending(self, sub: FakeSubmission) -> list[dict]:
        done = {(s["order"], s["role"]) for s in sub.signed}
        return [s for s in sub.steps if (s["order"], s["role"]) not in done]

    def submission(self, submission_id: str) -> dict[str, Any]:
        sub = self._get(submission_id)
        pending = self._pending(sub)
        return {"id": sub.id, "tenant": sub.tenant, "district": sub.district, "book_type": sub.book_type,
                "state": sub.state, "document_id": sub.document_id, "current_version_id": sub.version_id,
                "current_version_sha256": sub.sha256,
                "signing": {"steps": sub.steps, "next_order": min((s["order"] for s in pending), default=None)}}

    def signing_turn(self, submission_id: str, signer: str) -> dict[str, Any]:
        sub = self._get(submission_id)
        if sub.state != "signing":
            return {"may_sign": False, "reason": "Hồ sơ đang ở trạng thái “Chờ duyệt”, không chờ ký.",
                    "reason_code": "not-awaiting-signature"}
        pending = self._pending(sub)
        order = min(s["order"] for s in pending)
        for s in pending:
            if s["order"] == order and s["role"] in sub.holders.get(signer, set()) and s["signer"] in (None, signer):
                return {"may_sign": True, "reason": None, "order": order, "role": s["role"],
                        "organisation": s.get("organisation", False), "version_id": sub.version_id,
                        "sha256": sub.sha256}
        return {"may_sign": False, "reason": f"Chưa đến lượt ký: đang chờ các chữ ký thứ tự {order}.",
                "reason_code": "out-of-turn"}

    def record_signature(self, submission_id: str, body: dict[str, Any]) -> dict[str, Any]:
        sub = self._get(submission_id)
        turn = self.signing_turn(submission_id, body.get("on_behalf_of") or body["signer"])
        if not turn["may_sign"]:
            raise refusal_for_turn(turn)
        if body["signed_version_id"] != sub.version_id or body["signed_sha256"] != sub.sha256:
            raise DocumentChanged()
        sub.signed.append({**body, "signed_at": str(body["signed_at"])})
        if not self._pending(sub):
            sub.state = "signed"
        return self.submission(submission_id)
