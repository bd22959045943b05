"""The infrastructure every service's ``bootstrap()`` starts from.

Builds, from validated settings, the pieces each service needs: its database, clock,
event publisher, audit log and token verifier. Tests pass fakes for any of them.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from pymongo.collection import Collection
from pymongo.database import Database

from .anchors import AnchorStore, AuditAnchoring, DevelopmentTimeStamper, HttpTimeStamper, LocalAnchorStore, S3AnchorStore, TimeStamper
from .audit import AuditLog
from .clock import Clock, SystemClock
from .messaging import (ConsumerWorker, Dispatcher, HandlerTable, IdempotentConsumer, KombuPublisher, Publisher,
                        broker_check, consumer_queue)
from .mongo import connect_database, mongo_check
from .outbox import OutboxRelay
from .periodic import JobClaims, PeriodicJobs
from .settings import ServiceSettings, SettingsError
from .tokens import JwksKeySource, TokenVerifier


@dataclass
class Runtime:
    settings: ServiceSettings
    db: Database
    clock: Clock
    publisher: Publisher
    audit: AuditLog
    verifier: TokenVerifier | None
    extra_checks: dict[str, Callable[[], None]] = field(default_factory=dict)
    anchoring: AuditAnchoring | None = None

    def periodic(self) -> list[tuple[float, Callable[[], object]]]:
        """Jobs every service runs beside its relay: anchoring the audit chain heads at their cadence."""
        if self.anchoring is None:
            return []
        return [(self.settings.audit_anchor_interval_seconds, self.anchoring.job())]

    def scheduler(self, jobs: Iterable[tuple[float, Callable[[], object]]]) -> PeriodicJobs:
        """``jobs`` (the service's ``periodic()``) plus the kernel's, each run once per slot across every
        replica, by claim in this service's ``periodic_claims``."""
        return PeriodicJobs(jobs=[*jobs, *self.periodic()], claims=JobClaims(collection=self.db["periodic_claims"]))

    def readiness(self) -> dict[str, Callable[[], None]]:
        """Checks for /readyz: the database, the broker, and whatever the service adds."""
        checks = {"mongodb": mongo_check(self.db), "broker": broker_check(self.settings.amqp_url)}
        checks.update(self.extra_checks)
        return checks

    def relay(self, collections: Iterable[Collection]) -> OutboxRelay:
        return OutboxRelay(collections=collections, publisher=self.publisher)

    def consumer(self, name: str, handlers: HandlerTable, *, max_retries: int = 5) -> IdempotentConsumer:
        """An idempotent consumer dispatching through ``handlers``; its queue binds exactly their types."""
        dispatch = Dispatcher(handlers)
        return IdempotentConsumer(
            name=name,
            handler=dispatch,
            bindings=dispatch.bindings,
            processed=self.db["processed_events"],
            dead_letters=self.db["dead_letters"],
            max_retries=max_retries,
        )

    def worker(self, consumer: IdempotentConsumer, *, quorum: bool | None = None) -> ConsumerWorker:
        """A broker worker feeding ``consumer`` from its own queue (named after it, bound to its table's types)."""
        q = consumer_queue(consumer.name, consumer.bindings, quorum=self.settings.mode == "production" if quorum is None else quorum)
        return ConsumerWorker(url=self.settings.amqp_url, queue=q, consumer=consumer)


def build_runtime(
    settings: ServiceSettings,
    *,
    db_name: str,
    clock: Clock | None = None,
    publisher: Publisher | None = None,
    verifier: TokenVerifier | None = None,
    timestamper: TimeStamper | None = None,
    anchor_store: AnchorStore | None = None,
) -> Runtime:
    """Connect the service's database and build its shared infrastructure.

    Production settings are validated to name real infrastructure; this re-checks it, so no
    path (say settings built without validation) ever puts production on mongomock or memory://.
    """
    if settings.mode == "production" and (missing := settings.production_standins()):
        raise SettingsError("production mode refuses to start on stand-ins; missing: " + "; ".join(missing))
    db = connect_database(alias=settings.service, db_name=db_name, uri=settings.mongo_uri)
    clock = clock or SystemClock()
    if verifier is None and settings.jwks_url:
        verifier = TokenVerifier(
            keys=JwksKeySource(url=settings.jwks_url), issuer=settings.issuer, audience=settings.jwt_audience, clock=clock
        )
    elif verifier is not None:  # an injected verifier brings keys and issuer; the audience is always the service's own
        verifier = verifier.for_audience(settings.jwt_audience)
    return Runtime(
        settings=settings,
        db=db,
        clock=clock,
        publisher=publisher or KombuPublisher(url=settings.amqp_url),
        audit=AuditLog(db=db, clock=clock),
        verifier=verifier,
        anchoring=AuditAnchoring(db=db, service=settings.service, clock=clock,
                                 store=anchor_store or anchor_store_for(settings),
                                 timestamper=timestamper or timestamper_for(settings)),
    )


def anchor_store_for(settings: ServiceSettings) -> AnchorStore:
    """Where the settings say audit anchors live: S3 in production, a local folder otherwise."""
    if settings.audit_anchor_store == "s3":
        import boto3

        client = boto3.client("s3", endpoint_url=settings.audit_anchor_s3_endpoint_url,
                              region_name=settings.audit_anchor_s3_region)
        return S3AnchorStore(bucket=settings.audit_anchor_s3_bucket, client=client)
    return LocalAnchorStore(settings.audit_anchor_dir)


def timestamper_for(settings: ServiceSettings) -> TimeStamper:
    """The RFC 3161 TSA of the settings, or the in-process development TSA when none is set."""
    return HttpTimeStamper(settings.audit_tsa_url) if settings.audit_tsa_url else DevelopmentTimeStamper()
