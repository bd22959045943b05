"""Broker URLs written the kombu way reach the same virtual host through pika."""
from __future__ import annotations

import pytest

from infra.topology.broker import pika_parameters


@pytest.mark.parametrize(
    ("url", "vhost"),
    [
        ("amqp://guest:guest@127.0.0.1:5672//", "/"),
        ("amqp://guest:guest@127.0.0.1:5672/", "/"),
        ("amqp://guest:guest@127.0.0.1:5672", "/"),
        ("amqp://guest:guest@127.0.0.1:5672/%2F", "/"),
        ("amqp://hoso:s%40cret@rabbitmq:5672/hoso", "hoso"),
    ],
)
def test_virtual_host_and_credentials(url: str, vhost: str) -> None:
    parameters = pika_parameters(url, timeout=1.5)
    assert parameters.virtual_host == vhost
    assert parameters.socket_timeout == 1.5
    assert parameters.connection_attempts == 1


def test_credentials_are_decoded() -> None:
    parameters = pika_parameters("amqp://hoso:s%40cret@rabbitmq:5672//")
    assert (parameters.host, parameters.port) == ("rabbitmq", 5672)
    assert (parameters.credentials.username, parameters.credentials.password) == ("hoso", "s@cret")
