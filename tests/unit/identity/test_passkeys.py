"""Passkeys through identity's sign-in pages, with a software authenticator built here from
``cryptography`` (an ES256 key per credential, "none" attestation, a signature counter): the offer
at a principal's first sign-in, the passkey as the second factor, and every refusal a forged or
replayed answer must meet (another origin, another RP id, an old challenge, a counter going back,
another person's credential), the throttle, the stored decline and the person's own list."""
from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
import struct

import cbor2
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from services.identity.adapters.documents import IdentityPasskeyDoc, IdentityPersonDoc
from services.identity.adapters.mail import MemoryMailer
from services.identity.bootstrap import bootstrap
from services.identity.entrypoints.app import create_app
from services.identity.entrypoints.demo import seed_demo
from services.kernel.messaging import InMemoryPublisher
from tests.unit.identity.conftest import PUBLIC, csrf_of, fresh_db_name, sign_in

RP_ID = "hoso.test"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SoftAuthenticator:
    """A platform authenticator in software: makes credentials and signs assertions as a browser
    would hand them to the page (JSON with base64url fields), with user presence and verification."""

    def __init__(self) -> None:
        self.keys: dict[bytes, ec.EllipticCurvePrivateKey] = {}
        self.counters: dict[bytes, int] = {}
        self.users: dict[bytes, str] = {}  # resident keys remember their user handle

    def create(self, options: dict, *, origin: str = PUBLIC, rp_id: str | None = None,
               credential_id: bytes | None = None) -> str:
        credential_id = credential_id or os.urandom(32)
        key = ec.generate_private_key(ec.SECP256R1())
        self.keys[credential_id], self.counters[credential_id] = key, 0
        self.users[credential_id] = options["user"]["id"]
        numbers = key.public_key().public_numbers()
        cose = cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")})
        rp_hash = hashlib.sha256((rp_id or options["rp"]["id"]).encode()).digest()
        auth_data = (rp_hash + bytes([0x01 | 0x04 | 0x40]) + struct.pack(">I", 0) + bytes(16)
                     + struct.pack(">H", len(credential_id)) + credential_id + cose)
        client_data = json.dumps({"type": "webauthn.create", "challenge": options["challenge"], "origin": origin,
                                  "crossOrigin": False}).encode()
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return json.dumps({"id": b64url(credential_id), "rawId": b64url(credential_id), "type": "public-key",
                           "response": {"clientDataJSON": b64url(client_data), "attestationObject": b64url(attestation),
                                        "transports": ["internal"]},
                           "clientExtensionResults": {}, "authenticatorAttachment": "platform"})

    def get(self, options: dict, *, credential_id: bytes | None = None, origin: str = PUBLIC,
            rp_id: str | None = None, counter: int | None = None) -> str:
        allowed = [unb64url(c["id"]) for c in options.get("allowCredentials", [])]
        credential_id = credential_id or next(c for c in allowed if c in self.keys)
        self.counters[credential_id] = self.counters[credential_id] + 1 if counter is None else counter
        rp_hash = hashlib.sha256((rp_id or options["rpId"]).encode()).digest()
        auth_data = rp_hash + bytes([0x01 | 0x04]) + struct.pack(">I", self.counters[credential_id])
        client_data = json.dumps({"type": "webauthn.get", "challenge": options["challenge"], "origin": origin,
                                  "crossOrigin": False}).encode()
        signature = self.keys[credential_id].sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        return json.dumps({"id": b64url(credential_id), "rawId": b64url(credential_id), "type": "public-key",
                           "response": {"clientDataJSON": b64url(client_data), "authenticatorData": b64url(auth_data),
                                        "signature": b64url(signature), "userHandle": self.users[credential_id]},
                           "clientExtensionResults": {}, "authenticatorAttachment": "platform"})


def options_on(client, path: str) -> tuple[dict, str]:
    """The WebAuthn options a page hands to its script, and the page's CSRF token."""
    text = client.get(path).get_data(as_text=True)
    found = re.search(r'data-options="([^"]+)"', text)
    assert found, text
    return json.loads(html.unescape(found.group(1))), re.search(r'name="csrf" value="([^"]+)"', text).group(1)


