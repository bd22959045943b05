"""The gateway against nginx, in the same run, each proxying the same HoSo service.

Starts one upstream service under gunicorn as ``infra.production`` runs services (the kernel's
``make_service_app`` shell: request ids, token verification, metrics, problem+json; 2 workers),
then in front of it:

- the gateway, as production runs it: ``python -m infra.production --target gateway`` (its
  asyncio front, ``gateway/server.py``, 2 workers as the Kubernetes manifest sets), in production mode, fetching
  the token keys from the upstream's ``/oauth/jwks`` like it fetches identity's, with JSON access
  logs to a file;
- nginx (Debian; installed with apt-get when missing unless ``--skip-install``) set up as a
  reverse proxy should be: 2 worker processes, upstream keep-alive, HTTP/1.1 to the upstream,
  ``proxy_request_buffering off`` so uploads stream as through the gateway, response buffering
  in memory only, sendfile, access log to a buffered file.

``wrk`` (Debian, C, keep-alive) loads each in alternating runs, so a change in the machine's
load hits both, for three cases: (a) a small authenticated ``GET`` (8 connections), (b) a
10 MiB ``PUT`` upload to a raw streaming endpoint that reads the body in 64 KiB pieces as the
documents service does (2 connections), (c) a 10 MiB authenticated download (2 connections).
It prints per case the median requests/s (and MiB/s), p50 and p99 over the runs, errors, the
ratio gateway/nginx of every round and their median against the target (0.85 for GETs, 0.90
for uploads and downloads), and the CPU time each proxy (and the upstream) spent per request.

    python -m benchmarks.gateway_vs_nginx [--rounds 5] [--seconds 4] [--skip-install]
"""
from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.gateway_overhead import free_port, process_tree_cpu

ROOT = Path(__file__).resolve().parents[1]
MIB = 1024 * 1024
BLOB_SIZE = 10 * MIB
SERVICES = ("identity", "documents", "approvals", "signing", "notifications")


# -- the upstream service (a child process) ---------------------------------------------------


def upstream_app(jwks_file: str, issuer: str, blob_file: str) -> Any:
    """A kernel service with a small JSON route, a streaming upload sink and a 10 MiB download."""
    from flask import Blueprint, Response, jsonify, request, send_file
    from pydantic import BaseModel

    from services.kernel.api import Api
    from services.kernel.context import current_principal
    from services.kernel.tokens import StaticKeySource, TokenVerifier
    from services.kernel.web import make_service_app

    class Pong(BaseModel):
        ok: bool
        sub: str
        tenant: str | None

    api = Api(title="bench")
    blueprint = Blueprint("bench", __name__)
    jwks = json.loads(Path(jwks_file).read_text())

    @api.route(blueprint, "/api/v1/ping", response=Pong)
    def ping() -> Pong:
        principal = current_principal()
        return Pong(ok=True, sub=principal.sub, tenant=principal.tenant)

    @api.route(blueprint, "/api/v1/blob", methods=["PUT"], raw_body="application/octet-stream")
    def receive() -> Response:
        """Read the body as the documents service reads an upload: 64 KiB pieces from request.stream."""
        current_principal()
        received = 0
        digest = hashlib.sha256() if request.args.get("check") else None
        while piece := request.stream.read(64 * 1024):
            received += len(piece)
            if digest is not None:
                digest.update(piece)
        return jsonify({"bytes": received, "sha256": digest.hexdigest() if digest else None})

    @api.route(blueprint, "/api/v1/blob", raw_response="application/octet-stream")
    def download() -> Response:
        current_principal()
        return send_file(blob_file, mimetype="application/octet-stream", conditional=False, etag=False)

    @blueprint.get("/oauth/jwks")
    def keys() -> Response:
        return jsonify(jwks)

    verifier = TokenVerifier(keys=StaticKeySource(jwks=jwks), issuer=issuer, audience="hoso-documents")
    return make_service_app(name="bench", verifier=verifier, api=api, blueprints=[blueprint],
                            streaming_paths=("/api/v1/blob",))


def serve_upstream(port: int, jwks_file: str, issuer: str, blob_file: str) -> None:
    from infra.production import GUNICORN_DEFAULTS, GunicornApplication

    options = {**GUNICORN_DEFAULTS, "bind": [f"127.0.0.1:{port}"], "workers": 2, "threads": 4,
               "loglevel": "warning"}
    sys.argv = [sys.argv[0]]  # gunicorn must not read the benchmark's arguments
    GunicornApplication(lambda: upstream_app(jwks_file, issuer, blob_file), options).run()


