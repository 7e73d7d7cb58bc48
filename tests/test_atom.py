"""The Atom feed of stories: valid per RFC 4287, parsed back by feedparser, hostile text inert."""

from __future__ import annotations

import dataclasses
import io
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import feedparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from monitor.alerts.atom import ATOM, FeedStory, clean_text, entry_id, stories_feed
from monitor.records import NewArticle, NewStory
from monitor.store import Store
from monitor.store.exchange import export_jsonl, import_export

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
FEED_ID = "tag:monitor.example.org,2025:feeds/xiaomi-leica"
NS = {"a": ATOM}
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def story(n: int, **changes: Any) -> FeedStory:
    base = FeedStory(
        key=f"https://example.com/news/{n}",
        title=f"Xiaomi 15 Ultra launch {n}",
        event="launch",
        topic="xiaomi-leica",
        url=f"https://example.com/news/{n}",
        outlets=("GSMArena", "IT之家"),
        article_count=2,
        updated=T0 + timedelta(hours=n),
        published=T0 - timedelta(days=1),
    )
    return dataclasses.replace(base, **changes)


def feed(*stories: FeedStory, **options: Any) -> bytes:
    kwargs: dict = {"title": "monitor: Xiaomi × Leica", "feed_id": FEED_ID, "updated": T0 + timedelta(days=1),
                    "link": "https://monitor.example.org/"}
    kwargs.update(options)
    return stories_feed(stories, **kwargs)


def test_feedparser_reads_the_feed_back_without_complaint() -> None:
    parsed = feedparser.parse(feed(story(1), story(2)))

    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.id == FEED_ID and parsed.feed.title == "monitor: Xiaomi × Leica"
    assert parsed.feed.author == "monitor"
    newest, older = parsed.entries
    assert newest.title == "Xiaomi 15 Ultra launch 2"  # most recently updated first
    assert newest.link == "https://example.com/news/2"
    assert newest.updated == "2025-03-01T14:00:00Z" and newest.published == "2025-02-28T12:00:00Z"
    assert [t.term for t in newest.tags] == ["launch"]
    assert newest.summary == (
        "Launch (xiaomi-leica): Xiaomi 15 Ultra launch 2. 2 articles from 2 outlets: GSMArena, IT之家."
    )
    assert newest.id == entry_id(FEED_ID, "https://example.com/news/2") != older.id


def test_required_elements_are_present_once_per_rfc_4287() -> None:
    root = etree.fromstring(feed(story(1), story(2, published=None), story(3, url="javascript:alert(1)")))

    assert root.tag == f"{{{ATOM}}}feed"
    for name in ("id", "title", "updated", "author"):
        assert len(root.findall(f"a:{name}", NS)) == 1, name  # §4.1.1: exactly one (author: at least one)
    assert RFC3339.match(root.findtext("a:updated", namespaces=NS))
    entries = root.findall("a:entry", NS)
    assert len(entries) == 3
    for entry in entries:
        for name in ("id", "title", "updated"):
            assert len(entry.findall(f"a:{name}", NS)) == 1, name  # §4.1.2
        assert RFC3339.match(entry.findtext("a:updated", namespaces=NS))
        # §4.1.1: without content there must be an alternate link.
        has_link = entry.find("a:link[@rel='alternate']", NS) is not None
        assert has_link or entry.find("a:content", NS) is not None
    assert len({e.findtext("a:id", namespaces=NS) for e in entries}) == 3


@pytest.mark.parametrize(
    "title",
    [
        "<script>alert('pwned')</script> Xiaomi & Leica",
        "Xiaomi\x00 15\x07 Ultra\x1b[31m \ud800 \ufffe & <b>bold</b>",
        "]]> <![CDATA[ &amp; &lt; &#0;",
    ],
)
def test_hostile_titles_are_text_not_markup(title: str) -> None:
    body = feed(story(1, title=title, outlets=(title,)))

    etree.fromstring(body)  # well-formed: lxml is strict
    parsed = feedparser.parse(body)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert b"<script>" not in body and b"<b>" not in body
    assert parsed.entries[0].title == clean_text(title)  # shown as the characters they are
    assert clean_text(title) in parsed.entries[0].summary


