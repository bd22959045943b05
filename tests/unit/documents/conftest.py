"""Fixtures for the documents service: bootstrap with fakes (mongomock, in-memory publisher,
local-disk store in a temp folder, a fixed clock, real tokens from the kernel's TokenFactory)."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from documents_testkit import NOW, SCHOOL_A, SCHOOL_B, SCHOOL_C, People  # noqa: E402

from services.documents.bootstrap import Container, bootstrap  # noqa: E402
from services.documents.entrypoints.app import create_app  # noqa: E402
from services.kernel.clock import FixedClock  # noqa: E402
from services.kernel.messaging import InMemoryPublisher  # noqa: E402
from services.kernel.testing import TokenFactory  # noqa: E402


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def tokens(clock: FixedClock) -> TokenFactory:
    return TokenFactory(clock=clock)


@pytest.fixture
def people(tokens: TokenFactory) -> People:
    return People(tokens)


@pytest.fixture
def container(tmp_path, clock: FixedClock, tokens: TokenFactory) -> Container:
    c = bootstrap({"mode": "test", "local_root": str(tmp_path / "objects"), "work_dir": str(tmp_path / "work"),
                   "jwt_issuer": tokens.issuer, "log_json": False},
                  environ={}, clock=clock, publisher=InMemoryPublisher(), verifier=tokens.verifier())
    for school in (SCHOOL_A, SCHOOL_B, SCHOOL_C):
        c.folders.onboard(school, "2025-2026")
    return c


@pytest.fixture
def client(container: Container) -> Any:
    return create_app(container=container).test_client()
