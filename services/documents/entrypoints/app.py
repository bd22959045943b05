"""Flask application factory of the documents service."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from services.kernel.api import Api
from services.kernel.jsonlog import configure_logging
from services.kernel.web import make_service_app

from ..bootstrap import Container, bootstrap
from ..problem_codes import PROBLEM_CODES
from .http import documents_blueprint
from .resumable import uploads_blueprint

STREAMING = ("/api/v1/documents/", "/api/v1/internal/", "/api/v1/uploads/")


def create_app(config: Mapping[str, Any] | None = None, *, container: Container | None = None) -> Flask:
    container = container or bootstrap(config)
    configure_logging("documents", level=container.settings.log_level, json_format=container.settings.log_json)
    api = Api(title="HoSo documents", description="Danh mục hồ sơ, thư mục, tệp và phiên bản, khóa sổ, xuất hồ sơ.",
              problem_codes=PROBLEM_CODES)
    app = make_service_app(
        name="documents",
        verifier=container.runtime.verifier,
        api=api,
        blueprints=[documents_blueprint(container, api), uploads_blueprint(container, api)],
        readiness=container.runtime.readiness(),
        db_commands_header=container.settings.mode != "production",
        streaming_paths=STREAMING,
    )
    app.extensions["hoso.container"] = container
    return app
