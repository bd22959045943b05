"""Problem codes notifications answers with beyond the kernel's (``KERNEL_CODES``), declared in its OpenAPI."""
from __future__ import annotations

PROBLEM_CODES: dict[str, str] = {
    "kind-not-mutable": "Security, overdue and escalation messages cannot be turned off on a channel.",
    "invalid-phone": "The Zalo phone number is not a Vietnamese mobile number.",
    "unsafe-webhook-url": "The webhook URL is not https or resolves to a private, loopback or reserved address.",
}
