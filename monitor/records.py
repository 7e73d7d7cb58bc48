"""Values passed to and from the store. Frozen, typed, no I/O.

These are the store's vocabulary: the pipeline builds ``New*`` values and ``PollRecord``; the store returns
``Saved*``/``Stored*``/``*Row``/``SourceState``. Keeping them here (not in ``monitor.store``) lets pure
modules and the pipeline name them without importing SQLAlchemy.

Datetimes are timezone-aware UTC both ways. ``features`` and ``payload`` are opaque JSON-able dicts owned by
the judgement and alerting modules; the store only round-trips them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

SourceStatus = Literal["new", "ok", "not_modified", "error", "gone"]
AlertKind = Literal["story", "operator", "test"]
AlertStatus = Literal["pending", "sent", "failed"]

#: Placeholder in ``NewAlert.dedup_key`` that ``Store.save_article`` replaces with the story id, because the
#: id of a story created in the same transaction is not known to the caller.
STORY_PLACEHOLDER = "{story}"


@dataclass(frozen=True, slots=True)
class ArticleKeys:
    """The identities an article can be recognised by; any one matching means "already stored"."""

    source: str
    guid: str | None
    canonical_url: str
    text_hash: str | None


@dataclass(frozen=True, slots=True)
class NewArticle:
    source: str
    outlet: str
    url: str
    canonical_url: str
    guid: str | None
    text_hash: str | None
    title: str
    text: str
    published: datetime | None
    language: str | None
    fetched_at: datetime
    relevant: bool
    topic: str | None
    event: str | None
    cues: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()
    features: Mapping[str, Any] = field(default_factory=dict)
    signature: bytes | None = None
    #: Why the article joined its story or started one, in words (``StoryDecision.reason``); None: not said.
    join_reason: str | None = None

    @property
    def keys(self) -> ArticleKeys:
        return ArticleKeys(self.source, self.guid, self.canonical_url, self.text_hash)


@dataclass(frozen=True, slots=True)
class NewStory:
    topic: str
    event: str
    title: str
    features: Mapping[str, Any]
    first_published: datetime | None
    cues: tuple[str, ...] = ()
    alertable: bool = True


@dataclass(frozen=True, slots=True)
class NewAlert:
    """An outbox row to create. ``dedup_key`` may contain ``{story}`` (see ``STORY_PLACEHOLDER``)."""

    dedup_key: str
    channel: str
    topic: str | None
    kind: AlertKind
    payload: Mapping[str, Any]
    next_attempt_at: datetime


@dataclass(frozen=True, slots=True)
class SavedArticle:
    """What ``save_article`` did. ``created`` False: already stored, nothing else was done."""

    article_id: int
    story_id: int | None
    created: bool
    story_created: bool
    alerts_created: int


#: What ``Store.article_writes`` yields: ``save(article, story, alerts)`` within the block's one transaction.
SaveArticle = Callable[[NewArticle, NewStory | int | None, Sequence[NewAlert]], SavedArticle]


@dataclass(frozen=True, slots=True)
class PollRecord:
    """The outcome of one poll of a source, as the scheduler decided it."""

    status: SourceStatus
    polled_at: datetime
    next_due_at: datetime
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None
    current_url: str | None = None
    failures: int = 0
    success: bool = True


@dataclass(frozen=True, slots=True)
class SourceState:
    name: str
    type: str
    url: str
    current_url: str | None
    etag: str | None
    last_modified: str | None
    status: SourceStatus
    last_error: str | None
    last_polled_at: datetime | None
    last_success_at: datetime | None
    next_due_at: datetime | None
    failures: int
    polls: int


@dataclass(frozen=True, slots=True)
class StoredArticle:
    id: int
    source: str
    outlet: str
    url: str
    title: str
    published: datetime | None
    fetched_at: datetime
    topic: str | None
    story_id: int | None
    event: str | None
    relevant: bool
    language: str | None = None
    join_reason: str | None = None
    cues: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StoredStory:
    id: int
    topic: str
    event: str
    title: str
    features: Mapping[str, Any]
    first_published: datetime | None
    first_seen: datetime
    last_seen: datetime
    article_count: int
    outlets: tuple[str, ...]
    cues: tuple[str, ...]
    alertable: bool = True


@dataclass(frozen=True, slots=True)
class StoryMemoryRow:
    """One relevant stored article, enough to rebuild the in-memory story index at start."""

    article_id: int
    story_id: int | None
    topic: str | None
    event: str | None
    features: Mapping[str, Any]
    signature: bytes
    published: datetime | None
    story_first_published: datetime | None


@dataclass(frozen=True, slots=True)
class AlertRow:
    id: int
    dedup_key: str
    channel: str
    topic: str | None
    story_id: int | None
    kind: AlertKind
    payload: Mapping[str, Any]
    status: AlertStatus
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None

