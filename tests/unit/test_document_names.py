"""mongoengine keeps one registry of document classes by name for the whole process: in all-in-one mode two
services declaring the same class name would point one of them at the other's database."""
from __future__ import annotations

import importlib
from collections import Counter

import mongoengine

from infra.allinone import SERVICES


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


def test_document_class_names_are_unique_across_services():
    for svc in SERVICES:
        importlib.import_module(f"services.{svc}.bootstrap")
    concrete = {c for c in _all_subclasses(mongoengine.Document) if not c._meta.get("abstract") and c.__module__.startswith("services.")}
    assert {c.__module__.split(".")[1] for c in concrete} >= set(SERVICES)
    names = Counter(c.__name__ for c in concrete)
    assert [n for n, count in names.items() if count > 1] == []
