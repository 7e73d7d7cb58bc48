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
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import IO, Any

from sqlalchemy import (
    Connection,
    Engine,
    func,
    select,
)

from monitor.errors import StoreError
from monitor.records import (
    ArticleKeys,
    NewAlert,
    NewArticle,
    NewStory,
    SaveArticle,
    SavedArticle,
    StoredArticle,
    StoredStory,
    StoryMemoryRow,
)
from monitor.store import db
from monitor.store.base import StoreBase
from monitor.store.outbox import OutboxMixin
from monitor.store.portable import PortableRows
from monitor.store.schema import Article, Story
from monitor.store.sources import SourcesMixin

#: Rows per page when streaming ``story_memory``; each page is its own short read transaction.
MEMORY_PAGE = 2000
#: Entries per query of ``known_entries`` (two IN lists of at most this many parameters each).
KNOWN_CHUNK = 400
#: The advisory lock key of ``Store.story_writes`` (any constant; ours spells "monitor" in ASCII).
STORY_LOCK_KEY = 0x6D6F6E69746F72


def guid_key(source: str, guid: str | None) -> str | None:
    """GUIDs are only unique within one feed, so the stored key includes the source (unit separator)."""
    return f"{source}\x1f{guid}" if guid else None


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


class Store(SourcesMixin, OutboxMixin, PortableRows, StoreBase):
    """The database behind monitor. Each domain is a mixin over ``StoreBase``: sources (``store.sources``), the
    outbox (``store.outbox``), whole-table reads for export/import and the Atom feed (``store.portable``); the
    articles and stories, the story lock and the run lock are here."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self._locks: list[RunLock] = []
        self._story_lock = threading.Lock()

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
        last_seen = max(story.last_seen, article.fetched_at)
        s.execute(self._sql.attach_to_story, {"b_id": story.id, "b_last_seen": last_seen, "b_outlets": outlets})
        return int(story.id)

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
        query = self._sql.memory_page if since is None else self._sql.memory_page_since
        bound: dict[str, Any] = {"page": MEMORY_PAGE} if since is None else {"page": MEMORY_PAGE, "since": since}
        while True:
            with self._core("read story memory", write=False) as c:
                page = list(c.execute(query, {**bound, "after_id": last}))
            yield from (_memory_row(row) for row in page)
            if len(page) < MEMORY_PAGE:
                return
            last = page[-1].id


# -- query pieces and row conversion (pure) -------------------------------------------------------------


def _key_params(keys: ArticleKeys) -> dict[str, str | None]:
    # A NULL key compares as unknown, so an article without GUID or text hash matches on its URL only.
    return {
        "canonical_url": keys.canonical_url,
        "guid_key": guid_key(keys.source, keys.guid),
        "text_hash": keys.text_hash,
    }


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
