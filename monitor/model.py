"""Domain values shared by every stage. Frozen, typed, no I/O.

``RawDocument`` is where the two source kinds (feeds and spiders) meet; after it there is one pipeline.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Event(StrEnum):
    LAUNCH = "launch"
    TEASER = "teaser"
    PARTNERSHIP = "partnership"
    RUMOR = "rumor"
    REVIEW = "review"
    OTHER = "other"


class Outcome(StrEnum):
    """What ingesting one document did, as shown by ``monitor crawl``."""

    NEW = "new"  # stored; relevant articles also name their story
    DUPLICATE = "duplicate"  # the same article was already stored (GUID, canonical URL or text)
    IRRELEVANT = "irrelevant"  # stored for dedup memory, matched no topic
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class RawDocument:
    """One article as a source delivered it, before judgement.

    ``text`` is the extracted main text (plain, paragraphs separated by newlines). ``summary_only`` marks a
    feed entry whose content was only a teaser, so its page must be fetched and extracted.
    """

    url: str
    title: str
    text: str
    source: str
    outlet: str
    published: datetime | None = None
    language: str | None = None
    guid: str | None = None
    canonical_url: str | None = None
    summary_only: bool = False


@dataclass(frozen=True, slots=True)
class Validators:
    """HTTP cache validators kept per source for conditional GET (RFC 9110 §13)."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class Response:
    """A successful (2xx) response, body already decompressed and size-checked."""

    url: str  # final URL after redirects
    status: int
    headers: Mapping[str, str]
    body: bytes
    validators: Validators = field(default_factory=Validators)
    permanent_redirect: str | None = None  # the new URL when every hop to it was 301/308


@dataclass(frozen=True, slots=True)
class NotModified:
    """304: nothing to parse. A value, not an exception."""

    url: str
    headers: Mapping[str, str]
    validators: Validators = field(default_factory=Validators)
    permanent_redirect: str | None = None


FetchResult = Response | NotModified


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One parsed feed entry, links already absolute."""

    url: str
    title: str
    guid: str | None
    published: datetime | None
    content_html: str  # the fullest content the feed had (content:encoded / atom content / summary); unsanitised
    # when the lxml path read it (monitor.ingest.feedxml), so only ever turned into text, never rendered
    summary_only: bool
    language: str | None = None


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    title: str
    link: str | None
    language: str | None
    entries: tuple[FeedEntry, ...]
    bozo_reason: str | None = None  # set when the feed was malformed but recoverable