def error_of(resp) -> str:
    found = re.search(r'role="alert"[^>]*>([^<]+)<', resp.get_data(as_text=True))
    return found.group(1) if found else ""


def enrol_passkey(client, key: SoftAuthenticator, login: str, name: str = "Máy tính phòng hiệu trưởng") -> None:
    """A first sign-in of a passkey-first person who accepts the offer."""
    assert sign_in(client, login).headers["Location"] == "passkey"
    options, csrf = options_on(client, "/auth/passkey")
    resp = client.post("/auth/passkey", data={"csrf": csrf, "method": "passkey", "name": name,
                                              "credential": key.create(options)})
    assert resp.status_code == 303 and resp.headers["Location"] == "signed-in", error_of(resp)


def actions(container, person: str) -> list[str]:
    return [e["action"] for e in container.runtime.audit.entries(target=person, limit=200)]


@pytest.fixture
def browser(app):
    """Another browser of the same people (a fresh cookie jar)."""
    return lambda: app.test_client()


def test_a_principal_enrols_a_passkey_at_first_sign_in_and_then_signs_in_with_it(client, browser, seeded):
    key = SoftAuthenticator()
    page = client.get("/auth/sign-in")
    assert page.status_code == 200
    assert sign_in(client, "thhp.hieutruong").headers["Location"] == "passkey"
    offer = client.get("/auth/passkey")
    text = offer.get_data(as_text=True)
    assert "Tạo passkey" in text and "Dùng ứng dụng mã xác thực" in text
    assert "script-src 'self'" in offer.headers["Content-Security-Policy"] and "<script>" not in text
    options, csrf = options_on(client, "/auth/passkey")
    assert options["rp"]["id"] == RP_ID
    assert options["authenticatorSelection"] == {"residentKey": "preferred", "requireResidentKey": False,
                                                 "userVerification": "required"}
    assert options["attestation"] == "none"
    resp = client.post("/auth/passkey", data={"csrf": csrf, "method": "passkey", "name": "  Laptop   của tôi ",
                                              "credential": key.create(options)})
    assert resp.status_code == 303 and resp.headers["Location"] == "signed-in", error_of(resp)
    stored = IdentityPasskeyDoc.objects(person_id="thhp.hieutruong").first()
    assert stored is not None and stored.name == "Laptop của tôi"
    assert "passkey.enrolled" in actions(seeded, "thhp.hieutruong")

    again = browser()
    assert sign_in(again, "thhp.hieutruong").headers["Location"] == "second-factor"
    text = again.get("/auth/second-factor").get_data(as_text=True)
    assert "Xác thực bằng passkey" in text and 'name="code"' not in text  # no TOTP: no code field
    options, csrf = options_on(again, "/auth/second-factor")
    assert [c["id"] for c in options["allowCredentials"]] == [stored.credential_id]
    assert options["userVerification"] == "required"
    resp = again.post("/auth/second-factor", data={"csrf": csrf, "method": "passkey", "credential": key.get(options)})
    assert resp.status_code == 303 and resp.headers["Location"] == "signed-in"
    assert "passkey.used" in actions(seeded, "thhp.hieutruong")
    assert IdentityPasskeyDoc.objects(id=stored.id).first().sign_count == 1

    third = browser()
    assert sign_in(third, "thhp.hieutruong").headers["Location"] == "second-factor", "the offer is not shown again"


