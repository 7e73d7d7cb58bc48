"""What the service exposes to Prometheus, and the HTTP endpoint that serves it with a health check.

Every metric lives on the service's OWN ``CollectorRegistry``: the global registry would keep counters
across services started in one process (tests start several) and would mix in whatever else registered
there. Names carry the ``monitor_`` namespace, as Prometheus' naming guide asks of an application:

    monitor_polls_total{outcome}               polls by outcome: ok | not_modified | error | gone
    monitor_poll_crashes_total                 polls ended by an unexpected exception (a bug; also counted as error)
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

``/feed.atom`` (``?topic=NAME`` for one configured topic) is the Atom document ``monitor feed`` writes: the 50
most recently updated alert-worthy stories. Feed readers poll, so it carries a strong ``ETag`` (a digest of the
body) and ``Last-Modified`` (the newest story's last coverage) and answers a matching conditional GET with 304.
The store read and the serialisation run in a worker thread, and the result is kept ``FEED_CACHE_SECONDS``: a
burst of readers costs one read, and a new story shows up at most that much later.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from monitor.config import ServiceConfig
from monitor.logs import get_logger

if TYPE_CHECKING:
    from aiohttp import web

    from monitor.alerts.atom import FeedStory
    from monitor.alerts.delivery import DeliveryReport
    from monitor.service.cycle import SourceResult
    from monitor.service.pipeline import ItemResult

log = get_logger(__name__)

NAMESPACE = "monitor"
# Feed polls on loopback take milliseconds; real outlets up to the fetcher's deadline (20 s by default), and a
# spider crawl minutes. The buckets span both so a slow outlet shows up as a tail, not in +Inf.
POLL_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600)
POLL_OUTCOMES = ("ok", "not_modified", "error", "gone")
FEED_PATH = "/feed.atom"
FEED_CACHE_SECONDS = 5.0
FEED_CONTENT_TYPE = "application/atom+xml"


@dataclass
class Metrics:
    """The service's instruments; ``observe_*`` methods translate domain results into them."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r, ns = self.registry, NAMESPACE
        self.polls = Counter("polls", "Source polls by outcome.", ["outcome"], namespace=ns, registry=r)
        self.poll_crashes = Counter(
            "poll_crashes", "Polls ended by an unexpected exception (a bug).", namespace=ns, registry=r
        )
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
        if result.crashed:
            self.poll_crashes.inc()
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


@dataclass(frozen=True, slots=True)
class FeedDocument:
    body: bytes
    etag: str  # strong, quoted: '"<digest of the body>"'
    last_modified: datetime

    def not_modified(self, request: web.Request) -> bool:
        """RFC 9110 §13.2.2: If-None-Match (weak comparison) decides when present, else If-Modified-Since."""
        if request.if_none_match is not None:
            return any(tag.value in ("*", self.etag.strip('"')) for tag in request.if_none_match)
        since = request.if_modified_since
        return since is not None and self.last_modified.replace(microsecond=0) <= since


_DEFAULTS = ServiceConfig()


class StoriesFeed:
    """The Atom feed of alert-worthy stories, built from the store on demand and kept ``ttl`` seconds per topic.

    ``load(topic)`` reads the stories (synchronous: it runs in a worker thread, never on the loop); ``started``
    is the ``updated`` of a feed without entries (a fixed moment, so an empty feed's ETag holds too).
    """

    def __init__(
        self,
        load: Callable[[str | None], Sequence[FeedStory]],
        *,
        topics: Collection[str],
        started: datetime,
        feed_id: str = _DEFAULTS.feed_id,
        link: str = _DEFAULTS.feed_link,
        ttl: float = FEED_CACHE_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._load, self.topics, self.started = load, frozenset(topics), started
        self.feed_id, self.link = feed_id, link
        self.ttl, self.monotonic = ttl, monotonic
        self._cache: dict[str | None, tuple[float, FeedDocument]] = {}
        self._lock = asyncio.Lock()

    async def document(self, topic: str | None) -> FeedDocument:
        if (fresh := self._fresh(topic)) is not None:
            return fresh
        async with self._lock:  # concurrent requests share one read
            if (fresh := self._fresh(topic)) is not None:
                return fresh
            document = await asyncio.to_thread(self._build, topic)
            self._cache[topic] = (self.monotonic(), document)
            return document

    def _fresh(self, topic: str | None) -> FeedDocument | None:
        cached = self._cache.get(topic)
        if cached is None or self.monotonic() - cached[0] >= self.ttl:
            return None
        return cached[1]

    def _build(self, topic: str | None) -> FeedDocument:
        from monitor.alerts.atom import feed_updated, topic_feed

        stories = self._load(topic)
        updated = feed_updated(stories, self.started)
        body = topic_feed(stories, topic, empty_updated=self.started, feed_id=self.feed_id, link=self.link)
        return FeedDocument(body, f'"{hashlib.sha256(body).hexdigest()[:32]}"', updated)


def make_app(
    metrics: Metrics,
    heartbeat: Heartbeat,
    before_scrape: Callable[[], None] | None = None,
    feed: StoriesFeed | None = None,
) -> web.Application:
    """``/metrics``, ``/healthz`` and, given a feed, ``/feed.atom`` as an aiohttp application (served from the
    service's own loop)."""
    from aiohttp import web

    from monitor.errors import MonitorError

    async def scrape(_request: web.Request) -> web.Response:
        if before_scrape is not None:
            before_scrape()
        # CONTENT_TYPE_LATEST carries "; charset=utf-8", which aiohttp wants apart from content_type.
        return web.Response(body=metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def healthz(_request: web.Request) -> web.Response:
        status, body = heartbeat.status()
        return web.Response(status=status, text=json.dumps(body), content_type="application/json")

    async def atom(request: web.Request) -> web.Response:
        assert feed is not None
        topic = request.query.get("topic") or None
        if topic is not None and topic not in feed.topics:
            return web.Response(status=404, text=f"no topic {topic!r}\n")
        try:
            document = await feed.document(topic)
        except MonitorError as exc:  # the database is unreachable; the reader retries later
            log.error("feed.read_failed", error=str(exc))  # details for the operator, not for any reader
            return web.Response(status=503, text="feed unavailable: the database cannot be read\n")
        headers = {"ETag": document.etag, "Cache-Control": "no-cache"}
        response = web.Response(headers=headers)
        response.last_modified = document.last_modified
        if document.not_modified(request):
            response.set_status(304)
            return response
        response.body = document.body
        response.content_type, response.charset = FEED_CONTENT_TYPE, "utf-8"
        return response

    app = web.Application()
    app.router.add_get("/metrics", scrape)
    app.router.add_get("/healthz", healthz)
    if feed is not None:
        app.router.add_get(FEED_PATH, atom)
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
