"""Connecting to RabbitMQ with pika, and the readiness probe services use for their broker.

``AMQP_URL`` is written the kombu way (``amqp://guest:guest@host:5672//`` means the
virtual host ``/``); pika reads ``//`` as the empty virtual host, so the URL is normalised
here before pika sees it.
"""
from __future__ import annotations

from urllib.parse import quote, unquote, urlsplit, urlunsplit

import pika
import pika.exceptions


class BrokerUnavailable(Exception):
    """The broker did not answer a connection and a channel; the message says why."""


def pika_parameters(url: str, *, timeout: float = 5.0) -> pika.URLParameters:
    """pika connection parameters for a kombu-style ``AMQP_URL``, with bounded timeouts."""
    parts = urlsplit(url)
    vhost = unquote(parts.path[1:] if parts.path.startswith("/") else parts.path)
    path = "/" + quote(vhost or "/", safe="")
    parameters = pika.URLParameters(urlunsplit((parts.scheme, parts.netloc, path, parts.query, "")))
    parameters.socket_timeout = timeout
    parameters.blocked_connection_timeout = timeout
    parameters.stack_timeout = timeout
    parameters.connection_attempts = 1
    return parameters


def open_connection(url: str, *, timeout: float = 5.0) -> pika.BlockingConnection:
    """A blocking pika connection; one per thread, never shared (pika is not thread-safe)."""
    try:
        return pika.BlockingConnection(pika_parameters(url, timeout=timeout))
    except (pika.exceptions.AMQPError, OSError) as exc:
        raise BrokerUnavailable(f"RabbitMQ at {_safe(url)} does not answer: {exc!r}") from exc


def probe_broker(url: str, *, timeout: float = 2.0) -> None:
    """Raise :class:`BrokerUnavailable` unless the broker accepts a connection and a channel.

    Meant for ``/readyz``: it opens and closes its own connection, so it is safe to call
    from any thread, and bounded by ``timeout`` seconds per network step.
    """
    connection = open_connection(url, timeout=timeout)
    try:
        connection.channel().close()
    except (pika.exceptions.AMQPError, OSError) as exc:
        raise BrokerUnavailable(f"RabbitMQ at {_safe(url)} refused a channel: {exc!r}") from exc
    finally:
        if connection.is_open:
            connection.close()


def _safe(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}@" if parts.username else ""
    return urlunsplit((parts.scheme, user + host, parts.path, "", ""))
