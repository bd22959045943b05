"""One contract for the four key paths: server key, PKCS#12, remote provider, USB token via the agent.

Each path signs the data prepared by the PAdES engine; the signed PDF validates for the named
signer; a batch of documents needs one authorisation; a reply that does not verify under the
credential's certificate never reaches a PDF. The external path signs with a real PKCS#11
token (SoftHSM2) through the shipped agent's token code.
"""
from __future__ import annotations

import io
import os
from dataclasses import dataclass
from typing import Callable

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from services.kernel.clock import SystemClock
from services.signing.adapters.key_paths.base import KeyPath, Ticket, ToBeSigned
from services.signing.adapters.key_paths.external import ExternalKeyPath, InMemoryExternalJobs
from services.signing.adapters.key_paths.pkcs12 import Pkcs12KeyPath
from services.signing.adapters.key_paths.remote import RemoteKeyPath, SimulatedRemoteProvider
from services.signing.adapters.key_paths.server_key import ServerKeyPath
from services.signing.adapters.pades import PadesEngine, SigningIdentity, StampPlacement
from services.signing.adapters.pdf_checks import check_signable
from services.signing.adapters.raw_signing import sign_raw
from services.signing.adapters.sealing import KeySealer
from services.signing.adapters.verifier import inspect_pdf
from services.signing.adapters.x509_issuer import new_key, to_asn1
from services.signing.agent.token import TokenSession
from services.signing.domain.credentials import Credential, KeyPathKind, OwnerKind
from services.signing.domain.errors import SignatureMismatch
from services.signing.testing import DevPki, Holder, InMemoryPinCounter, one_page_pdf, sample_stamp

PIN = "246810"


@dataclass
class Path:
    key_path: KeyPath
    credential: Credential
    holder: Holder
    user_acts: Callable[[Ticket], None]  # the phone confirmation or the agent run; nothing for keys we hold
    forge: Callable[[Ticket], None] | None = None  # deliver signatures made by another key


def credential(kind: KeyPathKind, holder: Holder, pki: DevPki, **extra) -> Credential:
    return Credential(
        id=f"cred-{kind.value}", tenant_id="th-hoa-phong", district_id="pgd-hoa-vang", owner_id="thhp.hieutruong",
        owner_kind=OwnerKind.PERSON, kind=kind,
        certificate_der=holder.certificate.public_bytes(serialization.Encoding.DER),
        chain_der=(pki.ca.public_bytes(serialization.Encoding.DER),), **extra,
    )


def server_key_path(pki: DevPki, _token) -> Path:
    holder = pki.issue("Phạm Văn Hùng")
    key_path = ServerKeyPath(sealer=KeySealer(kek=os.urandom(32)))
    cred = credential(KeyPathKind.PLATFORM, holder, pki)
    cred.sealed_key = key_path.seal(cred.id, holder.key)
    return Path(key_path, cred, holder, lambda ticket: None)


def pkcs12_path(pki: DevPki, _token) -> Path:
    holder = pki.issue("Phạm Văn Hùng")
    p12 = pkcs12.serialize_key_and_certificates(
        b"hieutruong", holder.key, holder.certificate, [pki.ca],
        serialization.BestAvailableEncryption(PIN.encode()))
    key_path = Pkcs12KeyPath(sealer=KeySealer(kek=os.urandom(32)), pins=InMemoryPinCounter())
    cred = credential(KeyPathKind.PKCS12, holder, pki)
    cred.sealed_key = key_path.seal(cred.id, p12)
    return Path(key_path, cred, holder, lambda ticket: None)


def remote_path(pki: DevPki, _token) -> Path:
    holder = pki.issue("Phạm Văn Hùng")
    provider = SimulatedRemoteProvider(name="smartca-sim", clock=SystemClock())
    provider.enrol("0905123456", holder.key)
    impostor = SimulatedRemoteProvider(name="impostor", clock=SystemClock())
    impostor.enrol("0905123456", new_key())
    key_path = RemoteKeyPath(providers={"smartca-sim": provider})
    cred = credential(KeyPathKind.REMOTE, holder, pki, provider="smartca-sim", provider_account="0905123456")

    def forge(ticket: Ticket) -> None:
        # the provider answers with signatures made by a key that is not the certificate's
        provider._keys["0905123456"] = impostor._keys["0905123456"]
        provider.confirm(ticket.id)

    return Path(key_path, cred, holder, lambda ticket: provider.confirm(ticket.id), forge)


