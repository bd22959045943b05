"""Raw signatures with an already loaded ``cryptography`` key (never reloaded per call).

Loading an RSA key costs about 60 ms on OpenSSL 3 (key validation), signing about 1 ms:
callers load a key once and keep the object for the signing session.
"""
from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes, PublicKeyTypes


def sign_raw(key: PrivateKeyTypes, data: bytes) -> bytes:
    """Sign ``data`` with SHA-256: RSA PKCS#1 v1.5 or DER-encoded ECDSA."""
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(data, ec.ECDSA(hashes.SHA256()))
    raise TypeError(f"unsupported key type {type(key).__name__}")


def signature_matches(public_key: PublicKeyTypes, data: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is a SHA-256 signature of ``data`` by ``public_key``."""
    try:
        if isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        else:
            return False
    except InvalidSignature:
        return False
    return True
