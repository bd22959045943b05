"""Fixtures of the trust suite's isolation matrix: the whole platform and real tokens.

``platform`` starts every service and the gateway once for the module that uses it
(``tests.trust.platform.running_platform``: demo district seeded), plus a second district
(``pgd-hoa-son``, one school ``th-hoa-son``) made the way production makes one: the operator
command adds the district and its head, the head onboards the school through identity's API.
``people.token(username)`` signs that person in through identity's real OIDC flow and returns
the access token (cached); ``token`` is the same function as a fixture of its own. The platform
stops when its module ends, so nothing of it runs under later tests.
"""
from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from infra.allinone import Platform
from tests.trust.platform import People, running_platform

OTHER_DISTRICT = "pgd-hoa-son"
OTHER_DISTRICT_HEAD = "pgdhs.truongphong"
OTHER_SCHOOL = "th-hoa-son"
OTHER_SCHOOL_PRINCIPAL = "thhs.hieutruong"


def _add_other_district(platform: Platform, people: People) -> None:
    """A second district of the same province, made as production makes one (operator, then API)."""
    from services.identity.entrypoints import cli

    identity = platform.containers["identity"]
    cli.add_district(identity, argparse.Namespace(
        province_slug="so-da-nang", province_name="Sở Giáo dục và Đào tạo thành phố Đà Nẵng",
        slug=OTHER_DISTRICT, name="Phòng Giáo dục và Đào tạo huyện Hòa Sơn"))
    printed = cli.add_staff(identity, argparse.Namespace(
        district=OTHER_DISTRICT, role="truong_phong", username=OTHER_DISTRICT_HEAD, full_name="Đoàn Văn Sơn",
        email="truongphong@hoason.edu.vn", phone=None))
    people.passwords[OTHER_DISTRICT_HEAD] = printed.rsplit(": ", 1)[1].strip()
    resp = requests.post(platform.url + "/api/identity/v1/schools", headers=people.headers(OTHER_DISTRICT_HEAD), json={
        "slug": OTHER_SCHOOL, "name": "Trường Tiểu học Hòa Sơn", "levels": ["tieu_hoc"],
        "units": [{"slug": "to-1", "name": "Tổ chuyên môn khối 1", "kind": "to_chuyen_mon"}],
        "principal": {"username": OTHER_SCHOOL_PRINCIPAL, "full_name": "Lê Văn Sơn", "phone": "0905123456"}}, timeout=30)
    assert resp.status_code == 201, resp.text
    people.passwords[OTHER_SCHOOL_PRINCIPAL] = _find_password(resp.json())


def _find_password(body: Any) -> str:
    """The temporary password of an onboarding answer, wherever it sits."""
    if isinstance(body, dict):
        for key, value in body.items():
            if "password" in key and isinstance(value, str):
                return value
            found = _find_password(value)
            if found:
                return found
    if isinstance(body, list):
        for value in body:
            found = _find_password(value)
            if found:
                return found
    return ""


@pytest.fixture(scope="module")
def platform() -> Iterator[Platform]:
    """The whole platform (every service, the gateway, the demo district and a second district)."""
    running = running_platform()
    try:
        running.people = People(running.url)  # type: ignore[attr-defined]
        _add_other_district(running, running.people)  # type: ignore[attr-defined]
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def people(platform: Platform) -> People:
    """Signs demo people in through the real identity service (``people.token(username)``)."""
    return platform.people  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def token(people: People) -> Callable[[str], str]:
    """``token(username) -> str``: a real access token of a demo person."""
    return people.token
