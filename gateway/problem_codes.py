"""Problem codes the gateway answers with itself beyond the kernel's (``KERNEL_CODES``).

Answers relayed from a service keep that service's code.
"""
from __future__ import annotations

PROBLEM_CODES: dict[str, str] = {
    "missing-token": "A protected route was called without an access token.",
    "incomplete-body": "The request body stopped before its announced length.",
}
