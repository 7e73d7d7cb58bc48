"""metrics: what a Prometheus scrape and a health probe see, served over real loopback HTTP."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from monitor.cycle import SourceResult
from monitor.delivery import DeliveryReport
from monitor.metrics import Heartbeat, Metrics, MetricsServer, make_app
from monitor.model import Outcome
from monitor.pipeline import ItemResult


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
