"""A TCP fault proxy for the fault tier: loopback only, threads, bounded.

``FaultProxy(target=(host, port))`` listens on a free loopback port and forwards every
connection to ``target``. On command it adds latency to every message, resets connections
(RST, through ``SO_LINGER`` 0), black-holes (accepts and reads, never answers), cuts every
open connection at once, or passes again. A ``tap`` sees every chunk before it is
forwarded and may drop it and reset the connection: the scenarios use it to act at an
exact protocol step (kill a relay when its publisher confirm arrives, a consumer when it
sends its ack).
"""
from __future__ import annotations

import contextlib
import enum
import select
import socket
import struct
import threading
import time
from collections.abc import Callable
from types import TracebackType

#: what a tap sees: ``"up"`` (client to target) or ``"down"`` (target to client), and the bytes
Tap = Callable[[str, bytes], bool]
CHUNK = 65536
POLL = 0.05


class Mode(str, enum.Enum):
    PASS = "pass"
    LATENCY = "latency"
    RESET = "reset"
    BLACKHOLE = "blackhole"


def _reset(sock: socket.socket) -> None:
    """Close ``sock`` with a TCP RST instead of a FIN."""
    with contextlib.suppress(OSError):  # already closed by the peer: closing below is all that is left
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


class _Link:
    """One proxied connection: the client's socket, the target's (None while black-holed)."""

    def __init__(self, client: socket.socket, upstream: socket.socket | None) -> None:
        self.client = client
        self.upstream = upstream
        self.closed = threading.Event()

    def close(self, *, rst: bool) -> None:
        if self.closed.is_set():
            return
        self.closed.set()
        for sock in (self.client, self.upstream):
            if sock is not None:
                if rst:
                    _reset(sock)
                else:
                    sock.close()


class FaultProxy:
    """Forwards loopback TCP to ``target`` and injects faults on command (see the module docstring)."""

    def __init__(self, *, target: tuple[str, int], max_connections: int = 128, tap: Tap | None = None) -> None:
        if target[0] not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the fault proxy forwards to loopback only")
        self.target = target
        self.max_connections = max_connections
        self.tap = tap
        self._mode = Mode.PASS
        self._latency = 0.0
        self._lock = threading.Lock()
        self._links: set[_Link] = set()
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self._listener.settimeout(POLL)
        self.port: int = self._listener.getsockname()[1]
        self.accepted = 0
        self.refused = 0
        self.faults = 0
        self._acceptor = threading.Thread(target=self._accept_loop, name=f"fault-proxy-{self.port}", daemon=True)
        self._acceptor.start()

    # -- commands ---------------------------------------------------------------------------------
    @property
    def mode(self) -> Mode:
        return self._mode

    def passing(self) -> None:
        """Forward again, without delay."""
        self._mode, self._latency = Mode.PASS, 0.0

    def latency(self, seconds: float) -> None:
        """Delay each message, both ways, by ``seconds``: a chunk arriving after the link was quiet for
        ``seconds`` waits that long; the chunks right behind it follow unthrottled (latency, not bandwidth)."""
        if not 0 < seconds <= 5:
            raise ValueError("latency must be within (0, 5] seconds")
        self._mode, self._latency = Mode.LATENCY, seconds
        self.faults += 1

    def reset(self) -> None:
        """Reset every open connection and every new one until told otherwise."""
        self._mode = Mode.RESET
        self.faults += 1
        self.cut()

    def blackhole(self) -> None:
        """Accept and read, never answer nor forward: open connections go silent too."""
        self._mode = Mode.BLACKHOLE
        self.faults += 1

    def cut(self) -> int:
        """Reset every open connection now (new ones are served as the mode says); how many were cut."""
        with self._lock:
            links = list(self._links)
        for link in links:
            link.close(rst=True)
        return len(links)

    def open_connections(self) -> int:
        with self._lock:
            return sum(1 for link in self._links if not link.closed.is_set())

    def close(self) -> None:
        """Stop accepting, reset what is open and wait for the threads (bounded)."""
        self._stop.set()
        self._acceptor.join(timeout=5)
        self._listener.close()
        self.cut()
        for thread in self._threads:
            thread.join(timeout=5)

    def __enter__(self) -> "FaultProxy":
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    # -- machinery --------------------------------------------------------------------------------
    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._threads = [t for t in self._threads if t.is_alive()]
            if self._mode is Mode.RESET or self.open_connections() >= self.max_connections:
                self.refused += 1
                _reset(client)
                continue
            upstream = None
            if self._mode is not Mode.BLACKHOLE:
                try:
                    upstream = socket.create_connection(self.target, timeout=5)
                except OSError:
                    self.refused += 1
                    _reset(client)
                    continue
            link = _Link(client, upstream)
            with self._lock:
                self._links.add(link)
            self.accepted += 1
            thread = threading.Thread(target=self._pump, args=(link,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _pump(self, link: _Link) -> None:
        """Move bytes both ways until either side closes or a fault ends the link."""
        last = {"up": 0.0, "down": 0.0}  # when each direction last forwarded
        try:
            while not link.closed.is_set() and not self._stop.is_set():
                socks = [s for s in (link.client, link.upstream) if s is not None]
                try:
                    readable, _, _ = select.select(socks, [], [], POLL)
                except (OSError, ValueError):
                    return
                for sock in readable:
                    try:
                        data = sock.recv(CHUNK)
                    except OSError:
                        return
                    if not data:
                        return
                    if self._mode is Mode.BLACKHOLE:
                        continue  # read and forgotten: the peer waits for an answer that never comes
                    direction = "up" if sock is link.client else "down"
                    if self.tap is not None and self.tap(direction, data):
                        self.faults += 1
                        link.close(rst=True)
                        return
                    if self._mode is Mode.LATENCY and time.monotonic() - last[direction] > self._latency:
                        time.sleep(self._latency)
                    last[direction] = time.monotonic()
                    peer = link.upstream if sock is link.client else link.client
                    if peer is None:
                        continue
                    try:
                        peer.sendall(data)
                    except OSError:
                        return
        finally:
            link.close(rst=self._mode is Mode.RESET)
            with self._lock:
                self._links.discard(link)
