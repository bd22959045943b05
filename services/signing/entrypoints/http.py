"""HTTP API of the signing service (``/api/v1``)."""
from __future__ import annotations

import base64
import binascii
from contextlib import contextmanager
from typing import Iterator, Literal

from cryptography.hazmat.primitives import serialization
from flask import Blueprint, Response, request
from pydantic import BaseModel, ConfigDict, Field

from services.kernel.api import Api
from services.kernel.context import current_principal
from services.kernel.errors import Forbidden, NotFound, ValidationFailed
from services.kernel.owners import OwnerKey
from services.kernel.permissions import VAN_THU
from services.kernel.permissions import require_principal

from ..adapters.key_paths.external import ExternalJob
from ..bootstrap import Container
from ..domain.errors import SigningRefused
from ..service_layer.signing import refusal_problem


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BatchIn(_In):
    submission_ids: list[str] = Field(min_length=1, max_length=1000)
    credential_id: str = Field(min_length=1, max_length=64)
    pin: str | None = Field(default=None, max_length=64)
    on_behalf_of: str | None = Field(default=None, max_length=128, description="sign in this person's turn (ký thay)")
    wait: bool = False


class BatchQuery(_In):
    items: Literal["all", "none"] = Field(
        default="all", description="``none``: progress counts only, for polling a running batch of hundreds")


class Pkcs12In(_In):
    p12: str = Field(min_length=1, max_length=200_000, description="base64 of the PKCS#12 file")
    pin: str = Field(min_length=1, max_length=64)
    organisation: bool = False


class TokenIn(_In):
    certificate: str = Field(min_length=1, max_length=20_000, description="base64 DER of the token's certificate")
    chain: list[str] = Field(default_factory=list, max_length=5)
    organisation: bool = False


class RemoteIn(_In):
    provider: str = Field(min_length=1, max_length=64)
    account: str = Field(min_length=1, max_length=128)


class RecordSignIn(_In):
    school: str = Field(min_length=1, max_length=128, description="the school whose biên bản it is")
    credential_id: str = Field(min_length=1, max_length=64)
    pin: str | None = Field(default=None, max_length=64)


class SignatureItem(_In):
    id: str = Field(min_length=1, max_length=64)
    signature: str = Field(min_length=1, max_length=4096)


class SignaturesIn(_In):
    signatures: list[SignatureItem] = Field(min_length=1, max_length=1000)


class PairIn(_In):
    job_id: str = Field(min_length=1, max_length=64, description="the external job shown on the page")
    code: str = Field(min_length=1, max_length=32, description="the one-time pairing code shown on the page")


AGENT_SCHEME = "hoso-agent"


