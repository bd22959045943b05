"""The identity service verifies its own tokens (on its API) from its own key store, without HTTP."""
from __future__ import annotations

from typing import Any

from joserfc.jwk import KeySet

from services.identity.adapters.keystore import SigningKeys


class LocalKeySource:
    """A kernel ``KeySource`` over this process's signing keys (the same keys its JWKS publishes)."""

    def __init__(self, *, keys: SigningKeys) -> None:
        self._keys = keys
        self._jwks: dict | None = None
        self._by_kid: dict[str, Any] = {}

    def key_for(self, kid: str) -> Any:
        jwks = self._keys.jwks()
        if jwks is not self._jwks:
            self._by_kid = {k.kid: k for k in KeySet.import_key_set(jwks).keys}
            self._jwks = jwks
        return self._by_kid.get(kid)
