"""An RFC 3161 time-stamping authority over HTTP on loopback, for local production mode and tests.

Production refuses the in-process development TSA, so ``HOSO_AUDIT_TSA_URL`` (audit anchors) and
``HOSO_SIGNING_TSA_URL`` (PAdES signature time-stamps) point at this server, which speaks the real
protocol: a ``POST`` of a DER ``TimeStampReq`` (``application/timestamp-query``) answered by a DER
``TimeStampResp`` (``application/timestamp-reply``), as a licensed TSA would. Tokens are made by
the signing service's ``DevelopmentTsa`` (pyHanko's RFC 3161 token builder with a kept key) under a
self-signed certificate written to ``--cert-out`` so verifiers can be told to trust it
(``HOSO_SIGNING_TRUST_ROOTS_DIR``). What it does not prove: a licensed TSA's policy, clock
accuracy or certificate chain.

    python -m infra.standins.tsa --port 8318 --cert-out var/tsa/tsa.pem
"""
from __future__ import annotations

import argparse
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from asn1crypto import tsp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

MAX_REQUEST_BYTES = 64 * 1024


def new_authority() -> tuple[Any, x509.Certificate]:
    """A fresh TSA (key kept loaded) and its self-signed time-stamping certificate."""
    from services.signing.adapters.timestamps import DevelopmentTsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "HoSo loopback TSA (stand-in)")])
    now = datetime.now(timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(key, hashes.SHA256())
    )
    return DevelopmentTsa(key=key, certificate=cert), cert


def make_handler(authority: Any) -> type[BaseHTTPRequestHandler]:
    """The request handler answering RFC 3161 requests with ``authority``."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            length = int(self.headers.get("Content-Length") or 0)
            if not 0 < length <= MAX_REQUEST_BYTES:
                self._answer(400, b"a TimeStampReq body is required", "text/plain")
                return
            try:
                request = tsp.TimeStampReq.load(self.rfile.read(length))
                request.native  # noqa: B018 - parses the whole structure, so a malformed request is refused here
            except ValueError:
                self._answer(400, b"malformed TimeStampReq", "text/plain")
                return
            self._answer(200, authority.request_tsa_response(request).dump(), "application/timestamp-reply")

        def _answer(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's signature
            """Quiet: one line per token would drown the cluster's logs."""

    return Handler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m infra.standins.tsa", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--cert-out", required=True, help="where the TSA certificate is written (PEM)")
    args = parser.parse_args(argv)
    authority, cert = new_authority()
    out = Path(args.cert_out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    ThreadingHTTPServer((args.host, args.port), make_handler(authority)).serve_forever()


if __name__ == "__main__":
    main()
