"""Key path rules a signer notices: PIN tries then lock, phone rejection and expiry, sealed keys stay sealed."""
from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from services.kernel.clock import FixedClock
from services.signing.adapters.key_paths.base import ToBeSigned
from services.signing.adapters.key_paths.pkcs12 import Pkcs12KeyPath
from services.signing.adapters.key_paths.remote import RemoteKeyPath, SimulatedRemoteProvider
from services.signing.adapters.key_paths.server_key import ServerKeyPath
from services.signing.adapters.sealing import KeySealer, SealBroken
from services.signing.domain.credentials import MAX_PIN_TRIES, Credential, KeyPathKind, OwnerKind
from services.signing.domain.errors import CredentialLocked, SignatureExpired, SignatureRejected, WrongPin
from services.signing.testing import InMemoryPinCounter

ITEMS = [ToBeSigned(id="hb-1", data=b"signed attributes of hoc ba 1", label="Học bạ Nguyễn Văn An")]


def make_credential(pki, holder, kind, **extra) -> Credential:
    return Credential(
        id="cred-1", tenant_id="th-hoa-phong", district_id="pgd-hoa-vang", owner_id="thhp.hieutruong",
        owner_kind=OwnerKind.PERSON, kind=kind,
        certificate_der=holder.certificate.public_bytes(serialization.Encoding.DER),
        chain_der=(pki.ca.public_bytes(serialization.Encoding.DER),), **extra)


@pytest.fixture
def pkcs12_setup(pki):
    holder = pki.issue("Phạm Văn Hùng")
    p12 = pkcs12.serialize_key_and_certificates(
        b"hieutruong", holder.key, holder.certificate, None, serialization.BestAvailableEncryption(b"246810"))
    pins = InMemoryPinCounter()
    path = Pkcs12KeyPath(sealer=KeySealer(kek=os.urandom(32)), pins=pins)
    cred = make_credential(pki, holder, KeyPathKind.PKCS12)
    cred.sealed_key = path.seal(cred.id, p12)
    return path, cred, pins


def test_wrong_pin_tells_the_tries_left_then_locks(pkcs12_setup):
    path, cred, _pins = pkcs12_setup
    for left in range(MAX_PIN_TRIES - 1, 0, -1):
        with pytest.raises(WrongPin) as wrong:
            path.begin(cred, ITEMS, pin="000000")
        assert wrong.value.tries_left == left
        assert f"Còn {left} lần thử" in wrong.value.detail
    with pytest.raises(CredentialLocked):
        path.begin(cred, ITEMS, pin="000000")


def test_a_locked_credential_refuses_even_the_right_pin(pkcs12_setup):
    path, cred, _ = pkcs12_setup
    cred.locked = True
    with pytest.raises(CredentialLocked) as locked:
        path.begin(cred, ITEMS, pin="246810")
    assert "bị khóa" in locked.value.detail


def test_right_pin_resets_the_count(pkcs12_setup):
    path, cred, pins = pkcs12_setup
    with pytest.raises(WrongPin):
        path.begin(cred, ITEMS, pin="111111")
    assert path.begin(cred, ITEMS, pin="246810").signatures
    assert pins.failures[cred.id] == 0


def test_sealed_key_does_not_open_under_another_credential_or_kek(pki):
    sealer = KeySealer(kek=os.urandom(32))
    sealed = sealer.seal(b"private key", credential_id="cred-1")
    with pytest.raises(SealBroken):
        sealer.open(sealed, credential_id="cred-2")
    with pytest.raises(SealBroken):
        KeySealer(kek=os.urandom(32)).open(sealed, credential_id="cred-1")
    holder = pki.issue("Phạm Văn Hùng")
    path = ServerKeyPath(sealer=sealer)
    assert b"PRIVATE" not in path.seal("cred-1", holder.key)


def remote_setup(pki, clock):
    holder = pki.issue("Phạm Văn Hùng")
    provider = SimulatedRemoteProvider(name="smartca-sim", clock=clock, ttl=timedelta(minutes=5))
    provider.enrol("0905123456", holder.key)
    cred = make_credential(pki, holder, KeyPathKind.REMOTE, provider="smartca-sim", provider_account="0905123456")
    return RemoteKeyPath(providers={"smartca-sim": provider}), provider, cred


def test_the_phone_shows_one_request_for_a_whole_batch_and_rejecting_it_refuses(pki):
    path, provider, cred = remote_setup(pki, FixedClock(datetime(2026, 5, 20, 8, tzinfo=timezone.utc)))
    items = [ToBeSigned(id=f"hb-{n}", data=b"x%d" % n, label=f"Học bạ {n}") for n in range(300)]
    ticket = path.begin(cred, items)
    [(transaction_id, description, count)] = provider.pending("0905123456")
    assert (transaction_id, description, count) == (ticket.id, "Ký 300 tài liệu trên HoSo", 300)
    provider.reject(ticket.id)
    with pytest.raises(SignatureRejected) as rejected:
        path.collect(cred, ticket.id, items)
    assert "từ chối" in rejected.value.detail


def test_an_unconfirmed_request_expires(pki):
    clock = FixedClock(datetime(2026, 5, 20, 8, tzinfo=timezone.utc))
    path, _provider, cred = remote_setup(pki, clock)
    ticket = path.begin(cred, ITEMS)
    clock.advance(minutes=6)
    with pytest.raises(SignatureExpired):
        path.collect(cred, ticket.id, ITEMS)
