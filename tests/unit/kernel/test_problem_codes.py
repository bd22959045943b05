"""Stable problem codes: every problem carries one, each service declares its own, the docs list them all."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Blueprint

from gateway.problem_codes import PROBLEM_CODES as GATEWAY_CODES
from services.approvals.problem_codes import PROBLEM_CODES as APPROVALS_CODES
from services.documents.problem_codes import PROBLEM_CODES as DOCUMENTS_CODES
from services.identity.problem_codes import PROBLEM_CODES as IDENTITY_CODES
from services.kernel import errors
from services.kernel.api import Api
from services.kernel.errors import CODE_PATTERN, KERNEL_CODES, Conflict, Problem
from services.kernel.web import make_service_app
from services.notifications.problem_codes import PROBLEM_CODES as NOTIFICATIONS_CODES
from services.signing.domain.errors import SigningRefused
from services.signing.problem_codes import PROBLEM_CODES as SIGNING_CODES
from tests.unit.conftest import check_problem

ROOT = Path(__file__).resolve().parents[3]
DECLARED = {"identity": IDENTITY_CODES, "documents": DOCUMENTS_CODES, "approvals": APPROVALS_CODES,
            "signing": SIGNING_CODES, "notifications": NOTIFICATIONS_CODES}
# a code given where a problem (or a domain refusal that becomes one) is made: code="x" or code = "x"
_CODE_LITERAL = re.compile(r"""\bcode\s*=\s*["']([^"']+)["']""")


def _literals(folder: Path) -> set[tuple[str, str]]:
    return {(str(p.relative_to(ROOT)), m) for p in folder.rglob("*.py") for m in _CODE_LITERAL.findall(p.read_text())}


@pytest.mark.parametrize("service", sorted(DECLARED))
def test_every_code_a_service_raises_is_declared_by_it(service) -> None:
    declared = {**KERNEL_CODES, **DECLARED[service]}
    undeclared = {(f, c) for f, c in _literals(ROOT / "services" / service) if c not in declared}
    assert not undeclared, f"declare these in services/{service}/problem_codes.py: {sorted(undeclared)}"


def test_every_code_the_gateway_and_kernel_raise_is_declared() -> None:
    declared = {**KERNEL_CODES, **GATEWAY_CODES}
    found = _literals(ROOT / "gateway") | _literals(ROOT / "services" / "kernel")
    assert not {(f, c) for f, c in found if c not in declared}
    kernel_classes = {cls.code for cls in vars(errors).values() if isinstance(cls, type) and issubclass(cls, Problem)}
    assert kernel_classes <= set(KERNEL_CODES)


def _subclasses(cls: type) -> set[type]:
    return {cls} | {s for sub in cls.__subclasses__() for s in _subclasses(sub)}


def test_every_signing_refusal_code_is_declared() -> None:
    assert {c.code for c in _subclasses(SigningRefused)} <= set(SIGNING_CODES)


def test_codes_are_kebab_case_ascii_and_explained() -> None:
    for codes in (KERNEL_CODES, GATEWAY_CODES, *DECLARED.values()):
        for code, meaning in codes.items():
            assert re.match(CODE_PATTERN, code) and meaning.strip(), code


def test_the_error_docs_list_every_code() -> None:
    text = (ROOT / "docs" / "errors.md").read_text()
    missing = {c for codes in (KERNEL_CODES, GATEWAY_CODES, *DECLARED.values()) for c in codes
               if f"`{c}`" not in text}
    assert not missing, f"docs/errors.md does not list {sorted(missing)}"


def test_a_problem_body_carries_its_code_and_the_openapi_declares_it(tokens) -> None:
    api = Api(title="t", problem_codes={"not-your-book": "The caller does not keep this book."})
    bp = Blueprint("x", __name__, url_prefix="/api/v1")

    @api.route(bp, "/books/<book>")
    def book(book: str) -> dict:
        raise Conflict("Sổ này không phải của bạn.", code="not-your-book", field="book")

    client = make_service_app(name="t", verifier=tokens.verifier(), api=api, blueprints=[bp]).test_client()
    body = client.get("/api/v1/books/hoc_ba").get_json()
    assert body["code"] == "not-your-book" and body["type"] == "https://hoso.edu.vn/problems/not-your-book"
    assert client.get("/api/v1/nowhere").get_json()["code"] == "not-found"
    schema = client.get("/openapi.json").get_json()["components"]["schemas"]["Problem"]
    assert "code" in schema["required"]
    assert {"not-your-book", "not-found", "validation-failed"} <= set(schema["properties"]["code"]["enum"])
    assert schema["properties"]["code"]["x-codes"]["not-your-book"] == "The caller does not keep this book."


@pytest.mark.parametrize("body", [
    {"type": "https://hoso.edu.vn/problems/conflict", "title": "Xung đột.", "status": 409},  # no code
    {"type": "https://hoso.edu.vn/problems/conflict", "code": "Xung đột", "title": "x", "status": 409},
    {"type": "https://hoso.edu.vn/problems/other", "code": "conflict", "title": "x", "status": 409},
    {"type": "https://hoso.edu.vn/problems/made-up", "code": "made-up", "title": "x", "status": 409},
])
def test_the_suite_wide_check_refuses_a_problem_without_a_declared_code(body) -> None:
    with pytest.raises(AssertionError):
        check_problem(body, set(KERNEL_CODES))
