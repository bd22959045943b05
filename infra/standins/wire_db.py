"""A MongoDB-wire-compatible server on this machine: SecantusDB (PyPI, on WiredTiger).

No MongoDB server can be installed here, so the suite, the benchmarks and local production
mode talk to SecantusDB over the MongoDB wire protocol. It lives in its own virtualenv
(``.wire-venv``; GPL-2.0 and beta, it is kept out of the product's dependencies) and runs as
its own process. What it does not prove: replication, elections and majority write concern
(it is one node that reports itself primary of a one-member set).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

from infra.allinone import free_port

ROOT = Path(__file__).resolve().parents[2]
WIRE_VENV = ROOT / ".wire-venv"
SECANTUS = "secantusdb==0.7.0b3"
#: SecantusDB's daemon with its retryable-write bookkeeping made constant-cost (see that file)
SERVE_SCRIPT = Path(__file__).resolve().with_name("secantus_serve.py")


def server_command(*, as_shipped: bool = False) -> list[str]:
    """The command that runs the server from ``.wire-venv`` (installed on first use); flags follow it.

    ``as_shipped`` runs SecantusDB's own launcher, without ``secantus_serve.py``'s fixes (the
    benchmark's reference).
    """
    python = WIRE_VENV / "bin" / "python"
    launcher = WIRE_VENV / "bin" / "secantusd-py"
    if not launcher.exists():
        subprocess.run([sys.executable, "-m", "venv", str(WIRE_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", SECANTUS], check=True)
    return [str(launcher)] if as_shipped else [str(python), "-I", str(SERVE_SCRIPT)]


class WireDatabase:
    """One SecantusDB server process on loopback; ``uri`` is what ``MONGO_URI`` should say (``as_shipped``: see ``server_command``)."""

    def __init__(self, *, storage: str | os.PathLike[str] | None = None, port: int | None = None,
                 log_path: str | os.PathLike[str] | None = None, as_shipped: bool = False) -> None:
        self.as_shipped = as_shipped
        self.storage = Path(storage) if storage else Path(tempfile.mkdtemp(prefix="hoso-wiredb-"))
        self.port = port or free_port()
        self.log_path = Path(log_path) if log_path else self.storage.parent / f"{self.storage.name}.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/?directConnection=true"

    def start(self, *, timeout: float = 60.0) -> "WireDatabase":
        """Start the server and return once it answers ``ping``."""
        with open(self.log_path, "ab") as log:
            self._process = subprocess.Popen(
                [*server_command(as_shipped=self.as_shipped), "--host", "127.0.0.1", "--port", str(self.port), "--storage-path", str(self.storage),
                 "--log-level", "WARNING"], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self._wait_ready(timeout)
        return self

    def _wait_ready(self, timeout: float) -> None:
        import pymongo

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise RuntimeError(f"the wire database exited with {self._process.returncode}; see {self.log_path}")
            try:
                client = pymongo.MongoClient(self.uri, serverSelectionTimeoutMS=500)
                try:
                    client.admin.command("ping")
                    return
                finally:
                    client.close()
            except pymongo.errors.PyMongoError:
                time.sleep(0.2)
        raise RuntimeError(f"the wire database did not answer on port {self.port} within {timeout:.0f} s")

    def pause(self) -> None:
        """Freeze the server (SIGSTOP): connections stay open and nothing answers."""
        assert self._process is not None
        os.kill(self._process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        assert self._process is not None
        os.kill(self._process.pid, signal.SIGCONT)

    def stop(self) -> None:
        """Stop the server; its data stays in ``storage`` (``start`` again reopens it)."""
        if self._process is None:
            return
        os.kill(self._process.pid, signal.SIGCONT)
        self._process.terminate()
        try:
            self._process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=10)
        self._process = None

    def __enter__(self) -> "WireDatabase":
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


def main() -> None:
    """``python -m infra.standins.wire_db [--port P] [--storage DIR]``: run the server in the foreground."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m infra.standins.wire_db", description=__doc__)
    parser.add_argument("--port", type=int, default=27017)
    parser.add_argument("--storage", default="var/wire-db")
    args = parser.parse_args()
    Path(args.storage).mkdir(parents=True, exist_ok=True)
    command = server_command()
    os.execv(command[0], [*command, "--host", "127.0.0.1", "--port", str(args.port),
                          "--storage-path", str(Path(args.storage).resolve())])


if __name__ == "__main__":
    main()
