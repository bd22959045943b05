"""One-time pairing codes for the signing agent: a code works once, expires, reaches its own job only,
is useless to anyone else, and a few wrong tries void it; the agent's token signs as the job's signer."""
from __future__ import annotations

import base64
from datetime import datetime, timezone

import pytest
from cryptography.hazmat.primitives import serialization

from services.kernel.clock import FixedClock
from services.signing.adapters.raw_signing import sign_raw
from tests.unit.signing.test_signing_api import GVCN, PRINCIPAL, SCHOOL, World, _key_and_certificate

COLLEAGUE = "thhp.giaovien2"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime.now(timezone.utc))


@pytest.fixture
def world(tmp_path, clock) -> World:
    w = World(tmp_path, clock=clock)
    w.names[COLLEAGUE] = "Trần Thị Mai"
    return w


def on_token(world: World, person: str, sid: str):
    """``person`` signs ``sid`` with a newly registered USB token; returns (token key, batch waiting on the agent)."""
    key, cert = _key_and_certificate(world, world.names[person])
    cred = world.client.post("/api/v1/credentials/token", headers=world.headers(person), json={
        "certificate": base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()}).json
    batch = world.client.post("/api/v1/batches", headers=world.headers(person), json={
        "submission_ids": [sid], "credential_id": cred["id"], "wait": True}).json
    assert batch["state"] == "waiting" and batch["external_job_id"], batch
    return key, batch


def teacher_submission(world: World, sid: str, teacher: str) -> None:
    sub = world.submission(sid)
    sub.steps[0]["signer"] = teacher
    sub.holders[teacher] = {"gvcn"}


def new_code(world: World, person: str, job_id: str):
    return world.client.post(f"/api/v1/external-jobs/{job_id}/pairing", headers=world.headers(person))


def pair(world: World, job_id: str, code: str):
    """What the agent sends: no sign-in, only the job id and the code typed from the page."""
    return world.client.post("/api/v1/agent/pair", json={"job_id": job_id, "code": code})


def agent(token: str) -> dict:
    return {"Authorization": f"HoSo-Agent {token}"}


def signatures_of(key, job: dict) -> dict:
    return {"signatures": [{"id": i["id"], "signature": base64.b64encode(sign_raw(key, base64.b64decode(i["data"]))).decode()}
                           for i in job["items"]]}


def test_a_code_pairs_the_agent_once_and_its_token_signs_that_job_as_its_signer(world):
    world.submission("sub-1")
    key, batch = on_token(world, GVCN, "sub-1")
    job_id = batch["external_job_id"]
    made = new_code(world, GVCN, job_id)
    assert made.status_code == 201 and len(made.json["code"]) == 8 and made.json["job_id"] == job_id

    paired = pair(world, job_id, made.json["code"][:4] + "-" + made.json["code"][4:].lower())  # as typed
    assert paired.status_code == 200, paired.json
    token = paired.json["access_token"]
    again = pair(world, job_id, made.json["code"])
    assert again.status_code == 403 and again.json["code"] == "pairing-code-unusable"

    job = world.client.get(f"/api/v1/agent/jobs/{job_id}", headers=agent(token))
    assert job.status_code == 200 and len(job.json["items"]) == 1
    posted = world.client.post(f"/api/v1/agent/jobs/{job_id}/signatures", headers=agent(token),
                               json=signatures_of(key, job.json))
    assert posted.status_code == 200, posted.json
    done = world.client.get(f"/api/v1/batches/{batch['id']}", headers=world.headers(GVCN)).json
    assert (done["state"], done["signed"]) == ("done", 1), done
    assert [s["signer"] for s in world.approvals.submissions["sub-1"].signed] == [GVCN]

    replay = world.client.post(f"/api/v1/agent/jobs/{job_id}/signatures", headers=agent(token),
                               json=signatures_of(key, job.json))
    assert replay.status_code == 401 and replay.json["code"] == "agent-token-invalid"
    actions = [e["action"] for e in world.container.runtime.audit.entries(tenant=SCHOOL, target=job_id)]
    assert {"signing.agent.pairing_created", "signing.agent.paired", "signing.agent.signatures_posted"} <= set(actions)
    assert not any(made.json["code"] in str(e) or token in str(e)
                   for e in world.container.runtime.audit.entries(tenant=SCHOOL, limit=500))


