import time
from datetime import datetime, timedelta, timezone

import pytest

from services.kernel.clock import FixedClock
from services.kernel.errors import Unauthorized
from services.kernel.testing import TokenFactory


def test_valid_token_gives_principal_with_roles_units_and_delegations():
    f = TokenFactory()
    token = f.issue(
        "thhp.topho",
        tenant="th-hoa-phong",
        district="pgd-hoa-vang",
        unit_roles=[("to_pho", "th-hoa-phong/to-4")],
        act=[{"on_behalf_of": "thhp.totruong", "role": "to_truong", "unit": "th-hoa-phong/to-4", "until": int(time.time()) + 3600}],
    )
    p = f.verifier().verify(token)
    assert p.sub == "thhp.topho" and p.tenant == "th-hoa-phong"
    assert p.has_role("to_pho", "th-hoa-phong/to-4") and not p.has_role("to_truong", "th-hoa-phong/to-4")
    assert p.may_act_as("to_truong", "th-hoa-phong/to-4", now=int(time.time())) == (True, "thhp.totruong")
    assert p.may_act_as("to_truong", "th-hoa-phong/to-1", now=int(time.time())) == (False, None)


def test_expired_token_is_refused():
    clock = FixedClock(datetime(2026, 9, 1, tzinfo=timezone.utc))
    f = TokenFactory(clock=clock)
    token = f.issue("a", ttl=60)
    clock.advance(seconds=200)
    with pytest.raises(Unauthorized) as e:
        f.verifier().verify(token)
    assert e.value.code == "token-expired"


def test_unknown_key_wrong_audience_and_tampering_are_refused():
    f, other = TokenFactory(), TokenFactory()
    v = f.verifier()
    with pytest.raises(Unauthorized):
        v.verify(other.issue("a"))
    with pytest.raises(Unauthorized):
        v.verify(f.issue("a", audience="someone-else"))
    header, payload, sig = f.issue("a", roles=["giao_vien"]).split(".")
    import base64, json
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["roles"] = ["hieu_truong"]
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    with pytest.raises(Unauthorized):
        v.verify(".".join([header, forged, sig]))
    with pytest.raises(Unauthorized):
        v.verify("not-a-token")


def test_expired_delegation_no_longer_covers():
    f = TokenFactory()
    now = int(time.time())
    p = f.verifier().verify(f.issue("b", act=[{"on_behalf_of": "a", "role": "to_truong", "unit": "u", "until": now - 1}]))
    assert p.may_act_as("to_truong", "u", now=now) == (False, None)
