"""Helpers of ``benchmarks/run_all.py``: machine facts, data, peers, timing, tables.

``tests/reference.py`` holds the independent objective every gap is measured
with; this package puts ``tests/`` on the import path so that ``reference``
is importable from the benchmark scripts.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "tests") not in sys.path:
    sys.path.insert(0, str(ROOT / "tests"))
