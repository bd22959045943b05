"""Per-user and per-address limits: 429 with Retry-After as problem+json, then recovery."""
from __future__ import annotations

from gateway.ratelimit import TokenBuckets, retry_after_header


class Clock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


def test_buckets_allow_a_burst_then_refill_at_the_rate() -> None:
    clock = Clock()
    buckets = TokenBuckets(rate=2.0, burst=3, monotonic=clock)
    assert [buckets.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("a") == 0.5
    assert buckets.take("b") == 0.0
    clock.now += 0.5
    assert buckets.take("a") == 0.0
    assert retry_after_header(0.2) == "1"
    assert retry_after_header(2.1) == "3"


def test_buckets_stay_bounded_in_memory() -> None:
    clock = Clock()
    buckets = TokenBuckets(rate=1.0, burst=1, max_keys=10, monotonic=clock)
    for i in range(100):
        buckets.take(f"k{i}")
        clock.now += 0.01
    assert len(buckets._buckets) <= 10


def test_a_user_over_the_limit_gets_429_with_retry_after(make_gateway, bearer, tokens) -> None:  # noqa: ANN001
    clock = Clock()
    _, client = make_gateway(user_rate=1.0, user_burst=2, monotonic=clock)
    assert client.get("/api/documents/v1/books", headers=bearer).status_code == 200
    assert client.get("/api/documents/v1/books", headers=bearer).status_code == 200
    limited = client.get("/api/documents/v1/books", headers=bearer)
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "1"
    assert limited.headers["Content-Type"] == "application/problem+json"
    assert limited.json["title"] == "Bạn thao tác quá nhanh, vui lòng thử lại sau ít phút."
    other = {"Authorization": "Bearer " + tokens.issue("u-binh", tenant="school-a")}
    assert client.get("/api/documents/v1/books", headers=other).status_code == 200
    clock.now += 1.0
    assert client.get("/api/documents/v1/books", headers=bearer).status_code == 200


def test_an_address_without_a_valid_token_is_limited_but_signed_in_users_behind_it_are_not(
    make_gateway, bearer  # noqa: ANN001
) -> None:
    _, client = make_gateway(ip_rate=0.1, ip_burst=2, monotonic=Clock())
    assert client.get("/api/identity/oauth/jwks").status_code == 200
    assert client.get("/api/documents/v1/books", headers={"Authorization": "Bearer bad"}).status_code == 401
    limited = client.get("/api/identity/auth/sign-in")
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "10"
    assert client.get("/api/documents/v1/books", headers=bearer).status_code == 200


def test_the_client_address_comes_from_trusted_proxies_only(make_gateway, bearer) -> None:  # noqa: ANN001
    _, direct = make_gateway()
    _, behind_ingress = make_gateway(trusted_proxies=1)
    spoofed = {**bearer, "X-Forwarded-For": "1.2.3.4, 10.0.0.7"}
    peer = {"REMOTE_ADDR": "192.0.2.10"}
    received = direct.get("/api/documents/v1/x", headers=spoofed, environ_overrides=peer).json["headers"]
    assert received["x-forwarded-for"] == "192.0.2.10"
    received = behind_ingress.get("/api/documents/v1/x", headers=spoofed, environ_overrides=peer).json["headers"]
    assert received["x-forwarded-for"] == "10.0.0.7"


def test_a_schools_300_people_behind_one_address_sign_in_within_a_minute_without_a_refusal(make_gateway) -> None:  # noqa: ANN001
    """Monday 07:00: every teacher of a big school opens the sign-in flow from the school's one address."""
    clock = Clock()
    _, client = make_gateway(monotonic=clock)  # the defaults a district runs with
    refused = 0
    for _ in range(300):
        for path in ("/api/identity/oauth/authorize", "/api/identity/auth/sign-in", "/api/identity/auth/sign-in",
                     "/api/identity/oauth/authorize", "/api/identity/oauth/token"):
            refused += client.get(path).status_code == 429
        clock.now += 0.2  # 300 people in 60 seconds
    assert refused == 0
