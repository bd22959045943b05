"""The documents service as its own process: ``gunicorn 'services.documents.entrypoints.serve:app()'``.

Settings come from the environment. With ``HOSO_DOCUMENTS_DEMO_SEED=true`` the demo
district is seeded at start (useful with the in-process mongomock database, which
lives and dies with the worker).
"""
from __future__ import annotations

from flask import Flask

from ..bootstrap import bootstrap
from .app import create_app
from .demo import seed_demo


def app() -> Flask:
    """Application factory for gunicorn (called in each worker, after the fork)."""
    container = bootstrap()
    if container.settings.demo_seed:
        seed_demo(container)
    return create_app(container=container)
