"""The development time-stamping authority (RFC 3161) of the all-in-one mode.

pyHanko's ``DummyTimeStamper`` builds proper RFC 3161 tokens but reloads its RSA key for
every token (about 60 ms); this subclass signs with a key object loaded once. Production
points ``HOSO_SIGNING_TSA_URL`` at a licensed TSA through pyHanko's ``HTTPTimeStamper``.
"""
from __future__ import annotations

from datetime import datetime

from asn1crypto import cms, core, keys, tsp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from pyhanko.sign import general
from pyhanko.sign.general import simple_cms_attribute
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from services.signing.adapters.x509_issuer import to_asn1


class DevelopmentTsa(DummyTimeStamper):
    """A TSA acting in-process, signing tokens with a kept RSA key."""

    def __init__(self, *, key: rsa.RSAPrivateKey, certificate, chain: tuple = ()) -> None:
        tsa_cert = certificate if isinstance(certificate, asn1_x509.Certificate) else to_asn1(certificate)
        super().__init__(
            tsa_cert=tsa_cert,
            tsa_key=keys.PrivateKeyInfo.load(
                key.private_bytes(
                    serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
                )
            ),
            certs_to_embed=[c if isinstance(c, asn1_x509.Certificate) else to_asn1(c) for c in chain],
        )
        self._key = key
        self._signing_certificate = general.as_signing_certificate(self.tsa_cert).dump()

    def _sign_tst_info(self, tst_info_data: bytes, md_algorithm: str, dt: datetime):
        digest = hashes.Hash(get_pyca_cryptography_hash(md_algorithm))
        digest.update(tst_info_data)
        signed_attrs = cms.CMSAttributes([
            simple_cms_attribute("content_type", "tst_info"),
            simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(dt)})),
            simple_cms_attribute("signing_certificate", tsp.SigningCertificate.load(self._signing_certificate)),
            simple_cms_attribute("message_digest", digest.finalize()),
        ])
        signature = self._key.sign(
            signed_attrs.dump(), padding.PKCS1v15(), get_pyca_cryptography_hash(md_algorithm.upper())
        )
        return signature, signed_attrs
