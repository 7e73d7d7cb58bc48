"""Packaged Alembic migrations on both backends: up, down to base, up again, and agreement with the models."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import inspect

from monitor.records import PollRecord
from monitor.store import Store, db
from monitor.store.schema import Base
from tests.helpers import SOURCES, article, run_in_threads, story

TABLES = {"sources", "stories", "articles", "alerts", "deliveries"}


def tables(url: str) -> set[str]:
    engine = db.make_engine(url)
    try:
        return db.table_names(engine) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_downgrade_to_base_and_upgrade_again(db_url: str) -> None:
    assert db.current_revision(db_url) is None and tables(db_url) == set()

    db.upgrade(db_url)
    assert db.current_revision(db_url) == db.head_revision() == "0002"
    assert tables(db_url) == TABLES

    db.downgrade(db_url, "base")
    assert db.current_revision(db_url) is None and tables(db_url) == set()

    db.upgrade(db_url)
    with Store.open(db_url) as store:
        assert store.save_article(article(1), story(), []).created


def test_head_schema_matches_the_models(db_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    db.upgrade(db_url)
    engine = db.make_engine(db_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
            assert {c["name"] for c in inspect(conn).get_unique_constraints("alerts")} == {
                "uq_alerts_dedup_key_channel"
            }
    finally:
        engine.dispose()


def test_opening_again_keeps_the_data(db_url: str) -> None:
    with Store.open(db_url) as store:
        store.sync_sources(SOURCES)
        now = datetime(2025, 3, 1, tzinfo=UTC)
        store.record_poll("verge", PollRecord("ok", now, now, etag='"e"'))
    db.upgrade(db_url)  # already at head: nothing to do
    with Store.open(db_url) as store:
        state = store.source_state("verge")
        assert state is not None and (state.etag, state.polls) == ('"e"', 1)


def test_a_connection_switching_a_locked_fresh_file_to_wal_tries_again(tmp_path: Path) -> None:
    # Another connection holds the fresh file (SQLite fails a switch that would deadlock at once, busy handler or
    # not; here the switching connection simply has none). Once the lock is gone, the retry switches.
    path = tmp_path / "fresh.db"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    switching = sqlite3.connect(path, isolation_level=None, timeout=0)
    releaser = threading.Timer(0.1, lambda: holder.execute("COMMIT"))
    releaser.start()
    try:
        db._switch_to_wal(switching.cursor())
        assert switching.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        releaser.join()
        switching.close()
        holder.close()


def test_workers_opening_a_fresh_database_together_migrate_it_once(db_url: str) -> None:

    stores = run_in_threads(4, lambda i: Store.open(db_url))
    try:
        assert db.current_revision(db_url) == db.HEAD_REVISION
        assert [s.article_count() for s in stores] == [0, 0, 0, 0]
    finally:
        for store in stores:
            store.close()


def test_the_head_constant_is_the_newest_migration() -> None:
    # Opening a database compares its revision with HEAD_REVISION instead of reading the scripts: a new
    # migration must move the constant too, or databases would never be upgraded to it.
    assert db.head_revision() == db.HEAD_REVISION


def test_opening_a_database_at_head_does_not_load_alembic(db_url: str) -> None:
    db.upgrade(db_url)
    code = (
        "import sys; from monitor.store import Store\n"
        f"Store.open({db_url!r}).close()\n"
        "print('alembic' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"  # start-up of every command pays ~100 ms less
