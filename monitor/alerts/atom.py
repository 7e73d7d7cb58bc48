"""An Atom 1.0 feed (RFC 4287) of the stories worth an alert, for people who prefer a feed reader to email. Pure.

One entry per story: its title, a link to the article that started it, a plain-text summary naming the event
and the outlets, the event as a category. The entry id is a ``tag:`` URI (RFC 4151) built from the feed id and
a digest of the story's key (the canonical URL of its first article), so it survives an export/import into
another database, where story ids differ, and readers do not show the story twice.

Feed-sourced text is hostile until proven otherwise: titles and summaries are written as ``type="text"`` (a
reader must show ``<script>`` as those characters, never run it), the serializer escapes ``&`` and ``<``, and
characters XML 1.0 cannot carry at all (C0 controls other than tab/newline/CR, lone surrogates, U+FFFE/FFFF)
are removed — lxml refuses them and a feed containing them is not well-formed. Links that are not http(s)
(``javascript:``, ``data:``) are left out.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from lxml import etree

ATOM = "http://www.w3.org/2005/Atom"
GENERATOR = "monitor"
#: XML 1.0 §2.2 Char: everything outside it must go (a C0 control, a surrogate, U+FFFE, U+FFFF).
_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
SUMMARY_OUTLETS = 10


@dataclass(frozen=True, slots=True)
class FeedStory:
    """What one entry says about a story (built from the store by ``Store.feed_stories``)."""

    key: str  # the canonical URL of the story's first article: stable across databases
    title: str
    event: str
    topic: str
    url: str  # the representative (first) article
    outlets: tuple[str, ...]
    article_count: int
    updated: datetime  # the story's last coverage
    published: datetime | None = None


def clean_text(text: str) -> str:
    """Text safe to put in XML: no characters XML 1.0 forbids, whitespace runs folded to one space."""
    return " ".join(_NOT_XML_CHAR.sub("", text).split())


def rfc3339(moment: datetime) -> str:
    """RFC 3339 date-time in UTC with a ``Z`` (RFC 4287 §3.3); a naive time is refused, not guessed."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment!r}: Atom dates need a time zone")
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def entry_id(feed_id: str, story_key: str) -> str:
    digest = hashlib.sha256(story_key.encode("utf-8")).hexdigest()[:24]
    return f"{feed_id}/story/{digest}"


def feed_title(topic: str | None) -> str:
    return f"monitor: {topic or 'stories'}"


def feed_updated(stories: Iterable[FeedStory], default: datetime) -> datetime:
    """The feed's ``updated`` (RFC 4287 §4.2.15: when it last changed significantly): its newest entry's, or
    ``default`` when it has none. Unlike "now", it stays put while nothing changes, so the document does too."""
    return max((story.updated for story in stories), default=default)


def summary(story: FeedStory) -> str:
    outlets = list(story.outlets[:SUMMARY_OUTLETS])
    more = len(story.outlets) - len(outlets)
    named = ", ".join(outlets) + (f" and {more} more" if more > 0 else "")
    count = f"{story.article_count} article{'s' if story.article_count != 1 else ''}"
    sources = f"{len(story.outlets)} outlet{'s' if len(story.outlets) != 1 else ''}"
    return clean_text(f"{story.event.capitalize()} ({story.topic}): {story.title}. {count} from {sources}: {named}.")


def stories_feed(
    stories: Iterable[FeedStory],
    *,
    title: str,
    feed_id: str,
    updated: datetime,
    link: str,
    self_link: str | None = None,
    author: str = GENERATOR,
) -> bytes:
    """The Atom document (UTF-8 bytes) with one entry per story, most recently updated first.

    ``feed_id`` must be a ``tag:`` URI (e.g. ``tag:example.org,2025:monitor/xiaomi-leica``); entry ids extend it.
    """
    if not feed_id.startswith("tag:"):
        raise ValueError(f"feed_id {feed_id!r} must be a tag: URI (RFC 4151)")
    feed = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM})
    _text(feed, "id", feed_id)
    _text(feed, "title", title, type="text")
    _text(feed, "updated", rfc3339(updated))
    _text(etree.SubElement(feed, f"{{{ATOM}}}author"), "name", author)
    _text(feed, "generator", GENERATOR)
    _link(feed, link, "alternate")
    if self_link:
        _link(feed, self_link, "self")
    for story in sorted(stories, key=lambda s: (s.updated, s.key), reverse=True):
        _entry(feed, story, feed_id)
    document: bytes = etree.tostring(feed, xml_declaration=True, encoding="utf-8", pretty_print=True)
    return document


def topic_feed(
    stories: Sequence[FeedStory],
    topic: str | None,
    *,
    empty_updated: datetime,
    feed_id: str,
    link: str,
) -> bytes:
    """The stories feed as ``monitor feed`` writes it and the service serves it (``empty_updated``: the feed's
    ``updated`` while it has no entries)."""
    updated = feed_updated(stories, empty_updated)
    return stories_feed(stories, title=feed_title(topic), feed_id=feed_id, updated=updated, link=link)


def _entry(feed: etree._Element, story: FeedStory, feed_id: str) -> None:
    entry = etree.SubElement(feed, f"{{{ATOM}}}entry")
    _text(entry, "id", entry_id(feed_id, story.key))
    _text(entry, "title", clean_text(story.title) or "(untitled story)", type="text")
    _text(entry, "updated", rfc3339(story.updated))
    if story.published is not None:
        _text(entry, "published", rfc3339(story.published))
    event = clean_text(story.event)
    etree.SubElement(entry, f"{{{ATOM}}}category", term=event, label=event.capitalize())
    # RFC 4287 §4.1.1: an entry without content needs an alternate link; without a safe link, the summary
    # becomes the content so the entry stays valid.
    body = summary(story)
    if _link(entry, story.url, "alternate"):
        _text(entry, "summary", body, type="text")
    else:
        _text(entry, "content", body, type="text")


def _text(parent: etree._Element, name: str, value: str, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{ATOM}}}{name}", **attrs)
    element.text = clean_text(value)
    return element


def _link(parent: etree._Element, href: str, rel: str) -> bool:
    """Add a link when ``href`` is an absolute http(s) URL; False (and nothing added) otherwise."""
    href = clean_text(href)
    parts = urlsplit(href)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return False
    etree.SubElement(parent, f"{{{ATOM}}}link", rel=rel, href=href, type="text/html")
    return True
