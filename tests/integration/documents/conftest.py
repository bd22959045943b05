"""Integration fixtures: the unit fixtures' data helpers plus real adapters."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "unit" / "documents"))
