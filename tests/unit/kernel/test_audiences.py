"""Each service accepts only tokens for its own audience, a person's token only on the routes its
API scopes cover, and a service token only on the calls declared for its service.

The declaration (services/kernel/audiences.py SERVICE_CALLS) is held against the code that makes
service calls: every ``ServiceClient`` request in the services' adapters is declared, every
declared route exists on its callee, and every declaration is made by some client.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from services.kernel.audiences import ALL_AUDIENCES, SERVICE_CALLS, audience_of, declared_calls
from services.kernel.errors import Unauthorized
from services.kernel.testing import TokenFactory

ROOT = Path(__file__).resolve().parents[3]

#: Declared calls no client makes yet, with the reason (shown by the drift test when one is added).
AWAITING_CLIENT = {"documents:correction": "the correction procedure's superseding upload (documents README)"}


# ----- the verifier's audience rule -----------------------------------------------------------------
def test_a_verifier_accepts_only_its_own_audience_in_a_list_or_alone() -> None:
    tokens = TokenFactory()
    documents = tokens.verifier().for_audience("hoso-documents")
    assert documents.verify(tokens.issue("a", audience=["hoso-approvals", "hoso-documents"])).sub == "a"
    assert documents.verify(tokens.issue("a", audience="hoso-documents")).sub == "a"
    for other in ("hoso-approvals", ["hoso-approvals", "hoso-signing"], "hoso", []):
        with pytest.raises(Unauthorized) as refused:
            documents.verify(tokens.issue("a", audience=other or ["nobody"]))
        assert refused.value.code == "invalid-token"
        assert refused.value.headers["WWW-Authenticate"].startswith('Bearer realm="hoso", error="invalid_token"')
        assert refused.value.detail == "Mã truy cập không dành cho dịch vụ này."


# ----- each service's wiring ------------------------------------------------------------------------
def _apps(tokens: TokenFactory, tmp_path: Path) -> dict:
    from services.approvals.bootstrap import bootstrap as approvals
    from services.approvals.entrypoints.app import create_app as approvals_app
    from services.documents.bootstrap import bootstrap as documents
    from services.documents.entrypoints.app import create_app as documents_app
    from services.identity.bootstrap import bootstrap as identity
    from services.identity.entrypoints.app import create_app as identity_app
    from services.notifications.bootstrap import bootstrap as notifications
    from services.notifications.entrypoints.app import create_app as notifications_app
    from services.signing.bootstrap import bootstrap as signing
    from services.signing.entrypoints.app import create_app as signing_app

    v = tokens.verifier()
    return {
        "identity": identity_app(container=identity({"mode": "test", "demo_mode": False}, environ={}, verifier=v)),
        "documents": documents_app(container=documents({"mode": "test", "local_root": str(tmp_path / "o"),
                                                         "work_dir": str(tmp_path / "w")}, environ={}, verifier=v)),
        "approvals": approvals_app(container=approvals({"mode": "test"}, environ={}, verifier=v)),
        "signing": signing_app(container=signing({"mode": "test", "spool_dir": str(tmp_path / "s")}, environ={}, verifier=v)),
        "notifications": notifications_app(container=notifications({"mode": "test"}, environ={}, verifier=v)),
    }


def test_each_service_accepts_only_tokens_naming_it(tmp_path: Path) -> None:
    tokens = TokenFactory()
    apps = _apps(tokens, tmp_path)
    for service, app in apps.items():
        client = app.test_client()
        path = {"identity": "/oauth/userinfo"}.get(service, "/api/v1/no-such-route")
        mine = tokens.issue("thhp.giaovien", tenant="th-hoa-phong", audience=audience_of(service))
        others = [a for a in ALL_AUDIENCES if a != audience_of(service)]
        assert client.get(path, headers={"Authorization": f"Bearer {mine}"}).status_code in (200, 404), service
        refused = client.get(path, headers={"Authorization": f"Bearer {tokens.issue('thhp.giaovien', audience=others)}"})
        assert refused.status_code == 401, service
        assert 'error="invalid_token"' in refused.headers["WWW-Authenticate"]
        assert refused.get_json()["detail"] == "Mã truy cập không dành cho dịch vụ này."


def test_a_persons_token_needs_the_routes_api_scope_and_openapi_says_which(tmp_path: Path) -> None:
    tokens = TokenFactory()
    client = _apps(tokens, tmp_path)["approvals"].test_client()
    reader = {"Authorization": "Bearer " + tokens.issue("thhp.hieutruong", tenant="th-hoa-phong", roles=["hieu_truong"],
                                                        scope="openid approvals:read")}
    listed = client.get("/api/v1/submissions", headers=reader)
    assert listed.status_code == 200 or listed.get_json()["code"] != "insufficient-scope"
    refused = client.post("/api/v1/submissions/s-1/decision", json={"decision": "approve"}, headers=reader)
    assert refused.status_code == 403 and refused.get_json()["code"] == "insufficient-scope"
    assert refused.get_json()["detail"] == "Mã truy cập thiếu phạm vi «approvals:decide» cho thao tác này."
    assert 'error="insufficient_scope"' in refused.headers["WWW-Authenticate"]
    ops = client.get("/openapi.json").get_json()["paths"]
    assert ops["/api/v1/submissions/{submission_id}/decision"]["post"]["security"] == [{"bearer": ["approvals:decide"]}]
    assert ops["/api/v1/submissions"]["get"]["security"] == [{"bearer": ["approvals:read"]}]
    assert ops["/api/v1/submissions"]["post"]["security"] == [{"bearer": ["approvals:write"]}]


def test_a_service_token_reaches_only_its_declared_calls(tmp_path: Path) -> None:
    tokens = TokenFactory()
    client = _apps(tokens, tmp_path)["approvals"].test_client()
    notifications = {"Authorization": "Bearer " + tokens.service_token("notifications")}
    due = client.get("/api/v1/internal/obligations/due", headers=notifications,
                     query_string={"from": "2025-11-24T00:00:00+07:00", "to": "2025-11-25T00:00:00+07:00"})
    assert due.status_code == 200, due.get_json()
    undeclared = client.get("/api/v1/submissions/s-1", headers=notifications)  # signing's call, not notifications'
    assert undeclared.status_code == 403 and undeclared.get_json()["code"] == "undeclared-service-call"
    assert undeclared.get_json()["title"] == "Dịch vụ gọi không được khai báo quyền gọi địa chỉ này."
    # the right client without the call's scope in its token is refused the same way
    narrowed = tokens.service_token("signing", scope="approvals:signing-turn")
    assert client.get("/api/v1/submissions/s-1", headers={"Authorization": f"Bearer {narrowed}"}).status_code == 403


# ----- the declaration against the code ---------------------------------------------------------------
_CALLEE_BY_FILE = re.compile(r"(documents|approvals|signing|notifications|identity)_(client|service)\.py$")


def _code_calls() -> set[tuple[str, str, str, str]]:
    """(caller, callee, method, path pattern) of every literal service request in the adapters."""
    found = set()
    for path in sorted((ROOT / "services").glob("*/adapters/*.py")):
        match = _CALLEE_BY_FILE.search(path.name)
        source = path.read_text(encoding="utf-8")
        if not match or "ServiceClient" not in source:
            continue
        caller, callee = path.parts[-3], match.group(1)
        prefix = re.search(r'base_url\.rstrip\("/"\) \+ "([^"]+)"', source)
        base = prefix.group(1) if prefix else ""
        for node in ast.walk(ast.parse(source)):
            if not (isinstance(node, ast.Call) and len(node.args) >= 2 and isinstance(node.args[0], ast.Constant)
                    and node.args[0].value in ("GET", "POST", "PUT", "PATCH", "DELETE")):
                continue
            target = node.args[1]
            if isinstance(target, ast.JoinedStr):
                text = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in target.values)
            elif isinstance(target, ast.Constant):
                text = target.value
            else:
                continue
            full = text if text.startswith("/api/") else base + text
            found.add((caller, callee, node.args[0].value, full))
        for node in ast.walk(ast.parse(source)):  # self._get(...) / self._post(...) helpers of one method
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("_get", "_post")
                    and node.args and isinstance(node.args[0], (ast.JoinedStr, ast.Constant))):
                target = node.args[0]
                text = target.value if isinstance(target, ast.Constant) else "".join(
                    v.value if isinstance(v, ast.Constant) else "{}" for v in target.values)
                if isinstance(text, str) and text.startswith("/"):
                    full = text if text.startswith("/api/") else base + text
                    found.add((caller, callee, node.func.attr[1:].upper(), full))
    return found


def _rule_pattern(rule: str) -> str:
    return re.sub(r"<[^>]+>", "{}", rule)


def test_every_service_call_in_the_code_is_declared_and_every_declaration_is_called() -> None:
    code = _code_calls()
    assert code, "the scan found no service calls: the adapters changed shape, update the scan"
    declared = {(c.caller, c.callee, c.method, _rule_pattern(c.rule)): c for c in SERVICE_CALLS}
    undeclared = sorted(code - set(declared))
    assert not undeclared, f"service calls made but not declared in services/kernel/audiences.py: {undeclared}"
    uncalled = sorted(c.scope for key, c in declared.items() if key not in code and c.scope not in AWAITING_CLIENT)
    assert not uncalled, f"declared calls no client makes: {uncalled}"


def test_every_declared_call_is_a_route_of_its_callee(tmp_path: Path) -> None:
    apps = _apps(TokenFactory(), tmp_path)
    for call in SERVICE_CALLS:
        rules = {(m, r.rule) for r in apps[call.callee].url_map.iter_rules() for m in r.methods or ()}
        assert (call.method, call.rule) in rules, call
    assert {c.caller for c in SERVICE_CALLS} == {"approvals", "signing", "notifications"}
    assert not declared_calls("documents") and not declared_calls("identity")
