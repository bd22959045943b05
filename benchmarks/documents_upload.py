"""Benchmark: a 1 GB upload into the documents service, directly and through the gateway.

Prints how much the documents process's peak memory (VmHWM of the gunicorn worker, read
from /proc before and after the upload) grows, and the upload throughput as a ratio of a
raw local copy of the same bytes (``shutil.copyfile``). The target is a growth under 64 MB.

    .venv/bin/python -m benchmarks.documents_upload [--size-mb 1024] [--skip-gateway]

Each path gets a fresh documents process (VmHWM never goes down), run by gunicorn with one
worker on the local-disk store and the in-process demo data; the file is a valid PDF (a
big stream object plus one A3 page) uploaded as sổ đăng bộ by the demo văn thư.
"""
from __future__ import annotations

import argparse
import hashlib
import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator
from urllib.parse import quote

import requests

from services.kernel.testing import TokenFactory

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
LIMIT_MB = 64


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_pdf(path: Path, size: int) -> str:
    """Write a valid PDF of about ``size`` bytes and return its SHA-256."""
    digest = hashlib.sha256()
    block = os.urandom(1 << 20)
    with open(path, "wb") as out:
        def w(data: bytes) -> None:
            out.write(data)
            digest.update(data)

        offsets = []
        w(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        small = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                 b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 842 1191] /Contents 4 0 R >>",
                 b"<< /Length 3 >>\nstream\nq Q\nendstream"]
        for number, body in enumerate(small, start=1):
            offsets.append(out.tell())
            w(b"%d 0 obj\n" % number + body + b"\nendobj\n")
        length = max(0, size - out.tell() - 400)
        offsets.append(out.tell())
        w(b"5 0 obj\n<< /Length %d >>\nstream\n" % length)
        remaining = length
        while remaining:
            part = block[:min(remaining, len(block))]
            w(part)
            remaining -= len(part)
        w(b"\nendstream\nendobj\n")
        xref = out.tell()
        w(b"xref\n0 6\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets))
        w(b"trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref)
    return digest.hexdigest()


def vm_hwm_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM")


def children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(p) for p in text]


def clean_env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOSO_") and k not in ("MONGO_URI", "AMQP_URL")}
    env.update(extra)
    env["PYTHONPATH"] = str(ROOT)
    return env


def wait_http(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


@contextmanager
def documents_process(work: Path, tokens: TokenFactory) -> Iterator[tuple[str, int]]:
    """A fresh gunicorn documents service; yields (base URL, worker pid)."""
    jwks = work / "jwks.json"
    jwks.write_text(json.dumps(tokens.jwks()))
    store = work / "objects"
    shutil.rmtree(store, ignore_errors=True)
    port = free_port()
    env = clean_env({"HOSO_MODE": "test", "HOSO_JWT_ISSUER": tokens.issuer, "HOSO_DOCUMENTS_JWKS_FILE": str(jwks),
                     "HOSO_DOCUMENTS_LOCAL_ROOT": str(store), "HOSO_DOCUMENTS_WORK_DIR": str(work / "w"),
                     "HOSO_DOCUMENTS_DEMO_SEED": "true", "HOSO_LOG_LEVEL": "WARNING"})
    proc = subprocess.Popen([PY, "-m", "gunicorn", "-w", "1", "-k", "gthread", "--threads", "2", "--timeout", "900",
                             "-b", f"127.0.0.1:{port}", "services.documents.entrypoints.serve:app()"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_http(base + "/healthz")
        workers = children(proc.pid)
        assert len(workers) == 1, workers
        yield base, workers[0]
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@contextmanager
def gateway_process(work: Path, tokens: TokenFactory, documents_url: str) -> Iterator[str]:
    """The gateway (``python -m gateway``) in front of ``documents_url``, trusting the test JWKS."""
    body = json.dumps(tokens.jwks()).encode()

    class Jwks(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server naming
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return

    jwks_server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Jwks)
    threading.Thread(target=jwks_server.serve_forever, daemon=True).start()
    identity = f"http://127.0.0.1:{jwks_server.server_address[1]}"
    port = free_port()
    env = clean_env({"HOSO_MODE": "test", "HOSO_JWT_ISSUER": tokens.issuer, "HOSO_IDENTITY_URL": identity,
                     "HOSO_DOCUMENTS_URL": documents_url, "HOSO_APPROVALS_URL": identity, "HOSO_SIGNING_URL": identity,
                     "HOSO_NOTIFICATIONS_URL": identity, "HOSO_GATEWAY_MAX_BODY_BYTES": str(4 << 30),
                     "HOSO_GATEWAY_UPSTREAM_TIMEOUT": "900", "HOSO_LOG_LEVEL": "WARNING"})
    proc = subprocess.Popen([PY, "-m", "gateway", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_http(base + "/api/documents/healthz")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        jwks_server.shutdown()


def school_year() -> str:
    now = time.gmtime()
    return f"{now.tm_year}-{now.tm_year + 1}" if now.tm_mon >= 9 else f"{now.tm_year - 1}-{now.tm_year}"


def upload(url: str, token: str, path: Path, name: str) -> tuple[float, dict]:
    started = time.perf_counter()
    with open(path, "rb") as body:
        resp = requests.post(url, params={"book": "so_dang_bo", "period": school_year()}, data=body, timeout=1800,
                             headers={"Authorization": f"Bearer {token}", "X-File-Name": quote(name),
                                      "Content-Type": "application/pdf"})
    elapsed = time.perf_counter() - started
    if resp.status_code != 201:
        raise RuntimeError(f"upload failed: {resp.status_code} {resp.text[:500]}")
    return elapsed, resp.json()


def measure(label: str, base_url: str, upload_path: str, pid: int, token: str, big: Path, small: Path,
            expected_sha: str, raw_seconds: float) -> bool:
    upload(base_url + upload_path, token, small, "Sổ đăng bộ (khởi động).pdf")
    before = vm_hwm_kb(pid)
    seconds, body = upload(base_url + upload_path, token, big, "Sổ đăng bộ khóa 2021–2026 (A3).pdf")
    after = vm_hwm_kb(pid)
    assert body["version"]["sha256"] == expected_sha, "stored bytes differ"
    size = big.stat().st_size
    growth_mb = (after - before) / 1024
    mb_s = size / seconds / 1e6
    ratio = (size / seconds) / (size / raw_seconds)
    ok = growth_mb < LIMIT_MB
    print(f"[{label}] {size / 1e9:.2f} GB in {seconds:.1f} s = {mb_s:.0f} MB/s; ratio to raw copy {ratio:.2f}; "
          f"documents VmHWM {before / 1024:.0f} → {after / 1024:.0f} MB (+{growth_mb:.1f} MB, limit {LIMIT_MB} MB) "
          f"{'OK' if ok else 'OVER LIMIT'}")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--skip-gateway", action="store_true")
    args = parser.parse_args(argv)
    tokens = TokenFactory()
    token = tokens.issue("thhp.vanthu", tenant="th-hoa-phong", district="pgd-hoa-vang", province="so-da-nang",
                         unit_roles=[("van_thu", "th-hoa-phong/to-van-phong")], ttl=7200)
    with tempfile.TemporaryDirectory(prefix="hoso-bench-") as tmp:
        work = Path(tmp)
        big, small = work / "big.pdf", work / "small.pdf"
        sha = make_pdf(big, args.size_mb * 1024 * 1024)
        make_pdf(small, 64 * 1024)
        started = time.perf_counter()
        shutil.copyfile(big, work / "copy.pdf")
        raw = time.perf_counter() - started
        (work / "copy.pdf").unlink()
        print(f"reference: raw local copy of {big.stat().st_size / 1e9:.2f} GB in {raw:.1f} s "
              f"= {big.stat().st_size / raw / 1e6:.0f} MB/s")
        results = []
        with documents_process(work, tokens) as (base, pid):
            results.append(measure("direct to documents", base, "/api/v1/documents/upload", pid, token, big, small, sha, raw))
        if not args.skip_gateway:
            with documents_process(work, tokens) as (base, pid):
                with gateway_process(work, tokens, base) as gateway:
                    results.append(measure("through the gateway", gateway, "/api/documents/v1/documents/upload", pid,
                                           token, big, small, sha, raw))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
