"""Composition root of the notifications service: used by create_app, the consumer and tests."""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pymongo.collection import Collection

from services.kernel.clock import Clock
from services.kernel.messaging import ConsumerWorker, IdempotentConsumer, Publisher
from services.kernel.runtime import Runtime, build_runtime
from services.kernel.settings import load_settings
from services.kernel.tokens import TokenVerifier

from .adapters.inbox import NotificationDoc
from .adapters.mailer import Mailer, OutboxFolderMailer, SmtpMailer
from .service_layer.handlers import NotificationHandlers
from .settings import NotificationsSettings

CONSUMER_NAME = "notifications.inbox"


@dataclass
class Container:
    runtime: Runtime
    settings: NotificationsSettings
    handlers: NotificationHandlers
    consumer: IdempotentConsumer

    def workers(self) -> list[ConsumerWorker]:
        return [self.runtime.worker(self.consumer, quorum=self.settings.queue_quorum or None)]

    def outbox_collections(self) -> list[Collection]:
        return []


def bootstrap(
    config: Mapping[str, Any] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    clock: Clock | None = None,
    publisher: Publisher | None = None,
    verifier: TokenVerifier | None = None,
    mailer: Mailer | None = None,
) -> Container:
    settings = load_settings(NotificationsSettings, os.environ if environ is None else environ, config)
    runtime = build_runtime(settings, db_name=settings.db_name, clock=clock, publisher=publisher, verifier=verifier)
    NotificationDoc.ensure_indexes()
    if mailer is None:
        mailer = (
            SmtpMailer(host=settings.smtp_host, port=settings.smtp_port, sender=settings.mail_from)
            if settings.smtp_host
            else OutboxFolderMailer(folder=settings.mail_outbox_dir, sender=settings.mail_from)
        )
    handlers = NotificationHandlers(clock=runtime.clock, mailer=mailer)
    consumer = runtime.consumer(CONSUMER_NAME, handlers.table())
    return Container(runtime=runtime, settings=settings, handlers=handlers, consumer=consumer)
