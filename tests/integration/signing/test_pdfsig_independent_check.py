"""An independent reader (poppler's pdfsig, on NSS) shows our signatures valid for the named signer."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from services.signing.adapters.pades import PadesEngine, StampPlacement
from services.signing.testing import DevPki, one_page_pdf, sign_locally


@pytest.fixture(scope="module")
def pki() -> DevPki:
    return DevPki()


@pytest.fixture(scope="module")
def nssdir(pki: DevPki, tmp_path_factory) -> str:
    """A throw-away NSS database trusting only the district root."""
    folder = tmp_path_factory.mktemp("nss")
    ca_file = folder / "ca.pem"
    ca_file.write_bytes(pki.ca.public_bytes(serialization.Encoding.PEM))
    subprocess.run(["certutil", "-N", "-d", f"sql:{folder}", "--empty-password"], check=True, capture_output=True)
    subprocess.run(["certutil", "-A", "-d", f"sql:{folder}", "-n", "HoSo district CA", "-t", "CT,C,C",
                    "-i", str(ca_file)], check=True, capture_output=True)
    return f"sql:{folder}"


def pdfsig(nssdir: str, path: Path) -> str:
    run = subprocess.run(["pdfsig", "-nssdir", nssdir, str(path)], capture_output=True, text=True)
    return run.stdout + run.stderr


def test_pdfsig_shows_each_signature_valid_and_trusted_for_the_named_signer(pki, nssdir, tmp_path):
    engine = PadesEngine(timestamper=pki.timestamper())
    doc = sign_locally(engine, pki, pki.issue("Nguyễn Thị Lệ Thủy"), one_page_pdf(), field_name="KyGVCN",
                       placement=StampPlacement(0, (30, 30, 290, 110)))
    doc = sign_locally(engine, pki, pki.issue("Phạm Văn Hùng"), doc, field_name="KyHieuTruong",
                       placement=StampPlacement(0, (305, 30, 565, 110)))
    path = tmp_path / "hoc-ba.pdf"
    path.write_bytes(doc)

    report = pdfsig(nssdir, path)
    blocks = report.split("Signature #")[1:]
    assert len(blocks) == 2
    for block, name in zip(blocks, ["Nguyễn Thị Lệ Thủy", "Phạm Văn Hùng"]):
        assert f"Signer Certificate Common Name: {name}" in block
        assert "Signature Type: ETSI.CAdES.detached" in block
        assert "Signature Validation: Signature is Valid." in block
        assert "Certificate Validation: Certificate is Trusted." in block


def test_pdfsig_detects_a_byte_changed_after_signing(pki, nssdir, tmp_path):
    engine = PadesEngine(timestamper=pki.timestamper())
    doc = bytearray(sign_locally(engine, pki, pki.issue("Phạm Văn Hùng"), one_page_pdf()))
    doc[doc.index(b"HOC BA")] = ord("X")
    path = tmp_path / "changed.pdf"
    path.write_bytes(bytes(doc))

    report = pdfsig(nssdir, path)
    assert "Signature is Valid." not in report
    assert "Digest Mismatch" in report or "Signature is Invalid" in report
