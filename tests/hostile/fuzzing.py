"""How many examples the property tests run: a bounded few in ``make test``, more in ``make fuzz``.

``NEWSLEDGER_FUZZ_SCALE`` multiplies every test's example count (``make fuzz`` sets 25).
"""

from __future__ import annotations

import os


def examples(n: int) -> int:
    """``n`` examples, times ``NEWSLEDGER_FUZZ_SCALE`` (default 1)."""
    try:
        scale = max(1, int(os.environ.get("NEWSLEDGER_FUZZ_SCALE", "1")))
    except ValueError:
        scale = 1
    return n * scale