def test_a_code_expires_after_ten_minutes(world, clock):
    world.submission("sub-1")
    _key, batch = on_token(world, GVCN, "sub-1")
    code = new_code(world, GVCN, batch["external_job_id"]).json["code"]
    clock.advance(minutes=11)
    late = pair(world, batch["external_job_id"], code)
    assert late.status_code == 403 and late.json["code"] == "pairing-code-unusable"
    assert "hết hạn" in late.json["detail"]


def test_the_token_reaches_its_own_job_only(world):
    world.submission("sub-1")
    world.submission("sub-2")
    key, first = on_token(world, GVCN, "sub-1")
    _key2, second = on_token(world, GVCN, "sub-2")
    code = new_code(world, GVCN, first["external_job_id"]).json["code"]
    assert pair(world, second["external_job_id"], code).status_code == 403  # the code is the first job's
    token = pair(world, first["external_job_id"], code).json["access_token"]

    other = second["external_job_id"]
    assert world.client.get(f"/api/v1/agent/jobs/{other}", headers=agent(token)).status_code == 401
    own = world.client.get(f"/api/v1/agent/jobs/{first['external_job_id']}", headers=agent(token)).json
    refused = world.client.post(f"/api/v1/agent/jobs/{other}/signatures", headers=agent(token),
                                json={"signatures": [{"id": "sub-2", "signature": signatures_of(key, own)["signatures"][0]["signature"]}]})
    assert refused.status_code == 401 and refused.json["code"] == "agent-token-invalid"
    still = world.client.get(f"/api/v1/batches/{second['id']}", headers=world.headers(GVCN)).json
    assert still["state"] == "waiting"
    # a signed-in person's token, or none, does not open the agent's routes either
    assert world.client.get(f"/api/v1/agent/jobs/{other}", headers=world.headers(GVCN)).status_code == 401
    assert world.client.get(f"/api/v1/agent/jobs/{other}").status_code == 401


def test_another_persons_code_is_useless(world):
    world.submission("sub-1")
    teacher_submission(world, "sub-2", COLLEAGUE)
    _key, mine = on_token(world, GVCN, "sub-1")
    _key2, theirs = on_token(world, COLLEAGUE, "sub-2")
    # nobody else can make a code for my job: not a colleague, not the principal
    assert new_code(world, COLLEAGUE, mine["external_job_id"]).status_code == 404
    assert new_code(world, PRINCIPAL, mine["external_job_id"]).status_code == 404
    # the colleague's own code opens only the colleague's job
    code = new_code(world, COLLEAGUE, theirs["external_job_id"]).json["code"]
    assert pair(world, mine["external_job_id"], code).status_code == 403
    token = pair(world, theirs["external_job_id"], code).json["access_token"]
    assert world.client.get(f"/api/v1/agent/jobs/{mine['external_job_id']}", headers=agent(token)).status_code == 401


def test_wrong_codes_are_counted_and_the_fifth_voids_the_code(world):
    world.submission("sub-1")
    key, batch = on_token(world, GVCN, "sub-1")
    job_id = batch["external_job_id"]
    code = new_code(world, GVCN, job_id).json["code"]
    wrong = "".join("A" if c != "A" else "B" for c in code)
    details = []
    for _ in range(5):
        refused = pair(world, job_id, wrong)
        assert refused.status_code == 403 and refused.json["code"] == "pairing-code-wrong"
        details.append(refused.json["detail"])
    assert "Còn 4 lần thử" in details[0] and "Còn 1 lần thử" in details[3] and "vô hiệu" in details[4]
    late = pair(world, job_id, code)  # the right code, too late
    assert late.status_code == 403 and late.json["code"] == "pairing-code-unusable"
    refusals = world.container.runtime.audit.entries(tenant=SCHOOL, target=job_id,
                                                     match={"action": "signing.agent.pair_refused"})
    assert len(refusals) == 6

    fresh = new_code(world, GVCN, job_id).json["code"]  # the signer makes a new one on the page
    assert pair(world, job_id, fresh).status_code == 200


def test_a_new_code_replaces_the_previous_one(world):
    world.submission("sub-1")
    _key, batch = on_token(world, GVCN, "sub-1")
    job_id = batch["external_job_id"]
    first = new_code(world, GVCN, job_id).json["code"]
    second = new_code(world, GVCN, job_id).json["code"]
    assert pair(world, job_id, first).status_code == 403
    assert pair(world, job_id, second).status_code == 200
