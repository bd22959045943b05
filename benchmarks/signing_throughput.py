"""Signing throughput on this machine: raw key operations, pyHanko used naively, and our engine.

Run: ``.venv/bin/python -m benchmarks.signing_throughput`` (one process; rates are per CPU second,
so per core, whatever else the shared machine is doing).

Prints the raw RSA-2048 and ECDSA P-256 signing rates of cryptography/OpenSSL, pyHanko used
naively (``SimpleSigner.load`` per signature, size found by a dummy signing pass, invisible
signature), our PAdES B-T engine with the Vietnamese QR stamp on a one-page PDF (and B-LT,
with the DSS revision) and on a 20 MB scan (file in, temporary file out, peak Python memory), the ratios, and the time to
sign a batch of 1,000 học bạ with one key.
"""
from __future__ import annotations

import io
import os
import tempfile
import time
import tracemalloc
from pathlib import Path

from asn1crypto import crl as asn1_crl
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers

from services.signing.adapters.pades import PadesEngine, SigningIdentity, StampPlacement
from services.signing.adapters.pdf_checks import check_signable
from services.signing.adapters.raw_signing import sign_raw
from services.signing.adapters.x509_issuer import new_key
from services.signing.testing import DevPki, one_page_pdf, sample_stamp, scan_pdf

PLACEMENT = StampPlacement(0, (40, 40, 340, 130))


def rate(fn, seconds: float = 1.5) -> float:
    """Calls of ``fn`` per CPU second of this process over about ``seconds`` of CPU time.

    CPU time, not wall time: the machine is shared, and the figure wanted is per core.
    """
    fn()
    count, start = 0, time.process_time()
    while time.process_time() - start < seconds:
        fn()
        count += 1
    return count / (time.process_time() - start)


def raw_rates() -> tuple[float, float]:
    rsa_key, ec_key = new_key("rsa"), new_key("ec")
    data = os.urandom(64)
    rsa = rate(lambda: rsa_key.sign(data, padding.PKCS1v15(), hashes.SHA256()))
    ecdsa = rate(lambda: ec_key.sign(data, ec.ECDSA(hashes.SHA256())))
    return rsa, ecdsa


def naive_rate(pki: DevPki, holder, pdf: bytes, folder: Path) -> float:
    """pyHanko as the documentation's first example uses it: load the key for every signature."""
    key_file, cert_file, ca_file = folder / "key.pem", folder / "cert.pem", folder / "ca.pem"
    key_file.write_bytes(holder.key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    cert_file.write_bytes(holder.certificate.public_bytes(serialization.Encoding.PEM))
    ca_file.write_bytes(pki.ca.public_bytes(serialization.Encoding.PEM))
    timestamper = pki.timestamper()

    def once() -> None:
        signer = signers.SimpleSigner.load(str(key_file), str(cert_file), ca_chain_files=(str(ca_file),))
        meta = signers.PdfSignatureMetadata(field_name="Sig", subfilter=fields.SigSeedSubFilter.PADES)
        signers.PdfSigner(meta, signer=signer, timestamper=timestamper).sign_pdf(
            IncrementalPdfFileWriter(io.BytesIO(pdf)))

    return rate(once, 3.0)


_IDENTITIES: dict[int, SigningIdentity] = {}


def ours_once(engine: PadesEngine, pki: DevPki, holder, source, output, code: str = "HB7Q2K9M",
              crls=None) -> None:
    """One signature the way the service makes it: check, prepare, sign with the kept key, complete.

    The signer's identity is built once per signer, as the service builds it once per batch.
    """
    identity = _IDENTITIES.setdefault(id(holder), pki.identity(holder))
    prepared = engine.prepare(check_signable(source), output, identity=identity, field_name="KyHieuTruong",
                              stamp=sample_stamp(code=code), placement=PLACEMENT)
    engine.complete(output, prepared, identity=identity, signature=sign_raw(holder.key, prepared.data_to_sign),
                    revocation_crls=crls)


def lt_once(engine: PadesEngine, pki: DevPki, holder, crls) -> None:
    """A signature with its DSS revision (certificates and the district CRL): B-LT."""
    ours_once(engine, pki, holder, io.BytesIO(one_page_pdf()), io.BytesIO(), crls=crls)


def scan_figures(engine: PadesEngine, pki: DevPki, holder, folder: Path) -> tuple[float, float, int]:
    """Signatures per second on a 20 MB scan (file to temporary file) and peak Python memory in MB."""
    scan = folder / "scan.pdf"
    scan.write_bytes(scan_pdf())
    size = scan.stat().st_size

    def once() -> None:
        with open(scan, "rb") as source, tempfile.TemporaryFile(dir=folder) as output:
            ours_once(engine, pki, holder, source, output)

    once()
    tracemalloc.start()
    once()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return rate(once, 4.0), peak / 1e6, size


def batch_seconds(engine: PadesEngine, pki: DevPki, holder, count: int = 1000) -> tuple[float, float]:
    """Wall and CPU time to sign ``count`` distinct one-page học bạ with one unlocked key."""
    documents = [one_page_pdf() for _ in range(20)]
    start, cpu = time.perf_counter(), time.process_time()
    for i in range(count):
        output = io.BytesIO()
        ours_once(engine, pki, holder, io.BytesIO(documents[i % len(documents)]), output, code=f"HB{i:06d}")
    return time.perf_counter() - start, time.process_time() - cpu


def main() -> None:
    pki = DevPki()
    holder = pki.issue("Phạm Văn Hùng")
    pdf = one_page_pdf()
    engine = PadesEngine(timestamper=pki.timestamper())
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rsa, ecdsa = raw_rates()
        print(f"raw RSA-2048 sign (OpenSSL via cryptography):   {rsa:9.0f} /s")
        print(f"raw ECDSA P-256 sign (OpenSSL via cryptography): {ecdsa:9.0f} /s  ({ecdsa / rsa:.0f}x RSA)")
        naive = naive_rate(pki, holder, pdf, folder)
        print(f"pyHanko naive, one page, B-T, invisible:         {naive:9.1f} /s")
        ours = rate(lambda: ours_once(engine, pki, holder, io.BytesIO(pdf), io.BytesIO()), 4.0)
        print(f"ours, one page, B-T, Vietnamese QR stamp:        {ours:9.1f} /s  "
              f"({ours / naive:.1f}x naive; {100 * ours / rsa:.1f}% of raw RSA rate; target >= 60)")
        crls = [asn1_crl.CertificateList.load(pki.crl().public_bytes(serialization.Encoding.DER))]
        lt = rate(lambda: lt_once(engine, pki, holder, crls), 3.0)
        print(f"ours, one page, B-LT (DSS with the district CRL): {lt:9.1f} /s")
        scan_rate, peak_mb, size = scan_figures(engine, pki, holder, folder)
        print(f"ours, {size / 1e6:.1f} MB scan, file to temp file:       {scan_rate:9.1f} /s  "
              f"(peak Python memory {peak_mb:.1f} MB, {peak_mb * 1e6 / size:.2f}x the file)")
        wall, cpu = batch_seconds(engine, pki, holder)
        print(f"batch of 1,000 học bạ, one key, one core:        {wall:9.1f} s   wall, {cpu:.1f} s CPU (target < 60 s)")


if __name__ == "__main__":
    main()
