"""docker-compose and Kubernetes give every HoSo process exactly the settings its class requires.

For each container running ``python -m infra.production --target T``, the environment it
would get is rebuilt from the files (compose anchors and ``${VAR}`` from ``env.example``;
Kubernetes ConfigMaps, literal values and Secret references), then checked against the
settings class of T's service (discovered from ``services/<svc>/settings.py``): every
required variable is there, no ``HOSO_*`` variable is unknown to it, and the kernel's
``load_settings`` accepts the whole environment, production validators included.
"""
from __future__ import annotations

import base64
import functools
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.production import HTTP_TARGETS, SERVICES, settings_class
from infra.topology.consumers import consumers_of
from services.kernel.settings import known_env, load_settings, required_env

ROOT = Path(__file__).resolve().parents[3]
COMPOSE = ROOT / "infra" / "compose"
K8S = ROOT / "infra" / "k8s"
VALID_KEY = base64.urlsafe_b64encode(bytes(range(32))).decode()
"""Stands in for the 32-byte keys, whose placeholders are deliberately not valid keys."""
KEY_NAMES = re.compile(r"(KEK|KEY_ENCRYPTION_KEY)$|^(kek|key-encryption-key)$")
_REFERENCE = re.compile(r"\$\{([A-Z0-9_]+)(?::?[-?][^}]*)?\}")


def expected_targets() -> set[str]:
    relays = {f"relay-{s}" for s in SERVICES}
    consumers = {f"consumer-{s}" for s in SERVICES if consumers_of(s)}
    return set(HTTP_TARGETS) | relays | consumers


def check_environment(where: str, target: str, environ: dict[str, str]) -> None:
    service = target.rpartition("-")[2]
    cls = settings_class(service)
    missing = required_env(cls) - environ.keys()
    assert not missing, f"{where}: {target} lacks required settings {sorted(missing)}"
    unknown = {k for k in environ if k.startswith("HOSO_")} - known_env(cls)
    assert not unknown, f"{where}: {target} sets settings {sorted(unknown)} unknown to {cls.__name__}"
    load_settings(cls, environ)


def production_target(command: list[str]) -> str | None:
    if "infra.production" not in command:
        return None
    return command[command.index("--target") + 1]


# -- docker compose ------------------------------------------------------------------------------


def compose_values() -> dict[str, str]:
    values = {}
    for line in (COMPOSE / "env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = VALID_KEY if KEY_NAMES.search(name) else value
    return values


@functools.cache
def compose_services() -> dict[str, Any]:
    return yaml.safe_load((COMPOSE / "docker-compose.yml").read_text(encoding="utf-8"))["services"]


def substitute(value: Any, values: dict[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        assert match.group(1) in values, f"{match.group(1)} is used in docker-compose.yml but not in env.example"
        return values[match.group(1)]

    return _REFERENCE.sub(replace, str(value))


def test_compose_runs_every_target() -> None:
    targets = {production_target(s.get("command", [])) for s in compose_services().values()}
    assert expected_targets() <= targets
    assert "topology" in compose_services()


@pytest.mark.parametrize("name", [n for n, s in compose_services().items() if production_target(s.get("command", []))])
def test_compose_environment_matches_settings(name: str) -> None:
    spec = compose_services()[name]
    values = compose_values()
    environ = {key: substitute(value, values) for key, value in spec["environment"].items()}
    check_environment("docker-compose.yml", production_target(spec["command"]), environ)


# -- Kubernetes ----------------------------------------------------------------------------------------


@functools.cache
def k8s_documents() -> tuple[dict[str, Any], ...]:
    documents = []
    for path in sorted([*K8S.glob("*.yaml"), *K8S.glob("examples/*.yaml")]):
        documents.extend(d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d)
    return tuple(documents)


def k8s_deployments() -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in k8s_documents() if d["kind"] == "Deployment"}


def k8s_environment(container: dict[str, Any]) -> dict[str, str]:
    config = {d["metadata"]["name"]: d.get("data", {}) for d in k8s_documents() if d["kind"] == "ConfigMap"}
    secrets = {d["metadata"]["name"]: d.get("stringData", {}) for d in k8s_documents() if d["kind"] == "Secret"}
    environ: dict[str, str] = {}
    for source in container.get("envFrom", []):
        name = source["configMapRef"]["name"]
        assert name in config, f"ConfigMap {name} is referenced but not defined"
        environ.update(config[name])
    for entry in container.get("env", []):
        if "value" in entry:
            environ[entry["name"]] = entry["value"]
            continue
        ref = entry["valueFrom"]["secretKeyRef"]
        assert ref["key"] in secrets.get(ref["name"], {}), f"Secret {ref['name']} has no key {ref['key']}"
        environ[entry["name"]] = VALID_KEY if KEY_NAMES.search(ref["key"]) else secrets[ref["name"]][ref["key"]]
    return environ


def test_kubernetes_runs_every_target_with_probes_on_web_pods() -> None:
    targets = {}
    for deployment in k8s_deployments().values():
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        target = production_target(container["args"])
        if target:
            targets[target] = container
    assert expected_targets() <= set(targets)
    for target in HTTP_TARGETS:
        container = targets[target]
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert any(d["kind"] == "Job" and "infra.topology" in d["spec"]["template"]["spec"]["containers"][0].get("args", [])
               for d in k8s_documents())


@pytest.mark.parametrize("name", sorted(k8s_deployments()))
def test_kubernetes_environment_matches_settings(name: str) -> None:
    container = k8s_deployments()[name]["spec"]["template"]["spec"]["containers"][0]
    target = production_target(container["args"])
    assert target is not None
    check_environment(f"k8s {name}", target, k8s_environment(container))


def test_the_gateway_gets_no_database_or_broker_credentials() -> None:
    container = k8s_deployments()["gateway"]["spec"]["template"]["spec"]["containers"][0]
    assert not {"MONGO_URI", "AMQP_URL"} & k8s_environment(container).keys()
    assert not {"MONGO_URI", "AMQP_URL"} & compose_services()["gateway"]["environment"].keys()
