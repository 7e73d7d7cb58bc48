"""One poll of a set of sources: what ``monitor crawl`` runs once and the service runs per due source.

Sources are polled concurrently (bounded by ``network.concurrency``); a source's documents are ingested together in
the event-loop thread, because the store has one writer. A source's failure is its own result, never the cycle's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from monitor.errors import MonitorError, SourceCrashError, SpiderError
from monitor.ingest.health import after_failure, after_success_spider
from monitor.ingest.sources.feeds import Fetcher, entry_document, entry_guid, poll_feed
from monitor.logs import get_logger
from monitor.model import Outcome, RawDocument
from monitor.records import ArticleKeys, PollRecord, SourceState
from monitor.service.pipeline import ItemResult, Pipeline

if TYPE_CHECKING:
    from monitor.config import Config, SourceConfig
    from monitor.ingest.sources.crawl import SpiderRun

log = get_logger(__name__)

#: ``Cycle.run`` writes the poll records of sources that stored nothing this many at a time (one transaction).
RECORD_BATCH = 200

# What a source hands the pipeline: documents to ingest, each with the keys already found unknown (feed entries,
# see ``Pipeline.ingest``), and entries already known (their outcome decided).
Documents = list[tuple[RawDocument | ItemResult, ArticleKeys | None]]


@dataclass(frozen=True, slots=True)
class SourceResult:
    source: str
    type: str
    status: str  # ok | not_modified | error | gone
    items: int
    new: int
    error: str | None
    duration: float
    silent: bool = False
    stored: bool = False  # an article was written (relevant or not)
    crashed: bool = False  # ended by an unexpected exception (see ``Cycle._poll``), not by the outlet


@dataclass
class CycleReport:
    sources: list[SourceResult] = field(default_factory=list)
    items: list[ItemResult] = field(default_factory=list)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for item in self.items if item.outcome == outcome)

    def items_sorted(self) -> list[ItemResult]:
        """Relevant news first, then duplicates, irrelevant and errors; by source within each."""
        order = {Outcome.NEW: 0, Outcome.DUPLICATE: 1, Outcome.IRRELEVANT: 2, Outcome.ERROR: 3}
        return sorted(self.items, key=lambda i: (order[i.outcome], i.source))


@dataclass
class Cycle:
    """Everything one poll needs; built once by the CLI or the service and reused."""

    config: Config
    store: object  # monitor.store.Store (kept loose so tests of this module can pass a fake)
    pipeline: Pipeline
    fetcher: Fetcher
    clock: Callable[[], datetime]
    dry_run: bool = False
    rng: random.Random = field(default_factory=random.Random)
    on_item: Callable[[ItemResult], None] | None = None
    on_source: Callable[[SourceResult], None] | None = None
    spider_runner: Callable[..., SpiderRun] | None = None

    async def run(self, sources: Sequence[SourceConfig]) -> CycleReport:
        """Poll ``sources`` once (``monitor crawl``): every state is read in one query before polling, and the
        poll records are written in batches (``Store.record_polls``), those of sources that stored articles too.

        A crash between a poll and its batch write loses only that poll's record: the source is polled again
        with its old validators next time, which is harmless because polls and article writes are idempotent
        (its stored entries are known before any page is fetched). A transaction per source that stored
        articles cost as much again as the one that stored them (burst 50x5: ~0.2 M instructions per article).
        """
        report = CycleReport()
        states = {state.name: state for state in self.store.source_states()}  # type: ignore[attr-defined]
        batch: list[tuple[str, PollRecord]] = []

        def flush() -> None:
            if batch:
                records = batch.copy()
                batch.clear()
                self.store.record_polls(records)  # type: ignore[attr-defined]

        async def one(source: SourceConfig) -> None:
            record, result = await self._poll(source, report, states.get(source.name))
            if not self.dry_run:
                batch.append((source.name, record))
                if len(batch) >= RECORD_BATCH:
                    flush()
            self._done(report, result)

        queue = iter(sources)

        async def worker() -> None:
            for source in queue:  # shared: each worker takes the next source when it is free
                await one(source)

        # ``concurrency`` workers rather than a task per source behind a semaphore: asyncio.Semaphore scans its
        # waiters on every acquire (Python 3.11), which made a 1,000-source cycle cost more per poll than 100.
        workers = min(len(sources), max(1, self.config.network.concurrency))
        try:
            await asyncio.gather(*(worker() for _ in range(workers)))
        except BaseException:
            with contextlib.suppress(MonitorError):  # what was polled is still recorded, if the store can
                flush()
            raise
        flush()
        return report

    async def poll_source(
        self, source: SourceConfig, report: CycleReport, *, worker: str | None = None
    ) -> SourceResult:
        """Poll one source and ingest what it delivered. ``worker``: the lease holder (see ``Store.record_poll``)."""
        state: SourceState | None = self.store.source_state(source.name)  # type: ignore[attr-defined]
        record, result = await self._poll(source, report, state)
        if not self.dry_run and not self.store.record_poll(source.name, record, worker=worker):  # type: ignore[attr-defined]
            log.warning("feed.lease_lost", source=source.name, worker=worker)  # another worker took over
        self._done(report, result)
        return result

    async def _poll(
        self, source: SourceConfig, report: CycleReport, state: SourceState | None
    ) -> tuple[PollRecord, SourceResult]:
        """Poll and ingest; the caller records the poll and then calls ``_done``.

        The boundary of one source: an exception that is not a ``MonitorError`` (a library's raw exception, or
        a bug in fetch, parse, extract, judge or store code) ends this source's poll and nothing else. It is
        logged with the source's name (the traceback at debug level), becomes the source's recorded error and
        backs the source off like any failure (``health.after_failure``), so it is neither retried at once nor
        able to stop the crawl, the other sources or the service's loop. Cancellation still propagates.
        """
        started = time.perf_counter()
        try:
            return await self._poll_unguarded(source, report, state)
        except Exception as exc:  # noqa: BLE001 - the source's failure, recorded and logged, never the cycle's
            return self._crashed(source, state, exc, time.perf_counter() - started)

    def _crashed(
        self, source: SourceConfig, state: SourceState | None, exc: Exception, duration: float
    ) -> tuple[PollRecord, SourceResult]:
        error = SourceCrashError(source.name, source.url, exc)
        log.error("feed.poll_crashed", source=source.name, url=source.url, error=str(error))
        # The traceback through the stdlib logger: EventLogger's fields cannot carry exc_info.
        logging.getLogger(__name__).debug("feed.poll_crashed_traceback source=%s", source.name, exc_info=exc)
        record = after_failure(state, error, now=self.clock(), interval=source.interval, rng=self.rng)
        silent = self.config.alerts.first_run_silent and (state is None or state.polls == 0)
        result = SourceResult(
            source=source.name,
            type=source.type,
            status=record.status,
            items=0,
            new=0,
            error=record.error,
            duration=duration,
            silent=silent,
            crashed=True,
        )
        return record, result

    async def _poll_unguarded(
        self, source: SourceConfig, report: CycleReport, state: SourceState | None
    ) -> tuple[PollRecord, SourceResult]:
        silent = self.config.alerts.first_run_silent and (state is None or state.polls == 0)
        started = time.perf_counter()
        if source.type == "spider":
            record, documents = await self._spider_documents(source, state)
        else:
            record, documents = await self._feed_documents(source, state)
        results, failed = self._ingest(documents, silent=silent)
        if failed is not None:  # nothing was saved: keep the old validators, so the next poll brings it all again
            record = after_failure(state, failed, now=self.clock(), interval=source.interval, rng=self.rng)
        report.items.extend(results)
        result = SourceResult(
            source=source.name,
            type=source.type,
            status=record.status,
            items=len(results),
            new=sum(1 for r in results if r.outcome == Outcome.NEW),
            error=record.error,
            duration=time.perf_counter() - started,
            silent=silent,
            stored=any(r.outcome in (Outcome.NEW, Outcome.IRRELEVANT) for r in results),
        )
        return record, result

    def _done(self, report: CycleReport, result: SourceResult) -> None:
        report.sources.append(result)
        if self.on_source:
            self.on_source(result)

    def _ingest(self, documents: Documents, *, silent: bool) -> tuple[list[ItemResult], MonitorError | None]:
        """Every document's result in order, and the store's error when saving them failed (none was saved)."""
        pending = [(doc, checked) for doc, checked in documents if not isinstance(doc, ItemResult)]
        failed: MonitorError | None = None
        try:
            ingested = self.pipeline.ingest_all(pending, silent=silent, dry_run=self.dry_run) if pending else []
        except MonitorError as exc:
            failed = exc
            ingested = [ItemResult(d.source, d.url, d.title, Outcome.ERROR, error=str(exc)) for d, _ in pending]
        done = iter(ingested)
        items = [doc if isinstance(doc, ItemResult) else next(done) for doc, _ in documents]
        if self.on_item:
            for item in items:
                self.on_item(item)
        return items, failed

    async def _feed_documents(self, source: SourceConfig, state: SourceState | None) -> tuple[PollRecord, Documents]:
        poll = await poll_feed(
            source, state, self.fetcher, now=self.clock(), jitter=self.config.service.jitter, rng=self.rng
        )
        known: Documents = []
        pending = []
        if poll.entries:  # a stored entry's page is never fetched again
            keys = [self.pipeline.entry_keys(source.name, entry_guid(entry), entry.url) for entry in poll.entries]
            for entry, entry_keys, stored in zip(poll.entries, keys, self.pipeline.known_entries(keys), strict=True):
                if stored:
                    known.append((ItemResult(source.name, entry.url, entry.title, Outcome.DUPLICATE), None))
                else:
                    pending.append((entry, entry_keys))
        if not pending:  # the common case (304, or nothing new): no gather to build and await
            return poll.record, known
        # Pages of summary-only entries are fetched concurrently; the fetcher's connector bounds the load.
        pages = await asyncio.gather(*(entry_document(e, source, self.fetcher) for e, _ in pending))
        return poll.record, [*known, *zip(pages, (keys for _, keys in pending), strict=True)]

    async def _spider_documents(self, source: SourceConfig, state: SourceState | None) -> tuple[PollRecord, Documents]:
        from monitor.ingest.sources.crawl import run_spider  # only spider sources pay for it

        runner = self.spider_runner or run_spider
        deadline = self.config.service.spider_deadline.total_seconds()
        run = await asyncio.to_thread(runner, source, self.config.network, deadline=deadline)
        now = self.clock()
        if run.error:
            error = SpiderError(run.error, source=source.name)
            record = after_failure(state, error, now=now, interval=source.interval, rng=self.rng)
            return record, [(doc, None) for doc in run.documents]
        jitter = self.config.service.jitter
        record = after_success_spider(now=now, interval=source.interval, jitter=jitter, rng=self.rng)
        return record, [(doc, None) for doc in run.documents]
