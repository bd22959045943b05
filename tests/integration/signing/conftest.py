"""A real PKCS#11 token (SoftHSM2) holding an RSA key and its certificate, for the agent tests.

SoftHSM reads ``SOFTHSM2_CONF`` when the module is first initialised in a process, so the
token directory is made once per test session, before python-pkcs11 loads the module.
"""
from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pkcs11
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pkcs11 import Attribute, KeyType
from pkcs11.util.x509 import decode_x509_certificate

from services.signing.testing import DevPki, Holder

SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so"
TOKEN_LABEL = "hoso-van-thu"
TOKEN_PIN = "135790"


@dataclass
class SoftToken:
    module: str
    label: str
    pin: str
    conf: str
    holder: Holder  # certificate of the key on the token; holder.key is None

    def env(self) -> dict[str, str]:
        return {**os.environ, "SOFTHSM2_CONF": self.conf}


@pytest.fixture(scope="session")
def signing_pki() -> DevPki:
    return DevPki()


@pytest.fixture(scope="session")
def soft_token(tmp_path_factory, signing_pki: DevPki) -> Iterator[SoftToken]:
    folder: Path = tmp_path_factory.mktemp("softhsm")
    (folder / "tokens").mkdir()
    conf = folder / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    previous = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", TOKEN_LABEL, "--pin", TOKEN_PIN,
                    "--so-pin", "24681357"], check=True, capture_output=True, env=os.environ.copy())
    token = pkcs11.lib(SOFTHSM_MODULE).get_token(token_label=TOKEN_LABEL)
    with token.open(rw=True, user_pin=TOKEN_PIN) as session:
        public, _private = session.generate_keypair(
            KeyType.RSA, 2048, id=b"\x01", label="Trường Tiểu học Hòa Phong", store=True)
        public_key = rsa.RSAPublicNumbers(
            int.from_bytes(public[Attribute.PUBLIC_EXPONENT], "big"),
            int.from_bytes(public[Attribute.MODULUS], "big"),
        ).public_key()
        # valid over the fixed clocks the flow tests use (school year 2025-2026) and today
        holder = signing_pki.issue("Trường Tiểu học Hòa Phong", public_key=public_key, days=6 * 365,
                                   not_before=signing_pki.now - timedelta(days=3 * 365))
        template = decode_x509_certificate(holder.certificate.public_bytes(serialization.Encoding.DER))
        template.update({Attribute.TOKEN: True, Attribute.ID: b"\x01", Attribute.LABEL: "Trường Tiểu học Hòa Phong"})
        session.create_object(template)
    yield SoftToken(SOFTHSM_MODULE, TOKEN_LABEL, TOKEN_PIN, str(conf), holder)
    if previous is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = previous
