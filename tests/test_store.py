"""The Store against real databases: SQLite files and the local PostgreSQL server (see conftest)."""

from __future__ import annotations

import dataclasses
import sqlite3
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from monitor.errors import StoreError
from monitor.records import ArticleKeys, NewAlert, PollRecord
from monitor.store import Store, repo
from tests.helpers import MINUTE, SOURCES, T0, article, run_in_threads, story


def url_of(store: Store) -> str:
    return store.url.render_as_string(hide_password=False)


def alert(channel: str = "mail", key: str = "story:{story}", at: datetime = T0, kind: str = "story") -> NewAlert:
    return NewAlert(
        dedup_key=key,
        channel=channel,
        topic="xiaomi-leica",
        kind=kind,  # type: ignore[arg-type]
        payload={"title": "Xiaomi 15 Ultra launches"},
        next_attempt_at=at,
    )


# -- articles and stories -------------------------------------------------------------------------------------


def test_saving_the_same_article_twice_stores_it_once(store: Store) -> None:
    first = store.save_article(article(1), story(), [alert()])
    again = store.save_article(article(1), story(), [alert("slack")])

    assert first.created and first.story_created and first.alerts_created == 1
    assert again == repo.SavedArticle(first.article_id, first.story_id, False, False, 0)
    assert store.article_count() == 1
    assert len(store.stories()) == 1
    assert [a.channel for a in store.alerts()] == ["mail"]


@pytest.mark.parametrize("shared", ["guid", "canonical_url", "text_hash"])
def test_a_duplicate_is_found_by_each_key_alone(store: Store, shared: str) -> None:
    saved = store.save_article(article(1), None, [])
    sharing = article(2, **{shared: getattr(article(1), shared)})

    assert store.find_duplicate(sharing.keys) == saved.article_id
    assert store.find_duplicate(article(2).keys) is None
    resaved = store.save_article(sharing, story(), [alert()])
    assert (resaved.article_id, resaved.created) == (saved.article_id, False)
    assert store.article_count() == 1 and store.stories() == [] and store.alerts() == []


def test_a_guid_only_identifies_an_article_within_its_source(store: Store) -> None:
    store.save_article(article(1), None, [])
    elsewhere = article(2, source="theverge", guid=article(1).guid)

    assert store.find_duplicate(elsewhere.keys) is None
    assert store.save_article(elsewhere, None, []).created


def test_articles_without_guid_or_text_hash_are_told_apart_by_url(store: Store) -> None:
    for n in (1, 2):
        assert store.save_article(article(n, guid=None, text_hash=None), None, []).created
    assert store.find_duplicate(ArticleKeys("gsmarena", None, "https://example.com/news/3", None)) is None
    assert store.article_count() == 2


def test_a_story_is_created_then_attached_to(store: Store) -> None:
    created = store.save_article(article(1, outlet="GSMArena"), story(), [])
    second = store.save_article(article(2, outlet="The Verge"), created.story_id, [])
    third = store.save_article(article(3, outlet="GSMArena"), created.story_id, [])
    assert created.story_id is not None

    assert (second.story_id, second.story_created, third.story_id) == (created.story_id, False, created.story_id)
    saved = store.story(created.story_id)
    assert saved is not None
    assert saved.article_count == 3
    assert saved.outlets == ("GSMArena", "The Verge")
    assert (saved.first_seen, saved.last_seen) == (T0 + MINUTE, T0 + 3 * MINUTE)
    assert saved.first_published == T0 - timedelta(days=1)
    assert saved.features == {"entities": ["xiaomi 15 ultra"]}
    assert {a.story_id for a in store.articles()} == {created.story_id}


def test_attaching_to_a_missing_story_fails_and_writes_nothing(store: Store) -> None:
    with pytest.raises(StoreError, match="story 999 does not exist"):
        store.save_article(article(1), 999, [alert()])
    assert store.article_count() == 0 and store.alerts() == []


