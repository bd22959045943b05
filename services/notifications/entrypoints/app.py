"""Flask application factory of the notifications service."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from services.kernel.api import Api
from services.kernel.jsonlog import configure_logging
from services.kernel.web import make_service_app

from ..bootstrap import Container, bootstrap
from ..problem_codes import PROBLEM_CODES
from .digests_http import digests_blueprint
from .http import admin_blueprint, inbox_blueprint, settings_blueprint


def create_app(config: Mapping[str, Any] | None = None, *, container: Container | None = None) -> Flask:
    container = container or bootstrap(config)
    configure_logging("notifications", level=container.settings.log_level, json_format=container.settings.log_json)
    api = Api(title="HoSo notifications", description="Hộp thư thông báo, e-mail, Zalo, webhook và nhắc việc.",
              problem_codes=PROBLEM_CODES)
    app = make_service_app(
        name="notifications",
        verifier=container.runtime.verifier,
        api=api,
        blueprints=[inbox_blueprint(container, api), settings_blueprint(container, api), admin_blueprint(container, api),
                    digests_blueprint(container, api)],
        readiness=container.runtime.readiness(),
        db_commands_header=container.settings.mode != "production",
    )
    app.extensions["hoso.container"] = container
    return app