def _agent_token() -> str:
    """The job-scoped token the agent got from ``POST /agent/pair`` (``Authorization: HoSo-Agent <token>``)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == AGENT_SCHEME else ""


def _job_view(job: ExternalJob) -> dict:
    return {"id": job.id, "certificate": base64.b64encode(job.certificate_der).decode(),
            "expires_at": job.expires_at.isoformat(), "signed": job.signatures is not None,
            "items": [{"id": i.id, "label": i.label, "data": base64.b64encode(i.data).decode()} for i in job.items]}


def _b64(value: str, field: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed(f"Trường «{field}» phải là base64.", field=field) from None


@contextmanager
def refusals() -> Iterator[None]:
    """Signing refusals become problem+json with their Vietnamese reason."""
    try:
        yield
    except SigningRefused as exc:
        raise refusal_problem(exc) from None


def _me():
    return require_principal(current_principal())


def signing_blueprint(c: Container, api: Api) -> Blueprint:
    bp = Blueprint("signing", __name__, url_prefix="/api/v1")
    route = api.route

    # ----- credentials ---------------------------------------------------------------------------
    @route(bp, "/credentials", tags=["credentials"])
    def list_credentials() -> dict:
        """My signing credentials (and the school's seal for the văn thư)."""
        return {"items": c.credentials.mine(_me())}

    @route(bp, "/credentials/locked", tags=["credentials"])
    def locked_credentials() -> dict:
        """Credentials locked by wrong PINs that I may unlock (school administrator, trưởng phòng)."""
        return {"items": c.credentials.locked(_me())}

    @route(bp, "/credentials/pkcs12", methods=["POST"], body=Pkcs12In, status=201, tags=["credentials"])
    def register_pkcs12(body: Pkcs12In) -> dict:
        """Register a PKCS#12 from a licensed CA; its password becomes the signing PIN."""
        with refusals():
            return c.credentials.register_pkcs12(_me(), _b64(body.p12, "p12"), body.pin, organisation=body.organisation)

    @route(bp, "/credentials/token", methods=["POST"], body=TokenIn, status=201, tags=["credentials"])
    def register_token(body: TokenIn) -> dict:
        """Register the certificate of a USB token; signing then goes through the agent."""
        with refusals():
            return c.credentials.register_token(_me(), _b64(body.certificate, "certificate"),
                                                [_b64(x, "chain") for x in body.chain], organisation=body.organisation)

    @route(bp, "/credentials/remote", methods=["POST"], body=RemoteIn, status=201, tags=["credentials"])
    def register_remote(body: RemoteIn) -> dict:
        """Register a remote signing account; the certificate is the one issued for that account."""
        with refusals():
            return c.credentials.register_remote(_me(), body.provider, body.account)

    @route(bp, "/credentials/<credential_id>/unlock", methods=["POST"], tags=["credentials"])
    def unlock(credential_id: str) -> dict:
        """The school's administrator unlocks a credential locked by wrong PINs."""
        return c.credentials.unlock(_me(), credential_id)

    @route(bp, "/credentials/<credential_id>/revoke", methods=["POST"], tags=["credentials"])
    def revoke(credential_id: str) -> dict:
        """Revoke a credential (platform-CA certificates go on the district CRL)."""
        return c.credentials.revoke(_me(), credential_id)

    @route(bp, "/crl/<district_id>.crl", tags=["credentials"], public=True, raw_response="application/pkix-crl")
    def crl(district_id: str) -> Response:
        """The district CA's certificate revocation list (DER), public."""
        der = c.authority.crl(district_id).public_bytes(serialization.Encoding.DER)
        return Response(der, mimetype="application/pkix-crl", headers={"Cache-Control": "max-age=300"})

    # ----- signing -----------------------------------------------------------------------------
    @route(bp, "/batches", methods=["POST"], body=BatchIn, status=202, tags=["signing"])
    def start_batch(body: BatchIn) -> dict:
        """Sign one or many submissions with one PIN / confirmation; progress at GET /batches/{id}."""
        with refusals():
            return c.signing.start(_me(), submission_ids=body.submission_ids, credential_id=body.credential_id,
                                   pin=body.pin, on_behalf_of=body.on_behalf_of, wait=body.wait)

    @route(bp, "/batches/<batch_id>", query=BatchQuery, tags=["signing"])
    def get_batch(batch_id: str, query: BatchQuery) -> dict:
        """Progress of a signing batch, with each document's outcome and reason (``items=none``: counts only)."""
        return c.signing.view(_me(), batch_id, items=query.items == "all")

    def job_of(me, job_id: str) -> ExternalJob:
        """An external job of the caller's school, owned by the caller (or the school's seal, for its
        văn thư); owners compared as typed keys. 404 for anyone else."""
        try:
            job = c.external_jobs.get(job_id)
        except KeyError:
            raise NotFound() from None
        if job.tenant_id is None or job.tenant_id != me.tenant:
            raise NotFound()
        if job.owner == OwnerKey.of(me):
            return job
        if job.owner == OwnerKey.school_of(me) and me.has_role(VAN_THU):
            return job
        raise NotFound()

    @route(bp, "/external-jobs/<job_id>", tags=["signing"])
    def get_external_job(job_id: str) -> dict:
        """What the signing agent must sign on the token (data to be signed, base64)."""
        return _job_view(job_of(_me(), job_id))

    @route(bp, "/external-jobs/<job_id>/signatures", methods=["POST"], body=SignaturesIn, tags=["signing"])
    def post_external_signatures(job_id: str, body: SignaturesIn) -> dict:
        """The agent posts the token's signatures; they are checked now and the batch completed in the background."""
        me = _me()
        job = job_of(me, job_id)
        return c.signing.signatures_arrived(me, job.id, {s.id: _b64(s.signature, "signature") for s in body.signatures})

    @route(bp, "/external-jobs/<job_id>/pairing", methods=["POST"], status=201, tags=["signing"])
    def create_pairing(job_id: str) -> dict:
        """A one-time code (10 minutes, 5 tries) the signing agent exchanges for access to this job only."""
        me = _me()
        with refusals():
            return c.pairing.create(me, job_of(me, job_id))

    @route(bp, "/agent/pair", methods=["POST"], body=PairIn, tags=["agent"], public=True)
    def agent_pair(body: PairIn) -> dict:
        """The signing agent exchanges the job id and its pairing code for a token of that job; no sign-in."""
        with refusals():
            return c.pairing.exchange(body.job_id, body.code)

    @route(bp, "/agent/jobs/<job_id>", tags=["agent"], public=True)
    def agent_job(job_id: str) -> dict:
        """What the paired agent signs on the token (``Authorization: HoSo-Agent <token>``)."""
        with refusals():
            return _job_view(c.pairing.job(_agent_token(), job_id))

    @route(bp, "/agent/jobs/<job_id>/signatures", methods=["POST"], body=SignaturesIn, tags=["agent"], public=True)
    def agent_signatures(job_id: str, body: SignaturesIn) -> dict:
        """The paired agent posts the job's signatures once; the batch completes as its signer's."""
        with refusals():
            return c.pairing.post(_agent_token(), job_id,
                                  {s.id: _b64(s.signature, "signature") for s in body.signatures})

    @route(bp, "/remote/simulated/pending", tags=["signing"])
    def simulated_pending() -> dict:
        """All-in-one only: what the simulated provider's phone app shows me."""
        me = _me()
        if c.simulated_provider is None:
            raise NotFound()
        return {"items": [{"transaction_id": t, "description": d, "count": n}
                          for t, d, n in c.simulated_provider.pending(me.sub)]}

    @route(bp, "/remote/simulated/transactions/<transaction_id>/<decision>", methods=["POST"], tags=["signing"])
    def simulated_decide(transaction_id: str, decision: str) -> dict:
        """All-in-one only: confirm or reject a request as if on the phone."""
        me = _me()
        if c.simulated_provider is None or decision not in ("confirm", "reject"):
            raise NotFound()
        if transaction_id not in {t for t, _, _ in c.simulated_provider.pending(me.sub)}:
            raise Forbidden("Yêu cầu ký này không thuộc tài khoản của bạn.")
        getattr(c.simulated_provider, decision)(transaction_id)
        c.signing.resume_remote(transaction_id)  # the phone answered: the parked batch resumes now
        return {"transaction_id": transaction_id, "decision": decision}

    # ----- signed copies ------------------------------------------------------------------------
    @route(bp, "/signed-documents/<submission_id>", tags=["signing"])
    def signed_copy(submission_id: str) -> dict:
        """The signed PDF of one of my school's submissions (its version, code and signatures so far)."""
        return c.copies.of_submission(_me(), submission_id)
    # ----- inspection records (biên bản kiểm tra) ------------------------------------------------
    @route(bp, "/inspection-records/<record_id>/sign", methods=["POST"], body=RecordSignIn, tags=["signing"])
    def sign_inspection_record(record_id: str, body: RecordSignIn) -> dict:
        """The head of the inspection team signs the school's biên bản (PAdES); once only."""
        with refusals():
            return c.records.sign(_me(), record_id, school=body.school, credential_id=body.credential_id,
                                  pin=body.pin)

    # ----- verification (public) ----------------------------------------------------------------
    @route(bp, "/verify", methods=["POST"], tags=["verify"], public=True, raw_body="application/pdf")
    def verify_upload() -> dict:
        """Check every signature of an uploaded PDF; no sign-in."""
        with refusals():
            return c.verification.verify_upload(request.stream, request.content_length)

    @route(bp, "/verify/<code>", tags=["verify"], public=True)
    def verify_code(code: str) -> dict:
        """Check the latest signed version of the document with this code; no sign-in."""
        with refusals():
            return c.verification.verify_code(code)

    return bp