def test_known_entries_says_for_each_entry_whether_its_guid_or_url_is_stored(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(repo, "KNOWN_CHUNK", 3)  # several queries out of a handful of entries
    for n in (1, 4, 7):
        store.save_article(article(n), None, [])
    url_only = article(8, guid=None)
    store.save_article(url_only, None, [])
    entries = [
        ArticleKeys("gsmarena", f"guid-{n}", f"https://example.com/other/{n}", None) for n in range(1, 7)
    ] + [
        ArticleKeys("theverge", "guid-1", "https://example.com/elsewhere", None),  # a GUID is per source
        ArticleKeys("theverge", None, "https://example.com/news/7", None),  # same URL, another source
        ArticleKeys("gsmarena", None, "https://example.com/news/8", None),
        ArticleKeys("gsmarena", None, "https://example.com/news/9", None),
    ]

    assert store.known_entries(entries) == [True, False, False, True, False, False, False, True, True, False]
    assert store.known_entries([]) == []


def test_articles_saved_in_one_block_commit_together_or_not_at_all(store: Store) -> None:
    with store.article_writes() as save:
        first = save(article(1), story(), [alert()])
        joined = save(article(2, outlet="The Verge"), first.story_id, [])  # a story made earlier in the block
        again = save(article(1), story(), [alert("slack")])
    assert (first.created, joined.story_id, again.created) == (True, first.story_id, False)
    assert first.story_id is not None
    assert store.article_count() == 2 and len(store.alerts()) == 1
    saved = store.story(first.story_id)
    assert saved is not None and saved.article_count == 2

    with pytest.raises(StoreError, match="story 999 does not exist"), store.article_writes() as save:
        save(article(3), story(), [alert()])
        save(article(4), 999, [])
    assert store.article_count() == 2 and len(store.stories()) == 1 and len(store.alerts()) == 1


def test_articles_and_stories_list_newest_first_and_filter_by_topic(store: Store) -> None:
    store.save_article(article(1), story(), [])
    store.save_article(article(2, topic="other", relevant=False), None, [])
    store.save_article(article(3), story(title="Second"), [])

    assert [a.url for a in store.articles()] == [article(n).url for n in (3, 2, 1)]
    assert [a.id for a in store.articles(limit=1)] == [3]
    assert [a.topic for a in store.articles(topic="other")] == ["other"]
    assert [s.title for s in store.stories(topic="xiaomi-leica")] == ["Second", "Xiaomi 15 Ultra launches"]
    assert store.stories(topic="nothing") == [] and store.story(12345) is None


def test_story_memory_streams_relevant_signed_articles_in_pages(store: Store, monkeypatch) -> None:
    monkeypatch.setattr(repo, "MEMORY_PAGE", 3)  # several pages out of a handful of rows
    first = store.save_article(article(1), story(), [])
    for n in range(2, 9):
        store.save_article(article(n), first.story_id, [])
    store.save_article(article(9, relevant=False), None, [])
    store.save_article(article(10, signature=None), None, [])

    rows = list(store.story_memory())
    assert [r.article_id for r in rows] == list(range(1, 9))
    assert rows[0].signature == article(1).signature and rows[0].features == article(1).features
    assert rows[0].story_first_published == T0 - timedelta(days=1)
    assert [r.article_id for r in store.story_memory(after_article_id=6)] == [7, 8]
    assert [r.article_id for r in store.story_memory(since=T0 - timedelta(hours=2))] == [1, 2]


# -- outbox -------------------------------------------------------------------------------------------------


def test_alerts_are_unique_per_story_and_channel(store: Store) -> None:
    first = store.save_article(article(1), story(), [alert("mail"), alert("slack")])
    again = store.save_article(article(2), first.story_id, [alert("mail"), alert("slack")])
    other = store.save_article(article(3), story(title="Another"), [alert("mail")])

    assert (first.alerts_created, again.alerts_created, other.alerts_created) == (2, 0, 1)
    assert sorted((a.dedup_key, a.channel) for a in store.alerts()) == [
        (f"story:{first.story_id}", "mail"),
        (f"story:{first.story_id}", "slack"),
        (f"story:{other.story_id}", "mail"),
    ]
    assert all(a.story_id is not None and a.status == "pending" for a in store.alerts())


def test_an_alert_naming_a_story_needs_one(store: Store) -> None:
    with pytest.raises(StoreError, match="names a story"):
        store.save_article(article(1), None, [alert()])
    assert store.article_count() == 0


def test_enqueue_is_idempotent(store: Store) -> None:
    test_alert = alert(key="test:1", kind="test")
    assert store.enqueue_alerts([test_alert, alert("slack", key="test:1", kind="test")]) == 2
    assert store.enqueue_alerts([test_alert]) == 0
    assert store.alert_counts() == {"pending": 2, "sent": 0, "failed": 0}


def test_claim_backoff_give_up_retry_and_send(store: Store) -> None:
    store.enqueue_alerts([alert(key="op:disk", kind="operator")])
    (claimed,) = store.claim_alerts(T0, "w1")
    assert store.claim_alerts(T0, "w2") == []  # leased

    store.record_delivery(claimed.id, False, "503 from webhook", T0, next_attempt_at=T0 + MINUTE, give_up=False)
    (row,) = store.alerts()
    assert (row.status, row.attempts, row.last_error, row.next_attempt_at) == (
        "pending",
        1,
        "503 from webhook",
        T0 + MINUTE,
    )
    assert store.claim_alerts(T0 + MINUTE / 2, "w2") == []  # backing off
    (claimed,) = store.claim_alerts(T0 + MINUTE, "w2")

    store.record_delivery(claimed.id, False, "still 503", T0 + MINUTE, next_attempt_at=None, give_up=True)
    assert store.alert_counts() == {"pending": 0, "sent": 0, "failed": 1}
    assert store.claim_alerts(T0 + timedelta(days=1), "w1") == []  # dead letter stays put

    assert store.retry_failed(now=T0 + 2 * MINUTE) == 1
    assert store.retry_failed() == 0
    (row,) = store.alerts("pending")
    assert (row.attempts, row.next_attempt_at) == (0, T0 + 2 * MINUTE)
    (claimed,) = store.claim_alerts(T0 + 2 * MINUTE, "w1")
    store.record_delivery(claimed.id, True, None, T0 + 3 * MINUTE)

    (row,) = store.alerts("sent")
    assert (row.sent_at, row.last_error) == (T0 + 3 * MINUTE, None)
    assert [ok for _, ok, _ in store.deliveries(row.id)] == [False, False, True]
    assert store.claim_alerts(T0 + timedelta(days=1), "w1") == []


def test_a_late_failure_report_does_not_undo_a_send(store: Store) -> None:
    store.enqueue_alerts([alert(key="test:1", kind="test")])
    (claimed,) = store.claim_alerts(T0, "w1", lease=MINUTE)
    (taken,) = store.claim_alerts(T0 + 2 * MINUTE, "w2")  # w1's lease expired
    store.record_delivery(taken.id, True, None, T0 + 2 * MINUTE)
    store.record_delivery(claimed.id, False, "timeout", T0 + 3 * MINUTE, next_attempt_at=T0 + 4 * MINUTE)

    assert store.alert_counts()["sent"] == 1
    assert len(store.deliveries(claimed.id)) == 2


def test_retry_failed_can_pick_alerts(store: Store) -> None:
    store.enqueue_alerts([alert(key=f"test:{n}", kind="test") for n in range(3)])
    for row in store.claim_alerts(T0, "w1"):
        store.record_delivery(row.id, False, "bad address", T0, give_up=True)
    ids = [row.id for row in store.alerts()]

    assert store.retry_failed([ids[0], ids[2]]) == 2
    assert [row.status for row in store.alerts()] == ["pending", "failed", "pending"]


def test_an_expired_lease_lets_another_worker_take_over(store: Store) -> None:
    store.enqueue_alerts([alert(key="test:1", kind="test")])
    assert len(store.claim_alerts(T0, "w1", lease=5 * MINUTE)) == 1
    assert store.claim_alerts(T0 + 4 * MINUTE, "w2") == []
    (row,) = store.claim_alerts(T0 + 5 * MINUTE, "w2")
    assert row.attempts == 0


def test_claims_respect_due_time_order_and_limit(store: Store) -> None:
    store.enqueue_alerts([alert(key=f"test:{n}", kind="test", at=T0 + (5 - n) * MINUTE) for n in range(5)])
    assert store.claim_alerts(T0 - MINUTE, "w1") == []
    assert [r.dedup_key for r in store.claim_alerts(T0 + 10 * MINUTE, "w1", limit=2)] == ["test:4", "test:3"]


def test_oldest_pending_alert_counts_only_due_ones(store: Store) -> None:
    before = datetime.now(UTC)
    store.enqueue_alerts([alert(key="test:1", kind="test", at=T0 + MINUTE)])
    after = datetime.now(UTC)

    assert store.oldest_pending_alert(T0) is None  # waiting for its time (back-off, quiet hours) is not late
    oldest = store.oldest_pending_alert(T0 + MINUTE)
    assert oldest is not None and before <= oldest <= after


def test_two_concurrent_claimers_never_get_the_same_alert(store: Store) -> None:
    store.enqueue_alerts([alert(key=f"test:{n}", kind="test") for n in range(60)])
    stores = [Store.open(url_of(store)) for _ in range(4)]

    def drain(i: int) -> list[int]:
        got: list[int] = []
        for _ in range(100):  # bounded: 60 alerts in batches of 3 need at most 20 rounds in total
            batch = stores[i].claim_alerts(T0, f"w{i}", limit=3)
            if not batch:  # the rest is claimed (or being claimed, SKIP LOCKED) by the others
                break
            got += [row.id for row in batch]
        return got

    try:
        claimed = run_in_threads(4, drain)
    finally:
        for other in stores:
            other.close()
    flat = [alert_id for ids in claimed for alert_id in ids]
    assert len(flat) == len(set(flat)) == 60


def test_concurrent_saves_of_one_article_store_it_once(store: Store) -> None:
    results = run_in_threads(6, lambda i: store.save_article(article(1), story(), [alert()]))

    assert sum(r.created for r in results) == 1
    assert len({r.article_id for r in results}) == 1
    assert store.article_count() == 1 and len(store.stories()) == 1 and len(store.alerts()) == 1


def test_concurrent_attaches_count_every_article(store: Store) -> None:
    first = store.save_article(article(0), story(), [alert()])
    results = run_in_threads(
        8, lambda i: store.save_article(article(i + 1, outlet=f"outlet-{i % 3}"), first.story_id, [alert()])
    )
    assert all(r.created and r.alerts_created == 0 for r in results)
    saved = store.story(first.story_id or 0)
    assert saved is not None
    assert saved.article_count == 9
    assert sorted(saved.outlets) == ["GSMArena", "outlet-0", "outlet-1", "outlet-2"]


# -- sources ------------------------------------------------------------------------------------------------

def ok_poll(at: datetime, **changes: Any) -> PollRecord:
    base = PollRecord(
        status="ok",
        polled_at=at,
        next_due_at=at + 15 * MINUTE,
        etag='"v1"',
        last_modified="Sat, 01 Mar 2025 12:00:00 GMT",
    )
    return dataclasses.replace(base, **changes)


def test_poll_state_round_trips(store: Store) -> None:
    store.sync_sources(SOURCES)
    assert store.source_state("gsmarena").polls == 0  # type: ignore[union-attr]

    store.record_poll("gsmarena", ok_poll(T0, current_url="https://m.gsmarena.com/rss"))
    state = store.source_state("gsmarena")
    assert state is not None
    assert (state.status, state.etag, state.last_modified, state.current_url) == (
        "ok",
        '"v1"',
        "Sat, 01 Mar 2025 12:00:00 GMT",
        "https://m.gsmarena.com/rss",
    )
    assert (state.last_polled_at, state.last_success_at, state.next_due_at, state.polls) == (
        T0,
        T0,
        T0 + 15 * MINUTE,
        1,
    )

    store.record_poll("gsmarena", PollRecord("not_modified", T0 + MINUTE, T0 + 16 * MINUTE))
    store.record_poll(
        "gsmarena", PollRecord("error", T0 + 2 * MINUTE, T0 + 30 * MINUTE, error="HTTP 503", failures=1, success=False)
    )
    state = store.source_state("gsmarena")
    assert state is not None
    assert (state.status, state.last_error, state.failures, state.polls) == ("error", "HTTP 503", 1, 3)
    assert (state.etag, state.current_url) == ('"v1"', "https://m.gsmarena.com/rss")  # failures keep them
    assert (state.last_polled_at, state.last_success_at) == (T0 + 2 * MINUTE, T0 + MINUTE)

    store.record_poll("gsmarena", ok_poll(T0 + 3 * MINUTE, etag=None, last_modified=None))
    state = store.source_state("gsmarena")
    assert state is not None
    assert (state.etag, state.last_modified, state.last_error) == (None, None, None)  # a 200 replaces them


def test_recording_a_poll_of_an_unknown_source_fails(store: Store) -> None:
    with pytest.raises(StoreError, match="unknown source 'nope'"):
        store.record_poll("nope", ok_poll(T0))


def test_many_poll_records_are_stored_together_each_as_if_alone(store: Store) -> None:
    names = [f"feed-{i}" for i in range(7)]
    store.sync_sources([(n, "feed", f"https://example.com/{n}.xml") for n in names])
    store.record_polls([(n, ok_poll(T0, etag=f'"{n}"', current_url=f"https://m.example.com/{n}")) for n in names])
    # A 304 without validators, a 304 with a new ETag, a failure and a 200 without validators, in one batch.
    later = T0 + 15 * MINUTE
    failure = PollRecord("error", later, later + 30 * MINUTE, error="HTTP 503", failures=1, success=False)
    batch = [
        ("feed-0", PollRecord("not_modified", later, later + 15 * MINUTE)),
        ("feed-1", PollRecord("not_modified", later, later + 15 * MINUTE, etag='"new"')),
        ("feed-2", failure),
        ("feed-3", ok_poll(later, etag=None, last_modified=None)),
        ("feed-4", PollRecord("not_modified", later, later + 15 * MINUTE)),
    ]
    assert store.record_polls(batch) == [True] * 5

    states = {s.name: s for s in store.source_states()}
    assert (states["feed-0"].status, states["feed-0"].etag, states["feed-0"].polls) == ("not_modified", '"feed-0"', 2)
    assert states["feed-0"].current_url == "https://m.example.com/feed-0"  # a 304 keeps where the feed moved
    assert (states["feed-0"].last_success_at, states["feed-0"].next_due_at) == (later, later + 15 * MINUTE)
    assert states["feed-1"].etag == '"new"'
    assert (states["feed-2"].status, states["feed-2"].etag, states["feed-2"].last_error) == (
        "error",
        '"feed-2"',
        "HTTP 503",
    )
    assert (states["feed-2"].last_success_at, states["feed-2"].failures) == (T0, 1)
    assert (states["feed-3"].etag, states["feed-3"].last_modified) == (None, None)
    assert states["feed-4"].polls == 2 and states["feed-5"].polls == 1  # only the batch's sources were counted
    assert store.record_polls([]) == []


def test_a_batch_of_poll_records_skips_a_stale_workers_and_names_unknown_sources(store: Store) -> None:
    store.sync_sources(SOURCES)
    assert store.claim_source("verge", "w1", T0, 2 * MINUTE)
    assert store.claim_source("gsmarena", "w1", T0, 2 * MINUTE)
    assert store.claim_source("verge", "w2", T0 + 3 * MINUTE, 2 * MINUTE)  # w1 hung past its lease on verge
    late = [("verge", ok_poll(T0 + 4 * MINUTE, etag='"w1"')), ("gsmarena", ok_poll(T0 + 4 * MINUTE))]
    assert store.record_polls(late, worker="w1") == [False, True]
    states = {s.name: s for s in store.source_states()}
    assert (states["verge"].polls, states["verge"].etag) == (0, None)
    assert (states["gsmarena"].polls, states["gsmarena"].etag) == (1, '"v1"')

    # A record for a source that is not (or no longer) configured is an error naming it; the others are kept.
    mixed = [("verge", ok_poll(T0 + 5 * MINUTE)), ("gone", ok_poll(T0 + 5 * MINUTE))]
    with pytest.raises(StoreError, match="unknown source 'gone'"):
        store.record_polls(mixed)
    assert store.source_state("verge").polls == 1  # type: ignore[union-attr]


def test_sync_sources_keeps_state_resets_a_moved_feed_and_prunes(store: Store) -> None:
    store.sync_sources(SOURCES)
    store.record_poll("gsmarena", ok_poll(T0))
    store.record_poll("verge", ok_poll(T0))

    store.sync_sources(
        [
            SOURCES[0],
            ("verge", "feed", "https://www.theverge.com/rss/full.xml"),
            ("androidauth", "spider", "https://www.androidauthority.com/news/"),
        ]
    )
    kept, moved, added = (store.source_state(n) for n in ("gsmarena", "verge", "androidauth"))
    assert kept is not None and moved is not None and added is not None
    assert (kept.etag, kept.polls, kept.next_due_at) == ('"v1"', 1, T0 + 15 * MINUTE)
    assert (moved.url, moved.etag, moved.last_modified, moved.polls, moved.next_due_at) == (
        "https://www.theverge.com/rss/full.xml",
        None,
        None,
        0,
        None,
    )
    assert (added.type, added.status) == ("spider", "new")

    store.sync_sources([SOURCES[0]])
    assert [s.name for s in store.source_states()] == ["gsmarena"]


def test_due_sources_and_claims(store: Store) -> None:
    store.sync_sources(SOURCES)
    store.record_poll("gsmarena", ok_poll(T0))  # due again at T0 + 15 min
    assert store.due_sources(T0) == ["verge"]
    assert store.due_sources(T0 + 15 * MINUTE) == ["verge", "gsmarena"]

    assert store.claim_source("verge", "w1", T0, 2 * MINUTE)
    assert store.claim_source("verge", "w1", T0, 2 * MINUTE)  # re-claiming one's own lease is fine
    assert not store.claim_source("verge", "w2", T0 + MINUTE, 2 * MINUTE)
    assert store.due_sources(T0 + MINUTE) == []
    assert not store.claim_source("gsmarena", "w2", T0, 2 * MINUTE)  # not due
    assert store.claim_source("verge", "w2", T0 + 2 * MINUTE, 2 * MINUTE)  # w1's lease expired

    store.record_poll("verge", ok_poll(T0 + 2 * MINUTE))
    assert not store.claim_source("verge", "w1", T0 + 3 * MINUTE, 2 * MINUTE)  # polled, not due yet
    assert store.claim_source("verge", "w1", T0 + 17 * MINUTE, 2 * MINUTE)


def test_a_stale_workers_late_poll_record_changes_nothing(store: Store) -> None:
    store.sync_sources(SOURCES)
    assert store.claim_source("verge", "w1", T0, 2 * MINUTE)
    assert store.claim_source("verge", "w2", T0 + 3 * MINUTE, 2 * MINUTE)  # w1 hung past its lease
    assert store.record_poll("verge", ok_poll(T0 + 3 * MINUTE, etag='"w2"'), worker="w2")

    late = dataclasses.replace(ok_poll(T0 + 4 * MINUTE, etag='"w1"'), status="error", error="late", failures=1)
    assert not store.record_poll("verge", late, worker="w1")
    state = {s.name: s for s in store.source_states()}["verge"]
    assert (state.status, state.etag, state.polls, state.last_error) == ("ok", '"w2"', 1, None)

    # A worker still holding its lease records normally, and releases it.
    assert store.claim_source("verge", "w1", T0 + 20 * MINUTE, 2 * MINUTE)
    assert store.record_poll("verge", ok_poll(T0 + 20 * MINUTE), worker="w1")
    assert store.claim_source("verge", "w2", T0 + 40 * MINUTE, 2 * MINUTE)


def test_story_writes_admit_one_holder_at_a_time(store: Store) -> None:
    """Two stores on one database (two workers, or the service and a `monitor crawl`) never match-and-save
    stories at the same time."""
    other = Store.open(url_of(store))
    inside, release, entered = threading.Event(), threading.Event(), threading.Event()

    def first() -> None:
        with store.story_writes():
            inside.set()
            release.wait(timeout=10)

    def second() -> None:
        inside.wait(timeout=10)
        with other.story_writes():
            entered.set()

    try:
        threads = [threading.Thread(target=first), threading.Thread(target=second)]
        for thread in threads:
            thread.start()
        assert inside.wait(timeout=10)
        assert not entered.wait(timeout=0.5)  # held by the first
        release.set()
        assert entered.wait(timeout=10)  # and free once it is released
        for thread in threads:
            thread.join(timeout=10)
    finally:
        release.set()
        other.close()


def test_concurrent_source_claims_have_one_winner(store: Store) -> None:
    store.sync_sources(SOURCES)
    wins = run_in_threads(6, lambda i: store.claim_source("verge", f"w{i}", T0, MINUTE))
    assert sum(wins) == 1


# -- time, errors, locking ----------------------------------------------------------------------------------


def test_datetimes_come_back_aware_and_in_utc(store: Store) -> None:
    paris = timezone(timedelta(hours=1))
    store.save_article(article(1, published=datetime(2025, 3, 1, 13, 0, tzinfo=paris)), story(), [])

    (stored,) = store.articles()
    assert stored.published == T0 and stored.published.tzinfo == UTC  # type: ignore[union-attr]
    assert stored.fetched_at.utcoffset() == timedelta(0)
    assert store.stories()[0].first_seen.tzinfo == UTC


def test_naive_datetimes_are_refused(store: Store) -> None:
    with pytest.raises(StoreError, match="naive datetime"):
        store.save_article(article(1, fetched_at=datetime(2025, 3, 1, 12, 0)), None, [])


def test_errors_name_the_database_without_its_password() -> None:
    with pytest.raises(StoreError) as caught:
        Store.open("postgresql+psycopg://monitor:s3cret@127.0.0.1:1/monitor")  # nothing listens on port 1
    assert "s3cret" not in str(caught.value)
    assert "monitor:***@127.0.0.1:1/monitor" in str(caught.value)


def test_an_unsupported_url_is_refused() -> None:
    with pytest.raises(StoreError, match="unsupported database"):
        Store.open("mysql://root@127.0.0.1/monitor")


def test_sqlite_file_directory_is_created_and_pragmas_are_set(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "monitor.db"
    with Store.open(f"sqlite:///{path}") as opened:
        opened.sync_sources(SOURCES)
        with opened.engine.connect() as conn:
            pragmas = [
                conn.exec_driver_sql(f"PRAGMA {p}").scalar()
                for p in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
            ]
    assert pragmas == ["wal", 1, 15000, 1]  # synchronous 1 = NORMAL
    assert sqlite3.connect(path).execute("SELECT count(*) FROM sources").fetchone() == (2,)


def test_a_second_run_on_the_same_sqlite_file_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'monitor.db'}"
    with Store.open(url) as first, Store.open(url) as second:
        lock = first.acquire_run_lock()
        with pytest.raises(StoreError, match="in use by pid"):
            second.acquire_run_lock()
        lock.release()
        second.acquire_run_lock()  # free again
        with pytest.raises(StoreError, match="in use"):
            first.acquire_run_lock()
    with Store.open(url) as third:
        third.acquire_run_lock()  # closing the holder released it


@pytest.mark.postgres
def test_postgres_allows_several_runners(postgres_store_url: str) -> None:
    with Store.open(postgres_store_url) as first, Store.open(postgres_store_url) as second:
        first.acquire_run_lock()
        second.acquire_run_lock()
