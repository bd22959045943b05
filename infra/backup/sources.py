"""Where the platform's data lives, read from the environment exactly as the services read it.

Each service's settings class (``load_settings``) gives its ``MONGO_URI`` and ``db_name``; the
documents service's ``build_store`` gives its object store (S3 or local disk) and the kernel's
``anchor_store_for`` each service's audit anchor store. Nothing here re-reads a variable itself.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import BinaryIO, Protocol

import pymongo
from pymongo.database import Database

from services.approvals.settings import ApprovalsSettings
from services.documents.adapters.object_store import ObjectStore
from services.documents.bootstrap import build_store
from services.documents.settings import DocumentsSettings
from services.identity.settings import IdentitySettings
from services.kernel.anchors import AnchorStore
from services.kernel.runtime import anchor_store_for
from services.kernel.settings import ServiceSettings, load_settings
from services.notifications.settings import NotificationsSettings
from services.signing.settings import SigningSettings

SETTINGS: dict[str, type[ServiceSettings]] = {
    "identity": IdentitySettings, "documents": DocumentsSettings, "approvals": ApprovalsSettings,
    "signing": SigningSettings, "notifications": NotificationsSettings,
}
DOCUMENTS_STORE = "documents"


class SourceError(RuntimeError):
    """The environment names no real database (the all-in-one memory cannot be backed up)."""


class Objects(Protocol):
    """The few object-store operations a backup needs, over either kind of store."""

    def keys(self, prefix: str) -> list[str]:
        """Keys under ``prefix``."""

    def chunks(self, key: str) -> Iterator[bytes]:
        """The object's bytes in order."""

    def put(self, key: str, source: BinaryIO) -> None:
        """Store ``source`` under ``key``."""


@dataclass(frozen=True)
class DocumentObjects:
    """The documents service's store (``ObjectStore``: S3 or local disk)."""

    store: ObjectStore

    def keys(self, prefix: str) -> list[str]:
        return self.store.keys(prefix)

    def chunks(self, key: str) -> Iterator[bytes]:
        return self.store.iter_chunks(key)

    def put(self, key: str, source: BinaryIO) -> None:
        self.store.put_stream(key, source)


@dataclass(frozen=True)
class AnchorObjects:
    """One service's audit anchors (small JSON files) under its own prefix of the anchor store."""

    store: AnchorStore
    prefix: str

    def keys(self, prefix: str) -> list[str]:
        return self.store.keys(self.prefix + prefix)

    def chunks(self, key: str) -> Iterator[bytes]:
        yield self.store.get(key)

    def put(self, key: str, source: BinaryIO) -> None:
        self.store.put(key, source.read())


@dataclass
class ServiceData:
    """One service's database and its settings."""

    name: str
    settings: ServiceSettings
    db: Database


@dataclass
class Deployment:
    """Every service's database and the object stores, as the environment configures them."""

    services: dict[str, ServiceData]
    stores: dict[str, Objects]
    client: pymongo.MongoClient

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> "Deployment":
        """Build from ``MONGO_URI``, ``HOSO_<SERVICE>_DB_NAME`` and the object-store settings."""
        # where the data lives, not the services' secrets: production's secret checks are the services'
        # own (the same override as ``python -m services.kernel.audit verify``)
        loaded = {name: load_settings(settings_cls, environ, {"mode": "test"}) for name, settings_cls in SETTINGS.items()}
        uris = {s.mongo_uri for s in loaded.values()}
        if None in uris or len(uris) != 1:
            raise SourceError("MONGO_URI must name the platform's MongoDB: an all-in-one memory database cannot be backed up")
        client: pymongo.MongoClient = pymongo.MongoClient(uris.pop(), tz_aware=True, uuidRepresentation="standard")
        services = {name: ServiceData(name=name, settings=s, db=client[s.db_name])  # type: ignore[attr-defined]
                    for name, s in loaded.items()}
        stores: dict[str, Objects] = {DOCUMENTS_STORE: DocumentObjects(build_store(loaded["documents"]))}  # type: ignore[arg-type]
        for name, s in loaded.items():
            stores[f"anchors-{name}"] = AnchorObjects(anchor_store_for(s), f"{name}/")
        return cls(services=services, stores=stores, client=client)

    def close(self) -> None:
        self.client.close()
