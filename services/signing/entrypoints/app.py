"""Flask application factory of the signing service."""
from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask

from services.kernel.api import Api
from services.kernel.jsonlog import configure_logging
from services.kernel.web import make_service_app

from ..bootstrap import Container, bootstrap
from ..problem_codes import PROBLEM_CODES
from .http import signing_blueprint
from .verify_page import verify_page_blueprint


def create_app(config: Mapping[str, Any] | None = None, *, container: Container | None = None) -> Flask:
    container = container or bootstrap(config)
    configure_logging("signing", level=container.settings.log_level, json_format=container.settings.log_json)
    logging.getLogger("fontTools").setLevel(logging.WARNING)  # it logs every glyph of the stamp font at INFO
    api = Api(title="HoSo signing", description="Chữ ký số PAdES, ký hàng loạt, tra cứu và thu hồi.",
              problem_codes=PROBLEM_CODES)
    app = make_service_app(
        name="signing",
        verifier=container.runtime.verifier,
        api=api,
        blueprints=[signing_blueprint(container, api), verify_page_blueprint(container)],
        readiness=container.runtime.readiness(),
        db_commands_header=container.settings.mode != "production",
        streaming_paths=("/api/v1/verify", "/verify"),
    )
    app.extensions["hoso.container"] = container
    return app
