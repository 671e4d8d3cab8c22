"""The ledger's persistent state: SQLAlchemy Core over SQLite (default) or PostgreSQL.

Records are stored as JSON text (:mod:`newsledger.codec`) beside the indexed key
columns they are looked up by, so the schema does not change whenever a stage adds
a field to its dataclass. Every write method is one transaction: a run killed at
any moment leaves whole batches or nothing, and rerunning completes the ledger
because inserts are keyed (content hash, rejection key) and idempotent.
"""

from __future__ import annotations

from newsledger.store import ledger_tables as ledger_tables  # registers the ledger tables
from newsledger.store.lock import LedgerBusyError
from newsledger.store.sql import LedgerDatabaseError, LedgerStore, normalise_url

# the incremental pipeline's tables live on the same metadata, so every store creates them
from newsledger.store import state as _state  # noqa: F401  isort: skip
from newsledger.store import watch_tables as _watch_tables  # noqa: F401  isort: skip
from newsledger.store import corrections as _corrections  # noqa: F401  isort: skip

__all__ = ["LedgerBusyError", "LedgerDatabaseError", "LedgerStore", "normalise_url"]
