"""Settings read from the environment and validated at start-up.

Common settings are ``HOSO_<FIELD>`` (plus ``MONGO_URI`` and ``AMQP_URL``, the names
operators already use); a service's own settings are ``HOSO_<SERVICE>_<FIELD>``. An
unknown ``HOSO_*`` variable or a missing required one stops the process with a message
naming it, so a typo in a deployment never runs silently with a default.

Production mode never runs on the all-in-one stand-ins: without a real MongoDB
(``MONGO_URI``), RabbitMQ (``AMQP_URL``), object storage (S3) where a service stores
objects, and an RFC 3161 time-stamping authority for the audit anchors, the settings are
refused with every missing piece named (``ServiceSettings.production_standins``).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from .audiences import audience_of

SERVICES = ("identity", "documents", "approvals", "signing", "notifications", "gateway")
_UNPREFIXED = {"mongo_uri": "MONGO_URI", "amqp_url": "AMQP_URL"}


class SettingsError(RuntimeError):
    """A setting is unknown, missing or invalid; the message names it."""


class ServiceSettings(BaseModel):
    """Settings every service shares; subclass per service and set ``service``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    service: ClassVar[str] = ""
    #: Whether the service keeps data in MongoDB / talks to RabbitMQ (the gateway does neither).
    uses_database: ClassVar[bool] = True
    uses_broker: ClassVar[bool] = True
    #: Fields choosing an object store (``"local"`` disk or ``"s3"``) besides the audit anchors'.
    object_storage_fields: ClassVar[tuple[str, ...]] = ()

    mode: Literal["all_in_one", "production", "test"] = "all_in_one"
    mongo_uri: str | None = None
    amqp_url: str | None = None
    public_url: str = "http://127.0.0.1:8080"
    identity_url: str | None = None
    documents_url: str | None = None
    approvals_url: str | None = None
    signing_url: str | None = None
    notifications_url: str | None = None
    jwt_issuer: str | None = None
    log_level: str = "INFO"
    log_json: bool = True
    #: Where audit chain anchors (RFC 3161 tokens over the chain head) are kept, outside the database.
    audit_anchor_store: Literal["local", "s3"] = "local"
    audit_anchor_dir: str = "var/audit-anchors"
    audit_anchor_s3_bucket: str = "hoso-audit-anchors"
    audit_anchor_s3_endpoint_url: str | None = None
    audit_anchor_s3_region: str = "us-east-1"
    #: Cadence of the anchoring job (seconds between two anchors of the chain head).
    audit_anchor_interval_seconds: float = 900.0
    #: RFC 3161 time-stamping authority for the anchors; unset: an in-process development TSA.
    audit_tsa_url: str | None = None

    def production_standins(self) -> list[str]:
        """What this configuration would replace by an all-in-one stand-in, one line per setting."""
        cls = type(self)
        missing: list[str] = []
        if cls.uses_database:
            if not self.mongo_uri:
                missing.append("MONGO_URI (a real MongoDB replica set; without it data lives in memory)")
            if self.audit_anchor_store != "s3":
                missing.append("HOSO_AUDIT_ANCHOR_STORE=s3 (audit anchors must live outside the database host)")
            if not self.audit_tsa_url:
                missing.append("HOSO_AUDIT_TSA_URL (an RFC 3161 time-stamping authority for audit anchors)")
        if cls.uses_broker and not self.amqp_url:
            missing.append("AMQP_URL (a real RabbitMQ; without it events go to an in-memory broker)")
        for name in cls.object_storage_fields:
            if getattr(self, name) != "s3":
                missing.append(f"{env_name(cls, name)}=s3 (object storage; local disk is the all-in-one stand-in)")
        return missing

    @model_validator(mode="after")
    def _production_refuses_standins(self) -> "ServiceSettings":
        if self.mode == "production" and (missing := self.production_standins()):
            raise ValueError("production mode refuses to start on stand-ins; missing: " + "; ".join(missing))
        return self

    @property
    def issuer(self) -> str:
        """The OIDC issuer the tokens must carry."""
        return self.jwt_issuer or self.public_url.rstrip("/") + "/api/identity"

    @property
    def jwt_audience(self) -> str:
        """The one ``aud`` this service accepts (``hoso-<service>``, docs/identity-audiences.md)."""
        return audience_of(self.service)

    @property
    def jwks_url(self) -> str | None:
        """Where the identity service publishes its signing keys (internal URL)."""
        return self.identity_url.rstrip("/") + "/oauth/jwks" if self.identity_url else None


def common_fields() -> set[str]:
    """Names of the settings every service shares."""
    return set(ServiceSettings.model_fields)


def env_name(cls: type[ServiceSettings], field: str) -> str:
    """The environment variable that carries ``field`` for settings class ``cls``."""
    if field in _UNPREFIXED:
        return _UNPREFIXED[field]
    if field in common_fields():
        return f"HOSO_{field.upper()}"
    return f"HOSO_{cls.service.upper()}_{field.upper()}"


def required_env(cls: type[ServiceSettings]) -> set[str]:
    """Environment variables without which ``cls`` cannot start."""
    return {env_name(cls, f) for f, info in cls.model_fields.items() if info.is_required()}


def known_env(cls: type[ServiceSettings]) -> set[str]:
    """Every environment variable ``cls`` reads."""
    return {env_name(cls, f) for f in cls.model_fields}


S = TypeVar("S", bound=ServiceSettings)


def load_settings(cls: type[S], environ: Mapping[str, str], overrides: Mapping[str, Any] | None = None) -> S:
    """Build ``cls`` from ``environ`` (then ``overrides`` by field name), refusing unknown names."""
    common_env = {env_name(ServiceSettings, f) for f in common_fields()}
    own_prefix = f"HOSO_{cls.service.upper()}_"
    other_prefixes = tuple(f"HOSO_{s.upper()}_" for s in SERVICES if s != cls.service)
    own_env = known_env(cls)
    values: dict[str, Any] = {}
    for key, raw in environ.items():
        if not key.startswith("HOSO_") and key not in _UNPREFIXED.values():
            continue
        if key in own_env:
            field = next(f for f in cls.model_fields if env_name(cls, f) == key)
            values[field] = raw
        elif key in common_env:
            continue
        elif key.startswith(own_prefix) or not key.startswith(other_prefixes):
            raise SettingsError(f"unknown setting {key} (service {cls.service or 'common'})")
    for name, value in (overrides or {}).items():
        if name not in cls.model_fields:
            raise SettingsError(f"unknown setting {name!r} for {cls.service}")
        values[name] = value
    try:
        return cls(**values)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            if not err["loc"]:  # a rule over several settings: its message names them
                problems.append(str(err["msg"]).removeprefix("Value error, "))
                continue
            field = str(err["loc"][0])
            var = env_name(cls, field) if field in cls.model_fields else field
            problems.append(f"{var}: {err['msg']}")
        raise SettingsError("invalid settings for " + (cls.service or "service") + ": " + "; ".join(problems)) from None
