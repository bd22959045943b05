"""MongoDB connections: a real server when ``MONGO_URI`` is set, mongomock otherwise.

Each service registers its own mongoengine alias (its service name) pointing at its own
database. Connecting is done by ``bootstrap()``, never at import time.
"""
from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qsl, urlsplit

import mongoengine
from mongoengine.connection import get_db
from pymongo.database import Database

from .db_commands import COMMANDS


#: How long a request may wait on the database unless ``MONGO_URI`` names its own bounds: a paused,
#: failing-over or unreachable server gives a 503 (``database-unavailable``), never a request that hangs.
DEFAULT_TIMEOUTS_MS = {"serverSelectionTimeoutMS": 5_000, "connectTimeoutMS": 5_000, "socketTimeoutMS": 30_000}


def bounded_timeouts(uri: str) -> dict[str, int]:
    """The default timeouts ``uri`` does not set itself (URI options are case-insensitive)."""
    named = {key.lower() for key, _ in parse_qsl(urlsplit(uri).query)}
    return {key: value for key, value in DEFAULT_TIMEOUTS_MS.items() if key.lower() not in named}


def connect_database(*, alias: str, db_name: str, uri: str | None) -> Database:
    """(Re)register ``alias`` on ``db_name`` and return the pymongo database.

    Re-registering drops the previous client of that alias, so every bootstrap gets a fresh
    in-memory database under mongomock; with a real server it reconnects to the same data.
    A real server's client reports every command to ``db_commands.COMMANDS`` (queries per request).
    """
    mongoengine.disconnect(alias)
    if uri:
        mongoengine.connect(db=db_name, alias=alias, host=uri, tz_aware=True, uuidRepresentation="standard", connect=False,
                            event_listeners=[COMMANDS], **bounded_timeouts(uri))
    else:
        import mongomock

        mongoengine.connect(
            db=db_name, alias=alias, host="mongodb://localhost", mongo_client_class=mongomock.MongoClient, tz_aware=True, uuidRepresentation="standard"
        )
        db = get_db(alias)
        db.client.drop_database(db_name)  # mongoengine may share one mock client between aliases
        return get_db(alias)
    return get_db(alias)


def ensure_indexes(*document_classes: type[mongoengine.Document]) -> None:
    """Create the indexes each document declares, sending each ``createIndexes`` once.

    mongoengine already creates a document's indexes when its collection is first opened after a
    (re)connect (``auto_create_index``); calling its ``ensure_indexes`` on an unopened document
    opens it (creating them) and then sends every one again. So an unopened document is only
    opened; one already open is asked again (cheap when they exist).
    """
    for cls in document_classes:
        if getattr(cls, "_collection", None) is None and cls._meta.get("auto_create_index", True):
            cls._get_collection()
        else:
            cls.ensure_indexes()


def mongo_check(db: Database) -> Callable[[], None]:
    """A readiness check that pings the database."""

    def check() -> None:
        db.command("ping")

    return check
