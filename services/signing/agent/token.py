"""Signing on a PKCS#11 token (a USB token, or SoftHSM2 in tests) with python-pkcs11.

The private key is found through the certificate the server expects: the token's
certificate object with exactly that DER value gives the ``CKA_ID`` of the key. RSA keys sign
with ``CKM_SHA256_RSA_PKCS``; EC keys sign the SHA-256 digest with ``CKM_ECDSA`` and the
result is DER-encoded as CMS expects.
"""
from __future__ import annotations

import hashlib

import pkcs11
from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass
from pkcs11.util.ec import encode_ecdsa_signature


class TokenError(Exception):
    """A token problem, described in Vietnamese for the person at the keyboard."""


class TokenSession:
    """An open, logged-in session on one token; use as a context manager."""

    def __init__(self, *, module: str, pin: str, token_label: str | None = None) -> None:
        self._module = module
        self._pin = pin
        self._label = token_label
        self._session = None

    def __enter__(self) -> "TokenSession":
        try:
            lib = pkcs11.lib(self._module)
            token = lib.get_token(token_label=self._label) if self._label else next(iter(lib.get_slots(token_present=True))).get_token()
        except (pkcs11.exceptions.NoSuchToken, StopIteration) as exc:
            raise TokenError("Không tìm thấy thiết bị ký số (USB token). Hãy cắm token rồi thử lại.") from exc
        except pkcs11.exceptions.MultipleTokensReturned as exc:
            raise TokenError("Có nhiều token đang cắm; hãy chỉ định nhãn token (--token-label).") from exc
        try:
            self._session = token.open(user_pin=self._pin)
        except pkcs11.exceptions.PinIncorrect as exc:
            raise TokenError("Mã PIN của token không đúng.") from exc
        except pkcs11.exceptions.PinLocked as exc:
            raise TokenError("Token đã bị khóa do nhập sai mã PIN nhiều lần.") from exc
        return self

    def __exit__(self, *exc) -> None:
        if self._session is not None:
            self._session.close()

    def certificates(self) -> list[bytes]:
        """DER of every X.509 certificate stored on the token."""
        return [obj[Attribute.VALUE] for obj in self._session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE})]

    def _key_for(self, certificate_der: bytes):
        # finish the object search before the next operation: PKCS#11 allows one at a time per session
        found = [obj[Attribute.ID] for obj in self._session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE})
                 if obj[Attribute.VALUE] == certificate_der]
        if found:
            return self._session.get_key(object_class=ObjectClass.PRIVATE_KEY, id=found[0])
        raise TokenError("Token này không chứa chứng thư số mà máy chủ yêu cầu ký.")

    def sign_all(self, certificate_der: bytes, items: list[tuple[str, bytes]]) -> dict[str, bytes]:
        """Sign each ``(id, data)`` with the key of ``certificate_der``; SHA-256."""
        key = self._key_for(certificate_der)
        if key.key_type == KeyType.RSA:
            return {item_id: key.sign(data, mechanism=Mechanism.SHA256_RSA_PKCS) for item_id, data in items}
        if key.key_type == KeyType.EC:
            return {
                item_id: encode_ecdsa_signature(key.sign(hashlib.sha256(data).digest(), mechanism=Mechanism.ECDSA))
                for item_id, data in items
            }
        raise TokenError("Loại khóa trên token không được hỗ trợ (chỉ RSA hoặc ECDSA).")
