"""``monitor run``: the background service. Composition root for polling, delivery, source health and metrics.

One asyncio loop runs everything that does I/O on the network; APScheduler 3 (``AsyncIOScheduler``, job store in
memory, jobs rebuilt from the configuration at every start) only says *when* to look:

    tick      every ``tick`` s    ask the store which sources are due, start one poll task per idle due source
    deliver   every delivery_interval, and at once after a poll decided alerts: the outbox worker, in a thread
    health    every 30 s          source-down / source-up operator alerts; also after every failing poll

Poll state (validators, next due time, back-off) is in OUR database, never in a job store, so a restart or a
second worker on PostgreSQL picks up exactly where the last one stopped, and a run missed during downtime
happens once.

Delivery runs apart from polling: apprise sends block (SMTP, HTTP), and a burst of alerts or a slow mail server
must never stall polls. It runs in a daemon thread per round rather than the loop's default executor, because
``asyncio.run`` joins that executor without a deadline at exit, and a send hung in a socket would then hold
SIGTERM hostage.

Stopping (SIGTERM, SIGINT, or the ``stop`` event for embedders and tests): scheduling stops, polls in flight get
``DRAIN_GRACE`` seconds and are then cancelled (each write is a whole transaction, so nothing is half-written),
a delivery round in flight gets ``DELIVERY_GRACE`` seconds, then the fetcher, the metrics endpoint and the store
close. Measured: exit 0 in under 4 s with a hung outlet in flight (tests/test_service.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import random
import signal
import socket
import sys
import threading
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from monitor.errors import MonitorError, ServiceError, StoreError
from monitor.logs import get_logger, setup_logging

if TYPE_CHECKING:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from monitor.alerts.delivery import DeliveryReport
    from monitor.alerts.notify import DeliveryResult
    from monitor.alerts.render import Rendered
    from monitor.config import ChannelConfig, Config
    from monitor.service.app import App
    from monitor.service.cycle import SourceResult
    from monitor.service.metrics import MetricsServer
    from monitor.service.pipeline import ItemResult
    from monitor.service.scheduler import HealthWatch, PollScheduler

log = get_logger(__name__)
T = TypeVar("T")

TICK = 1.0  # seconds between "which sources are due?" questions: the lateness of a poll, at most
HEALTH_EVERY = 30.0
DRAIN_GRACE = 3.0  # a loopback poll takes milliseconds, a real one about a second; a hung one is cancelled
DELIVERY_GRACE = 2.0
NOTIFY_TIMEOUT = 30.0  # one apprise notify() call; beyond it the attempt fails and the outbox retries it
STOP_POLL = 0.05  # how often the loop looks at the embedder's threading.Event


def run_service(
    config: Config,
    *,
    clock: Callable[[], datetime] | None = None,
    stop: threading.Event | None = None,
    log_format: str = "text",
    tick: float = TICK,
) -> int:
    """Run until SIGTERM/SIGINT (or ``stop`` is set). Returns the exit code: 0 after a clean stop, 1 when the
    service could not start (another ``monitor run`` holds the SQLite database, the metrics port is taken)."""
    from monitor.store import Store, make_engine

    _ensure_logging(log_format)
    # The lock comes first, before migrations and the source sync, so a second service changes nothing (and,
    # refused before the heavy imports, says so at once).
    locker = Store(make_engine(config.storage.url))
    try:
        try:
            locker.acquire_run_lock()
        except StoreError as exc:
            return _refuse(f"{exc}; another `monitor run` is using this database")
        from monitor.service.app import open_app
        from monitor.service.pipeline import utcnow

        app = open_app(config, clock=clock or utcnow)
        try:
            # Now, not at the first new article: its imports (~0.3 s) would stall the event loop, and with it
            # every poll in flight, which a short network.timeout then reports as failed.
            app.pipeline.prepare()
            return asyncio.run(Service(app, tick=tick).run(stop or threading.Event()))
        except ServiceError as exc:
            return _refuse(str(exc))
        finally:
            app.close()
    finally:
        locker.close()


def _refuse(message: str) -> int:
    # The CLI's own form for errors (``monitor: error: …``), printed rather than logged: the one line a user
    # starting a second service must see, whatever the log level and format.
    print(f"monitor: error: {message}", file=sys.stderr)
    return 1


def _ensure_logging(log_format: str) -> None:
    """The CLI has set logging up already; an embedder may not have. A service's events are its record, so
    ``monitor`` logs at INFO at least (``monitor crawl`` stays quiet by default; ``monitor run`` does not)."""
    if not logging.getLogger().handlers:
        setup_logging(log_format, 1)
    logger = logging.getLogger("monitor")
    if logger.getEffectiveLevel() > logging.INFO:
        logger.setLevel(logging.INFO)


class Service:
    """The running service: built per start from the opened app; ``run`` returns when asked to stop."""

    def __init__(self, app: App, *, tick: float = TICK) -> None:
        from monitor.service.metrics import Heartbeat, Metrics

        self.app = app
        self.config = app.config
        self.tick_seconds = tick
        self.metrics = Metrics()
        # Stalled = ten ticks missed, and never less than 30 s: a slow ingest of a big feed blocks the loop
        # for seconds, which is not a stall worth a restart.
        self.heartbeat = Heartbeat(stale_after=max(30.0, 10 * tick))
        self.worker = f"{socket.gethostname()}:{os.getpid()}"
        self.channels: dict[str, ChannelConfig] = {c.name: c for c in self.config.channels}
        self.notifier = _LazyNotifier()
        self.metrics_port: int | None = None  # bound port, once listening
        self._stopping: asyncio.Event | None = None
        self._scheduler: AsyncIOScheduler | None = None
        self._delivering: asyncio.Future[DeliveryReport] | None = None
        self._job_tasks: set[asyncio.Task[Any]] = set()
        self._deliver_again = False
        self.polls: PollScheduler
        self.health: HealthWatch

    # -- lifecycle --------------------------------------------------------------------------------------

    async def run(self, stop: threading.Event) -> int:
        from monitor.ingest.fetch import Fetcher
        from monitor.service.cycle import Cycle

        loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        fetcher = Fetcher(self.config.network)
        cycle = Cycle(
            self.config, self.app.store, self.app.pipeline, fetcher, self.app.clock,
            on_item=self.metrics.observe_item, on_source=self.metrics.observe_poll,
        )  # fmt: skip
        self._build_watchers(cycle)
        server = await self._start_metrics()
        self._scheduler = self._schedule(loop)
        signals = self._install_signals(loop)
        log.info("service.started", worker=self.worker, sources=len(self.polls.enabled), metrics=self.metrics_port)
        try:
            await self._wait_for_stop(stop)
        finally:
            await self._shut_down(server, fetcher)
            for sig in signals:
                loop.remove_signal_handler(sig)
        return 0

    def _build_watchers(self, cycle: Any) -> None:
        from monitor.service.scheduler import HealthWatch, PollScheduler, reported_outages

        store = self.app.store
        self.polls = PollScheduler(cycle, store, self.config.sources, self.app.clock, self.worker, self._polled)
        # Outages already announced are read back from the outbox, so a restart repeats no "down" alert and
        # still sends the "up" when the source recovers.
        operator_keys = (a.dedup_key for a in store.alerts() if a.kind == "operator")
        self.health = HealthWatch(store, self.config, self.app.clock, reported=reported_outages(operator_keys))

    async def _start_metrics(self) -> MetricsServer | None:
        from monitor.service.metrics import MetricsServer, StoriesFeed, make_app

        service = self.config.service
        if not service.metrics_port:
            return None
        store, topics = self.app.store, [topic.name for topic in self.config.topics]
        feed = StoriesFeed(
            lambda topic: store.feed_stories(topic=topic),
            topics=topics,
            started=self.app.clock(),
            feed_id=service.feed_id,
            link=service.feed_link,
        )
        app = make_app(self.metrics, self.heartbeat, self._refresh_gauges, feed)
        server = MetricsServer(app, service.metrics_host, service.metrics_port)
        try:
            await server.start()
        except OSError as exc:
            await server.stop()
            where = f"{service.metrics_host}:{service.metrics_port}"
            raise ServiceError(f"metrics endpoint {where}: {exc.strerror or exc}") from exc
        self.metrics_port = server.port
        return server

    def _schedule(self, loop: asyncio.AbstractEventLoop) -> AsyncIOScheduler:
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        scheduler = AsyncIOScheduler(event_loop=loop, timezone=UTC)
        now = datetime.now(UTC)
        # coalesce + max_instances=1: a loop that was busy runs a job once, never a backlog of runs; no misfire
        # grace limit, because a late tick is still the right thing to run.
        common: dict[str, Any] = {
            "max_instances": 1, "coalesce": True, "misfire_grace_time": None, "next_run_time": now,
        }  # fmt: skip
        delivery = self.config.service.delivery_interval.total_seconds()
        jobs = {
            "tick": (self._tick, self.tick_seconds),
            "deliver": (self._deliver, delivery),
            "health": (self._check_health, HEALTH_EVERY),
        }
        for job_id, (job, seconds) in jobs.items():
            scheduler.add_job(self._tracked(job), "interval", seconds=seconds, id=job_id, **common)
        scheduler.start()
        return scheduler

    def _install_signals(self, loop: asyncio.AbstractEventLoop) -> list[signal.Signals]:
        if threading.current_thread() is not threading.main_thread():
            return []  # embedded in a thread (tests): the embedder stops us through the event
        installed = []
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            loop.add_signal_handler(sig, self._on_signal, sig)
            installed.append(sig)
        return installed

    def _on_signal(self, sig: signal.Signals) -> None:
        if sig == signal.SIGHUP:
            # Reloading would mean rebuilding the judge, the story index and the jobs; a restart does that and
            # loses nothing, so SIGHUP is acknowledged rather than left to kill the process by default.
            log.warning("service.reload_unsupported", hint="restart the service to apply a new configuration")
            return
        log.info("service.stopping", signal=sig.name)
        assert self._stopping is not None
        self._stopping.set()

    async def _wait_for_stop(self, stop: threading.Event) -> None:
        assert self._stopping is not None
        while not stop.is_set():
            try:
                await asyncio.wait_for(self._stopping.wait(), STOP_POLL)
                return
            except TimeoutError:
                continue

    async def _shut_down(self, server: MetricsServer | None, fetcher: Any) -> None:
        assert self._scheduler is not None
        self._scheduler.pause()  # no new job runs; the ones running finish below
        await asyncio.sleep(0)  # job tasks submitted a moment ago start, and so are tracked
        cancelled, jobs_done = await asyncio.gather(self.polls.drain(DRAIN_GRACE), self._finish_jobs())
        # Anything still running now is a delivery round stuck in a send: it is abandoned. Its alert keeps its
        # lease, and once the lease expires the next start retries it (the one case where an alert can go out
        # twice).
        self._scheduler.shutdown(wait=False)
        if server is not None:
            await server.stop()
        await fetcher.close()
        log.info("service.stopped", cancelled_polls=cancelled, jobs_finished=jobs_done)

    async def _finish_jobs(self) -> bool:
        if not self._job_tasks:
            return True
        _, pending = await asyncio.wait(set(self._job_tasks), timeout=DELIVERY_GRACE)
        return not pending

    def _tracked(self, job: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
        """The job as APScheduler runs it, its task recorded so that stopping can wait for it to finish."""

        async def run() -> None:
            task = asyncio.current_task()
            assert task is not None
            self._job_tasks.add(task)
            try:
                await job()
            finally:
                self._job_tasks.discard(task)

        run.__name__ = run.__qualname__ = job.__name__
        return run

    # -- jobs -------------------------------------------------------------------------------------------

    async def _tick(self) -> None:
        self.heartbeat.beat()
        try:
            self.polls.tick()
        except MonitorError as exc:  # the database is unreachable: say so, and ask again next tick
            log.error("service.tick_failed", error=str(exc))

    async def _deliver(self) -> None:
        from monitor.alerts.delivery import deliver_due

        rng = random.Random()
        while True:
            self._deliver_again = False
            lease = self.config.service.delivery_lease
            args = (self.app.store, self.notifier, self.channels, self.app.clock(), self.worker, rng)
            deliver = functools.partial(deliver_due, lease=lease, operator_channel=self.config.service.operator_channel)
            self._delivering = _in_daemon_thread(deliver, *args)
            try:
                report = await self._delivering
            except MonitorError as exc:
                log.error("delivery.failed_round", error=str(exc))
                return
            self.metrics.observe_delivery(report)
            if report.claimed:
                log.info("delivery.round", claimed=report.claimed, sent=report.sent, retrying=report.retrying,
                         failed=report.failed)  # fmt: skip
            if not self._deliver_again:
                return

    def wake_delivery(self) -> None:
        """Deliver now rather than at the next interval: new alerts should not wait up to a minute."""
        if self._delivering is not None and not self._delivering.done():
            self._deliver_again = True  # the running round loops once more
        elif self._scheduler is not None and self._scheduler.running:
            self._scheduler.modify_job("deliver", next_run_time=datetime.now(UTC))

    async def _check_health(self) -> None:
        self._health_now()

    def _health_now(self) -> None:
        try:
            if self.health.check() and self.config.service.operator_channel:
                self.wake_delivery()
        except MonitorError as exc:
            log.error("service.health_failed", error=str(exc))

    def _polled(self, result: SourceResult, items: list[ItemResult]) -> None:
        from monitor.service.scheduler import FAILING

        if any(item.alerts for item in items):
            self.wake_delivery()
        # Only a failed poll can start an outage and only a success can end one; the periodic job covers time.
        if result.status in FAILING or result.source in self.health.reported:
            self._health_now()

    def _refresh_gauges(self) -> None:
        """Outbox and source gauges are read from the store at scrape time, so they are never stale."""
        from monitor.service.scheduler import FAILING

        store = self.app.store
        now = self.app.clock()
        oldest = store.oldest_pending_alert(now)
        age = (now - oldest).total_seconds() if oldest else None
        self.metrics.set_outbox(store.alert_counts()["pending"], age)
        self.metrics.sources_failing.set(sum(1 for s in store.source_states() if s.status in FAILING))


class _LazyNotifier:
    """Builds the apprise notifier on the first send: importing apprise costs ~150 ms, and a service whose
    outbox stays empty never needs it."""

    def __init__(self) -> None:
        self._real: Any = None
        self._lock = threading.Lock()

    def send(self, channel: ChannelConfig, message: Rendered) -> DeliveryResult:
        with self._lock:
            if self._real is None:
                from monitor.alerts.notify import AppriseNotifier

                self._real = AppriseNotifier(timeout=NOTIFY_TIMEOUT)
        return self._real.send(channel, message)  # type: ignore[no-any-return]


def _in_daemon_thread(fn: Callable[..., T], *args: Any) -> asyncio.Future[T]:
    """Run ``fn`` in a daemon thread; the future settles on the calling loop. See the module docstring."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(result: Any, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    def work() -> None:
        try:
            outcome: tuple[Any, BaseException | None] = (fn(*args), None)
        except BaseException as exc:  # noqa: BLE001 - handed to the awaiting coroutine, not swallowed
            outcome = (None, exc)
        # The loop may have closed while we sent (shutdown abandoned this round); the alert's lease covers it.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(settle, *outcome)

    threading.Thread(target=work, name="monitor-delivery", daemon=True).start()
    return future


__all__ = ["Service", "ServiceError", "run_service"]
