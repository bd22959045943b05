"""Issue 10, defect 8 (documents part): malformed signed-link input is a 4xx naming the field.

``GET /downloads/x?expires=1&sig=`` + 64 non-ASCII characters answered 500 (comparing a str
with non-ASCII characters in ``hmac.compare_digest``). The signature's format is now checked
first (64 lowercase hex digits) and compared as bytes; ``expires`` must be an integer in range.
"""
from __future__ import annotations

import pytest
from documents_testkit import auth, pdf_bytes, upload

from services.documents.adapters.signed_urls import SignedUrls

PROBLEM = "application/problem+json"


def assert_field_problem(resp, field: str) -> None:
    assert 400 <= resp.status_code < 500, (resp.status_code, resp.data[:300])
    assert resp.content_type.startswith(PROBLEM)
    problem = resp.get_json()
    assert problem["field"] == field or any(e.get("field") == field for e in problem.get("errors", [])), problem
    assert problem["type"].startswith("https://hoso.edu.vn/problems/")


@pytest.mark.parametrize("sig", ["é" * 64, "ệ" * 64, "Z" * 64, "A" * 64, "0" * 63, "0" * 65, ""])
def test_a_malformed_signature_is_refused_naming_sig(client, people, sig) -> None:
    resp = client.get("/api/v1/downloads/x", query_string={"expires": "1", "sig": sig},
                      headers=auth(people.teacher_a()))
    assert_field_problem(resp, "sig")


@pytest.mark.parametrize("expires", ["abc", "1.5", "-1", "9" * 40, "1e9"])
def test_a_non_integer_or_out_of_range_expiry_is_refused_naming_expires(client, people, expires) -> None:
    resp = client.get("/api/v1/downloads/x", query_string={"expires": expires, "sig": "0" * 64},
                      headers=auth(people.teacher_a()))
    assert_field_problem(resp, "expires")


def test_a_well_formed_but_wrong_signature_is_still_not_found_and_a_real_link_works(client, people) -> None:
    body = upload(client, people.teacher_a(), pdf_bytes()).get_json()
    link = client.post(f"/api/v1/versions/{body['version']['id']}/download-url", json={},
                       headers=auth(people.teacher_a())).get_json()
    assert client.get(link["url"], headers=auth(people.teacher_a())).status_code == 200
    wrong = client.get(f"/api/v1/downloads/{body['version']['id']}", query_string={
        "expires": str(link["expires"]), "sig": "0" * 64}, headers=auth(people.teacher_a()))
    assert wrong.status_code == 404 and wrong.content_type.startswith(PROBLEM)


def test_the_signature_check_refuses_malformed_values_without_raising() -> None:
    urls = SignedUrls(key="k" * 32)
    good = urls.sign(version_id="v", tenant="t", subject="s", expires=10)
    assert urls.valid(good, version_id="v", tenant="t", subject="s", expires=10)
    for bad in ("é" * 64, good.upper(), good[:-1], "", None):
        assert not urls.valid(bad, version_id="v", tenant="t", subject="s", expires=10)  # type: ignore[arg-type]
