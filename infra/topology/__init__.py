"""RabbitMQ topology of HoSo: the event exchange, the dead-letter exchange and one queue per consumer.

``python -m infra.topology declare --url AMQP_URL`` declares it idempotently with pika;
``python -m infra.topology check --url AMQP_URL`` probes the broker. The list of consumers
and their bindings is data in :mod:`infra.topology.consumers`.
"""
