"""CRLs of certificates from other CAs (licensed Vietnamese CAs), fetched from their distribution points.

Used at signing time: a certificate listed on its CA's current CRL is refused, and the CRL is
embedded so the signature is B-LT. A CRL is trusted only if the issuing certificate we hold for
the signer verifies it; it is kept until its ``nextUpdate``. When no CRL can be had, the caller
signs B-T (revocation data not reachable).
"""
from __future__ import annotations

import threading
from datetime import datetime, timezone

import requests
from cryptography import x509
from cryptography.x509.oid import ExtensionOID

from services.kernel.clock import Clock


class CrlFetcher:
    def __init__(self, *, clock: Clock, session: requests.Session | None = None, timeout: float = 5.0,
                 max_bytes: int = 10 * 1024 * 1024) -> None:
        self._clock = clock
        self._http = session or requests.Session()
        self._timeout = timeout
        self._max = max_bytes
        self._cache: dict[str, x509.CertificateRevocationList] = {}
        self._lock = threading.Lock()

    def crls_for(self, certificate: x509.Certificate,
                 issuer: x509.Certificate | None) -> list[x509.CertificateRevocationList] | None:
        """Current CRLs covering ``certificate`` signed by ``issuer``, or ``None`` when none can be had."""
        if issuer is None:
            return None
        try:
            points = certificate.extensions.get_extension_for_oid(ExtensionOID.CRL_DISTRIBUTION_POINTS).value
        except x509.ExtensionNotFound:
            return None
        urls = [name.value for point in points for name in (point.full_name or [])
                if isinstance(name, x509.UniformResourceIdentifier) and name.value.startswith("http")]
        for url in urls:
            crl = self._fresh(url, issuer)
            if crl is not None:
                return [crl]
        return None

    def _fresh(self, url: str, issuer: x509.Certificate) -> x509.CertificateRevocationList | None:
        now = self._clock.now()
        with self._lock:
            cached = self._cache.get(url)
        if cached is not None and _still_current(cached, now):
            return cached
        try:
            resp = self._http.get(url, timeout=self._timeout, stream=True)
            data = resp.raw.read(self._max + 1, decode_content=True) if resp.status_code == 200 else b""
        except requests.RequestException:
            return None
        if not data or len(data) > self._max:
            return None
        try:
            crl = x509.load_der_x509_crl(data)
        except ValueError:
            try:
                crl = x509.load_pem_x509_crl(data)
            except ValueError:
                return None
        if crl.issuer != issuer.subject or not crl.is_signature_valid(issuer.public_key()) \
                or not _still_current(crl, now):
            return None
        with self._lock:
            self._cache[url] = crl
        return crl


def _still_current(crl: x509.CertificateRevocationList, now: datetime) -> bool:
    next_update = crl.next_update_utc
    return next_update is None or now.astimezone(timezone.utc) <= next_update
