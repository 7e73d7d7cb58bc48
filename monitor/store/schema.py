"""The database tables as SQLAlchemy 2 typed ORM classes.

This module is the *current* shape of the schema. Migrations under ``migrations/versions`` are frozen copies
of it at each revision; ``tests/test_migrations.py`` checks that upgrading to head yields exactly this shape.

Timestamps are stored as UTC. SQLite has no time-zone type, so ``UTCDateTime`` stores naive UTC there and
hands back aware datetimes; PostgreSQL uses ``timestamptz``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Named constraints, so that migrations can drop/alter them by name on both backends (SQLite batch mode
# needs names to recreate tables; PostgreSQL's generated names differ from SQLite's).
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on every backend.

    A naive datetime is refused: guessing its zone is how off-by-hours bugs get into poll schedules.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: the store keeps aware UTC datetimes only")
        value = value.astimezone(UTC)
        # SQLite would keep the "+00:00" text and break ordering against values written without it.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[str]: JSON}


class Source(Base):
    """One configured source and its poll state (kept here, not in the scheduler, so workers can share it)."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    type: Mapped[str] = mapped_column(String(20))
    url: Mapped[str] = mapped_column(Text)
    current_url: Mapped[str | None] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="new")
    last_error: Mapped[str | None] = mapped_column(Text)
    last_polled_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    next_due_at: Mapped[datetime | None]
    failures: Mapped[int] = mapped_column(Integer, default=0)
    polls: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_expires_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class Story(Base):
    __tablename__ = "stories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    topic: Mapped[str] = mapped_column(String(200), index=True)
    event: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(Text)
    features: Mapped[dict[str, Any]]
    first_published: Mapped[datetime | None]
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    article_count: Mapped[int] = mapped_column(Integer, default=0)
    outlets: Mapped[list[str]]
    cues: Mapped[list[str]]
    alertable: Mapped[bool] = mapped_column(Boolean, default=True)


class Article(Base):
    """A stored article. Irrelevant ones are kept too: they are the memory exact dedup compares with."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(200))
    outlet: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(Text)
    canonical_url: Mapped[str] = mapped_column(Text, unique=True)
    # f"{source}\x1f{guid}": GUIDs are only unique within one feed.
    guid_key: Mapped[str | None] = mapped_column(Text, unique=True)
    text_hash: Mapped[str | None] = mapped_column(String(128), unique=True)
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    published: Mapped[datetime | None]
    language: Mapped[str | None] = mapped_column(String(20))
    fetched_at: Mapped[datetime]
    relevant: Mapped[bool] = mapped_column(Boolean)
    topic: Mapped[str | None] = mapped_column(String(200), index=True)
    story_id: Mapped[int | None] = mapped_column(ForeignKey("stories.id"), index=True)
    event: Mapped[str | None] = mapped_column(String(40))
    cues: Mapped[list[str]]
    terms: Mapped[list[str]]
    features: Mapped[dict[str, Any]]
    signature: Mapped[bytes | None] = mapped_column(LargeBinary)
    join_reason: Mapped[str | None] = mapped_column(Text)  # why it joined or started its story, in words


class Alert(Base):
    """The outbox. UNIQUE(dedup_key, channel) is what makes "alert once per story and channel" hold."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("dedup_key", "channel"),
        Index("ix_alerts_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(300))
    channel: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str | None] = mapped_column(String(200))
    story_id: Mapped[int | None] = mapped_column(ForeignKey("stories.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_expires_at: Mapped[datetime | None]


class Delivery(Base):
    """Every delivery attempt, successful or not: the audit trail behind an alert's status."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    attempted_at: Mapped[datetime]
    ok: Mapped[bool] = mapped_column(Boolean)
    error: Mapped[str | None] = mapped_column(Text)
