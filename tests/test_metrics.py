"""metrics: what a Prometheus scrape and a health probe see, served over real loopback HTTP."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from datetime import timedelta
from typing import Any

import aiohttp
import feedparser
from prometheus_client.parser import text_string_to_metric_families

from monitor.alerts.delivery import DeliveryReport
from monitor.model import Outcome
from monitor.service.cycle import SourceResult
from monitor.service.metrics import FEED_PATH, Heartbeat, Metrics, MetricsServer, StoriesFeed, make_app
from monitor.service.pipeline import ItemResult
from monitor.store import Store, make_engine
from tests.helpers import T0, article, new_story
from tests.sinks import free_port


def samples(metrics: Metrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = metrics.exposition().decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def polled(status: str, seconds: float) -> SourceResult:
    return SourceResult(source="gsmarena", type="feed", status=status, items=0, new=0, error=None, duration=seconds)


def item(outcome: Outcome, story: int | None = None, known: bool = False) -> ItemResult:
    return ItemResult("gsmarena", "https://x/a", "t", outcome, story_id=story, known_story=known)


class Ticker:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_domain_results_become_counters_and_a_histogram() -> None:
    metrics = Metrics()
    metrics.observe_poll(polled("ok", 0.2))
    metrics.observe_poll(polled("not_modified", 0.01))
    metrics.observe_poll(polled("error", 25.0))
    metrics.observe_item(item(Outcome.NEW, story=1))  # a new story
    metrics.observe_item(item(Outcome.NEW, story=1, known=True))  # joined it
    metrics.observe_item(item(Outcome.IRRELEVANT))
    metrics.observe_item(item(Outcome.DUPLICATE))  # stored nothing
    metrics.observe_delivery(DeliveryReport(claimed=4, messages=4, sent=2, retrying=1, failed=1))
    metrics.set_outbox(pending=3, oldest_age=42.5)
    got = samples(metrics)
    assert got[("monitor_polls_total", (("outcome", "ok"),))] == 1
    assert got[("monitor_polls_total", (("outcome", "gone"),))] == 0  # present before the first 410
    assert got[("monitor_poll_duration_seconds_count", ())] == 3
    assert got[("monitor_poll_duration_seconds_bucket", (("le", "0.25"),))] == 2
    assert got[("monitor_poll_duration_seconds_bucket", (("le", "20.0"),))] == 2  # the 25 s poll is in the tail
    assert got[("monitor_new_articles_total", (("relevant", "true"),))] == 2
    assert got[("monitor_new_articles_total", (("relevant", "false"),))] == 1
    assert got[("monitor_stories_total", ())] == 1
    assert got[("monitor_alerts_sent_total", ())] == 2
    assert got[("monitor_alerts_failed_total", ())] == 2
    assert got[("monitor_alerts_dead_total", ())] == 1
    assert got[("monitor_alerts_pending", ())] == 3
    assert got[("monitor_oldest_pending_alert_age_seconds", ())] == 42.5


def test_each_service_counts_on_its_own_registry() -> None:
    first, second = Metrics(), Metrics()
    first.observe_poll(polled("ok", 0.1))
    assert samples(second)[("monitor_polls_total", (("outcome", "ok"),))] == 0
    metrics = Metrics()
    metrics.set_outbox(pending=0, oldest_age=None)
    assert samples(metrics)[("monitor_oldest_pending_alert_age_seconds", ())] == 0


def test_heartbeat_is_ok_while_ticking_and_stalled_after() -> None:
    clock = Ticker()
    heartbeat = Heartbeat(stale_after=30, monotonic=clock)
    assert heartbeat.status()[0] == 503  # never ticked
    heartbeat.beat()
    clock.now += 29
    status, body = heartbeat.status()
    assert status == 200 and body["status"] == "ok" and body["last_tick"]
    clock.now += 2
    status, body = heartbeat.status()
    assert status == 503 and body["status"] == "stalled" and body["age_seconds"] == 31


def test_endpoint_serves_metrics_and_health_over_http() -> None:
    clock = Ticker()
    metrics = Metrics()
    heartbeat = Heartbeat(stale_after=30, monotonic=clock)
    scrapes: list[int] = []

    def before_scrape() -> None:  # the service reads the outbox here, so gauges are current per scrape
        scrapes.append(1)
        metrics.set_outbox(pending=len(scrapes), oldest_age=None)

    async def scenario() -> list[Any]:
        server = MetricsServer(make_app(metrics, heartbeat, before_scrape), "127.0.0.1", 0)
        await server.start()
        base = f"http://127.0.0.1:{server.port}"
        try:
            async with aiohttp.ClientSession() as session:
                heartbeat.beat()
                async with session.get(f"{base}/healthz") as ok:
                    healthy = (ok.status, await ok.json())
                clock.now += 60  # the loop has not ticked for a minute
                async with session.get(f"{base}/healthz") as stalled:
                    unhealthy = (stalled.status, json.loads(await stalled.text()))
                async with session.get(f"{base}/metrics") as first:
                    first_text = (first.headers["Content-Type"], await first.text())
                async with session.get(f"{base}/metrics") as second:
                    second_text = await second.text()
        finally:
            await server.stop()
        return [healthy, unhealthy, first_text, second_text]

    healthy, unhealthy, (content_type, first), second = asyncio.run(scenario())
    assert healthy[0] == 200 and healthy[1]["status"] == "ok"
    assert unhealthy[0] == 503 and unhealthy[1]["status"] == "stalled"
    assert content_type.startswith("text/plain") and "version=" in content_type
    pending = [
        [s.value for f in text_string_to_metric_families(text) for s in f.samples if s.name == "monitor_alerts_pending"]
        for text in (first, second)
    ]
    assert pending == [[1.0], [2.0]]


# -- the Atom feed ----------------------------------------------------------------------------------------------


def test_feed_serves_the_alert_worthy_stories_and_answers_conditional_gets(store: Store) -> None:
    """What a feed reader sees polling ``/feed.atom`` of a store on each backend."""
    store.save_article(article(1), new_story("Xiaomi 15 Ultra launches"))
    store.save_article(article(2, outlet="The Verge", source="verge"), 1)
    store.save_article(article(3, event="rumor"), new_story("Xiaomi 16 rumour", "rumor", alertable=False))
    teaser = dataclasses.replace(new_story("Find X9 teaser", "teaser"), topic="oppo-hasselblad")
    store.save_article(article(4, topic="oppo-hasselblad", fetched_at=T0 + timedelta(hours=1)), teaser)
    clock = Ticker()
    reads: list[str | None] = []

    def load(topic: str | None) -> list[Any]:
        reads.append(topic)
        return store.feed_stories(topic=topic)

    feed = StoriesFeed(load, topics=["xiaomi-leica", "oppo-hasselblad"], started=T0, ttl=5, monotonic=clock)

    async def scenario() -> dict[str, Any]:
        server = MetricsServer(make_app(Metrics(), Heartbeat(stale_after=30), feed=feed), "127.0.0.1", 0)
        await server.start()
        url = f"http://127.0.0.1:{server.port}{FEED_PATH}"
        seen: dict[str, Any] = {}
        try:
            async with aiohttp.ClientSession() as session:

                async def get(name: str, query: str = "", **headers: str) -> None:
                    async with session.get(url + query, headers=headers) as answer:
                        seen[name] = (answer.status, answer.headers.copy(), await answer.read())

                await asyncio.gather(*(get(f"burst{n}") for n in range(5)))  # five readers at once
                etag, modified = seen["burst0"][1]["ETag"], seen["burst0"][1]["Last-Modified"]
                await get("by_etag", **{"If-None-Match": f'W/"other", {etag}'})
                await get("by_date", **{"If-Modified-Since": modified})
                await get("changed_etag", **{"If-None-Match": '"stale"', "If-Modified-Since": modified})
                await get("one_topic", "?topic=oppo-hasselblad")
                await get("no_topic", "?topic=nope")
                store.save_article(
                    article(5, fetched_at=T0 + timedelta(hours=2)), new_story("Xiaomi 16 teaser", "teaser")
                )
                await get("cached", **{"If-None-Match": etag})  # within the cache's 5 s: still the old document
                clock.now += 5
                await get("renewed", **{"If-None-Match": etag})
        finally:
            await server.stop()
        return seen

    seen = asyncio.run(scenario())

    status, headers, body = seen["burst0"]
    assert status == 200 and headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    assert all(seen[f"burst{n}"][2] == body for n in range(5)) and reads[0] is None
    parsed = feedparser.parse(body)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert [e.title for e in parsed.entries] == ["Find X9 teaser", "Xiaomi 15 Ultra launches"]  # newest first
    assert parsed.entries[1].link == "https://example.com/news/1"
    assert parsed.feed.updated == "2025-03-01T13:00:00Z"  # the newest story's, not the time of the request
    assert headers["Last-Modified"] == "Sat, 01 Mar 2025 13:00:00 GMT"
    for name in ("by_etag", "by_date", "cached"):
        assert seen[name][0] == 304 and seen[name][2] == b"" and seen[name][1]["ETag"] == headers["ETag"], name
    assert seen["changed_etag"][0] == 200  # If-None-Match decides when both are sent
    one_topic = feedparser.parse(seen["one_topic"][2])
    assert [e.title for e in one_topic.entries] == [
        "Find X9 teaser"
    ] and one_topic.feed.title == "monitor: oppo-hasselblad"
    assert seen["no_topic"][0] == 404
    status, renewed_headers, renewed = seen["renewed"]
    assert status == 200 and renewed_headers["ETag"] != headers["ETag"]
    assert [e.title for e in feedparser.parse(renewed).entries][0] == "Xiaomi 16 teaser"
    assert reads == [None, "oppo-hasselblad", None]  # the burst and the conditional GETs shared one read


def test_feed_says_so_when_the_database_is_unreachable() -> None:
    unreachable = Store(make_engine(f"postgresql+psycopg://monitor@127.0.0.1:{free_port()}/monitor"))
    feed = StoriesFeed(lambda topic: unreachable.feed_stories(topic=topic), topics=[], started=T0)

    async def scenario() -> tuple[int, str]:
        server = MetricsServer(make_app(Metrics(), Heartbeat(stale_after=30), feed=feed), "127.0.0.1", 0)
        await server.start()
        try:
            async with (
                aiohttp.ClientSession() as session,
                session.get(f"http://127.0.0.1:{server.port}{FEED_PATH}") as answer,
            ):
                return answer.status, await answer.text()
        finally:
            await server.stop()
            unreachable.close()

    status, text = asyncio.run(scenario())
    assert status == 503 and "database cannot be read" in text
