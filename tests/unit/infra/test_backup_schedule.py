"""The scheduled backup in Kubernetes (CronJob) and docker-compose (a ``schedule`` service) runs the
backup command with what ``infra.backup.sources.Deployment`` reads: each service's settings class
accepts the environment, it names a real MongoDB and S3 for both object stores, and the key comes
from a mounted Secret or the compose ``.env``, never from the image or the backup volume."""
from __future__ import annotations

import base64
from typing import Any

from infra.backup.__main__ import _parser
from infra.backup.crypto import BackupKey
from infra.backup.sources import SETTINGS
from services.kernel.settings import known_env, load_settings
from tests.unit.infra.test_deploy_env_matches_settings import (compose_services, compose_values, k8s_documents,
                                                               k8s_environment, substitute)

VALID_BACKUP_KEY = base64.b64encode(bytes(range(32))).decode()


def check_backup_environment(where: str, environ: dict[str, str]) -> None:
    unknown = {k for k in environ if k.startswith("HOSO_")} - set().union(*(known_env(c) for c in SETTINGS.values()))
    assert not unknown, f"{where}: settings no service reads: {sorted(unknown)}"
    for name, cls in SETTINGS.items():
        settings: Any = load_settings(cls, environ, {"mode": "test"})
        assert settings.mongo_uri, f"{where}: {name} has no MONGO_URI"
        assert settings.audit_anchor_store == "s3", f"{where}: {name}'s anchors are not in S3"
    documents: Any = load_settings(SETTINGS["documents"], environ, {"mode": "test"})
    assert documents.storage == "s3", f"{where}: the documents store is not S3"
    assert {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} <= environ.keys(), f"{where}: no S3 credentials"


def backup_command(args: list[str]) -> Any:
    assert args[:3] == ["python", "-m", "infra.backup"]
    return _parser().parse_args(args[3:])


def cronjob() -> dict[str, Any]:
    jobs = [d for d in k8s_documents() if d["kind"] == "CronJob" and d["metadata"]["name"] == "hoso-backup"]
    assert len(jobs) == 1
    return jobs[0]


def test_kubernetes_cronjob_backs_up_the_platform_once_at_a_time_with_retention() -> None:
    job = cronjob()
    assert job["spec"]["concurrencyPolicy"] == "Forbid"
    pod = job["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    container = pod["containers"][0]
    args = backup_command(container["args"])
    assert (args.cmd, str(args.scope), args.keep) == ("create", "platform", 14)
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    claims = {d["metadata"]["name"] for d in k8s_documents() if d["kind"] == "PersistentVolumeClaim"}
    assert volumes[mounts[str(args.into)]]["persistentVolumeClaim"]["claimName"] in claims


def test_kubernetes_cronjob_environment_and_key() -> None:
    container = cronjob()["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    pod = cronjob()["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    environ = k8s_environment(container)
    check_backup_environment("k8s hoso-backup", environ)
    key_file = environ["BACKUP_KEY_FILE"]
    mount = next(m for m in container["volumeMounts"] if key_file.startswith(m["mountPath"] + "/"))
    volume = next(v for v in pod["volumes"] if v["name"] == mount["name"])
    secret = next(d for d in k8s_documents() if d["kind"] == "Secret" and d["metadata"]["name"] == volume["secret"]["secretName"])
    item = next(i for i in volume["secret"]["items"] if key_file.endswith("/" + i["path"]))
    assert item["key"] in secret["stringData"]
    assert mount.get("readOnly") is True and "BACKUP_KEY" not in environ


def test_compose_schedules_the_platform_backup_with_retention() -> None:
    spec = compose_services()["backup"]
    args = backup_command(spec["command"])
    assert (args.cmd, str(args.scope), args.keep, args.every) == ("schedule", "platform", 14, 86400.0)
    assert any(v.endswith(":" + str(args.into)) for v in spec["volumes"])
    values = {**compose_values(), "BACKUP_KEY": VALID_BACKUP_KEY}
    environ = {key: substitute(value, values) for key, value in spec["environment"].items()}
    check_backup_environment("docker-compose backup", environ)
    BackupKey.from_environ(environ)
