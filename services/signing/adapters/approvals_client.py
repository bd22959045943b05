"""The approvals service as the signing service sees it: whose turn it is, and recording signatures.

:class:`HttpApprovals` calls the approvals API with a client-credentials token;
:class:`FakeApprovals` keeps submissions in memory for unit tests, applying the same rules
the approvals service applies to signing (state, order, approved version).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import requests

from services.kernel.errors import BadGateway, NotFound
from services.signing.domain.errors import DocumentChanged, NotApproved, OutOfTurn, SigningRefused


class ApprovalsPort(Protocol):
    def submission(self, submission_id: str) -> dict[str, Any]: ...

    def signing_turn(self, submission_id: str, signer: str) -> dict[str, Any]: ...

    def record_signature(self, submission_id: str, body: dict[str, Any]) -> dict[str, Any]: ...


def refusal_for_turn(turn: dict[str, Any]) -> SigningRefused:
    """The refusal matching approvals' Vietnamese reason for ``may_sign: false``."""
    reason = turn.get("reason") or ""
    if "không chờ ký" in reason:
        return NotApproved(f"{NotApproved.message} {reason}")
    return OutOfTurn(reason or OutOfTurn.message)


class HttpApprovals:
    def __init__(self, *, base_url: str, auth: requests.auth.AuthBase, session: requests.Session | None = None,
                 timeout: float = 15.0) -> None:
        self._base = base_url.rstrip("/") + "/api/v1"
        self._auth = auth
        self._http = session or requests.Session()
        self._timeout = timeout

    def _call(self, method: str, path: str, **kw: Any) -> dict[str, Any]:
        try:
            resp = self._http.request(method, self._base + path, auth=self._auth, timeout=self._timeout, **kw)
        except requests.RequestException as exc:
            raise BadGateway(f"Không gọi được dịch vụ phê duyệt: {type(exc).__name__}.") from None
        if resp.status_code == 404:
            raise NotFound("Không tìm thấy hồ sơ trình duyệt.")
        if resp.status_code in (409, 422):
            detail = resp.json().get("detail") or ""
            if "đã thay đổi" in detail:
                raise DocumentChanged(detail)
            raise OutOfTurn(detail) if "lượt ký" in detail.lower() else SigningRefused(detail)
        if resp.status_code >= 400:
            raise BadGateway(f"Dịch vụ phê duyệt trả lỗi HTTP {resp.status_code}.")
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
            return {"may_sign": False, "reason": "Hồ sơ đang ở trạng thái “Chờ duyệt”, không chờ ký."}
        pending = self._pending(sub)
        order = min(s["order"] for s in pending)
        for s in pending:
            if s["order"] == order and s["role"] in sub.holders.get(signer, set()) and s["signer"] in (None, signer):
                return {"may_sign": True, "reason": None, "order": order, "role": s["role"],
                        "organisation": s.get("organisation", False), "version_id": sub.version_id,
                        "sha256": sub.sha256}
        return {"may_sign": False, "reason": f"Chưa đến lượt ký: đang chờ các chữ ký thứ tự {order}."}

    def record_signature(self, submission_id: str, body: dict[str, Any]) -> dict[str, Any]:
        sub = self._get(submission_id)
        turn = self.signing_turn(submission_id, body.get("on_behalf_of") or body["signer"])
        if not turn["may_sign"]:
            raise OutOfTurn(turn["reason"])
        if body["signed_version_id"] != sub.version_id or body["signed_sha256"] != sub.sha256:
            raise DocumentChanged()
        sub.signed.append({**body, "signed_at": str(body["signed_at"])})
        if not self._pending(sub):
            sub.state = "signed"
        return self.submission(submission_id)