def test_a_passkey_made_for_another_origin_or_rp_id_is_refused(client, browser, seeded):
    key = SoftAuthenticator()
    assert sign_in(client, "thhp.hieutruong").headers["Location"] == "passkey"
    options, csrf = options_on(client, "/auth/passkey")
    phished = client.post("/auth/passkey", data={"csrf": csrf, "method": "passkey", "name": "Giả",
                                                 "credential": key.create(options, origin="https://hoso-gia.example")})
    assert phished.status_code == 400 and error_of(phished).startswith("Không tạo được passkey")
    options, csrf = options_on(client, "/auth/passkey")
    other_rp = client.post("/auth/passkey", data={"csrf": csrf, "method": "passkey", "name": "Giả",
                                                  "credential": key.create(options, rp_id="hoso-gia.example")})
    assert other_rp.status_code == 400
    assert IdentityPasskeyDoc.objects(person_id="thhp.hieutruong").count() == 0

    enrol_passkey(browser(), key, "thhp.hieutruong")
    for wrong in ({"origin": "https://hoso-gia.example"}, {"rp_id": "hoso-gia.example"}):
        attempt = browser()
        sign_in(attempt, "thhp.hieutruong")
        options, csrf = options_on(attempt, "/auth/second-factor")
        resp = attempt.post("/auth/second-factor", data={"csrf": csrf, "method": "passkey",
                                                         "credential": key.get(options, **wrong)})
        assert resp.status_code == 401 and error_of(resp).startswith("Không xác thực được bằng passkey")
    assert "passkey.refused" in actions(seeded, "thhp.hieutruong")


def test_a_replayed_answer_and_a_counter_going_back_are_refused(browser, seeded):
    key = SoftAuthenticator()
    enrol_passkey(browser(), key, "thhp.hieutruong")

    first = browser()
    sign_in(first, "thhp.hieutruong")
    old_options, csrf = options_on(first, "/auth/second-factor")
    stale = key.get(old_options)  # answered, but the page is shown again (a new challenge) before posting
    new_options, csrf = options_on(first, "/auth/second-factor")
    assert new_options["challenge"] != old_options["challenge"]
    assert first.post("/auth/second-factor", data={"csrf": csrf, "method": "passkey", "credential": stale}).status_code == 401
    new_options, csrf = options_on(first, "/auth/second-factor")  # a refusal uses up the challenge too: ask again
    good = key.get(new_options)
    assert first.post("/auth/second-factor", data={"csrf": csrf, "method": "passkey", "credential": good}).status_code == 303

    thief = browser()  # knows the password and captured the answer above
    sign_in(thief, "thhp.hieutruong")
    _, csrf = options_on(thief, "/auth/second-factor")
    assert thief.post("/auth/second-factor", data={"csrf": csrf, "method": "passkey", "credential": good}).status_code == 401

    clone = browser()  # a copy of the key whose counter is behind the stored one
    sign_in(clone, "thhp.hieutruong")
    options, csrf = options_on(clone, "/auth/second-factor")
    stored = IdentityPasskeyDoc.objects(person_id="thhp.hieutruong").first().sign_count
    behind = key.get(options, counter=stored - 1)
    assert clone.post("/auth/second-factor", data={"csrf": csrf, "method": "passkey", "credential": behind}).status_code == 401
    assert IdentityPasskeyDoc.objects(person_id="thhp.hieutruong").first().sign_count == stored


def test_another_persons_passkey_is_refused(browser, seeded):
    key = SoftAuthenticator()  # one device, two accounts: each passkey belongs to its own person
    enrol_passkey(browser(), key, "thhp.phohieutruong", name="Máy của phó hiệu trưởng")
    enrol_passkey(browser(), key, "thhp.hieutruong")
    pht_credential = unb64url(IdentityPasskeyDoc.objects(person_id="thhp.phohieutruong").first().credential_id)

    attempt = browser()
    sign_in(attempt, "thhp.hieutruong")
    options, csrf = options_on(attempt, "/auth/second-factor")
    assert b64url(pht_credential) not in [c["id"] for c in options["allowCredentials"]]
    forged = key.get(options, credential_id=pht_credential)
    resp = attempt.post("/auth/second-factor", data={"csrf": csrf, "method": "passkey", "credential": forged})
    assert resp.status_code == 401

    pht = browser()  # nor can the PHT's account take the principal's credential id by registering it again
    sign_in(pht, "thhp.phohieutruong")
    options, csrf = options_on(pht, "/auth/second-factor")
    assert pht.post("/auth/second-factor", data={"csrf": csrf, "method": "passkey",
                                                 "credential": key.get(options)}).status_code == 303
    principal_credential = unb64url(IdentityPasskeyDoc.objects(person_id="thhp.hieutruong").first().credential_id)
    options, csrf = options_on(pht, "/auth/passkeys")
    taken = pht.post("/auth/passkeys", data={"csrf": csrf, "op": "add", "name": "Lấy của hiệu trưởng",
                                             "credential": key.create(options, credential_id=principal_credential)})
    assert taken.status_code == 400 and error_of(taken) == "Passkey này đã được đăng ký."
    assert IdentityPasskeyDoc.objects(credential_id=b64url(principal_credential)).first().person_id == "thhp.hieutruong"