# -- nginx ------------------------------------------------------------------------------------------


NGINX_CONF = """\
user root;
worker_processes 2;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {tmp}/nginx-access.log combined buffer=64k flush=1s;
    client_body_temp_path {tmp}/nginx-body;
    proxy_temp_path {tmp}/nginx-proxy;
    fastcgi_temp_path {tmp}/nginx-fastcgi;
    uwsgi_temp_path {tmp}/nginx-uwsgi;
    scgi_temp_path {tmp}/nginx-scgi;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 65;
    keepalive_requests 1000000;
    upstream hoso {{
        server 127.0.0.1:{upstream};
        keepalive 32;
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 2200m;
        client_body_buffer_size 1m;
        location /api/ {{
            rewrite ^/api/[a-z]+/v1/(.*)$ /api/v1/$1 break;
            proxy_pass http://hoso;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Request-Id $request_id;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_request_buffering off;
            proxy_buffering {buffering};
            proxy_buffer_size 16k;
            proxy_buffers 32 64k;
            proxy_busy_buffers_size 128k;
            proxy_max_temp_file_size 0;
        }}
    }}
}}
"""


def ensure_tools(skip_install: bool) -> None:
    """nginx and wrk from Debian; installed when missing unless told not to."""
    missing = [name for name, binary in (("nginx", "nginx"), ("wrk", "wrk")) if shutil.which(binary) is None
               and not Path(f"/usr/sbin/{binary}").exists()]
    if not missing:
        return
    if skip_install:
        sys.exit(f"error: {', '.join(missing)} not installed and --skip-install given")
    subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", *missing], check=True,
                   env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})


# -- wrk ---------------------------------------------------------------------------------------------


WRK_SCRIPT = """\
{setup}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK {{"requests": %d, "duration_us": %d, "bytes": %d, "errors": %d, '
    .. '"status_errors": %d, "p50_us": %d, "p99_us": %d}}\\n', summary.requests, summary.duration,
    summary.bytes, e.connect + e.read + e.write + e.timeout, e.status, latency:percentile(50),
    latency:percentile(99)))
end
"""


@dataclass(frozen=True)
class Case:
    """One load shape: what wrk sends, how many connections, the target ratio."""

    name: str
    label: str
    path: str
    setup: str
    connections: int
    target: float
    bytes_per_request: int


def cases(token: str) -> list[Case]:
    auth = f'wrk.headers["Authorization"] = "Bearer {token}"'
    return [
        Case("get", "small authenticated GET", "/api/documents/v1/ping", auth, 8, 0.85, 0),
        Case("upload", "10 MiB upload (PUT)", "/api/documents/v1/blob",
             f'{auth}\nwrk.method = "PUT"\nwrk.headers["Content-Type"] = "application/octet-stream"\n'
             f'wrk.body = string.rep("x", {BLOB_SIZE})', 2, 0.90, BLOB_SIZE),
        Case("download", "10 MiB download (GET)", "/api/documents/v1/blob", auth, 2, 0.90, BLOB_SIZE),
    ]


def run_wrk(port: int, case: Case, script: Path, seconds: int) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", "-t1", f"-c{case.connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script),
         f"http://127.0.0.1:{port}{case.path}"],
        check=True, capture_output=True, text=True,
    ).stdout
    line = next(ln for ln in out.splitlines() if ln.startswith("WRK "))
    figures = json.loads(line[4:])
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
    return figures


# -- the run ----------------------------------------------------------------------------------------


def wait_ready(port: int, path: str, headers: dict[str, str], deadline: float = 60.0) -> None:
    end = time.monotonic() + deadline
    last: object = None
    while time.monotonic() < end:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status == 200:
                return
            last = response.status
        except OSError as exc:
            last = exc
        finally:
            conn.close()
        time.sleep(0.2)
    raise RuntimeError(f"nothing answers 200 on port {port}{path}: {last!r}")


