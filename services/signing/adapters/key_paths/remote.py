"""Key path (c): remote signing providers (the shape of VNPT SmartCA, Viettel MySign, MISA eSign).

The provider keeps the key; we send SHA-256 hashes of the items with a description, the user
confirms once on their phone, and the provider returns raw signatures. A batch of hundreds
of học bạ is one transaction, so one confirmation. :class:`SimulatedRemoteProvider` behaves
like such a provider for tests and for the all-in-one mode (confirm or reject stands in for
the phone).
"""
from __future__ import annotations

import enum
import hashlib
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol, Sequence

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from services.kernel.clock import Clock
from services.kernel.ids import new_id
from services.signing.adapters.key_paths.base import KeyPath, Ticket, ToBeSigned, checked
from services.signing.domain.credentials import Credential, KeyPathKind
from services.signing.domain.errors import SignatureExpired, SignatureRejected, SigningRefused


class TransactionState(str, enum.Enum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    EXPIRED = "expired"


@dataclass(frozen=True)
class HashToSign:
    id: str
    sha256: bytes


@dataclass(frozen=True)
class TransactionStatus:
    state: TransactionState
    signatures: dict[str, bytes] = field(default_factory=dict)


class RemoteSigningProvider(Protocol):
    """What every remote signing provider offers, whatever its wire format."""

    name: str

    def certificate(self, account: str) -> tuple[bytes, list[bytes]]:
        """The account's certificate (DER) and its chain."""

    def request(self, account: str, hashes: Sequence[HashToSign], description: str) -> str:
        """Ask the provider to sign ``hashes``; the user is notified on their phone. Returns a transaction id."""

    def status(self, transaction_id: str) -> TransactionStatus: ...


class RemoteKeyPath(KeyPath):
    kind = KeyPathKind.REMOTE

    def __init__(self, *, providers: dict[str, RemoteSigningProvider]) -> None:
        self._providers = providers

    def _provider(self, credential: Credential) -> RemoteSigningProvider:
        try:
            return self._providers[credential.provider or ""]
        except KeyError:
            raise SigningRefused("Nhà cung cấp ký số từ xa của chứng thư này chưa được cấu hình.") from None

    def begin(self, credential: Credential, items: Sequence[ToBeSigned], *, pin: str | None = None) -> Ticket:
        provider = self._provider(credential)
        hashes_ = [HashToSign(item.id, hashlib.sha256(item.data).digest()) for item in items]
        description = items[0].label if len(items) == 1 else f"Ký {len(items)} tài liệu trên HoSo"
        transaction_id = provider.request(credential.provider_account or credential.owner_id, hashes_, description)
        return Ticket(id=transaction_id, signatures=None)

    def collect(
        self, credential: Credential, ticket_id: str, items: Sequence[ToBeSigned]
    ) -> dict[str, bytes] | None:
        status = self._provider(credential).status(ticket_id)
        if status.state is TransactionState.PENDING:
            return None
        if status.state is TransactionState.REJECTED:
            raise SignatureRejected()
        if status.state is TransactionState.EXPIRED:
            raise SignatureExpired()
        return checked(credential, items, status.signatures)


@dataclass
class _Transaction:
    account: str
    hashes: tuple[HashToSign, ...]
    description: str
    expires_at: datetime
    state: TransactionState = TransactionState.PENDING


class SimulatedRemoteProvider:
    """An in-process remote signing provider: keys per account, confirmations by method call."""

    def __init__(self, *, name: str = "simulated", clock: Clock, ttl: timedelta = timedelta(minutes=5)) -> None:
        self.name = name
        self._clock = clock
        self._ttl = ttl
        self._keys: dict[str, PrivateKeyTypes] = {}
        self._certificates: dict[str, tuple[bytes, list[bytes]]] = {}
        self._transactions: dict[str, _Transaction] = {}
        self._lock = threading.Lock()

    def enrol(self, account: str, key: PrivateKeyTypes, certificate_der: bytes = b"",
              chain: tuple[bytes, ...] = ()) -> None:
        """Give ``account`` a key and its certificate (the provider's own enrolment, done at the provider)."""
        self._keys[account] = key
        self._certificates[account] = (certificate_der, list(chain))

    def certificate(self, account: str) -> tuple[bytes, list[bytes]]:
        """The certificate (DER) and chain of ``account``, as providers' APIs return them."""
        try:
            return self._certificates[account]
        except KeyError:
            raise SigningRefused("Tài khoản ký số từ xa không tồn tại tại nhà cung cấp.") from None

    def request(self, account: str, hashes: Sequence[HashToSign], description: str) -> str:
        if account not in self._keys:
            raise SigningRefused("Tài khoản ký số từ xa không tồn tại tại nhà cung cấp.")
        transaction_id = new_id()
        with self._lock:
            self._transactions[transaction_id] = _Transaction(
                account, tuple(hashes), description, self._clock.now() + self._ttl)
        return transaction_id

    def pending(self, account: str) -> list[tuple[str, str, int]]:
        """What the user's phone shows: (transaction id, description, number of documents)."""
        with self._lock:
            return [(tid, t.description, len(t.hashes)) for tid, t in self._transactions.items()
                    if t.account == account and t.state is TransactionState.PENDING]

    def confirm(self, transaction_id: str) -> None:
        self._transactions[transaction_id].state = TransactionState.CONFIRMED

    def reject(self, transaction_id: str) -> None:
        self._transactions[transaction_id].state = TransactionState.REJECTED

    def status(self, transaction_id: str) -> TransactionStatus:
        transaction = self._transactions[transaction_id]
        if transaction.state is TransactionState.PENDING and self._clock.now() > transaction.expires_at:
            transaction.state = TransactionState.EXPIRED
        if transaction.state is not TransactionState.CONFIRMED:
            return TransactionStatus(transaction.state)
        key = self._keys[transaction.account]
        return TransactionStatus(
            TransactionState.CONFIRMED, {h.id: _sign_hash(key, h.sha256) for h in transaction.hashes})


def _sign_hash(key: PrivateKeyTypes, digest: bytes) -> bytes:
    prehashed = utils.Prehashed(hashes.SHA256())
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(digest, padding.PKCS1v15(), prehashed)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(digest, ec.ECDSA(prehashed))
    raise TypeError(f"unsupported key type {type(key).__name__}")