def test_control_characters_are_removed_and_whitespace_folded() -> None:
    assert clean_text("Xiaomi\x00 15\x07\n\n Ultra\x1b \ud800\ufffe\uffff") == "Xiaomi 15 Ultra"
    assert clean_text("徕卡 📷\ttab") == "徕卡 📷 tab"


def test_unsafe_links_are_dropped_and_the_summary_becomes_content() -> None:
    body = feed(story(1, url="javascript:alert(document.cookie)"), story(2, url="data:text/html,<script>"))
    parsed = feedparser.parse(body)

    assert b"javascript:" not in body and b"data:text" not in body
    assert all(not e.get("links") for e in parsed.entries)
    assert all(e.content[0].value.startswith("Launch") for e in parsed.entries)


def test_many_outlets_are_summarised() -> None:
    outlets = tuple(f"Outlet {i}" for i in range(14))
    parsed = feedparser.parse(feed(story(1, outlets=outlets, article_count=1)))
    assert parsed.entries[0].summary.endswith(
        "1 article from 14 outlets: Outlet 0, Outlet 1, Outlet 2, Outlet 3, Outlet 4, "
        "Outlet 5, Outlet 6, Outlet 7, Outlet 8, Outlet 9 and 4 more."
    )


def test_times_in_other_zones_are_written_in_utc_and_naive_ones_refused() -> None:
    berlin = timezone(timedelta(hours=1))
    parsed = feedparser.parse(feed(story(1, updated=datetime(2025, 3, 1, 13, 30, 15, 999, tzinfo=berlin))))
    assert parsed.entries[0].updated == "2025-03-01T12:30:15Z"
    with pytest.raises(ValueError, match="naive"):
        feed(story(1, updated=datetime(2025, 3, 1, 12, 0)))


def test_the_feed_id_must_be_a_tag_uri() -> None:
    with pytest.raises(ValueError, match="tag: URI"):
        feed(story(1), feed_id="https://monitor.example.org/feed")


def test_an_empty_feed_is_still_valid() -> None:
    parsed = feedparser.parse(feed(self_link="https://monitor.example.org/stories.atom"))
    assert parsed.bozo == 0 and parsed.entries == []
    assert {link.rel for link in parsed.feed.links} == {"alternate", "self"}


@settings(max_examples=60, deadline=None)
@given(title=st.text(max_size=80), outlet=st.text(max_size=20))
def test_any_text_gives_a_well_formed_feed(title: str, outlet: str) -> None:
    body = feed(story(1, title=title, outlets=(outlet,)))
    root = etree.fromstring(body)
    assert root.find("a:entry/a:title", NS).text in (clean_text(title) or "(untitled story)", None)
    assert feedparser.parse(body).bozo == 0


def test_entry_ids_survive_a_move_to_another_database(store: Store, other_store: Store) -> None:
    # Story ids differ between databases; a reader must not see the same story twice after a migration.
    first, second = store, other_store
    second.save_article(_article(100, "https://example.com/other"), _story("Unrelated"))  # shifts ids
    first.save_article(_article(1, "https://example.com/launch"), _story("Xiaomi 15 Ultra launches"))
    out = io.StringIO()
    export_jsonl(first, out)
    import_export(second, out.getvalue().splitlines())

    ids_first = {e.id for e in feedparser.parse(feed(*first.feed_stories())).entries}
    ids_second = {e.id for e in feedparser.parse(feed(*second.feed_stories())).entries}

    assert len(ids_first) == 1 and ids_first < ids_second


def test_a_story_links_the_article_as_published_less_its_trackers(store: Store) -> None:
    article = dataclasses.replace(_article(1, "https://news.example.com/launch"),
                                  url="http://www.news.example.com/launch?utm_source=rss&id=7")
    store.save_article(article, _story("Xiaomi 15 Ultra launches"))
    [linked] = store.feed_stories()
    assert linked.url == "http://www.news.example.com/launch?id=7"  # followable: the site's own scheme and host


def _article(n: int, url: str) -> NewArticle:
    return NewArticle(
        source="gsmarena", outlet="GSMArena", url=url, canonical_url=url, guid=None, text_hash=f"h{n}",
        title="Xiaomi 15 Ultra", text="Leica.", published=T0, language="en", fetched_at=T0, relevant=True,
        topic="xiaomi-leica", event="launch",
    )


def _story(title: str) -> NewStory:
    return NewStory(topic="xiaomi-leica", event="launch", title=title, features={}, first_published=T0)
