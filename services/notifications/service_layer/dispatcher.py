"""The one path from a ``Notice`` to the person: the inbox at once, the push channels by record.

Every producer of notices (event handlers, reminders, digests, reports) hands them to
``Dispatcher.dispatch``; nothing else writes to the inbox or sends anything. ``dispatch``
writes the inbox and opens one pending delivery record per push channel the person (or the
school, for webhooks) wants; ``deliver_due`` (a scheduler job, safe on several replicas) sends
the due ones, retrying with backoff until they are sent or dead. A notice reaches each person
once per key and channel, however often it is handed over.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from services.kernel.clock import Clock
from services.kernel.ids import new_id

from ..adapters.channels import Channel as ChannelPort
from ..adapters.channels import DeliveryFailed
from ..adapters.channels.inbox import InboxChannel
from ..adapters.deliveries import DeliveryDoc, DeliveryStore
from ..adapters.people import PeopleDirectory, RecipientDoc, RecipientSchoolDoc
from ..adapters.preferences import PreferencesRepository
from ..adapters.webhooks import WebhookTargets
from ..domain import quiet_hours
from ..domain.delivery import Channel, State, after_failure
from ..domain.notices import Notice


@dataclass(frozen=True)
class Place:
    """The recipient's school and its district and province: the tenant fields of their delivery records."""

    school: str
    district: str
    province: str | None


@dataclass(frozen=True)
class Route:
    """One push delivery to open: the channel, its address and (webhooks) the subscription."""

    channel: Channel
    address: str
    target: str = ""


class Dispatcher:
    """Delivers notices to the inbox and queues them on the push channels people chose."""

    def __init__(self, *, clock: Clock, channels: Mapping[str, ChannelPort], deliveries: DeliveryStore,
                 people: PeopleDirectory, preferences: PreferencesRepository, webhooks: WebhookTargets,
                 lease: timedelta = timedelta(minutes=5)) -> None:
        self._clock = clock
        self._inbox = InboxChannel(clock=clock)
        self._channels = dict(channels)
        self._deliveries, self._people, self._prefs, self._webhooks = deliveries, people, preferences, webhooks
        self._lease = lease

    # ----- handing over -----------------------------------------------------------------------------
    def dispatch(self, notices: Iterable[Notice]) -> int:
        """Deliver each notice that is new for its recipient; returns how many were new."""
        created = 0
        notices = list(notices)
        people = self._people.people({n.recipient for n in notices})  # one read for the whole hand-over
        places: dict[str, RecipientSchoolDoc | None] = {}
        hooks: dict[tuple[str, str], list[str]] = {}
        for notice in notices:
            now = self._clock.now()
            person = people.get(notice.recipient)
            school = notice.school or (person.school if person else None)
            if school and school not in places:
                places[school] = self._people.school(school)
            place = places.get(school) if school else None
            district = place.district_id if place else (person.district if person and school == person.school else None)
            where = Place(school=school or "", district=district or "", province=place.province_id if place else None)
            due = quiet_hours.send_at(max(now, notice.not_before or now), notice.kind)
            for route in self._routes(notice, person, school, hooks):
                self._deliveries.open(self._record(notice, where, route, State.PENDING, now, due))
            self._inbox.send(notice, notice.recipient)
            inbox = self._record(notice, where, Route(Channel.INBOX, notice.recipient), State.SENT, now, None)
            inbox.sent_at = now
            created += self._deliveries.open(inbox)
        return created

    def _routes(self, notice: Notice, person: RecipientDoc | None, school: str | None,
                hooks: dict[tuple[str, str], list[str]]) -> list[Route]:
        """The push channels this notice goes to: the person's choices, then the school's webhooks
        (``hooks`` keeps each school's subscriptions per kind for one hand-over)."""
        if person is not None and not person.active:
            return []
        prefs = self._prefs.get(notice.recipient)
        routes: list[Route] = []
        email = notice.data.get("email") or (person.email if person else None)
        if email and prefs.wants(notice.kind, Channel.EMAIL):
            routes.append(Route(Channel.EMAIL, str(email)))
        if prefs.zalo_phone and prefs.wants(notice.kind, Channel.ZALO):
            routes.append(Route(Channel.ZALO, prefs.zalo_phone))
        if school:
            wanted = (school, notice.kind.value)
            if wanted not in hooks:
                hooks[wanted] = self._webhooks.for_school(school, notice.kind.value)
            routes += [Route(Channel.WEBHOOK, sub, sub) for sub in hooks[wanted]]
        return [r for r in routes if r.channel.value in self._channels]

    @staticmethod
    def _record(notice: Notice, where: Place, route: Route, state: State, now: datetime,
                due: datetime | None) -> DeliveryDoc:
        return DeliveryDoc(
            id=new_id(), key=notice.key, recipient=notice.recipient, channel=route.channel.value, target=route.target,
            address=route.address, kind=notice.kind.value, title=notice.title, body=notice.body, link=notice.link,
            state=state.value, next_attempt_at=due, created_at=now, tenant_id=where.school,
            district_id=where.district, province_id=where.province)

    # ----- the scheduler job --------------------------------------------------------------------------
    def deliver_due(self, *, limit: int = 500) -> int:
        """Send due push deliveries (at most ``limit``); returns how many were sent."""
        sent = 0
        for _ in range(limit):
            now = self._clock.now()
            doc = self._deliveries.claim(now, self._lease)
            if doc is None:
                break
            sent += self._attempt(doc, now)
        return sent

    def _attempt(self, doc: DeliveryDoc, now: datetime) -> bool:
        notice = doc.notice()
        opens = quiet_hours.send_at(now, notice.kind)
        if opens > _aware(now):  # became due just before the night and was claimed in it
            self._deliveries.hold(doc, opens)
            return False
        channel = self._channels.get(doc.channel)
        try:
            if channel is None:
                raise DeliveryFailed(f"Kênh {doc.channel} không được cấu hình", permanent=False)
            channel.send(notice, doc.address)
        except DeliveryFailed as failure:
            retry = after_failure(doc.attempts, now, permanent=failure.permanent)
            self._deliveries.failed(doc, failure.reason, quiet_hours.send_at(retry, notice.kind) if retry else None)
            if failure.bad_address:
                self._people.report_undeliverable(doc.recipient, channel=doc.channel, address=doc.address,
                                                  reason=failure.reason)
            return False
        self._deliveries.sent(doc, now)
        return True


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)
