"""Problem codes identity answers with beyond the kernel's (``KERNEL_CODES``), declared in its OpenAPI."""
from __future__ import annotations

PROBLEM_CODES: dict[str, str] = {
    "outside-account-authority": "The caller's authority does not cover every role the person holds.",
    "identifier-collision": "A username equal to an organisation id, or an organisation id equal to a username.",
    "federation-discovery-failed": "An outside provider's OpenID Connect discovery document could not be fetched or "
                                   "is unusable (field: issuer).",
}
