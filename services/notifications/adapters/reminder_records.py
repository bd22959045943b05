"""Which reminder stages were handed to the dispatcher, and who opted in to digests.

A stage's key (``reminder:{obligation}:{stage}:{due_at}``) is recorded once it was dispatched,
with the due time, audience and the stage's time; a later run reads the records of the page's
obligations in one ``$in`` read and tells an audience a stage only when it comes after the latest
one they were told for that due time (so a renumbered or moved offset is not told again). The
dispatcher's unique (recipient, key) keeps a message once when two replicas run at the same instant.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any, ClassVar, NamedTuple

import mongoengine
from mongoengine import BooleanField, DateTimeField, StringField
from pymongo.errors import BulkWriteError


class SentRow(NamedTuple):
    """One stage told: its key, obligation, stage, the due time, audience and the stage's time."""

    key: str
    obligation: str
    stage: str
    due_at: datetime
    audience: str
    stage_at: datetime


class SentStageDoc(mongoengine.Document):
    meta: ClassVar[dict[str, Any]] = {"db_alias": "notifications", "collection": "reminder_stages",
                                      "indexes": [("obligation",), ("at",)]}
    id = StringField(primary_key=True)  # the stage's key
    obligation = StringField(required=True)
    stage = StringField(required=True)
    due_at = DateTimeField(required=True)  # the due time the stage was computed for
    audience = StringField(required=True)  # owner, approver, principal
    stage_at = DateTimeField(required=True)  # when the stage came
    at = DateTimeField(required=True)  # when it was dispatched


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)


class SentStages:
    """The stages already dispatched (a system record: keys name obligations, not people)."""

    def latest(self, obligations: Iterable[str]) -> dict[tuple[str, datetime, str], datetime]:
        """For each (obligation, due time, audience) told already, the time of the latest stage told (one read)."""
        wanted = sorted(set(obligations))
        out: dict[tuple[str, datetime, str], datetime] = {}
        if not wanted:
            return out
        for d in SentStageDoc._get_collection().find({"obligation": {"$in": wanted}},
                                                     {"obligation": 1, "due_at": 1, "audience": 1, "stage_at": 1}):
            k = (d["obligation"], _aware(d["due_at"]), d["audience"])
            out[k] = max(out.get(k, _aware(d["stage_at"])), _aware(d["stage_at"]))
        return out

    def record(self, rows: Iterable[SentRow], at: datetime) -> None:
        """Record the stages told in one write; a row another replica wrote first is kept."""
        docs = [{"_id": r.key, "obligation": r.obligation, "stage": r.stage, "due_at": r.due_at,
                 "audience": r.audience, "stage_at": r.stage_at, "at": at} for r in rows]
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
