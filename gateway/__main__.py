"""Run the gateway alone for local use: ``python -m gateway [--host H] [--port P]``.

Settings come from the environment (``HOSO_IDENTITY_URL`` ... ``HOSO_NOTIFICATIONS_URL``);
production runs it under gunicorn with ``python -m infra.production --target gateway``.
"""
from __future__ import annotations

import argparse
import sys

from waitress import serve

from gateway.app import create_app
from services.kernel.jsonlog import configure_logging
from services.kernel.settings import SettingsError


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m gateway", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--threads", type=int, default=16)
    args = parser.parse_args(argv)
    try:
        app = create_app()
    except SettingsError as exc:
        sys.exit(f"error: {exc}")
    configure_logging("gateway", level=app.settings.log_level, json_format=app.settings.log_json)
    serve(app, host=args.host, port=args.port, threads=args.threads)


if __name__ == "__main__":
    main()
