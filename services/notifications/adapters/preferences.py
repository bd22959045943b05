"""Stored channel choices: one document per person, only the cells they changed."""
from __future__ import annotations

from typing import Any, ClassVar

import mongoengine
from mongoengine import DictField, StringField

from ..domain.delivery import Channel
from ..domain.notices import Kind
from ..domain.preferences import Preferences


class PreferencesDoc(mongoengine.Document):
    meta: ClassVar[dict[str, Any]] = {"db_alias": "notifications", "collection": "preferences"}

    id = StringField(primary_key=True)
    #: ``{"<kind>:<channel>": bool}``
    choices = DictField()
    zalo_phone = StringField()


class PreferencesRepository:
    """Preferences by person id; a person without a document has the defaults."""

    def get(self, person: str) -> Preferences:
        doc = PreferencesDoc.objects(id=person).first()
        if doc is None:
            return Preferences(person=person)
        choices: dict[tuple[Kind, Channel], bool] = {}
        for cell, on in (doc.choices or {}).items():
            kind, _, channel = cell.partition(":")
            if kind in Kind._value2member_map_ and channel in Channel._value2member_map_:
                choices[(Kind(kind), Channel(channel))] = bool(on)
        return Preferences(person=person, choices=choices, zalo_phone=doc.zalo_phone)

    def save(self, prefs: Preferences) -> None:
        cells = {f"{k.value}:{c.value}": on for (k, c), on in prefs.choices.items()}
        PreferencesDoc.objects(id=prefs.person).update_one(upsert=True, set__choices=cells,
                                                           set__zalo_phone=prefs.zalo_phone)