def check_bodies(port: int, headers: dict[str, str], blob: bytes) -> None:
    """One upload and one download through the proxy arrive whole and unchanged."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("PUT", "/api/documents/v1/blob?check=1", body=blob,
                     headers={**headers, "Content-Type": "application/octet-stream"})
        answer = json.loads(conn.getresponse().read())
        if answer != {"bytes": len(blob), "sha256": hashlib.sha256(blob).hexdigest()}:
            raise RuntimeError(f"upload through port {port} arrived damaged: {answer}")
        conn.request("GET", "/api/documents/v1/blob", headers=headers)
        if conn.getresponse().read() != blob:
            raise RuntimeError(f"download through port {port} arrived damaged")
    finally:
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5, help="alternating gateway/nginx runs per case (default 5)")
    parser.add_argument("--seconds", type=int, default=4, help="length of one wrk run (default 4)")
    parser.add_argument("--cases", default="get,upload,download", help="comma-separated subset of get,upload,download")
    parser.add_argument("--skip-install", action="store_true", help="never apt-get install nginx or wrk")
    parser.add_argument("--nginx-buffering", choices=["on", "off"], default="on",
                        help="nginx's proxy_buffering (default on: answers buffered in memory, 2 MiB per request)")
    parser.add_argument("--keep", action="store_true", help="leave the temporary directory (logs, configs)")
    parser.add_argument("--serve-upstream", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--jwks", help=argparse.SUPPRESS)
    parser.add_argument("--issuer", help=argparse.SUPPRESS)
    parser.add_argument("--blob", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_upstream:
        serve_upstream(args.serve_upstream, args.jwks, args.issuer, args.blob)
        return
    ensure_tools(args.skip_install)

    from services.kernel.testing import TokenFactory

    tokens = TokenFactory(issuer="http://hoso.bench/api/identity")
    token = tokens.issue("bench-user", tenant="school-a", district="d-1", roles=["giao_vien"], ttl=3600)
    headers = {"Authorization": f"Bearer {token}"}
    chosen = [c for c in cases(token) if c.name in args.cases.split(",")]
    blob = os.urandom(BLOB_SIZE)
    tmp = Path(tempfile.mkdtemp(prefix="hoso-gw-nginx-"))
    upstream_port, gateway_port, nginx_port = free_port(), free_port(), free_port()
    (tmp / "jwks.json").write_text(json.dumps(tokens.jwks()))
    (tmp / "blob.bin").write_bytes(blob)
    (tmp / "nginx.conf").write_text(NGINX_CONF.format(tmp=tmp, upstream=upstream_port, port=nginx_port,
                                                                buffering=args.nginx_buffering))
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("HOSO_", "GUNICORN_", "WEB_CONCURRENCY"))}
    upstream_url = f"http://127.0.0.1:{upstream_port}"
    gateway_env = {
        **base_env,
        **{f"HOSO_{s.upper()}_URL": upstream_url for s in SERVICES},
        "HOSO_MODE": "production",
        "HOSO_JWT_ISSUER": tokens.issuer,
        "HOSO_PUBLIC_URL": f"http://127.0.0.1:{gateway_port}",
        # limits far above the load: the buckets still run on every request, they just never say no
        "HOSO_GATEWAY_USER_RATE": "1e9", "HOSO_GATEWAY_USER_BURST": str(10**9),
        "HOSO_GATEWAY_IP_RATE": "1e9", "HOSO_GATEWAY_IP_BURST": str(10**9),
    }
    logs = [open(tmp / name, "wb") for name in ("upstream.log", "gateway.log", "nginx.log")]  # noqa: SIM115
    children = [
        subprocess.Popen([sys.executable, "-m", "benchmarks.gateway_vs_nginx", "--serve-upstream", str(upstream_port),
                          "--jwks", str(tmp / "jwks.json"), "--issuer", tokens.issuer, "--blob", str(tmp / "blob.bin")],
                         cwd=ROOT, env=base_env, stdout=logs[0], stderr=subprocess.STDOUT),
        subprocess.Popen([sys.executable, "-m", "infra.production", "--target", "gateway", "--workers", "2",
                          "--bind", f"127.0.0.1:{gateway_port}"],
                         cwd=ROOT, env=gateway_env, stdout=logs[1], stderr=subprocess.STDOUT),
        subprocess.Popen(["nginx", "-c", str(tmp / "nginx.conf"), "-p", str(tmp)],
                         stdout=logs[2], stderr=subprocess.STDOUT),
    ]
    upstream, gateway, nginx = children
    proxies = {"gateway": (gateway_port, gateway.pid), "nginx": (nginx_port, nginx.pid)}
    runs: dict[tuple[str, str], list[dict[str, float]]] = {}
    cpu: dict[tuple[str, str], list[float]] = {}
    try:
        wait_ready(upstream_port, "/api/v1/ping", headers)
        for port, _ in proxies.values():
            wait_ready(port, "/api/documents/v1/ping", headers)
            check_bodies(port, headers, blob)
        scripts = {}
        for case in chosen:
            scripts[case.name] = tmp / f"{case.name}.lua"
            scripts[case.name].write_text(WRK_SCRIPT.format(setup=case.setup))
            for port, _ in proxies.values():
                run_wrk(port, case, scripts[case.name], 2)  # warm-up: connections, caches, JWKS
        for round_no in range(args.rounds):
            order = ["gateway", "nginx"] if round_no % 2 == 0 else ["nginx", "gateway"]
            for case in chosen:
                for name in order:
                    port, pid = proxies[name]
                    before = process_tree_cpu(pid), process_tree_cpu(upstream.pid)
                    figures = run_wrk(port, case, scripts[case.name], args.seconds)
                    after = process_tree_cpu(pid), process_tree_cpu(upstream.pid)
                    runs.setdefault((case.name, name), []).append(figures)
                    cpu.setdefault((case.name, name), []).append(after[0] - before[0])
                    cpu.setdefault((case.name, name + "/upstream"), []).append(after[1] - before[1])
    finally:
        for child in reversed(children):
            child.terminate()
        for child in reversed(children):
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        for log_file in logs:
            log_file.close()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    report(chosen, runs, cpu, args)


def report(chosen: list[Case], runs: dict[tuple[str, str], list[dict[str, float]]],
           cpu: dict[tuple[str, str], list[float]], args: argparse.Namespace) -> None:
    load = os.getloadavg()
    print(f"gateway vs nginx: {args.rounds} alternating rounds of {args.seconds} s per case and proxy, wrk -t1; "
          f"both proxy one kernel service (gunicorn, 2 workers x 4 threads); gateway: infra.production, "
          f"2 workers; nginx: 2 worker processes, proxy_buffering {args.nginx_buffering}; {os.cpu_count()} cores, load average {load[0]:.1f}")
    print(f"{'case':26}{'proxy':9}{'req/s':>9}{'MiB/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}"
          f"{'CPU/req proxy':>15}{'CPU/req upstream':>18}")
    verdicts = []
    for case in chosen:
        for name in ("gateway", "nginx"):
            mine = runs[(case.name, name)]
            requests = sum(r["requests"] for r in mine)
            rps = statistics.median(r["rps"] for r in mine)
            mib = f"{rps * case.bytes_per_request / MIB:9.1f}" if case.bytes_per_request else f"{'':9}"
            p50 = statistics.median(r["p50_us"] for r in mine) / 1000
            p99 = statistics.median(r["p99_us"] for r in mine) / 1000
            errors = sum(r["errors"] + r["status_errors"] for r in mine)
            proxy_cpu = sum(cpu[(case.name, name)]) / max(requests, 1)
            upstream_cpu = sum(cpu[(case.name, name + "/upstream")]) / max(requests, 1)
            print(f"{case.label:26}{name:9}{rps:9.0f}{mib}{p50:9.2f}{p99:9.2f}{errors:8d}"
                  f"{_cpu(proxy_cpu):>15}{_cpu(upstream_cpu):>18}")
        ratios = [g["rps"] / n["rps"] for g, n in zip(runs[(case.name, "gateway")], runs[(case.name, "nginx")])]
        ratio = statistics.median(ratios)
        met = "met" if ratio >= case.target else "NOT met"
        verdicts.append(f"{case.label}: ratio gateway/nginx {ratio:.2f} (rounds: {', '.join(f'{r:.2f}' for r in ratios)}; "
                        f"target >= {case.target:.2f}: {met})")
    for line in verdicts:
        print(line)


def _cpu(seconds: float) -> str:
    return f"{seconds * 1e6:.0f} us" if seconds < 0.01 else f"{seconds * 1e3:.1f} ms"


if __name__ == "__main__":
    main()
