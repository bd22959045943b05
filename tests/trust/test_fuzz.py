"""API fuzzing: every operation of every service's OpenAPI document, through the gateway.

The whole platform runs in this process with the demo district. Each service's document is
loaded from the gateway (``/api/<service>/openapi.json``) and schemathesis generates requests
for every operation — valid ones (positive) and ones that break the schema (negative) — sent
through the gateway with real access tokens of a teacher and of a principal of one school.
Every answer must be below 500 and, when documented, match its own response schema.

``TRUST_FUZZ_EXAMPLES`` sets the examples per operation (default 10, about a minute on two
cores); a longer run is opt-in, e.g. ``TRUST_FUZZ_EXAMPLES=200 ./dev test tests/trust/test_fuzz.py``.
Generation is derandomised, so a run is repeatable. No operation is skipped: ids in paths
are generated, so no real object of the demo is destroyed by a fuzz case.
"""
from __future__ import annotations

import contextlib
import os
from collections import Counter
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import hypothesis.strategies as st
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.trust.figures import ROOT, record
from tests.trust.platform import People, available_services, running_platform

EXAMPLES = int(os.environ.get("TRUST_FUZZ_EXAMPLES", "10"))
PEOPLE = ("thhp.giaovien", "thhp.hieutruong")
"""A teacher and the principal of Trường Tiểu học Hòa Phong (the principal signs in with TOTP)."""
TIMEOUT = 30.0
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

SERVICES = tuple(x for x in os.environ.get("TRUST_FUZZ_SERVICES", "").split(",") if x)
"""Only these services (comma-separated) when set; every service otherwise."""
TIMINGS = ROOT / "test-artifacts" / "trust" / "fuzz-timings.txt"
"""Seconds and cases per operation of the last runs (appended), to see where the time goes."""

# raw uploads (the staff workbook, PDFs, a resumable upload's chunks): sent as bytes
for _media_type in (XLSX, "application/pdf", "application/offset+octet-stream"):
    schemathesis.serializer.alias(_media_type, "application/octet-stream")


@dataclass
class Tally:
    """What the fuzzer saw: cases sent, and each failure (kind, operation, request, answer)."""

    cases: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    schema_violations: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def fuzz_platform() -> Iterator[object]:
    """The platform with the gateway's buckets raised (the fuzzer is one very fast user), for this module."""
    running = running_platform()
    try:
        yield running
    finally:
        running.stop()


def _strategy(operation: schemathesis.APIOperation) -> st.SearchStrategy[schemathesis.Case]:
    """Positive and negative cases of one operation (negative only where the schema allows it)."""
    strategies = [operation.as_strategy(GenerationMode.POSITIVE)]
    with contextlib.suppress(Exception):  # an operation with nothing to break has no negative cases
        strategies.append(operation.as_strategy(GenerationMode.NEGATIVE))
    return st.one_of(*strategies)


def _describe(case: schemathesis.Case, response: requests.Response) -> str:
    body = repr(case.body)[:300] if case.body is not None else ""
    return (f"{case.method.upper()} {case.formatted_path} query={case.query} body={body} → "
            f"{response.status_code} {response.text[:300]}")


def _fuzz_operation(url: str, service: str, operation: schemathesis.APIOperation, tokens: list[str], tally: Tally) -> None:
    base = f"{url}/api/{service}"
    session = requests.Session()

    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(case=_strategy(operation), token=st.sampled_from(tokens))
    def run(case: schemathesis.Case, token: str) -> None:
        # the generated security header (a random bearer string) gives way to the real token
        case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
        case.headers["Authorization"] = f"Bearer {token}"
        response = case.call(base_url=base, session=session, timeout=TIMEOUT)
        tally.cases += 1
        tally.statuses[response.status_code] += 1
        for check, bucket in ((not_a_server_error, tally.server_errors),
                              (response_schema_conformance, tally.schema_violations)):
            try:
                case.validate_response(response, checks=[check])
            except (FailureGroup, AssertionError) as exc:
                bucket.append(f"{_describe(case, response)} [{type(exc).__name__}: {str(exc)[:300]}]")

    run()


@pytest.fixture(scope="module")
def tokens(fuzz_platform) -> list[str]:
    """Real access tokens of the teacher and the principal, issued by identity through the gateway."""
    people = People(fuzz_platform.url)  # type: ignore[attr-defined]
    return [people.token(person) for person in PEOPLE]


@pytest.mark.timeout(max(300, 25 * EXAMPLES))
@pytest.mark.parametrize("service", SERVICES or available_services())
def test_every_operation_answers_without_5xx_and_within_its_schema(fuzz_platform, tokens: list[str], service: str) -> None:
    url = fuzz_platform.url  # type: ignore[attr-defined]
    tally = Tally()
    operations = 0
    timings: list[str] = []
    document = requests.get(f"{url}/api/{service}/openapi.json", timeout=TIMEOUT)
    assert document.status_code == 200, (service, document.status_code)
    schema = schemathesis.openapi.from_dict(document.json())
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        started, before, seen = time.monotonic(), tally.cases, Counter(tally.statuses)
        _fuzz_operation(url, service, operation, tokens, tally)
        statuses = " ".join(f"{code}×{n}" for code, n in sorted((tally.statuses - seen).items()))
        timings.append(f"{time.monotonic() - started:6.2f} s {tally.cases - before:4d} cases  {service} {operation.label}  [{statuses}]")
    TIMINGS.parent.mkdir(parents=True, exist_ok=True)
    with open(TIMINGS, "a", encoding="utf-8") as out:
        out.write("\n".join(timings) + "\n")
    record("fuzz", cases=tally.cases, server_errors=len(tally.server_errors),
           schema_violations=len(tally.schema_violations))
    assert operations > 0 and tally.cases >= operations
    # the tokens work: the fuzzer gets past the gateway's token check, not only 401s
    assert sum(n for code, n in tally.statuses.items() if code != 401) > tally.cases * 0.9, tally.statuses
    problems = [f"5xx: {p}" for p in tally.server_errors] + [f"schema: {p}" for p in tally.schema_violations]
    assert not problems, f"{len(problems)} failures in {tally.cases} cases of {service}:\n" + "\n".join(problems)
