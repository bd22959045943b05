"""An S3-compatible object store over HTTP on loopback: moto's standalone server.

Local production mode points ``HOSO_DOCUMENTS_S3_ENDPOINT_URL`` and
``HOSO_AUDIT_ANCHOR_S3_ENDPOINT_URL`` at it, so documents and audit anchors cross the real S3 REST
protocol (SigV4-signed requests, multipart uploads, server-side-encryption headers, object lock)
through boto3, as they would to MinIO, Ceph RGW or AWS. Objects live in the server's memory.
What it does not prove: durability, a real store's consistency, throughput or encryption at rest.

    python -m infra.standins.s3 --port 9000
"""
from __future__ import annotations

import argparse
import logging
import signal
import threading

BUCKETS = ("hoso-documents", "hoso-signing-spool")
"""Plain buckets the platform needs (made as ``minio-init`` does in docker-compose)."""
LOCKED_BUCKETS = ("hoso-audit-anchors",)
"""Buckets made with object lock (audit anchors, as ``mc mb --with-lock``)."""


def create_buckets(endpoint_url: str, *, region: str = "us-east-1") -> None:
    """Make the platform's buckets on the server at ``endpoint_url`` (idempotent)."""
    import boto3

    client = boto3.client("s3", endpoint_url=endpoint_url, region_name=region, aws_access_key_id="hoso",
                          aws_secret_access_key="hoso-local-s3")
    existing = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
    for name in BUCKETS:
        if name not in existing:
            client.create_bucket(Bucket=name)
    for name in LOCKED_BUCKETS:
        if name not in existing:
            client.create_bucket(Bucket=name, ObjectLockEnabledForBucket=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m infra.standins.s3", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request would drown the log
    server = ThreadedMotoServer(ip_address=args.host, port=args.port, verbose=False)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    server.start()
    create_buckets(f"http://{args.host}:{args.port}")
    stop.wait()
    server.stop()


if __name__ == "__main__":
    main()
