"""Feed sources: one conditional GET, one parse, and the entries turned into ``RawDocument`` values.

A failing source is data, not a crash: every ``MonitorError`` becomes the poll's error and its back-off record,
so one bad outlet never holds the others back. Anything else (a bug) propagates to ``monitor.service.cycle``, whose
per-source boundary records it as this source's error all the same.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from monitor.errors import MonitorError
from monitor.ingest.extract import extract_html, html_to_text
from monitor.ingest.health import after_failure, after_success
from monitor.ingest.parse import parse_feed
from monitor.ingest.urls import canonical_url
from monitor.model import FeedEntry, NotModified, RawDocument, Response, Validators
from monitor.records import PollRecord, SourceState

if TYPE_CHECKING:
    from monitor.config import SourceConfig


class Fetcher(Protocol):
    async def get(self, url: str, validators: Validators = ...) -> Response | NotModified: ...


@dataclass(frozen=True, slots=True)
class FeedPoll:
    source: str
    record: PollRecord
    entries: tuple[FeedEntry, ...]
    error: str | None
    duration: float
    not_modified: bool = False


async def poll_feed(
    source: SourceConfig,
    state: SourceState | None,
    fetcher: Fetcher,
    *,
    now: datetime,
    jitter: float = 0.0,
    rng: random.Random | None = None,
) -> FeedPoll:
    """Poll one feed once. Never raises a ``MonitorError``: it is returned as the poll's error."""
    started = time.perf_counter()
    url = (state.current_url if state and state.current_url else None) or source.url
    validators = Validators(state.etag, state.last_modified) if state else Validators()
    try:
        result = await fetcher.get(url, validators)
        entries: tuple[FeedEntry, ...] = ()
        if isinstance(result, Response):
            entries = parse_feed(result.body, result.headers, result.url, source=source.name).entries
    except MonitorError as exc:
        record = after_failure(state, exc, now=now, interval=source.interval, jitter=jitter, rng=rng)
        return FeedPoll(source.name, record, (), str(exc), time.perf_counter() - started)
    record = after_success(state, result, now=now, interval=source.interval, jitter=jitter, rng=rng)
    return FeedPoll(
        source.name,
        record,
        entries,
        None,
        time.perf_counter() - started,
        not_modified=isinstance(result, NotModified),
    )


def entry_guid(entry: FeedEntry) -> str:
    """The entry's identity within its feed: its GUID, or for an entry without one, the key of its link.

    Why the link: an article is stored under its page's own canonical URL once the page is fetched, and that
    may differ from the link (a redirecting proxy, a tracking hop). Keyed by its link as its GUID, a GUID-less
    entry is still recognised on the next poll and its page is not fetched again (issue 15).
    """
    return entry.guid or canonical_url(entry.url)


def needs_page(entry: FeedEntry, fetch_pages: str) -> bool:
    return fetch_pages == "always" or (fetch_pages == "auto" and entry.summary_only)


async def entry_document(
    entry: FeedEntry,
    source: SourceConfig,
    fetcher: Fetcher,
    *,
    on_page_error: Callable[[FeedEntry, MonitorError], None] | None = None,
) -> RawDocument:
    """The entry as a document; its page is fetched and extracted when the feed gave only a summary.

    A page that cannot be fetched or extracted leaves the feed's own text: the article is still worth judging.
    """
    feed_text = html_to_text(entry.content_html)
    doc = RawDocument(
        url=entry.url,
        title=entry.title,
        text=feed_text,
        source=source.name,
        outlet=source.outlet,
        published=entry.published,
        language=entry.language,
        guid=entry_guid(entry),
        summary_only=entry.summary_only,
    )
    if not needs_page(entry, source.fetch_pages):
        return doc
    try:
        page = await fetcher.get(entry.url)
        if not isinstance(page, Response):  # no validators were sent, so a 304 is the server's oddity
            return doc
        extracted = extract_html(page.body, page.url)
    except MonitorError as exc:
        if on_page_error:
            on_page_error(entry, exc)
        return doc
    return RawDocument(
        url=page.url,
        title=entry.title or extracted.title,
        text=extracted.text if len(extracted.text) > len(feed_text) else feed_text,
        source=source.name,
        outlet=source.outlet,
        published=entry.published or extracted.published,
        language=extracted.language or entry.language,
        guid=entry_guid(entry),
        canonical_url=extracted.canonical_url,
        summary_only=False,
    )
