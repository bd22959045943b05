"""The fault proxy itself: passes bytes, delays, resets with RST, black-holes, cuts, taps."""
from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator

import pytest

from tests.faults.proxy import FaultProxy, Mode


@pytest.fixture
def echo() -> Iterator[int]:
    """A loopback echo server (one thread per connection, stopped with the test)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.1)
    stop = threading.Event()

    def serve(conn: socket.socket) -> None:
        with conn, contextlib.suppress(ConnectionResetError):  # the proxy resets on purpose
            while data := conn.recv(65536):
                conn.sendall(data)

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join(timeout=5)
    server.close()


def connect(proxy: FaultProxy, timeout: float = 2.0) -> socket.socket:
    return socket.create_connection(("127.0.0.1", proxy.port), timeout=timeout)


def is_reset(sock: socket.socket | None = None, proxy: FaultProxy | None = None) -> bool:
    """Whether the peer reset the connection (RST) on the next exchange; opens one when given a proxy."""
    try:
        sock = sock or connect(proxy)  # type: ignore[arg-type]
        with sock:
            sock.sendall(b"?")
            sock.recv(10)  # an answer or an orderly close (FIN): not a reset
            return False
    except ConnectionResetError:
        return True


def roundtrip(sock: socket.socket, data: bytes) -> bytes:
    sock.sendall(data)
    got = b""
    while len(got) < len(data):
        piece = sock.recv(65536)
        if not piece:
            break
        got += piece
    return got


def test_passes_bytes_both_ways(echo: int) -> None:
    with FaultProxy(target=("127.0.0.1", echo)) as proxy, connect(proxy) as sock:
        payload = bytes(range(256)) * 1000
        assert roundtrip(sock, payload) == payload
        assert proxy.mode is Mode.PASS and proxy.accepted == 1


def test_latency_delays_and_still_delivers(echo: int) -> None:
    with FaultProxy(target=("127.0.0.1", echo)) as proxy, connect(proxy) as sock:
        proxy.latency(0.05)
        assert roundtrip(sock, b"ping") == b"ping"
        assert proxy.mode is Mode.LATENCY and proxy.faults == 1
        with pytest.raises(ValueError):
            proxy.latency(60)


def test_reset_sends_rst_to_open_and_new_connections(echo: int) -> None:
    with FaultProxy(target=("127.0.0.1", echo)) as proxy, connect(proxy) as sock:
        assert roundtrip(sock, b"a") == b"a"
        proxy.reset()
        assert is_reset(sock)
        assert is_reset(proxy=proxy)
        proxy.passing()
        with connect(proxy) as healed:
            assert roundtrip(healed, b"d") == b"d"


def test_blackhole_accepts_reads_and_never_answers(echo: int) -> None:
    with FaultProxy(target=("127.0.0.1", echo)) as proxy:
        proxy.blackhole()
        with connect(proxy, timeout=0.3) as sock:
            sock.sendall(b"hello?" * 1000)
            with pytest.raises(TimeoutError):
                sock.recv(10)
        proxy.passing()
        with connect(proxy) as sock:
            assert roundtrip(sock, b"back") == b"back"


def test_cut_resets_every_open_connection_and_serves_new_ones(echo: int) -> None:
    with FaultProxy(target=("127.0.0.1", echo)) as proxy:
        socks = [connect(proxy) for _ in range(3)]
        for sock in socks:
            assert roundtrip(sock, b"x") == b"x"
        assert proxy.cut() == 3
        assert all(is_reset(sock) for sock in socks)
        with connect(proxy) as sock:
            assert roundtrip(sock, b"z") == b"z"


def test_connections_are_bounded(echo: int) -> None:
    with FaultProxy(target=("127.0.0.1", echo), max_connections=2) as proxy:
        first, second = connect(proxy), connect(proxy)
        assert roundtrip(first, b"1") == b"1" and roundtrip(second, b"2") == b"2"
        assert is_reset(proxy=proxy)
        assert proxy.refused == 1
        first.close()
        second.close()


def test_a_tap_drops_a_chunk_and_resets_the_link(echo: int) -> None:
    seen: list[tuple[str, bytes]] = []

    def tap(direction: str, data: bytes) -> bool:
        seen.append((direction, data))
        return b"STOP" in data

    with FaultProxy(target=("127.0.0.1", echo), tap=tap) as proxy, connect(proxy) as sock:
        assert roundtrip(sock, b"go") == b"go"
        sock.sendall(b"STOP")
        with pytest.raises(ConnectionResetError):
            sock.recv(10)
        assert seen[:2] == [("up", b"go"), ("down", b"go")] and seen[-1] == ("up", b"STOP")


def test_only_loopback_targets() -> None:
    with pytest.raises(ValueError):
        FaultProxy(target=("10.0.0.1", 80))
