"""What each reading service knows of inspection campaigns, so a change takes effect at once.

A campaign's team reads through the ``grants`` entry of their access tokens
(``principal.CampaignGrant``). A token outlives a change: a member removed from the team, an end
brought forward or a campaign closed early would otherwise keep reading until the token expires.
Each service that serves campaign reads therefore keeps ``CampaignStates``: one document per
campaign in its own database (collection ``campaign_states``), fed by identity's
``identity.campaign.opened/changed/closed`` events through the service's own consumer, and
consulted by ``tenancy.grant_cross_tenant`` before it honours a grant.

A campaign whose event has not arrived yet is unknown: the token's grant is trusted as before
(it is signed by identity and ends by itself at its ``until``). Events are applied in the order
they occurred, so a late ``opened`` never revives a closed campaign.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from pymongo import ASCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from services.identity.events import CAMPAIGN_CHANGED, CAMPAIGN_CLOSED, CAMPAIGN_OPENED, Campaign

from .errors import ValidationFailed
from .events import Event
from .messaging import HandlerTable, reads
from .principal import CampaignGrant

COLLECTION = "campaign_states"
_FIELDS = ("campaign", "name", "head", "head_name", "team", "until", "closed_at")


def _moment(value: str, field: str) -> datetime:
    """An ISO 8601 time with its offset; an event without one is refused (and dead-lettered)."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(f"Thời điểm không hợp lệ: {value!r}.", field=field) from None
    if moment.tzinfo is None:
        raise ValidationFailed(f"Thời điểm thiếu múi giờ: {value!r}.", field=field)
    return moment


class CampaignStates:
    """The campaigns as identity last published them, in one service's database."""

    def __init__(self, *, db: Database, collection: str = COLLECTION) -> None:
        self._states = db[collection]
        self._states.create_index([("occurred_at", ASCENDING)])

    @reads(CAMPAIGN_OPENED, *_FIELDS)
    @reads(CAMPAIGN_CHANGED, *_FIELDS)
    @reads(CAMPAIGN_CLOSED, *_FIELDS)
    def apply(self, event: Event, data: Campaign) -> None:
        """Keep the campaign as the event states it, unless a later event was already applied."""
        occurred = _moment(event.occurred_at, "occurred_at")
        state: dict[str, Any] = {"name": data.name, "head": data.head, "head_name": data.head_name,
                                 "team": [m.person for m in data.team], "until": _moment(data.until, "until"),
                                 "closed_at": _moment(data.closed_at, "closed_at") if data.closed_at else None,
                                 "occurred_at": occurred}
        try:
            self._states.update_one({"_id": data.campaign, "occurred_at": {"$lte": occurred}}, {"$set": state},
                                    upsert=True)
        except DuplicateKeyError:  # a later event of this campaign is already kept: this one is stale
            return

    def handlers(self) -> HandlerTable:
        """The handler table of a service's campaign consumer."""
        return {spec.type: self.apply for spec in (CAMPAIGN_OPENED, CAMPAIGN_CHANGED, CAMPAIGN_CLOSED)}

    def name_of(self, campaign: str) -> str | None:
        """The campaign's name as identity last published it; None before its first event arrives."""
        state = self._states.find_one({"_id": campaign}, {"name": 1})
        return state.get("name") if state else None

    def still_holds(self, grant: CampaignGrant, person: str, now: datetime) -> bool:
        """False when the campaign is known to be closed, to have ended, or to no longer count
        ``person`` on its team; True otherwise (an unknown campaign trusts the token)."""
        state = self._states.find_one({"_id": grant.campaign}, {"team": 1, "until": 1, "closed_at": 1})
        if state is None:
            return True
        until = state["until"]
        if until.tzinfo is None:  # a client that is not tz-aware hands back UTC without its offset
            until = until.replace(tzinfo=timezone.utc)
        return state.get("closed_at") is None and person in state.get("team", ()) and now < until
