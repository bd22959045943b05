"""Start the outside OpenID Connect provider of the federated sign-in tests (``server.mjs``:
panva/oidc-provider on node, loopback only) and stop it again.

``npm ci`` installs the pinned ``package-lock.json`` into ``node_modules`` here the first time.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
READY_TIMEOUT_SECONDS = 30.0


class OutsideOidcUnavailable(RuntimeError):
    """node or npm is missing, or the provider did not start."""


def ensure_installed() -> None:
    """Install the provider's node packages when they are missing (``npm ci``, the lock file)."""
    if (HERE / "node_modules" / "oidc-provider" / "package.json").exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise OutsideOidcUnavailable("npm is not installed")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--silent"], cwd=HERE, check=True, timeout=300)


class OutsideOidc:
    """The provider as a child process: ``issuer`` once started; ``stop()`` ends it."""

    def __init__(self, *, port: int, clients: Sequence[Mapping[str, Any]], accounts: Mapping[str, Mapping[str, Any]]) -> None:
        self.port = port
        self.issuer = f"http://127.0.0.1:{port}"
        self._clients = list(clients)
        self._accounts = dict(accounts)
        self._process: subprocess.Popen[str] | None = None
        self.output: list[str] = []

    def start(self) -> "OutsideOidc":
        """Start node and wait until it listens (its first output line)."""
        ensure_installed()
        node = shutil.which("node")
        if node is None:
            raise OutsideOidcUnavailable("node is not installed")
        env = {**os.environ, "NODE_ENV": "test", "OUTSIDE_OIDC_PORT": str(self.port), "OUTSIDE_OIDC_ISSUER": self.issuer,
               "OUTSIDE_OIDC_CLIENTS": json.dumps(self._clients), "OUTSIDE_OIDC_ACCOUNTS": json.dumps(self._accounts)}
        self._process = subprocess.Popen([node, str(HERE / "server.mjs")], cwd=HERE, env=env, text=True,
                                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        ready = threading.Event()

        def read() -> None:
            assert self._process is not None and self._process.stdout is not None
            for line in self._process.stdout:
                self.output.append(line.rstrip())
                if "outside-oidc listening" in line:
                    ready.set()

        threading.Thread(target=read, daemon=True).start()
        if not ready.wait(READY_TIMEOUT_SECONDS):
            self.stop()
            raise OutsideOidcUnavailable("the outside provider did not start: " + " | ".join(self.output[-10:]))
        return self

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
        self._process = None

    def __enter__(self) -> "OutsideOidc":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
