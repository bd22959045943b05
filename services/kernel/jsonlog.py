"""JSON logs, one object per line, carrying the request id; secrets never logged."""
from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone
from functools import lru_cache

_REDACT = ("authorization", "password", "secret", "token", "pin", "cookie")


@lru_cache(maxsize=1024)
def _redacted(key: str) -> bool:
    """Whether a field of this name is never logged (field names come from code: few, cached)."""
    lowered = key.lower()
    return any(s in lowered for s in _REDACT)


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        from .context import current_request_id

        out = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        try:
            rid = current_request_id()
        except RuntimeError:
            rid = None
        if rid:
            out["request_id"] = rid
        for key, value in getattr(record, "fields", {}).items():
            out[key] = "[redacted]" if _redacted(key) else value
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def configure_logging(service: str, *, level: str = "INFO", json_format: bool = True) -> None:
    """Route the root logger to stderr, as JSON unless told otherwise (idempotent)."""
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "_hoso", False):
            root.removeHandler(h)
    handler = logging.StreamHandler(sys.stderr)
    handler._hoso = True  # type: ignore[attr-defined]
    handler.setFormatter(JsonFormatter(service) if json_format else logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(level)
    # neither format shows the caller's file and line, threads or processes: skip collecting them
    # on every record (the logging HOWTO's "Optimization"); the gateway logs every request
    logging._srcfile = None  # type: ignore[attr-defined]
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    logging.getLogger("werkzeug").setLevel("WARNING")
    logging.getLogger("waitress").setLevel("WARNING")
