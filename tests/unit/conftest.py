"""Every problem+json answer any service (or the gateway) gives in the unit suite carries a declared code.

Each test client's ``open`` is wrapped: a problem without a kebab-case ``code``, with a ``type`` not
built from it, or with a code its service does not declare in its OpenAPI fails the test that got it.
"""
from __future__ import annotations

import json
import re
from typing import Any

import pytest
from werkzeug.test import Client

from gateway.problem_codes import PROBLEM_CODES as GATEWAY_CODES
from services.approvals.problem_codes import PROBLEM_CODES as APPROVALS_CODES
from services.documents.problem_codes import PROBLEM_CODES as DOCUMENTS_CODES
from services.identity.problem_codes import PROBLEM_CODES as IDENTITY_CODES
from services.kernel.errors import CODE_PATTERN, KERNEL_CODES, PROBLEM_BASE, PROBLEM_CONTENT_TYPE
from services.notifications.problem_codes import PROBLEM_CODES as NOTIFICATIONS_CODES
from services.signing.problem_codes import PROBLEM_CODES as SIGNING_CODES

# the gateway answers with its own codes and relays every service's
ANY_SERVICE_CODES = {*KERNEL_CODES, *GATEWAY_CODES, *APPROVALS_CODES, *DOCUMENTS_CODES, *IDENTITY_CODES,
                     *NOTIFICATIONS_CODES, *SIGNING_CODES}
_open = Client.open


def declared_codes(application: Any) -> set[str]:
    """The codes ``application`` declares: its OpenAPI's for a service, every service's for the gateway."""
    api = getattr(application, "extensions", {}).get("hoso.api")
    return set(api.problem_codes) if api is not None else ANY_SERVICE_CODES


def check_problem(body: Any, declared: set[str]) -> None:
    """Fail unless ``body`` is a problem with a declared, well-formed ``code`` that its ``type`` is built from."""
    assert isinstance(body, dict) and "code" in body, f"problem without a code: {body}"
    code = body["code"]
    assert isinstance(code, str) and re.match(CODE_PATTERN, code), f"code is not kebab-case ASCII: {code!r}"
    assert body.get("type") == PROBLEM_BASE + code, f"type {body.get('type')!r} is not built from code {code!r}"
    assert code in declared, f"code {code!r} is not declared in the service's OpenAPI (problem_codes.py)"


def _checking_open(self: Client, *args: Any, **kwargs: Any) -> Any:
    resp = _open(self, *args, **kwargs)
    head = resp.request.method == "HEAD"  # the answer to a HEAD has the problem's headers and no body
    if (resp.headers.get("Content-Type") or "").startswith(PROBLEM_CONTENT_TYPE) and resp.status_code >= 400 and not head:
        check_problem(json.loads(resp.get_data()), declared_codes(self.application))
    return resp


@pytest.fixture(autouse=True)
def _problems_carry_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Client, "open", _checking_open)
