"""Shared fixtures. Database fixtures first; add others below in their own section.

Databases: ``store``, ``storage_url`` and ``db_url`` run each test on SQLite (a file in tmp_path) and on the
PostgreSQL server at 127.0.0.1:5432 (override with MONITOR_TEST_POSTGRES_URL); ``other_store`` is a second empty
store on the same backend as ``store`` (``other_storage_url`` its URL). The non-``db_url`` fixtures reuse two migrated
databases per session (``monitor_test_<random>``), emptied before each test; only ``db_url`` (an unmigrated
database, for migration tests) creates one per test. All are dropped at the end. PostgreSQL tests are skipped
when the server is unreachable, unless MONITOR_REQUIRE_POSTGRES=1, when they fail instead.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.store import Store

# Loopback servers every adapter test may use: feeds and pages (http_server), SMTP / Slack / JSON sinks.
pytest_plugins = ["tests.httpserver", "tests.sinks"]

SHARED = Path(__file__).resolve().parents[2] / "shared"

POSTGRES_ADMIN_URL = os.environ.get(
    "MONITOR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
TABLES = ("deliveries", "alerts", "articles", "stories", "sources")


# -- databases ----------------------------------------------------------------------------------------------


class PostgresServer:
    """Creates throw-away databases on the test server and drops them when the session ends."""

    def __init__(self, admin_url: str) -> None:
        from sqlalchemy.engine import make_url

        self.admin_url = make_url(admin_url)
        self.created: list[str] = []

    def _admin(self):  # psycopg connection in autocommit: CREATE/DROP DATABASE cannot run in a transaction
        import psycopg

        dsn = self.admin_url.set(drivername="postgresql").render_as_string(hide_password=False)
        return psycopg.connect(dsn, autocommit=True, connect_timeout=3)

    def create_database(self) -> str:
        name = f"monitor_test_{secrets.token_hex(6)}"
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return self.admin_url.set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        with self._admin() as conn:
            for name in self.created:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.created.clear()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = PostgresServer(POSTGRES_ADMIN_URL)
    try:
        server._admin().close()
    except Exception as exc:  # any failure to reach the server means "no PostgreSQL here"
        reason = f"PostgreSQL unreachable at {server.admin_url.render_as_string()}: {exc}"
        if os.environ.get("MONITOR_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    yield server
    server.drop_all()


@pytest.fixture(scope="session")
def postgres_store_url(postgres_server: PostgresServer) -> str:
    """One migrated database shared by the session's PostgreSQL ``store`` tests (emptied before each)."""
    return _migrated_database(postgres_server)


@pytest.fixture(scope="session")
def postgres_other_url(postgres_server: PostgresServer) -> str:
    """A second migrated database for tests that move data between two stores (``other_store``)."""
    return _migrated_database(postgres_server)


def _migrated_database(server: PostgresServer) -> str:
    from monitor.store import db

    url = server.create_database()
    db.upgrade(url)
    return url


BACKENDS = [pytest.param("sqlite", id="sqlite"), pytest.param("postgres", id="postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty, unmigrated database on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'db' / 'monitor.db'}"
    return request.getfixturevalue("postgres_server").create_database()


@pytest.fixture(params=BACKENDS)
def storage_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty database on each backend (SQLite: not yet created; PostgreSQL: migrated)."""
    return _empty_database(request, request.param, tmp_path / "monitor.db", "postgres_store_url")


@pytest.fixture
def store(storage_url: str) -> Iterator[Store]:
    """An open, migrated, empty Store on each backend."""
    opened = Store.open(storage_url)
    yield opened
    opened.close()


@pytest.fixture
def other_storage_url(storage_url: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A second empty database on the same backend as ``storage_url`` (SQLite: not yet created)."""
    backend = "sqlite" if storage_url.startswith("sqlite") else "postgres"
    return _empty_database(request, backend, tmp_path / "other.db", "postgres_other_url")


@pytest.fixture
def other_store(other_storage_url: str) -> Iterator[Store]:
    """A second open, migrated, empty Store on the same backend as ``store`` (an export's import target)."""
    with Store.open(other_storage_url) as opened:
        yield opened


def _empty_database(request: pytest.FixtureRequest, backend: str, sqlite_file: Path, postgres_fixture: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{sqlite_file}"
    url: str = request.getfixturevalue(postgres_fixture)
    _empty_postgres(url)
    return url


def _empty_postgres(url: str) -> None:
    from sqlalchemy import text

    from monitor.store import make_engine

    engine = make_engine(url)
    try:
        # DELETE + sequence restart: ~1.5 ms here, where TRUNCATE takes ~100 ms (new files, fsync).
        with engine.begin() as conn:
            for table in TABLES:
                conn.execute(text(f"DELETE FROM {table}"))
                conn.execute(text(f"ALTER SEQUENCE {table}_id_seq RESTART"))
    finally:
        engine.dispose()