def external_path(pki: DevPki, token) -> Path:
    jobs = InMemoryExternalJobs()
    key_path = ExternalKeyPath(jobs=jobs, clock=SystemClock())
    cred = credential(KeyPathKind.EXTERNAL, token.holder, pki)

    def agent_signs(ticket: Ticket) -> None:
        job = jobs.get(ticket.id)
        with TokenSession(module=token.module, pin=token.pin, token_label=token.label) as session:
            jobs.attach_signatures(job.id, session.sign_all(job.certificate_der, [(i.id, i.data) for i in job.items]))

    def forge(ticket: Ticket) -> None:
        other = new_key()
        job = jobs.get(ticket.id)
        jobs.attach_signatures(job.id, {i.id: sign_raw(other, i.data) for i in job.items})

    return Path(key_path, cred, token.holder, agent_signs, forge)


PATHS = {"server-key": server_key_path, "pkcs12": pkcs12_path, "remote": remote_path, "external-token": external_path}


@pytest.fixture(params=list(PATHS))
def path(request, signing_pki, soft_token) -> Path:
    return PATHS[request.param](signing_pki, soft_token)


def identity(pki: DevPki, holder: Holder) -> SigningIdentity:
    return SigningIdentity(to_asn1(holder.certificate), (to_asn1(pki.ca),))


def sign_documents(path: Path, pki: DevPki, engine: PadesEngine, count: int) -> tuple[list[bytes], int]:
    """Prepare ``count`` PDFs, sign them as one batch, embed; return the PDFs and the number of user actions."""
    ident = identity(pki, path.holder)
    outputs, prepared, items = [], [], []
    for n in range(count):
        out = io.BytesIO()
        prep = engine.prepare(check_signable(io.BytesIO(one_page_pdf())), out, identity=ident,
                              field_name="KyHieuTruong", stamp=sample_stamp(code=f"HB{n:06d}"),
                              placement=StampPlacement(0, (40, 40, 340, 130)))
        outputs.append(out)
        prepared.append(prep)
        items.append(ToBeSigned(id=f"doc-{n}", data=prep.data_to_sign, label=f"Học bạ số {n + 1}"))
    ticket = path.key_path.begin(path.credential, items, pin=PIN)
    actions = 0
    signatures = ticket.signatures
    if signatures is None:
        assert path.key_path.collect(path.credential, ticket.id, items) is None  # nothing until the user acts
        path.user_acts(ticket)
        actions += 1
        signatures = path.key_path.collect(path.credential, ticket.id, items)
    for out, prep, item in zip(outputs, prepared, items):
        engine.complete(out, prep, identity=ident, signature=signatures[item.id])
    return [o.getvalue() for o in outputs], actions


def test_signed_pdf_validates_for_the_named_signer(path, signing_pki):
    engine = PadesEngine(timestamper=signing_pki.timestamper())
    [doc], _ = sign_documents(path, signing_pki, engine, 1)

    [sig] = inspect_pdf(io.BytesIO(doc), trust_roots=[to_asn1(signing_pki.ca)]).signatures
    assert sig.ok
    assert sig.signer_name == path.holder.certificate.subject.rfc4514_string().split("CN=")[1].split(",")[0]
    assert sig.timestamp_at is not None


def test_a_batch_needs_one_authorisation(path, signing_pki):
    engine = PadesEngine(timestamper=None)
    docs, actions = sign_documents(path, signing_pki, engine, 12)

    assert actions <= 1
    for doc in docs:
        [sig] = inspect_pdf(io.BytesIO(doc), trust_roots=[to_asn1(signing_pki.ca)]).signatures
        assert sig.ok


@pytest.fixture(params=["remote", "external-token"])
def replying_path(request, signing_pki, soft_token) -> Path:
    """Paths whose signatures come back from outside (the others sign with the key they hold)."""
    return PATHS[request.param](signing_pki, soft_token)


def test_signatures_of_another_key_never_reach_the_pdf(replying_path):
    path = replying_path
    items = [ToBeSigned(id="doc-1", data=b"signed attributes", label="Học bạ")]
    ticket = path.key_path.begin(path.credential, items, pin=PIN)
    path.forge(ticket)
    with pytest.raises(SignatureMismatch):
        path.key_path.collect(path.credential, ticket.id, items)
