"""``Store`` methods over whole tables: the rows an export is made of, restoring an exported alert with its status,
and the Atom feed's read. A mixin of ``Store`` over ``StoreBase``, so ``exchange`` never touches an engine.

Contract: every method is one short transaction through the store's own ``_core`` (``db.translate`` turns every
failure into a ``StoreError``; SQLite writers take the write lock up front) and its dialect's INSERT … ON CONFLICT.
Rows come back as plain column-name → value mappings, never ORM objects: the JSON-lines format is ``exchange``'s.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Connection, Subquery, func, select

from monitor.alerts.atom import FeedStory
from monitor.ingest.urls import clean_url
from monitor.store.base import StoreBase
from monitor.store.schema import Alert, Article, Delivery, Story

#: The tables an export reads whole, by the name exchange uses for them.
Table = Literal["story", "article", "alert"]
_MODELS: dict[Table, type[Story] | type[Article] | type[Alert]] = {"story": Story, "article": Article, "alert": Alert}


class PortableRows(StoreBase):
    """Whole-table reads and status-keeping alert writes for export/import, and the Atom feed's query."""

    def story_keys(self) -> dict[int, str]:
        """Story id → canonical URL of its first article (the story's key in any database), in the order the
        stories began."""
        first = _first_articles()
        query = (
            select(first.c.story_id, Article.canonical_url)
            .join(Article, Article.id == first.c.first_id)
            .order_by(first.c.first_id)
        )
        with self._core("read story keys", write=False) as conn:
            return {row.story_id: row.canonical_url for row in conn.execute(query)}

    def table_rows(self, table: Table, *, page: int) -> Iterator[Mapping[str, Any]]:
        """Every row of ``table`` in id order as column → value, ``page`` rows per read (keyset pagination), so
        a running service is never blocked behind one long read. Alert rows also carry ``deliveries``: their
        attempts, oldest first, as (attempted_at, ok, error), read with their page."""
        whole, last = _MODELS[table].__table__, 0
        while True:
            query = select(whole).where(whole.c.id > last).order_by(whole.c.id).limit(page)
            with self._core(f"export {table} rows", write=False) as conn:
                rows = [dict(row._mapping) for row in conn.execute(query)]
                if table == "alert":
                    _add_deliveries(conn, rows)
            yield from rows
            if len(rows) < page:
                return
            last = rows[-1]["id"]

    def restore_alert(self, values: Mapping[str, Any], deliveries: Sequence[tuple[datetime, bool, str | None]]) -> bool:
        """Insert an alert with its own status, attempts and times (``values``: Alert columns) and its delivery
        log, unless an alert with its (dedup_key, channel) is here already. True if it was added."""
        insert = self._insert(Alert).on_conflict_do_nothing(index_elements=["dedup_key", "channel"])
        with self._core("import alert", write=True) as conn:
            alert_id = conn.execute(insert.values(dict(values)).returning(Alert.id)).scalar()
            if alert_id is None:
                return False
            rows = [{"alert_id": alert_id, "attempted_at": at, "ok": ok, "error": error}
                    for at, ok, error in deliveries]  # fmt: skip
            if rows:
                conn.execute(self._insert(Delivery), rows)
        return True

    def feed_stories(self, *, topic: str | None = None, limit: int = 50) -> list[FeedStory]:
        """The ``limit`` most recently updated alert-worthy stories, each with its first article's link.

        Alert-worthy is the store's ``alertable`` flag: the story's event was one its topic alerts on when it
        began (whether or not a channel was configured then).
        """
        first = _first_articles()
        query = (
            select(Story, Article.canonical_url, Article.url.label("article_url"))
            .join(first, first.c.story_id == Story.id)
            .join(Article, Article.id == first.c.first_id)
            .where(Story.alertable.is_(True))
            .order_by(Story.last_seen.desc(), Story.id.desc())
            .limit(limit)
        )
        if topic is not None:
            query = query.where(Story.topic == topic)
        with self._core("read feed stories", write=False) as conn:
            return [_feed_story(row) for row in conn.execute(query)]


def _add_deliveries(conn: Connection, alerts: list[dict[str, Any]]) -> None:
    """Give each alert row its delivery log: one query per page of alerts, not one per alert."""
    logs: dict[int, list[tuple[datetime, bool, str | None]]] = {row["id"]: [] for row in alerts}
    query = (
        select(Delivery.alert_id, Delivery.attempted_at, Delivery.ok, Delivery.error)
        .where(Delivery.alert_id.in_(list(logs)))
        .order_by(Delivery.id)
    )
    for row in conn.execute(query):
        logs[row.alert_id].append((row.attempted_at, row.ok, row.error))
    for alert in alerts:
        alert["deliveries"] = logs[alert["id"]]


def _first_articles() -> Subquery:
    """Each story's first article id (the article that created it)."""
    return (
        select(Article.story_id, func.min(Article.id).label("first_id"))
        .where(Article.story_id.is_not(None))
        .group_by(Article.story_id)
        .subquery()
    )


def _feed_story(row: Any) -> FeedStory:
    # On a plain connection the story's columns come flat in the row, beside the two article columns.
    return FeedStory(
        key=row.canonical_url,
        title=row.title,
        event=row.event,
        topic=row.topic,
        # The link a reader follows: the article's own URL, cleaned of trackers. The canonical URL is a key (its
        # scheme and host folded) that some sites do not serve.
        url=clean_url(row.article_url),
        outlets=tuple(row.outlets),
        article_count=row.article_count,
        updated=row.last_seen,
        published=row.first_published,
    )
