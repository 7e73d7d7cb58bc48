"""``Store``: the one object the rest of monitor uses to read and write the database.

Every public method is one short transaction and returns ``monitor.records`` values, never ORM objects, so
callers cannot trigger lazy loads or hold connections. Writes are idempotent (unique keys + ON CONFLICT DO
NOTHING) so that a retried poll or a second worker never doubles an article or an alert.

Concurrency: on PostgreSQL several workers may share the database; sources and alerts are claimed with
``FOR UPDATE SKIP LOCKED`` plus expiring leases. On SQLite there is one writer process (``acquire_run_lock``)
and write transactions start with ``BEGIN IMMEDIATE`` (see ``db._sqlite_begin``).
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import IO, Any, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    CursorResult,
    Engine,
    Select,
    Table,
    and_,
    bindparam,
    delete,
    func,
    literal_column,
    null,
    or_,
    select,
    update,
)
from sqlalchemy import insert as sql_insert
from sqlalchemy.orm import Session, sessionmaker

from monitor.errors import StoreError
from monitor.records import (
    STORY_PLACEHOLDER,
    AlertKind,
    AlertRow,
    AlertStatus,
    ArticleKeys,
    NewAlert,
    NewArticle,
    NewStory,
    PollRecord,
    SaveArticle,
    SavedArticle,
    SourceState,
    StoredArticle,
    StoredStory,
    StoryMemoryRow,
)
from monitor.store import db
from monitor.store.portable import PortableRows
from monitor.store.schema import Alert, Article, Delivery, Source, Story

#: Rows per page when streaming ``story_memory``; each page is its own short read transaction.
MEMORY_PAGE = 2000
#: Entries per query of ``known_entries`` (two IN lists of at most this many parameters each).
KNOWN_CHUNK = 400
#: The advisory lock key of ``Store.story_writes`` (any constant; ours spells "monitor" in ASCII).
STORY_LOCK_KEY = 0x6D6F6E69746F72


def guid_key(source: str, guid: str | None) -> str | None:
    """GUIDs are only unique within one feed, so the stored key includes the source (unit separator)."""
    return f"{source}\x1f{guid}" if guid else None


def _now() -> datetime:
    return datetime.now(UTC)


class RunLock:
    """An exclusive OS lock on ``<dbfile>.lock``; released by ``release()`` or when the process exits."""

    def __init__(self, path: Path | None, handle: IO[str] | None) -> None:
        self.path = path
        self._handle = handle

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None

    def __enter__(self) -> RunLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class _Statements:
    """The ingest hot path's statements, built once with bound parameters.

    Building a statement with literal values costs more Python time than SQLite needs to run it (profiled:
    ~60 % of a save_article went to SQLAlchemy coercion and cache-key generation).
    """

    def __init__(self, insert: Callable[..., Any]) -> None:
        articles, stories, alerts = (cast(Table, m.__table__) for m in (Article, Story, Alert))
        self.insert = insert
        self.insert_article = insert(articles).on_conflict_do_nothing().returning(articles.c.id)
        self.insert_story = sql_insert(stories).returning(stories.c.id)
        self.insert_alert = (
            insert(alerts).on_conflict_do_nothing(index_elements=["dedup_key", "channel"]).returning(alerts.c.id)
        )
        self.lock_story = (
            select(Story.id, Story.outlets, Story.last_seen).where(Story.id == bindparam("id")).with_for_update()
        )
        self.find_duplicate = (
            select(Article.id, Article.story_id)
            .where(
                or_(
                    Article.canonical_url == bindparam("canonical_url"),
                    Article.guid_key == bindparam("guid_key"),
                    Article.text_hash == bindparam("text_hash"),
                )
            )
            .order_by(Article.id)
            .limit(1)
        )
        self.known_entries = select(articles.c.guid_key, articles.c.canonical_url).where(
            or_(
                articles.c.guid_key.in_(bindparam("guids", expanding=True)),
                articles.c.canonical_url.in_(bindparam("urls", expanding=True)),
            )
        )
        self.set_article_story = (
            update(articles).where(articles.c.id == bindparam("b_id")).values(story_id=bindparam("b_story_id"))
        )
        sources = cast(Table, Source.__table__)
        self.sources = sources
        # Exactly SourceState's fields, in its order: a row becomes SourceState(*row), nothing else converted.
        state_columns = [sources.c[name] for name in SourceState.__dataclass_fields__]
        self.source_states = select(*state_columns).order_by(sources.c.name)
        self.source_state = select(*state_columns).where(sources.c.name == bindparam("name"))
        self.source_id = select(sources.c.id).where(sources.c.name == bindparam("name"))
        self._record_poll: dict[tuple[tuple[str, ...], bool], Any] = {}

    def record_poll(self, columns: tuple[str, ...], by_worker: bool) -> Any:
        """The UPDATE of one poll record setting ``columns`` (bound as ``b_<column>``), cached per shape."""
        statement = self._record_poll.get((columns, by_worker))
        if statement is None:
            c = self.sources.c
            mine = c.name == bindparam("b_name")
            if by_worker:
                mine = and_(mine, c.lease_owner == bindparam("b_worker"))
            values: dict[str, Any] = {column: bindparam("b_" + column) for column in columns}
            # The constant parts are SQL literals, not parameters: each parameter is processed once per row.
            fixed = {"polls": c.polls + literal_column("1"), "lease_owner": null(), "lease_expires_at": null()}
            statement = update(self.sources).where(mine).values(**fixed, **values)
            self._record_poll[(columns, by_worker)] = statement
        return statement


class _NotAllWritten(StoreError):
    """A batch of poll records matched fewer rows than it has records: redo them one by one."""


class Store(PortableRows):
    """The database behind monitor. Whole-table reads and restores for export/import, and the Atom feed's
    query, come from the ``PortableRows`` mixin (``store.portable``)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.url = engine.url
        self.dialect = engine.dialect.name
        self._write_engine = engine.execution_options(**{db.SQLITE_BEGIN: "IMMEDIATE"})
        self._reader = sessionmaker(engine, expire_on_commit=False)
        self._writer = sessionmaker(self._write_engine, expire_on_commit=False)
        self._locks: list[RunLock] = []
        self._story_lock = threading.Lock()
        self._sql = _Statements(_dialect_insert(self.dialect))

    # -- lifecycle ---------------------------------------------------------------------------------

    @classmethod
    def open(cls, url: str) -> Store:
        """Connect and migrate to head (idempotent; concurrent openers are serialised)."""
        engine = db.make_engine(url)
        try:
            db.upgrade_engine(engine)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine)

    def close(self) -> None:
        for lock in self._locks:
            lock.release()
        self._locks.clear()
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def acquire_run_lock(self) -> RunLock:
        """Refuse a second ``monitor run`` on the same SQLite file; a no-op on PostgreSQL (many workers)."""
        path = db.sqlite_path(self.url)
        if path is None:
            return RunLock(None, None)
        lock_path = path.with_name(path.name + ".lock")
        handle = open(lock_path, "a+")  # noqa: SIM115 - kept open for as long as the lock is held
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise StoreError(f"{db.mask(self.url)} is in use by {holder} (lock file {lock_path})") from exc
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}\n")
        handle.flush()
        lock = RunLock(lock_path, handle)
        self._locks.append(lock)
        return lock

    # -- transactions ------------------------------------------------------------------------------

    @contextmanager
    def _tx(self, doing: str, *, write: bool) -> Iterator[Session]:
        maker = self._writer if write else self._reader
        with db.translate(self.url, doing), maker.begin() as session:
            yield session

    def _read(self, doing: str) -> AbstractContextManager[Session]:
        return self._tx(doing, write=False)

    def _write(self, doing: str) -> AbstractContextManager[Session]:
        return self._tx(doing, write=True)

    @contextmanager
    def _core(self, doing: str, *, write: bool) -> Iterator[Connection]:
        """A transaction on a plain connection: for the hot paths, where an ORM Session only adds cost
        (profiled: a one-row lookup took ~410 µs through a Session, ~160 µs on a connection)."""
        engine = self._write_engine if write else self.engine
        with db.translate(self.url, doing), engine.begin() as connection:
            yield connection

    def _insert(self, model: type[Any]) -> Any:
        """INSERT with ON CONFLICT support for the engine's dialect."""
        return self._sql.insert(model)

    # -- sources -----------------------------------------------------------------------------------

    def sync_sources(self, sources: Sequence[tuple[str, str, str]], *, prune: bool = True) -> None:
        """Make the sources table match the configuration: ``(name, type, url)`` each.

        Known sources keep their poll state. A changed URL is a different feed: its validators, redirect
        target and poll count are reset (polls 0 marks the next poll as a backlog again). With ``prune``,
        sources no longer configured are deleted (their articles stay).
        """
        now = _now()
        with self._write("sync sources") as s:
            # Read first and write only what differs: at every start the configuration usually matches.
            stored = {row.name: row for row in s.execute(select(Source.name, Source.type, Source.url))}
            for name, type_, url in sources:
                known = stored.get(name)
                if known is None:
                    s.execute(
                        self._insert(Source)
                        .values(name=name, type=type_, url=url, status="new", failures=0, polls=0, updated_at=now)
                        .on_conflict_do_nothing(index_elements=["name"])
                    )
                    continue
                if known.type != type_:
                    s.execute(update(Source).where(Source.name == name, Source.type != type_).values(type=type_))
                if known.url != url:
                    s.execute(
                        update(Source)
                        .where(Source.name == name, Source.url != url)  # still different: another opener may race
                        .values(
                            url=url,
                            current_url=None,
                            etag=None,
                            last_modified=None,
                            polls=0,
                            next_due_at=None,
                            status="new",
                            updated_at=now,
                        )
                    )
            configured = {name for name, _, _ in sources}
            if prune and not configured.issuperset(stored):
                s.execute(delete(Source).where(Source.name.not_in(configured)))

    def source_state(self, name: str) -> SourceState | None:
        with self._core("read source", write=False) as c:
            row = c.execute(self._sql.source_state, {"name": name}).first()
            return SourceState(*row) if row else None

    def source_states(self) -> list[SourceState]:
        with self._core("read sources", write=False) as c:
            return [SourceState(*row) for row in c.execute(self._sql.source_states)]

    def record_poll(self, name: str, poll: PollRecord, *, worker: str | None = None) -> bool:
        """Store one poll's outcome, count it, and release the source's lease.

        With ``worker`` (PostgreSQL workers, who claimed the source) the write only happens while that worker
        still holds the lease: a worker whose lease expired and was taken over is stale, and its late record
        changes nothing (returns False). Its articles were idempotent writes already.
        """
        return self.record_polls([(name, poll)], worker=worker)[0]

    def record_polls(self, records: Sequence[tuple[str, PollRecord]], *, worker: str | None = None) -> list[bool]:
        """``record_poll`` for many sources in ONE write transaction; one bool per record, in order.

        Records are grouped by the columns they set (a 200, a 304 and a failure replace different
        validators) and each group is one executemany of a prepared UPDATE. When a group updates fewer rows
        than it has records (a stale ``worker``, an unknown source) the transaction is rolled back and the
        records are written one by one, so each gets ``record_poll``'s outcome: the known sources' records are
        stored, then a ``StoreError`` names every unknown source.
        """
        if not records:
            return []
        by_worker = worker is not None
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for name, poll in records:
            values = _poll_values(poll)
            groups.setdefault(tuple(values), []).append(_poll_params(name, worker, values))
        try:
            with self._core("record polls", write=True) as c:
                for columns, rows in groups.items():
                    statement = self._sql.record_poll(columns, by_worker)
                    if _cursor(c.execute(statement, rows)).rowcount != len(rows):
                        raise _NotAllWritten
            return [True] * len(records)
        except _NotAllWritten:
            pass
        written, unknown = [], []
        with self._core("record polls", write=True) as c:
            for name, poll in records:
                values = _poll_values(poll)
                statement = self._sql.record_poll(tuple(values), by_worker)
                done = _cursor(c.execute(statement, _poll_params(name, worker, values))).rowcount == 1
                if not done and c.execute(self._sql.source_id, {"name": name}).first() is None:
                    unknown.append(name)
                written.append(done)
        if unknown:
            names = ", ".join(map(repr, unknown))
            raise StoreError(f"{db.mask(self.url)}: record poll: unknown source {names}")
        return written

    def due_sources(self, now: datetime) -> list[str]:
        """Names of sources due at ``now`` whose lease is free, unscheduled first, then most overdue."""
        with self._read("read due sources") as s:
            query = (
                select(Source.name)
                .where(_due(now), _lease_free(Source, now))
                .order_by(Source.next_due_at.is_not(None), Source.next_due_at, Source.name)
            )
            return list(s.scalars(query))

    def claim_source(self, name: str, worker: str, now: datetime, lease: timedelta) -> bool:
        """Take the source's lease if it is due and free (or already ours); False when another worker has it.

        Being due is part of the claim: otherwise a worker that saw the source due a moment ago could poll it
        again right after another worker finished (and released) it.
        """
        with self._write("claim source") as s:
            row = s.execute(
                select(Source.id)
                .where(Source.name == name, _due(now), _lease_free(Source, now, worker))
                .with_for_update(skip_locked=True)
            ).one_or_none()
            if row is None:
                return False
            s.execute(
                update(Source).where(Source.id == row.id).values(lease_owner=worker, lease_expires_at=now + lease)
            )
            return True

    def release_source(self, name: str, worker: str) -> None:
        """Give up ``worker``'s lease on a source it did not finish polling (a cancelled or failed poll), so
        another worker, or this one after a restart, polls it at once rather than when the lease expires."""
        with self._write("release source") as s:
            s.execute(
                update(Source)
                .where(Source.name == name, Source.lease_owner == worker)
                .values(lease_owner=None, lease_expires_at=None)
                .execution_options(synchronize_session=False)
            )

    # -- articles and stories ----------------------------------------------------------------------

    @contextmanager
    def story_writes(self) -> Iterator[None]:
        """Hold the one lock under which relevant articles are matched to stories and saved.

        Two workers that each see a new article about the same, not yet stored story would otherwise both
        create it and both alert. On PostgreSQL this is a session-level advisory lock on a connection of its
        own (released at the end, or by the server when the worker dies). On SQLite a `monitor crawl` or
        `monitor import` may write beside the service: an OS lock on ``<dbfile>.stories.lock`` (released by the
        kernel if the process dies), taken under a lock between this process's threads.
        """
        if self.dialect != "postgresql":
            with self._story_lock, self._story_file_lock():
                yield
            return
        with db.translate(self.url, "lock stories"):
            conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            try:
                conn.execute(select(func.pg_advisory_lock(STORY_LOCK_KEY)))
            except BaseException:
                conn.close()
                raise
        try:
            yield
        finally:
            try:
                conn.execute(select(func.pg_advisory_unlock(STORY_LOCK_KEY)))
            except BaseException:
                conn.invalidate()  # never hand a connection that may still hold the lock back to the pool
                raise
            finally:
                conn.close()

    @contextmanager
    def _story_file_lock(self) -> Iterator[None]:
        path = db.sqlite_path(self.url)
        if path is None:  # in-memory: one process by definition
            yield
            return
        with open(path.with_name(path.name + ".stories.lock"), "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def find_duplicate(self, keys: ArticleKeys) -> int | None:
        """The id of a stored article with the same GUID (per source), canonical URL or text hash."""
        with self._core("find duplicate", write=False) as c:
            return c.execute(self._sql.find_duplicate, _key_params(keys)).scalar()

    def known_entries(self, keys: Sequence[ArticleKeys]) -> list[bool]:
        """For each of a feed's entries, whether an article with its GUID (per source) or canonical URL is
        stored: ``find_duplicate`` for a whole feed in one query per ``KNOWN_CHUNK`` entries. Text hashes are
        not looked at (an entry has none before its text is read)."""
        guids = sorted({key for k in keys if (key := guid_key(k.source, k.guid)) is not None})
        urls = sorted({k.canonical_url for k in keys})
        found_guids: set[str | None] = set()
        found_urls: set[str] = set()
        with self._core("find known entries", write=False) as c:
            for start in range(0, max(len(guids), len(urls)), KNOWN_CHUNK):
                params = {"guids": guids[start : start + KNOWN_CHUNK], "urls": urls[start : start + KNOWN_CHUNK]}
                for guid, url in c.execute(self._sql.known_entries, params):
                    found_guids.add(guid)
                    found_urls.add(url)
        found_guids.discard(None)  # a row stored without GUID, found by its URL
        return [guid_key(k.source, k.guid) in found_guids or k.canonical_url in found_urls for k in keys]

    def save_article(
        self, article: NewArticle, story: NewStory | int | None, alerts: Sequence[NewAlert] = ()
    ) -> SavedArticle:
        """Store the article, its story link and its outbox rows in ONE transaction (``article_writes``)."""
        with self.article_writes() as save:
            return save(article, story, alerts)

    @contextmanager
    def article_writes(self) -> Iterator[SaveArticle]:
        """One transaction in which to save many articles (a feed's new entries): yields ``save(article, story,
        alerts) -> SavedArticle``, committed together at the end, or not at all if anything in the block raises.

        A save stores the article, its story link (a ``NewStory`` to create, or the id of a stored one: a story
        created earlier in the same block counts) and its outbox rows. Idempotent: when the article is already
        stored (any unique key, including by an earlier save of the block), its id comes back with
        ``created=False`` and nothing else is written. Alert ``dedup_key``s may say ``{story}``.

        One transaction per feed instead of per article: a SQLite commit costs more than the inserts it commits
        (docs/performance.md). A failed block saves nothing, so the caller must not record the poll as done.
        """
        with self._core("save articles", write=True) as c:
            yield partial(self._save_article, c)

    def _save_article(
        self, c: Connection, article: NewArticle, story: NewStory | int | None, alerts: Sequence[NewAlert] = ()
    ) -> SavedArticle:
        attach_to = self._lock_story(c, story) if isinstance(story, int) else None
        values = _article_values(article, story if isinstance(story, int) else None)
        article_id = c.execute(self._sql.insert_article, values).scalar_one_or_none()
        if article_id is None:
            return self._existing(c, article)
        story_id, story_created = None, False
        if isinstance(story, NewStory):
            story_id = c.execute(self._sql.insert_story, _story_values(article, story)).scalar_one()
            story_created = True
            c.execute(self._sql.set_article_story, {"b_id": article_id, "b_story_id": story_id})
        elif attach_to is not None:
            story_id = self._attach(c, attach_to, article)
        created = sum(self._insert_alert(c, alert, story_id) for alert in alerts)
        return SavedArticle(article_id, story_id, True, story_created, created)

    def _existing(self, s: Connection, article: NewArticle) -> SavedArticle:
        # On PostgreSQL ON CONFLICT waited for the competing insert to commit, so this read (a new snapshot
        # under READ COMMITTED) sees it.
        existing = s.execute(self._sql.find_duplicate, _key_params(article.keys)).first()
        if existing is None:
            raise StoreError(f"{db.mask(self.url)}: save article: conflicting row vanished, retry")
        return SavedArticle(existing.id, existing.story_id, False, False, 0)

    def _lock_story(self, s: Connection, story_id: int) -> Any:
        # Row lock (PostgreSQL) taken before the article insert: concurrent attaches to one story serialise,
        # so counts and outlets add up, and a missing story is reported as such, not as a foreign-key error.
        row = s.execute(self._sql.lock_story, {"id": story_id}).first()
        if row is None:
            raise StoreError(f"{db.mask(self.url)}: save article: story {story_id} does not exist")
        return row

    def _attach(self, s: Connection, story: Any, article: NewArticle) -> int:
        outlets = story.outlets if article.outlet in story.outlets else [*story.outlets, article.outlet]
        s.execute(
            update(Story)
            .where(Story.id == story.id)
            .values(
                article_count=Story.article_count + 1,
                last_seen=max(story.last_seen, article.fetched_at),
                outlets=outlets,
            )
        )
        return int(story.id)

    def _insert_alert(self, s: Session | Connection, alert: NewAlert, story_id: int | None) -> int:
        if STORY_PLACEHOLDER in alert.dedup_key and story_id is None:
            raise StoreError(f"{db.mask(self.url)}: alert {alert.dedup_key!r} names a story but there is none")
        values = {
            "dedup_key": alert.dedup_key.replace(STORY_PLACEHOLDER, str(story_id)),
            "channel": alert.channel,
            "topic": alert.topic,
            "story_id": story_id,
            "kind": alert.kind,
            "payload": dict(alert.payload),
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": alert.next_attempt_at,
            "created_at": _now(),
        }
        return 0 if s.execute(self._sql.insert_alert, values).scalar_one_or_none() is None else 1

    def articles(
        self,
        limit: int | None = None,
        topic: str | None = None,
        *,
        since: datetime | None = None,
        relevant: bool | None = None,
    ) -> list[StoredArticle]:
        """Stored articles, newest first. ``since``: published (or, undated, fetched) at or after it;
        ``relevant``: only those that matched a topic (True) or none (False). Filters apply before ``limit``."""
        with self._read("read articles") as s:
            query = select(Article).order_by(Article.id.desc()).limit(limit)
            if topic is not None:
                query = query.where(Article.topic == topic)
            if since is not None:
                query = query.where(func.coalesce(Article.published, Article.fetched_at) >= since)
            if relevant is not None:
                query = query.where(Article.relevant.is_(relevant))
            return [_stored_article(row) for row in s.scalars(query)]

    def story_articles(self, story_id: int) -> list[StoredArticle]:
        """A story's articles in the order they were stored (the first one started it)."""
        with self._read("read story articles") as s:
            query = select(Article).where(Article.story_id == story_id).order_by(Article.id)
            return [_stored_article(row) for row in s.scalars(query)]

    def article_count(self) -> int:
        with self._read("count articles") as s:
            return s.scalar(select(func.count()).select_from(Article)) or 0

    def stories(
        self, topic: str | None = None, *, since: datetime | None = None, limit: int | None = None
    ) -> list[StoredStory]:
        """Stories, newest first. ``since``: with coverage seen at or after it (``last_seen``)."""
        with self._read("read stories") as s:
            query = select(Story).order_by(Story.id.desc()).limit(limit)
            if topic is not None:
                query = query.where(Story.topic == topic)
            if since is not None:
                query = query.where(Story.last_seen >= since)
            return [_stored_story(row) for row in s.scalars(query)]

    def story(self, story_id: int) -> StoredStory | None:
        with self._read("read story") as s:
            row = s.get(Story, story_id)
            return _stored_story(row) if row else None

    def story_memory(self, since: datetime | None = None, after_article_id: int = 0) -> Iterator[StoryMemoryRow]:
        """Relevant articles with signatures, oldest first, in pages (no connection held between pages).

        ``since`` keeps articles published (or, undated, fetched) at or after it; ``after_article_id`` lets a
        worker catch up with what other workers stored since its last look.
        """
        last = after_article_id
        while True:
            with self._core("read story memory", write=False) as c:
                page = list(c.execute(_memory_query(since, last)))
            yield from (_memory_row(row) for row in page)
            if len(page) < MEMORY_PAGE:
                return
            last = page[-1].id

    # -- outbox ------------------------------------------------------------------------------------

    def enqueue_alerts(self, alerts: Sequence[NewAlert]) -> int:
        """Add operator/test alerts; an existing (dedup_key, channel) is left alone. Returns rows created."""
        with self._write("enqueue alerts") as s:
            return sum(self._insert_alert(s, alert, None) for alert in alerts)

    def claim_alerts(
        self, now: datetime, worker: str, limit: int = 50, lease: timedelta = timedelta(minutes=5)
    ) -> list[AlertRow]:
        """Lease up to ``limit`` due pending alerts to ``worker``; no two workers get the same alert."""
        with self._write("claim alerts") as s:
            rows = list(
                s.scalars(
                    select(Alert)
                    .where(Alert.status == "pending", Alert.next_attempt_at <= now, _lease_free(Alert, now))
                    .order_by(Alert.next_attempt_at, Alert.id)
                    .limit(limit)
                    .with_for_update(skip_locked=True)
                )
            )
            for row in rows:
                row.lease_owner, row.lease_expires_at = worker, now + lease
            return [_alert_row(row) for row in rows]

    def record_delivery(
        self,
        alert_id: int,
        ok: bool,
        error: str | None,
        now: datetime,
        next_attempt_at: datetime | None = None,
        give_up: bool = False,
    ) -> None:
        """Log one delivery attempt and move the alert on: sent, back to pending (back-off) or failed."""
        with self._write("record delivery") as s:
            row = s.scalars(select(Alert).where(Alert.id == alert_id).with_for_update()).one_or_none()
            if row is None:
                raise StoreError(f"{db.mask(self.url)}: record delivery: unknown alert {alert_id}")
            s.add(Delivery(alert_id=alert_id, attempted_at=now, ok=ok, error=error))
            row.attempts += 1
            row.lease_owner = row.lease_expires_at = None
            if row.status == "sent":  # a late report from a worker whose lease had expired: keep "sent"
                return
            _advance(row, ok, error, now, next_attempt_at, give_up)

    def alerts(
        self,
        status: str | None = None,
        *,
        topic: str | None = None,
        since: datetime | None = None,
        limit: int | None = None,
        story_id: int | None = None,
        ids: Sequence[int] | None = None,
    ) -> list[AlertRow]:
        """Outbox rows, oldest first; with ``limit``, the newest ``limit`` of them (still oldest first).
        ``since``: created at or after it."""
        with self._read("read alerts") as s:
            query = select(Alert).order_by(Alert.id.desc()).limit(limit)
            if status is not None:
                query = query.where(Alert.status == status)
            if topic is not None:
                query = query.where(Alert.topic == topic)
            if since is not None:
                query = query.where(Alert.created_at >= since)
            if story_id is not None:
                query = query.where(Alert.story_id == story_id)
            if ids is not None:
                query = query.where(Alert.id.in_(list(ids)))
            return [_alert_row(row) for row in reversed(list(s.scalars(query)))]

    def deliveries(self, alert_id: int) -> list[tuple[datetime, bool, str | None]]:
        """Every attempt at one alert, oldest first: (attempted_at, ok, error)."""
        with self._read("read deliveries") as s:
            query = select(Delivery).where(Delivery.alert_id == alert_id).order_by(Delivery.id)
            return [(row.attempted_at, row.ok, row.error) for row in s.scalars(query)]

    def retry_failed(self, ids: Sequence[int] | None = None, *, now: datetime | None = None) -> int:
        """Put failed (dead-letter) alerts back in the queue, due at once with attempts reset."""
        query = update(Alert).where(Alert.status == "failed")
        if ids is not None:
            query = query.where(Alert.id.in_(list(ids)))
        with self._write("retry failed alerts") as s:
            result = s.execute(
                query.values(
                    status="pending",
                    attempts=0,
                    next_attempt_at=now or _now(),
                    lease_owner=None,
                    lease_expires_at=None,
                )
            )
            return _cursor(result).rowcount

    def alert_counts(self) -> dict[str, int]:
        """Alerts per status; every status is present, zero when empty."""
        with self._read("count alerts") as s:
            counts = dict(s.execute(select(Alert.status, func.count()).group_by(Alert.status)).all())
        return {status: counts.get(status, 0) for status in ("pending", "sent", "failed")}

    def oldest_pending_alert(self, now: datetime) -> datetime | None:
        """Creation time of the oldest pending alert already due at ``now`` (delivery lag, for health checks).

        Alerts waiting out a back-off or quiet hours are not late, so they do not count.
        """
        with self._read("read oldest pending alert") as s:
            return s.scalar(
                select(func.min(Alert.created_at)).where(Alert.status == "pending", Alert.next_attempt_at <= now)
            )


# -- query pieces and row conversion (pure) -------------------------------------------------------------


def _dialect_insert(dialect: str) -> Callable[..., Any]:
    """The dialect's INSERT (with ON CONFLICT); only the one in use is imported (PostgreSQL's costs ~30 ms)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


def _key_params(keys: ArticleKeys) -> dict[str, str | None]:
    # A NULL key compares as unknown, so an article without GUID or text hash matches on its URL only.
    return {
        "canonical_url": keys.canonical_url,
        "guid_key": guid_key(keys.source, keys.guid),
        "text_hash": keys.text_hash,
    }


def _due(now: datetime) -> ColumnElement[bool]:
    return or_(Source.next_due_at.is_(None), Source.next_due_at <= now)


def _lease_free(model: type[Source] | type[Alert], now: datetime, worker: str | None = None) -> ColumnElement[bool]:
    free = [model.lease_owner.is_(None), model.lease_expires_at <= now]
    if worker is not None:
        free.append(model.lease_owner == worker)
    return or_(*free)


def _poll_values(poll: PollRecord) -> dict[str, Any]:
    """The columns a poll record sets, besides the poll count and the released lease (always the same)."""
    values: dict[str, Any] = {
        "status": poll.status,
        "last_polled_at": poll.polled_at,
        "next_due_at": poll.next_due_at,
        "last_error": poll.error,
        "failures": poll.failures,
        "updated_at": poll.polled_at,
    }
    if poll.success:
        values["last_success_at"] = poll.polled_at
    values.update(_validator_values(poll))
    if poll.current_url is not None:
        values["current_url"] = poll.current_url
    return values


def _poll_params(name: str, worker: str | None, values: dict[str, Any]) -> dict[str, Any]:
    params = {"b_" + column: value for column, value in values.items()}
    params["b_name"] = name
    if worker is not None:
        params["b_worker"] = worker
    return params


def _validator_values(poll: PollRecord) -> dict[str, Any]:
    """Which cache validators a poll replaces.

    A 200 replaces both (a server that stopped sending one must not get it back). A 304 may omit them
    (RFC 9110 §15.4.5 only says SHOULD), so it replaces only those it sent. A failure keeps the old ones.
    """
    if poll.status == "ok":
        return {"etag": poll.etag, "last_modified": poll.last_modified}
    if poll.status == "not_modified":
        return {k: v for k, v in (("etag", poll.etag), ("last_modified", poll.last_modified)) if v is not None}
    return {}


def _advance(
    row: Alert, ok: bool, error: str | None, now: datetime, next_attempt_at: datetime | None, give_up: bool
) -> None:
    if ok:
        row.status, row.sent_at, row.last_error = "sent", now, None
    elif give_up:
        row.status, row.last_error = "failed", error
    else:
        row.status, row.last_error, row.next_attempt_at = "pending", error, next_attempt_at or now


def _story_values(article: NewArticle, story: NewStory) -> dict[str, Any]:
    return {
        "topic": story.topic,
        "event": story.event,
        "title": story.title,
        "features": dict(story.features),
        "first_published": story.first_published,
        "first_seen": article.fetched_at,
        "last_seen": article.fetched_at,
        "article_count": 1,
        "outlets": [article.outlet],
        "cues": list(story.cues),
        "alertable": story.alertable,
    }


def _article_values(article: NewArticle, story_id: int | None) -> dict[str, Any]:
    return {
        "story_id": story_id,
        "source": article.source,
        "outlet": article.outlet,
        "url": article.url,
        "canonical_url": article.canonical_url,
        "guid_key": guid_key(article.source, article.guid),
        "text_hash": article.text_hash,
        "title": article.title,
        "text": article.text,
        "published": article.published,
        "language": article.language,
        "fetched_at": article.fetched_at,
        "relevant": article.relevant,
        "topic": article.topic,
        "event": article.event,
        "cues": list(article.cues),
        "terms": list(article.terms),
        "features": dict(article.features),
        "signature": article.signature,
        "join_reason": article.join_reason,
    }


def _memory_query(since: datetime | None, after_id: int) -> Select[Any]:
    query = (
        select(
            Article.id,
            Article.story_id,
            Article.topic,
            Article.event,
            Article.features,
            Article.signature,
            Article.published,
            Story.first_published,
        )
        .outerjoin(Story, Story.id == Article.story_id)
        .where(Article.relevant.is_(True), Article.signature.is_not(None), Article.id > after_id)
        .order_by(Article.id)
        .limit(MEMORY_PAGE)
    )
    if since is not None:
        query = query.where(func.coalesce(Article.published, Article.fetched_at) >= since)
    return query


def _cursor(result: Any) -> CursorResult[Any]:
    """DML results are cursor results (with rowcount); the generic Session.execute signature hides it."""
    return cast(CursorResult[Any], result)


def _memory_row(row: Any) -> StoryMemoryRow:
    return StoryMemoryRow(
        row.id,
        row.story_id,
        row.topic,
        row.event,
        row.features,
        bytes(row.signature),
        row.published,
        row.first_published,
    )


def _stored_article(row: Article) -> StoredArticle:
    return StoredArticle(
        row.id,
        row.source,
        row.outlet,
        row.url,
        row.title,
        row.published,
        row.fetched_at,
        row.topic,
        row.story_id,
        row.event,
        row.relevant,
        row.language,
        row.join_reason,
        tuple(row.cues or ()),
    )


def _stored_story(row: Story) -> StoredStory:
    return StoredStory(
        row.id,
        row.topic,
        row.event,
        row.title,
        row.features,
        row.first_published,
        row.first_seen,
        row.last_seen,
        row.article_count,
        tuple(row.outlets),
        tuple(row.cues),
        row.alertable,
    )


def _alert_row(row: Alert) -> AlertRow:
    return AlertRow(
        row.id,
        row.dedup_key,
        row.channel,
        row.topic,
        row.story_id,
        cast(AlertKind, row.kind),
        row.payload,
        cast(AlertStatus, row.status),
        row.attempts,
        row.next_attempt_at,
        row.last_error,
        row.created_at,
        row.sent_at,
    )
