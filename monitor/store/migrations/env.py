"""Alembic environment for monitor's packaged migrations.

Run programmatically by ``monitor.store.db`` with an open connection in ``config.attributes["connection"]``
(the caller owns its transaction). Running the ``alembic`` command line against a URL is not supported here:
use ``monitor db upgrade``, which goes through the same engine configuration (SQLite pragmas and all).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from monitor.store.schema import Base

# PostgreSQL advisory-lock key (any constant) serialising concurrent "migrate on open" by several workers.
MIGRATION_LOCK_KEY = 0x6D6F6E69746F72  # "monitor"


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("monitor migrations run through monitor.store.db (monitor db upgrade)")
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite cannot ALTER most things; batch mode recreates the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        transactional_ddl=True,
        compare_type=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Held until the caller's transaction ends; a second worker waits, then finds the schema at head.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("offline (--sql) migrations are not supported")
run_migrations_online()
