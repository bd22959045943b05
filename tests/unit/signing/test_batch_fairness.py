"""Defect 3: waiting for a person never holds a batch thread, and schools take turns on the threads.

Two unconfirmed remote batches of one school once held both batch threads (polling the phone
for up to 300 s) and left another school's server-key batch in "preparing" until they timed out.
"""
from __future__ import annotations

import threading
import time

from cryptography.hazmat.primitives import serialization

from services.signing.adapters.approvals_client import FakeSubmission
from services.signing.adapters.x509_issuer import Subject, new_key
from services.signing.domain.credentials import OwnerKind
from services.signing.service_layer.scheduler import FairScheduler
from services.signing.testing import one_page_pdf
from tests.unit.signing.test_signing_api import DISTRICT, OTHER, PRINCIPAL, World

OTHER_GVCN = "mnhc.giaovien"


def _until(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def test_waiting_remote_batches_do_not_starve_another_schools_server_key_batch(tmp_path):
    world = World(tmp_path, background=True, batch_threads=2)  # the real scheduler, two threads
    assert world.container.settings.batch_threads == 2
    provider = world.container.simulated_provider
    key = new_key()
    cert = world.container.authority.issue_for_key(district_id=DISTRICT, public_key=key.public_key(),
                                                   subject=Subject("Phạm Văn Hùng", "Trường Tiểu học Hòa Phong"))
    provider.enrol("0905123456", key, cert.public_bytes(serialization.Encoding.DER))
    remote = world.client.post("/api/v1/credentials/remote", json={"provider": "simulated", "account": "0905123456"},
                               headers=world.headers(PRINCIPAL)).json
    me = world.headers(PRINCIPAL)
    waiting = []
    for n in range(3):  # more unconfirmed batches than there are threads
        sid = f"sub-{n}"
        world.submission(sid).signed.append({"order": 1, "role": "gvcn"})
        waiting.append(world.client.post("/api/v1/batches", headers=me, json={
            "submission_ids": [sid], "credential_id": remote["id"]}).json["id"])
    assert _until(lambda: len(provider.pending("0905123456")) == 3, 30)
    assert all(world.client.get(f"/api/v1/batches/{b}", headers=me).json["state"] == "waiting" for b in waiting)

    # another school's GVCN signs with a server key while those wait on the phone
    other_cred = world.container.authority.issue_credential(
        district_id=DISTRICT, tenant_id=OTHER, owner_id=OTHER_GVCN, owner_kind=OwnerKind.PERSON,
        common_name="Võ Thị Hoa", organisation="Trường Mầm non Hòa Châu", actor="t")
    world.names[OTHER_GVCN] = "Võ Thị Hoa"
    version = world.documents.add(OTHER, one_page_pdf())
    world.approvals.add(FakeSubmission(
        id="other-1", tenant=OTHER, district=DISTRICT, book_type="hoc_ba", document_id="doc-other-1",
        version_id=version.id, sha256=version.sha256, state="signing",
        steps=[{"order": 1, "role": "gvcn", "signer": OTHER_GVCN, "organisation": False}],
        holders={OTHER_GVCN: {"gvcn"}}))
    theirs = world.headers(OTHER_GVCN, tenant=OTHER)
    started = time.monotonic()
    batch = world.client.post("/api/v1/batches", headers=theirs, json={
        "submission_ids": ["other-1"], "credential_id": other_cred.id}).json
    assert _until(lambda: world.client.get(f"/api/v1/batches/{batch['id']}", headers=theirs).json["state"] == "done",
                  20), "another school's server-key batch did not finish while remote batches waited"
    assert time.monotonic() - started < 20
    assert world.client.get(f"/api/v1/batches/{batch['id']}", headers=theirs).json["signed"] == 1

    # the phone answers: the parked batches resume and finish
    for tid, _, _ in provider.pending("0905123456"):
        provider.confirm(tid)
    assert world.container.signing.poll_remote() == 3
    assert _until(lambda: all(world.client.get(f"/api/v1/batches/{b}", headers=me).json["state"] == "done"
                              for b in waiting), 60)


def test_schools_take_turns_on_the_threads():
    """School A queues five long tasks on two threads; school B's one task still starts at once."""
    scheduler = FairScheduler(2)
    release = threading.Event()
    started: list[str] = []
    lock = threading.Lock()

    def task(name: str) -> None:
        with lock:
            started.append(name)
        if name.startswith("a"):
            release.wait(10)

    for n in range(5):
        scheduler.submit("school-a", task, f"a{n}")
    scheduler.submit("school-b", task, "b0")
    try:
        assert _until(lambda: "b0" in started, 2), started
        assert started.count("b0") == 1 and sum(s.startswith("a") for s in started) == 1  # A keeps one thread
    finally:
        release.set()
    assert _until(lambda: len(started) == 6, 5)
    scheduler.shutdown()
