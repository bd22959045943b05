"""Flask application factory of the approvals service."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from services.kernel.api import Api
from services.kernel.jsonlog import configure_logging
from services.kernel.web import make_service_app

from ..bootstrap import Container, bootstrap
from ..problem_codes import PROBLEM_CODES
from .http import approvals_blueprint


def create_app(config: Mapping[str, Any] | None = None, *, container: Container | None = None) -> Flask:
    container = container or bootstrap(config)
    configure_logging("approvals", level=container.settings.log_level, json_format=container.settings.log_json)
    api = Api(title="HoSo approvals", description="Quy chế, lịch năm học, hạn nộp, nộp và duyệt hồ sơ, sửa dữ liệu, tiến độ.",
              problem_codes=PROBLEM_CODES)
    app = make_service_app(
        name="approvals",
        verifier=container.runtime.verifier,
        api=api,
        blueprints=[approvals_blueprint(container, api)],
        readiness=container.runtime.readiness(),
        db_commands_header=container.settings.mode != "production",
    )
    app.extensions["hoso.container"] = container
    return app
