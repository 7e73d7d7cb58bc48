"""What the service exposes to Prometheus, and the HTTP endpoint that serves it with a health check.

Every metric lives on the service's OWN ``CollectorRegistry``: the global registry would keep counters
across services started in one process (tests start several) and would mix in whatever else registered
there. Names carry the ``monitor_`` namespace, as Prometheus' naming guide asks of an application:

    monitor_polls_total{outcome}               polls by outcome: ok | not_modified | error | gone
    monitor_new_articles_total{relevant}       articles stored ("true": matched a topic)
    monitor_stories_total                      stories created
    monitor_alerts_sent_total                  alerts delivered
    monitor_alerts_failed_total                failed delivery attempts (retried later or dead-lettered)
    monitor_alerts_dead_total                  alerts given up on (the dead letter, ``monitor alerts retry``)
    monitor_poll_duration_seconds              one source's poll, fetch to stored (histogram)
    monitor_alerts_pending                     outbox rows waiting (gauge, read from the store per scrape)
    monitor_oldest_pending_alert_age_seconds   age of the oldest alert that is due and unsent (0 when none)
    monitor_sources_failing                    sources whose last poll failed

``/healthz`` answers 200 with ``{"status": "ok", "last_tick": ...}`` while the scheduler loop ticks, 503 with
``"status": "stalled"`` when it has not ticked for ``stale_after`` seconds (a wedged event loop cannot tick,
so a supervisor or a container health check can restart the service).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

if TYPE_CHECKING:
    from aiohttp import web

    from monitor.cycle import SourceResult
    from monitor.delivery import DeliveryReport
    from monitor.pipeline import ItemResult

NAMESPACE = "monitor"
# Feed polls on loopback take milliseconds; real outlets up to the fetcher's deadline (20 s by default), and a
# spider crawl minutes. The buckets span both so a slow outlet shows up as a tail, not in +Inf.
POLL_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600)
POLL_OUTCOMES = ("ok", "not_modified", "error", "gone")


@dataclass
class Metrics:
    """The service's instruments; ``observe_*`` methods translate domain results into them."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r, ns = self.registry, NAMESPACE
        self.polls = Counter("polls", "Source polls by outcome.", ["outcome"], namespace=ns, registry=r)
        self.new_articles = Counter("new_articles", "Articles stored.", ["relevant"], namespace=ns, registry=r)
        self.stories = Counter("stories", "Stories created.", namespace=ns, registry=r)
        self.alerts_sent = Counter("alerts_sent", "Alerts delivered.", namespace=ns, registry=r)
        self.alerts_failed = Counter("alerts_failed", "Failed alert delivery attempts.", namespace=ns, registry=r)
        self.alerts_dead = Counter("alerts_dead", "Alerts given up on (dead letter).", namespace=ns, registry=r)
        self.poll_duration = Histogram(
            "poll_duration_seconds", "Duration of one source poll.", buckets=POLL_BUCKETS, namespace=ns, registry=r
        )
        self.alerts_pending = Gauge("alerts_pending", "Alerts waiting in the outbox.", namespace=ns, registry=r)
        self.oldest_pending_age = Gauge(
            "oldest_pending_alert_age_seconds", "Age of the oldest due, unsent alert.", namespace=ns, registry=r
        )
        self.sources_failing = Gauge("sources_failing", "Sources whose last poll failed.", namespace=ns, registry=r)
        for outcome in POLL_OUTCOMES:  # present at 0 from the start, so rate() has a baseline
            self.polls.labels(outcome=outcome)
        for relevant in ("true", "false"):
            self.new_articles.labels(relevant=relevant)

    def observe_poll(self, result: SourceResult) -> None:
        self.polls.labels(outcome=result.status).inc()
        self.poll_duration.observe(result.duration)

    def observe_item(self, item: ItemResult) -> None:
        from monitor.model import Outcome

        if item.outcome in (Outcome.NEW, Outcome.IRRELEVANT):
            self.new_articles.labels(relevant="true" if item.outcome == Outcome.NEW else "false").inc()
        if item.outcome == Outcome.NEW and item.story_id is not None and not item.known_story:
            self.stories.inc()

    def observe_delivery(self, report: DeliveryReport) -> None:
        self.alerts_sent.inc(report.sent)
        self.alerts_failed.inc(report.retrying + report.failed)
        self.alerts_dead.inc(report.failed)

    def set_outbox(self, pending: int, oldest_age: float | None) -> None:
        self.alerts_pending.set(pending)
        self.oldest_pending_age.set(max(0.0, oldest_age or 0.0))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


@dataclass
class Heartbeat:
    """When the scheduler loop last ticked: monotonic for the staleness test, wall clock for humans."""

    stale_after: float
    monotonic: Callable[[], float] = time.monotonic
    _last: float | None = None
    _last_wall: datetime | None = None

    def beat(self) -> None:
        self._last, self._last_wall = self.monotonic(), datetime.now(UTC)

    def status(self) -> tuple[int, dict[str, object]]:
        """HTTP status and body for ``/healthz``. Not ticked yet counts as stalled only once overdue."""
        last = self._last_wall.isoformat() if self._last_wall else None
        age = None if self._last is None else self.monotonic() - self._last
        if age is None or age > self.stale_after:
            return 503, {"status": "stalled", "last_tick": last, "age_seconds": age}
        return 200, {"status": "ok", "last_tick": last, "age_seconds": round(age, 3)}


def make_app(
    metrics: Metrics, heartbeat: Heartbeat, before_scrape: Callable[[], None] | None = None
) -> web.Application:
    """``/metrics`` and ``/healthz`` as an aiohttp application (served from the service's own loop)."""
    from aiohttp import web

    async def scrape(_request: web.Request) -> web.Response:
        if before_scrape is not None:
            before_scrape()
        # CONTENT_TYPE_LATEST carries "; charset=utf-8", which aiohttp wants apart from content_type.
        return web.Response(body=metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def healthz(_request: web.Request) -> web.Response:
        status, body = heartbeat.status()
        return web.Response(status=status, text=json.dumps(body), content_type="application/json")

    app = web.Application()
    app.router.add_get("/metrics", scrape)
    app.router.add_get("/healthz", healthz)
    return app


class MetricsServer:
    """The endpoint on ``host:port``. Port 0 binds an ephemeral port, read back from ``.port`` (the service
    itself treats ``metrics_port = 0`` as "no endpoint" and never gets here)."""

    def __init__(self, app: web.Application, host: str, port: int) -> None:
        self._app, self.host, self.port = app, host, port
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        from aiohttp import web

        self._runner = web.AppRunner(self._app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        if self.port == 0:  # an ephemeral port: read back what the OS chose
            self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()
