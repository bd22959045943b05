"""Shared fixtures of the signing unit tests: one test PKI and one engine per session (keys are slow to make)."""
from __future__ import annotations

import pytest

from services.signing.adapters.pades import PadesEngine
from services.signing.testing import DevPki, one_page_pdf


@pytest.fixture(scope="session")
def pki() -> DevPki:
    return DevPki()


@pytest.fixture(scope="session")
def engine(pki: DevPki) -> PadesEngine:
    return PadesEngine(timestamper=pki.timestamper())


@pytest.fixture(scope="session")
def pdf() -> bytes:
    return one_page_pdf()
