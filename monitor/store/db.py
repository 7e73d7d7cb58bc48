"""Engines and migrations: the only place that knows SQLite from PostgreSQL at connection level.

``make_engine(url)`` gives an engine configured for the service's access pattern; ``upgrade(url)`` and
``downgrade(url, rev)`` run the packaged Alembic migrations programmatically (no alembic.ini needed).
Every SQLAlchemy/driver error leaving this package is a ``StoreError`` naming the password-masked URL.
"""

from __future__ import annotations

import functools
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from monitor.errors import StoreError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

#: The newest migration's revision; ``tests/test_migrations.py`` checks it against the scripts. Opening a
#: database already there reads one row and never imports Alembic (~100 ms of every command's start-up).
HEAD_REVISION = "0002"

#: How long a SQLite writer waits for another writer before failing (ms). A poll cycle's transactions are
#: milliseconds long; 15 s only matters when a CLI command and the service write at the same moment.
SQLITE_BUSY_TIMEOUT_MS = 15_000

#: How often a connection tries to switch a fresh SQLite file to WAL, and the first pause between tries
#: (``_switch_to_wal``): at most ~1 s in all.
WAL_ATTEMPTS = 6
WAL_RETRY_SECONDS = 0.05

#: Execution option naming the BEGIN mode for a SQLite transaction; see ``_sqlite_begin``.
SQLITE_BEGIN = "monitor_sqlite_begin"


def parse_url(url: str) -> URL:
    """Parse a database URL; plain ``postgresql://`` means psycopg 3 (psycopg2 is not installed)."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"not a database URL: {mask(url)!r}") from exc
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise StoreError(f"{mask(url)}: unsupported database (use sqlite:/// or postgresql+psycopg://)")
    return parsed


def mask(url: str | URL) -> str:
    """The URL with its password replaced by ***, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparsable database URL>"


def sqlite_path(url: str | URL) -> Path | None:
    """The database file of a SQLite URL, or None for PostgreSQL and in-memory SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def make_engine(url: str) -> Engine:
    parsed = parse_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    with translate(parsed):
        # pre_ping: a long-running service outlives server restarts and idle-connection reaping.
        return create_engine(parsed, pool_pre_ping=True)


def _sqlite_engine(url: URL) -> Engine:
    path = sqlite_path(url)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"{mask(url)}: cannot create directory {path.parent}: {exc}") from exc
    with translate(url):
        engine = create_engine(url)
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    # Take transaction control away from the sqlite3 module (it would BEGIN lazily, only before DML, which
    # makes reads unrepeatable and lets two deferred writers deadlock); _sqlite_begin emits BEGIN instead.
    # This is SQLAlchemy's documented recipe for pysqlite.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        # busy_timeout first: switching a fresh file to WAL needs a lock, and without a busy handler a
        # process opening the database while another migrates it failed at once with "database is locked"
        # (seen in test_workers_opening_a_fresh_database_together_migrate_it_once under load).
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        # WAL: readers (CLI status, health checks) never block the writer or each other.
        _switch_to_wal(cursor)
        cursor.execute("PRAGMA foreign_keys=ON")
        # NORMAL is durable against application crashes in WAL mode; only an OS crash can lose the last
        # transactions, which the next poll re-fetches anyway.
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def _switch_to_wal(cursor: sqlite3.Cursor) -> None:
    """``PRAGMA journal_mode=WAL``, tried again a few times when the file is locked.

    On a fresh file (still in rollback mode) the switch reads the header under a shared lock, then needs the
    exclusive one. When two connections switch at once, each holds a shared lock the other must wait out, and
    SQLite fails one at once, without calling the busy handler, rather than deadlock (seen in
    test_workers_opening_a_fresh_database_together_migrate_it_once under load). The mode is stored in the file,
    so once any connection has switched, the retry is a no-op that needs no exclusive lock."""
    for attempt in range(1, WAL_ATTEMPTS + 1):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == WAL_ATTEMPTS:
                raise
            time.sleep(WAL_RETRY_SECONDS * attempt)


def _sqlite_begin(conn: Any) -> None:
    # Writers ask for BEGIN IMMEDIATE: the write lock is taken up front, where busy_timeout applies. A
    # deferred transaction that reads and then writes can fail with SQLITE_BUSY at once instead of waiting.
    mode = conn.get_execution_options().get(SQLITE_BEGIN, "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")


@contextmanager
def translate(url: str | URL, doing: str | None = None) -> Iterator[None]:
    """Turn SQLAlchemy and driver errors into ``StoreError`` naming the (masked) URL and the reason."""
    try:
        yield
    except SQLAlchemyError as exc:
        raise StoreError(_describe(url, doing, exc)) from exc
    except sqlite3.Error as exc:  # raised directly by PRAGMAs in the connect hook
        raise StoreError(_describe(url, doing, exc)) from exc


def _describe(url: str | URL, doing: str | None, exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    reason = str(orig if orig is not None else exc).strip().splitlines()
    head = f"{mask(url)}: {doing} failed" if doing else mask(url)
    return f"{head}: {reason[0] if reason else type(exc).__name__}"


# Alembic's command API installs module-level proxies (alembic.context, alembic.op) for the duration of a
# command, so two threads migrating at once corrupt each other. Processes are serialised by the database
# (advisory lock / BEGIN IMMEDIATE, see migrations/env.py); threads of one process by this lock.
_ALEMBIC = threading.Lock()


def alembic_config(connection: Any = None) -> Any:
    """An Alembic Config pointing at the packaged migrations, optionally bound to an open connection."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade_engine(engine: Engine, revision: str = "head") -> None:
    """Migrate the database behind ``engine`` (one transaction; concurrent callers are serialised)."""
    if revision == "head" and _revision(engine) == HEAD_REVISION:
        return  # the common case on every open: no Alembic import, no migration scripts loaded
    from alembic import command

    writer = engine.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
    with _ALEMBIC, translate(engine.url, f"upgrade to {revision}"), writer.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def downgrade_engine(engine: Engine, revision: str) -> None:
    from alembic import command

    writer = engine.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
    with _ALEMBIC, translate(engine.url, f"downgrade to {revision}"), writer.begin() as connection:
        command.downgrade(alembic_config(connection), revision)


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` (``monitor db upgrade``)."""
    engine = make_engine(url)
    try:
        upgrade_engine(engine, revision)
    finally:
        engine.dispose()


def downgrade(url: str, revision: str) -> None:
    """Revert migrations down to ``revision`` ("base" empties the database of monitor's tables)."""
    engine = make_engine(url)
    try:
        downgrade_engine(engine, revision)
    finally:
        engine.dispose()


def current_revision(url: str) -> str | None:
    """The revision the database is at, or None when it was never migrated."""
    engine = make_engine(url)
    try:
        return _revision(engine)
    finally:
        engine.dispose()


def _revision(engine: Engine) -> str | None:
    # What Alembic's MigrationContext.get_current_revision reads, without importing Alembic.
    with translate(engine.url, "read revision"), engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


@functools.cache
def head_revision() -> str | None:
    """The head as the migration scripts say (imports Alembic; ``HEAD_REVISION`` is the fast copy)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def table_names(engine: Engine) -> set[str]:
    with translate(engine.url, "inspect"), engine.connect() as connection:
        return set(inspect(connection).get_table_names())


def ping(engine: Engine) -> None:
    """Fail with StoreError unless the database answers."""
    with translate(engine.url, "connect"), engine.connect() as connection:
        connection.execute(text("SELECT 1"))
