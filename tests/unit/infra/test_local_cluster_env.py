"""The local production cluster gives each process compose's settings with only addresses made local.

``infra.local_cluster.compose_environments`` rebuilds every production container's environment
from docker-compose.yml; here each one must load under its settings class in production mode and
name no in-cluster host or container path any more.
"""
from __future__ import annotations


import pytest

from infra.local_cluster import compose_environments, compose_services, compose_target, fresh_values
from infra.production import SERVICES, settings_class
from services.kernel.settings import load_settings

COMPOSE_HOSTS = ("mongo1", "rabbitmq:", "minio:", "identity:8000", "/var/lib/hoso", "example.")


@pytest.fixture(scope="module")
def environments(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    root = tmp_path_factory.mktemp("cluster")
    urls = {svc: f"http://127.0.0.1:{9100 + i}" for i, svc in enumerate(SERVICES)}
    return compose_environments(
        values=fresh_values("http://localhost:9000", "http://127.0.0.1:9200/tsr", ("key", "secret")),
        service_urls=urls, mongo_uri="mongodb://127.0.0.1:9300/?directConnection=true",
        amqp_url="amqp://guest:guest@127.0.0.1:5672/hoso-local-test", s3_url="http://127.0.0.1:9400",
        smtp_port=9500, data_dir=root, extra={"documents": {"HOSO_LOG_LEVEL": "WARNING"}})


def test_every_production_container_of_compose_gets_an_environment(environments: dict[str, dict[str, str]]) -> None:
    expected = {name for name, spec in compose_services().items() if compose_target(spec.get("command", []))}
    assert set(environments) == expected


def test_each_environment_loads_in_production_mode_with_local_addresses(environments: dict[str, dict[str, str]]) -> None:
    for name, env in environments.items():
        service = compose_target(compose_services()[name]["command"]).rpartition("-")[2]
        settings = load_settings(settings_class(service), env)
        assert settings.mode == "production"
        leftovers = {k: v for k, v in env.items() if any(host in v for host in COMPOSE_HOSTS)}
        assert not leftovers, f"{name} still names compose's hosts or paths: {leftovers}"
        if settings_class(service).uses_database:
            assert env["MONGO_URI"].startswith("mongodb://127.0.0.1:9300")
            assert env["AMQP_URL"].endswith("/hoso-local-test")


def test_replicas_share_the_spool_in_s3_and_smtp_gets_the_stand_in_port(environments: dict[str, dict[str, str]]) -> None:
    for name in ("signing", "consumer-signing"):
        assert environments[name]["HOSO_SIGNING_SPOOL_STORE"] == "s3"
        assert environments[name]["HOSO_SIGNING_SPOOL_S3_ENDPOINT_URL"] == "http://127.0.0.1:9400"
    assert environments["notifications"]["HOSO_NOTIFICATIONS_SMTP_PORT"] == "9500"
    assert environments["identity"]["HOSO_IDENTITY_SMTP_PORT"] == "9500"
    assert environments["documents"]["HOSO_LOG_LEVEL"] == "WARNING"