def test_wrong_passkey_answers_meet_the_growing_delays(browser, seeded):
    key = SoftAuthenticator()
    enrol_passkey(browser(), key, "thhp.hieutruong")
    attempt = browser()
    sign_in(attempt, "thhp.hieutruong")
    statuses = []
    for _ in range(seeded.signin._policy.second_factor.free_failures + 1):
        options, csrf = options_on(attempt, "/auth/second-factor")
        resp = attempt.post("/auth/second-factor", data={"csrf": csrf, "method": "passkey",
                                                         "credential": key.get(options, origin="https://hoso-gia.example")})
        statuses.append(resp.status_code)
    assert statuses[-1] == 429 and "Vui lòng thử lại sau" in error_of(resp)
    options, csrf = options_on(attempt, "/auth/second-factor")
    refused = attempt.post("/auth/second-factor", data={"csrf": csrf, "method": "passkey", "credential": key.get(options)})
    assert refused.status_code == 429, "even a good answer waits"


def test_a_principal_who_chooses_totp_is_not_offered_a_passkey_again(client, browser, seeded):
    assert sign_in(client, "thhp.hieutruong").headers["Location"] == "passkey"
    resp = client.post("/auth/passkey", data={"csrf": csrf_of(client, "/auth/passkey"), "method": "totp"})
    assert resp.headers["Location"] == "enrol"
    assert IdentityPersonDoc.objects(id="thhp.hieutruong").first().second_factor_choice == "totp"
    assert "passkey.offer_declined" in actions(seeded, "thhp.hieutruong")
    assert sign_in(browser(), "thhp.hieutruong").headers["Location"] == "enrol", "straight to the app, no offer"
    assert sign_in(browser(), "thhp.quantri").headers["Location"] == "enrol", "administrators are not offered passkeys"


def test_a_person_names_adds_and_removes_passkeys_but_keeps_one_factor(browser, seeded):
    key = SoftAuthenticator()
    me = browser()
    enrol_passkey(me, key, "thhp.hieutruong", name="Laptop")
    page = me.get("/auth/passkeys").get_data(as_text=True)
    assert "Laptop" in page and "Thêm passkey" in page
    only = IdentityPasskeyDoc.objects(person_id="thhp.hieutruong").first()
    _, csrf = options_on(me, "/auth/passkeys")
    last = me.post("/auth/passkeys", data={"csrf": csrf, "op": "remove", "passkey": only.id})
    assert last.status_code == 400 and error_of(last).startswith("Không thể xóa passkey cuối cùng")

    options, csrf = options_on(me, "/auth/passkeys")
    assert [c["id"] for c in options["excludeCredentials"]] == [only.credential_id]
    added = me.post("/auth/passkeys", data={"csrf": csrf, "op": "add", "name": "Điện thoại", "credential": key.create(options)})
    assert added.status_code == 303 and "Đã thêm passkey." in me.get("/auth/" + added.headers["Location"]).get_data(as_text=True)
    renamed = me.post("/auth/passkeys", data={"csrf": csrf, "op": "rename", "passkey": only.id, "name": "Laptop cũ"})
    assert renamed.status_code == 303
    assert me.post("/auth/passkeys", data={"csrf": csrf, "op": "remove", "passkey": only.id}).status_code == 303
    names = [p.name for p in IdentityPasskeyDoc.objects(person_id="thhp.hieutruong")]
    assert names == ["Điện thoại"]
    assert IdentityPersonDoc.objects(id="thhp.hieutruong").first().passkey_count == 1
    assert {"passkey.renamed", "passkey.removed"} <= set(actions(seeded, "thhp.hieutruong"))

    other = browser()  # another person cannot touch it: not found in their own list
    enrol_passkey(other, SoftAuthenticator(), "thhp.phohieutruong")
    mine = IdentityPasskeyDoc.objects(person_id="thhp.hieutruong").first()
    _, csrf = options_on(other, "/auth/passkeys")
    resp = other.post("/auth/passkeys", data={"csrf": csrf, "op": "remove", "passkey": mine.id})
    assert resp.status_code == 400 and error_of(resp) == "Không tìm thấy passkey này."
    assert IdentityPasskeyDoc.objects(id=mine.id).count() == 1


