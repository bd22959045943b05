"""The identity service verifies its own tokens (on its API) from its own key store, without HTTP."""
from __future__ import annotations

from typing import Any

from services.identity.adapters.keystore import SigningKeys


class LocalKeySource:
    """A kernel ``KeySource`` over this process's signing keys (exactly the keys its JWKS publishes)."""

    def __init__(self, *, keys: SigningKeys) -> None:
        self._keys = keys

    def key_for(self, kid: str) -> Any:
        return self._keys.published_key(kid)
