"""One poll of a set of sources: what ``monitor crawl`` runs once and the service runs per due source.

Sources are polled concurrently (bounded by ``network.concurrency``); documents are ingested one at a time in
the event-loop thread, because the store has one writer. A source's failure is its own result, never the cycle's.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from monitor.errors import MonitorError
from monitor.health import after_failure, after_success_spider
from monitor.logs import get_logger
from monitor.model import Outcome, RawDocument
from monitor.pipeline import ItemResult, Pipeline
from monitor.records import PollRecord, SourceState
from monitor.sources.feeds import Fetcher, entry_document, poll_feed

if TYPE_CHECKING:
    from monitor.config import Config, SourceConfig
    from monitor.sources.crawl import SpiderRun

log = get_logger(__name__)

# What a source hands the pipeline: documents to ingest, and entries already known (their outcome decided).
Documents = list[RawDocument | ItemResult]


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
        report = CycleReport()
        limit = asyncio.Semaphore(max(1, self.config.network.concurrency))

        async def one(source: SourceConfig) -> None:
            async with limit:
                await self.poll_source(source, report)

        await asyncio.gather(*(one(source) for source in sources))
        return report

    async def poll_source(
        self, source: SourceConfig, report: CycleReport, *, worker: str | None = None
    ) -> SourceResult:
        """Poll one source and ingest what it delivered. ``worker``: the lease holder (see ``Store.record_poll``)."""
        state: SourceState | None = self.store.source_state(source.name)  # type: ignore[attr-defined]
        silent = self.config.alerts.first_run_silent and (state is None or state.polls == 0)
        started = time.perf_counter()
        if source.type == "spider":
            record, documents = await self._spider_documents(source, state)
        else:
            record, documents = await self._feed_documents(source, state)
        results = [self._ingest(doc, silent=silent) for doc in documents]
        report.items.extend(results)
        if not self.dry_run and not self.store.record_poll(source.name, record, worker=worker):  # type: ignore[attr-defined]
            log.warning("feed.lease_lost", source=source.name, worker=worker)  # another worker took over
        result = SourceResult(
            source=source.name,
            type=source.type,
            status=record.status,
            items=len(results),
            new=sum(1 for r in results if r.outcome == Outcome.NEW),
            error=record.error,
            duration=time.perf_counter() - started,
            silent=silent,
        )
        report.sources.append(result)
        if self.on_source:
            self.on_source(result)
        return result

    def _ingest(self, doc: RawDocument | ItemResult, *, silent: bool) -> ItemResult:
        if isinstance(doc, ItemResult):
            item = doc
        else:
            try:
                item = self.pipeline.ingest(doc, silent=silent, dry_run=self.dry_run)
            except MonitorError as exc:  # e.g. a document the judgement cannot read: that item's error
                item = ItemResult(doc.source, doc.url, doc.title, Outcome.ERROR, error=str(exc))
        if self.on_item:
            self.on_item(item)
        return item

    async def _feed_documents(self, source: SourceConfig, state: SourceState | None) -> tuple[PollRecord, Documents]:
        poll = await poll_feed(
            source, state, self.fetcher, now=self.clock(), jitter=self.config.service.jitter, rng=self.rng
        )
        known: Documents = []
        pending = []
        for entry in poll.entries:  # a stored entry's page is never fetched again
            if self.pipeline.is_known(source.name, entry.guid, entry.url):
                known.append(ItemResult(source.name, entry.url, entry.title, Outcome.DUPLICATE))
            else:
                pending.append(entry)
        # Pages of summary-only entries are fetched concurrently; the fetcher's connector bounds the load.
        pages = await asyncio.gather(*(entry_document(e, source, self.fetcher) for e in pending))
        return poll.record, [*known, *pages]

    async def _spider_documents(self, source: SourceConfig, state: SourceState | None) -> tuple[PollRecord, Documents]:
        from monitor.sources.crawl import run_spider  # only spider sources pay for it

        runner = self.spider_runner or run_spider
        deadline = self.config.service.spider_deadline.total_seconds()
        run = await asyncio.to_thread(runner, source, self.config.network, deadline=deadline)
        now = self.clock()
        if run.error:
            error = MonitorError(f"spider {source.name}: {run.error}")
            return after_failure(state, error, now=now, interval=source.interval, rng=self.rng), list(run.documents)
        jitter = self.config.service.jitter
        record = after_success_spider(now=now, interval=source.interval, jitter=jitter, rng=self.rng)
        return record, list(run.documents)
