"""Unchanged poll cycle: monitor's ``Cycle.run`` against a raw aiohttp client, same server, same feeds.

Every feed was polled once, so each source has its ETag stored and every request is a conditional GET the
server answers with 304. The raw client is the floor: the same conditional GETs with the same connection
limit (``network.concurrency``) and nothing else. monitor's extra work per source is reading its poll state,
the poll bookkeeping (next due time, back-off) and writing it back to SQLite.

    python benchmarks/unchanged_cycle.py [N ...]
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from corpus import write_old_feeds
from harness import FeedServer, Results, write_config

TARGET_RATIO = 0.5  # monitor's polls/s at least half the raw client's


@dataclass(frozen=True)
class CycleFigures:
    sources: int
    monitor_per_s: float
    raw_per_s: float
    monitor_cpu_per_poll: float  # CPU seconds of this process per poll (the server runs elsewhere)
    raw_cpu_per_poll: float

    @property
    def ratio(self) -> float:
        return self.monitor_per_s / self.raw_per_s


def repeats_for(sources: int, polls: int = 2000) -> int:
    """Enough cycles for about ``polls`` polls per side, at least 5: a 50-source cycle alone is too short to time."""
    return max(5, polls // sources)


Once = Callable[[], Awaitable[None]]


async def _timed(once: Once) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    await once()
    return time.perf_counter() - wall, time.process_time() - cpu


@asynccontextmanager
async def monitor_cycle(config_path: Path) -> AsyncIterator[Once]:
    """One unchanged ``Cycle.run`` over every configured source, after a first cycle stored the ETags."""
    from monitor.config import load_config
    from monitor.ingest.fetch import Fetcher
    from monitor.service.app import open_app
    from monitor.service.cycle import Cycle

    config = load_config(config_path, env={})
    app = open_app(config)
    try:
        async with Fetcher(config.network) as fetcher:
            cycle = Cycle(config, app.store, app.pipeline, fetcher, app.clock)
            _expect(await cycle.run(config.sources), "ok")

            async def once() -> None:
                _expect(await cycle.run(config.sources), "not_modified")

            yield once
    finally:
        app.close()


def _expect(report, status: str) -> None:  # type: ignore[no-untyped-def]
    wrong = [s for s in report.sources if s.status != status]
    if wrong:
        raise RuntimeError(f"expected every source {status}, got {wrong[0]}")


@asynccontextmanager
async def raw_client(urls: list[str], concurrency: int) -> AsyncIterator[Once]:
    """The same conditional GETs with aiohttp alone: one session, ``concurrency`` connections, ETags in a dict.

    ``concurrency`` worker tasks share the list of URLs, as ``Cycle.run`` does. (A task per URL behind an
    ``asyncio.Semaphore`` costs more CPU per request as N grows — 85 → 150 µs from 100 to 1,000 URLs — which
    would make this floor easier to reach at large N.)
    """
    etags: dict[str, str] = {}
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(url: str) -> None:
            headers = {"If-None-Match": etags[url]} if url in etags else {}
            async with session.get(url, headers=headers) as response:
                await response.read()
                if response.status == 304:
                    return
                if response.status != 200:
                    raise RuntimeError(f"{url}: HTTP {response.status}")
                etags[url] = response.headers["ETag"]

        async def once() -> None:
            queue = iter(urls)

            async def worker() -> None:
                for url in queue:
                    await one(url)

            await asyncio.gather(*(worker() for _ in range(min(concurrency, len(urls)))))

        await once()  # first poll: learn the ETags
        yield once


async def side_by_side(config: Path, urls: list[str], concurrency: int, rounds: int) -> list[tuple[float, float]]:
    """Median (wall, CPU) seconds per cycle of monitor, then of the raw client, their rounds alternating.

    Alternating keeps both sides under the same load on a shared machine (one side after the other, the
    load could change in between and move the ratio by 2×).
    """
    timings: tuple[list[tuple[float, float]], list[tuple[float, float]]] = ([], [])
    async with monitor_cycle(config) as monitor, raw_client(urls, concurrency) as raw:
        for _ in range(rounds):
            timings[1].append(await _timed(raw))
            timings[0].append(await _timed(monitor))
    return [(statistics.median(w for w, _ in side), statistics.median(c for _, c in side)) for side in timings]


def measure(sources: int, concurrency: int = 16, polls: int = 2000) -> CycleFigures:
    with tempfile.TemporaryDirectory(prefix="bench-cycle-") as tmp:
        root, www = Path(tmp), Path(tmp) / "www"
        www.mkdir()
        with FeedServer(www) as server:
            feeds = write_old_feeds(www, server.url("").rstrip("/"), sources)
            server.reload()
            config = write_config(root, feeds, concurrency=concurrency)
            urls = [url for _, url in feeds]
            rounds = repeats_for(sources, polls)
            (mon_wall, mon_cpu), (raw_wall, raw_cpu) = asyncio.run(side_by_side(config, urls, concurrency, rounds))
    return CycleFigures(sources, sources / mon_wall, sources / raw_wall, mon_cpu / sources, raw_cpu / sources)


def report(results: Results, sizes: list[int], polls: int = 2000) -> list[CycleFigures]:
    section = "unchanged cycle"
    figures = []
    for n in sizes:
        f = measure(n, polls=polls)
        figures.append(f)
        results.add(section, f"N={n}: monitor Cycle.run polls/s", f.monitor_per_s, "polls/s",
                    f"{f.monitor_cpu_per_poll * 1e6:.0f} µs CPU/poll")
        results.add(section, f"N={n}: raw aiohttp conditional GETs/s", f.raw_per_s, "GETs/s",
                    f"{f.raw_cpu_per_poll * 1e6:.0f} µs CPU/GET")
        results.add(section, f"N={n}: monitor / raw", f.ratio, "×")
    worst = min(figures, key=lambda f: f.ratio)
    results.verdict(section, f"monitor ≥ {TARGET_RATIO}× raw aiohttp", f"{worst.ratio:.2f}× at N={worst.sources}",
                    worst.ratio >= TARGET_RATIO)
    if len(figures) > 1:
        small, large = figures[0], figures[-1]
        growth = (1 / large.monitor_per_s) / (1 / small.monitor_per_s)
        results.add(section, f"time per poll, N={large.sources} vs N={small.sources}", growth, "×",
                    "1.0 = cycle time linear in N; above 1 = worse than linear")
        results.verdict(section, "cycle cost linear in N (per-poll time within 1.5×)", f"{growth:.2f}×",
                        growth <= 1.5)
    return figures


if __name__ == "__main__":
    report(Results(), [int(a) for a in sys.argv[1:]] or [50])
