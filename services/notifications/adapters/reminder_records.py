"""Which reminder stages were handed to the dispatcher, and who opted in to digests.

A stage's key (``reminder:{obligation}:{stage}:{due_at}``) is recorded once it was dispatched,
so a later run skips it with one ``$in`` read per page; the dispatcher's unique (recipient, key)
keeps it once even when two replicas run at the same instant.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, ClassVar

import mongoengine
from mongoengine import BooleanField, DateTimeField, StringField
from pymongo.errors import BulkWriteError


class SentStageDoc(mongoengine.Document):
    meta: ClassVar[dict[str, Any]] = {"db_alias": "notifications", "collection": "reminder_stages",
                                      "indexes": [("at",)]}
    id = StringField(primary_key=True)  # the stage's key
    obligation = StringField(required=True)
    stage = StringField(required=True)
    at = DateTimeField(required=True)


class SentStages:
    """The stages already dispatched (a system record: keys name obligations, not people)."""

    def sent(self, keys: Iterable[str]) -> set[str]:
        """Which of ``keys`` were already dispatched (one read)."""
        wanted = list(keys)
        if not wanted:
            return set()
        return {d["_id"] for d in SentStageDoc._get_collection().find({"_id": {"$in": wanted}}, {"_id": 1})}

    def record(self, rows: Iterable[tuple[str, str, str]], at: datetime) -> None:
        """Record (key, obligation, stage) rows in one write; a row another replica wrote first is kept."""
        docs = [{"_id": k, "obligation": o, "stage": s, "at": at} for k, o, s in rows]
        if not docs:
            return
        try:
            SentStageDoc._get_collection().insert_many(docs, ordered=False)
        except BulkWriteError as exc:
            if any(e.get("code") != 11000 for e in exc.details.get("writeErrors", [])):
                raise


    def forget_before(self, at: datetime) -> None:
        """Drop records older than ``at`` (on the job's clock): stages of due times the feed no longer lists."""
        SentStageDoc._get_collection().delete_many({"at": {"$lt": at}})


class DigestPrefDoc(mongoengine.Document):
    """A person's opt-in to the daily (principal) or weekly (district inspector) progress digest."""

    meta: ClassVar[dict[str, Any]] = {"db_alias": "notifications", "collection": "digest_prefs",
                                      "indexes": [("daily",), ("weekly",)]}
    id = StringField(primary_key=True)  # the person
    school = StringField(null=True)  # the principal's school
    district = StringField(null=True)  # the inspector's district
    daily = BooleanField(default=False)
    weekly = BooleanField(default=False)
    set_at = DateTimeField()


class DigestPrefs:
    """Digest opt-ins; a person reads and writes only their own."""

    def get(self, person: str) -> DigestPrefDoc | None:
        return DigestPrefDoc.objects(id=person).first()

    def put(self, person: str, *, school: str | None, district: str | None, daily: bool, weekly: bool,
            at: datetime) -> DigestPrefDoc:
        DigestPrefDoc.objects(id=person).update_one(upsert=True, set__school=school, set__district=district,
                                                    set__daily=daily, set__weekly=weekly, set__set_at=at)
        return DigestPrefDoc.objects.get(id=person)

    def daily(self) -> list[DigestPrefDoc]:
        return list(DigestPrefDoc.objects(daily=True, school__ne=None))

    def weekly(self) -> list[DigestPrefDoc]:
        return list(DigestPrefDoc.objects(weekly=True, district__ne=None))
