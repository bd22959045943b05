"""Problem codes notifications answers with beyond the kernel's (``KERNEL_CODES``): none yet."""
from __future__ import annotations

PROBLEM_CODES: dict[str, str] = {}
