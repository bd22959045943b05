"""Flask application factory of the identity service."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from services.kernel.api import Api
from services.kernel.jsonlog import configure_logging
from services.kernel.web import make_service_app

from ..bootstrap import Container, bootstrap
from ..problem_codes import PROBLEM_CODES
from .api import api_blueprint
from .federation_api import federation_api_blueprint
from .federation_pages import federation_pages_blueprint
from .invitation_pages import invitation_pages_blueprint
from .oauth import build_server, oauth_blueprint
from .pages import pages_blueprint


def create_app(config: Mapping[str, Any] | None = None, *, container: Container | None = None) -> Flask:
    container = container or bootstrap(config)
    settings = container.settings
    configure_logging("identity", level=settings.log_level, json_format=settings.log_json)
    api = Api(title="HoSo identity", description="Đăng nhập một lần, cây tổ chức, tài khoản, vai trò và ủy quyền.",
              problem_codes=PROBLEM_CODES)
    app = make_service_app(
        name="identity", verifier=container.runtime.verifier, api=api,
        blueprints=[api_blueprint(container, api), federation_api_blueprint(container, api), pages_blueprint(container), invitation_pages_blueprint(container),
                    federation_pages_blueprint(container)],
        readiness=container.runtime.readiness(),
        db_commands_header=container.settings.mode != "production",
    )
    server = build_server(app, container)
    app.register_blueprint(oauth_blueprint(container, server))
    app.extensions["hoso.container"] = container
    return app