def test_a_second_factor_reset_removes_the_passkeys_and_offers_one_again(client, browser, seeded, tokens_for):
    enrol_passkey(browser(), SoftAuthenticator(), "thhp.hieutruong")  # then the laptop is lost
    reset = client.post("/api/v1/schools/th-hoa-phong/people/thhp.hieutruong/second-factor-reset",
                        headers=tokens_for("pgd.truongphong"))
    assert reset.status_code == 204, reset.get_json()
    assert IdentityPasskeyDoc.objects(person_id="thhp.hieutruong").count() == 0
    entry = seeded.runtime.audit.entries(target="thhp.hieutruong", match={"action": "totp.reset_by_admin"})[0]
    assert entry["data"] == {"passkeys_removed": 1}
    assert sign_in(browser(), "thhp.hieutruong").headers["Location"] == "passkey"


def test_a_person_signs_in_with_the_passkey_alone_once_per_answer(client, browser, seeded):
    key = SoftAuthenticator()
    enrol_passkey(browser(), key, "thhp.hieutruong")
    [credential] = list(key.keys)
    assert "Đăng nhập bằng passkey" in client.get("/auth/sign-in").get_data(as_text=True)
    options, csrf = options_on(client, "/auth/passkey-sign-in")
    assert "allowCredentials" not in options or options["allowCredentials"] == []  # any passkey of this site
    answer = key.get(options, credential_id=credential)
    resp = client.post("/auth/passkey-sign-in", data={"csrf": csrf, "credential": answer})
    assert resp.status_code == 303 and resp.headers["Location"] == "signed-in", error_of(resp)
    assert client.get("/auth/signed-in").status_code == 200

    thief = browser()  # the same answer again
    _, csrf = options_on(thief, "/auth/passkey-sign-in")
    replay = thief.post("/auth/passkey-sign-in", data={"csrf": csrf, "credential": answer})
    assert replay.status_code == 401 and error_of(replay).startswith("Không đăng nhập được bằng passkey")
    options, csrf = options_on(thief, "/auth/passkey-sign-in")
    phished = thief.post("/auth/passkey-sign-in", data={"csrf": csrf, "credential": key.get(
        options, credential_id=credential, origin="https://hoso-gia.example")})
    assert phished.status_code == 401
    assert thief.get("/auth/signed-in").status_code == 303  # not signed in


def test_no_passkey_is_offered_when_the_platform_is_reached_by_an_ip_address(clock):
    container = bootstrap({"mode": "test", "public_url": "http://127.0.0.1:8080", "db_name": fresh_db_name()},
                          environ={}, clock=clock, publisher=InMemoryPublisher(), mailer=MemoryMailer())
    seed_demo(container)
    assert not container.signin.passkeys.available
    assert "Đăng nhập bằng passkey" not in create_app(container=container).test_client().get("/auth/sign-in").get_data(as_text=True)
    assert sign_in(create_app(container=container).test_client(), "thhp.hieutruong").headers["Location"] == "enrol"
