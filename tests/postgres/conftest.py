"""A fresh PostgreSQL database per test, on the server named by NEWSLEDGER_TEST_PG_URL.

Start a throw-away server with ``scripts/pg-test-cluster.sh start`` (it prints the
URL); without the variable every test here is skipped with that hint.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

ENV = "NEWSLEDGER_TEST_PG_URL"


@pytest.fixture
def pg_url() -> Iterator[str]:
    base = os.environ.get(ENV)
    if not base:
        pytest.skip(f"{ENV} is not set; start a server with: scripts/pg-test-cluster.sh start")
    pytest.importorskip("psycopg")
    from sqlalchemy import create_engine, text

    from newsledger.store import normalise_url

    url = normalise_url(base)
    name = f"newsledger_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield url.set(database=name).render_as_string(hide_password=False)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
