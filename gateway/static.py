"""The web app's static files: safe lookup, exact content types, revalidated caching.

The web app has no build step, so its file names carry no content hash: every file is sent
with ``Cache-Control: no-cache`` plus an ETag and Last-Modified, so browsers keep a copy and
ask with a cheap conditional request (answered 304) instead of running stale code after a
deployment. Paths without a file extension that match no file are app routes and get
``index.html`` (the app's router takes over in the browser).
"""
from __future__ import annotations

import mimetypes
import os
from pathlib import Path

from werkzeug.security import safe_join
from werkzeug.utils import send_file
from werkzeug.wrappers import Response

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/vnd.microsoft.icon",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".txt": "text/plain; charset=utf-8",
    ".map": "application/json",
}


def content_type(path: str) -> str:
    """The Content-Type for a file name (explicit for web types, independent of /etc/mime.types)."""
    suffix = os.path.splitext(path)[1].lower()
    if suffix in CONTENT_TYPES:
        return CONTENT_TYPES[suffix]
    guessed, _ = mimetypes.guess_type(path)
    return guessed or "application/octet-stream"


class StaticFiles:
    """Serves files under ``root``; returns None when a path is neither a file nor an app route."""

    def __init__(self, *, root: str) -> None:
        self._root = str(Path(root).resolve())

    def response(self, path: str, environ: dict) -> Response | None:
        relative = path.lstrip("/") or "index.html"
        candidate = safe_join(self._root, relative)
        if candidate is None:
            return None
        if os.path.isdir(candidate):
            candidate = os.path.join(candidate, "index.html")
        if not os.path.isfile(candidate):
            if os.path.splitext(relative)[1]:
                return None
            candidate = os.path.join(self._root, "index.html")
            if not os.path.isfile(candidate):
                return None
        response = send_file(candidate, environ, conditional=True, etag=True)
        response.headers["Content-Type"] = content_type(candidate)
        response.headers["Cache-Control"] = "no-cache"
        return response
