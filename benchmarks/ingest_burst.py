"""Ingest burst: every feed changed at once. End to end (``Cycle.run`` into SQLite) against parse + extract alone.

Each source was polled once before (one old item, validators stored, so the burst is not a silent first run
and alerts are decided), then every feed gains ``per_feed`` new items. Two variants:

- full content: the article is in ``content:encoded``; the floor is feedparser + ``html_to_text``;
- summary only: the feed has teasers and every page is fetched; the floor is feedparser + ``extract_html``
  of each page (read from disk, no HTTP).

The floor parses with feedparser (``parse_feed_with_feedparser``): the libraries alone, what the issue's target
is set against. monitor itself reads well-formed RSS/Atom with its lxml path (``monitor.ingest.feedxml``), so it is also
shown against ``parse_feed`` + extraction, monitor's own front end: that ratio is the cost of everything after
parsing. End to end adds the HTTP fetches, judgement (match, classify, MinHash), story assignment and one SQLite
transaction per feed; the target is that all of that costs at most half again the floor.

    python benchmarks/ingest_burst.py [FEEDS PER_FEED]
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from corpus import write_feeds, write_old_feeds
from harness import FeedServer, Results, write_config

from monitor.ingest.parse import parse_feed, parse_feed_with_feedparser
from monitor.model import ParsedFeed

TARGET_SLOWDOWN = 1.5  # end to end at most 1.5x the time of parse + extract alone


@dataclass(frozen=True)
class BurstFigures:
    variant: str
    articles: int  # stored by the end-to-end run (relevant and not)
    items: int  # every item the cycle reported (the old ones come back as duplicates)
    e2e_seconds: float
    e2e_cpu: float
    floor_seconds: float
    floor_articles: int
    floor_cpu: float
    own_seconds: float  # monitor's own parse path + the same extraction
    own_cpu: float

    @property
    def e2e_per_s(self) -> float:
        return self.articles / self.e2e_seconds

    @property
    def floor_per_s(self) -> float:
        return self.floor_articles / self.floor_seconds

    @property
    def slowdown(self) -> float:
        return self.floor_per_s / self.e2e_per_s

    @property
    def own_per_s(self) -> float:
        return self.floor_articles / self.own_seconds

    @property
    def own_slowdown(self) -> float:
        return self.own_per_s / self.e2e_per_s

    @property
    def cpu_slowdown(self) -> float:
        """The same ratio in CPU seconds of this process: steadier than wall time on a busy machine."""
        return (self.e2e_cpu / self.articles) / (self.floor_cpu / self.floor_articles)


async def end_to_end(config_path: Path, server: FeedServer, rewrite) -> tuple[int, int, float, float]:  # type: ignore[no-untyped-def]
    from monitor.config import load_config
    from monitor.ingest.fetch import Fetcher
    from monitor.model import Outcome
    from monitor.service.app import open_app
    from monitor.service.cycle import Cycle

    config = load_config(config_path, env={})
    app = open_app(config)
    try:
        async with Fetcher(config.network) as fetcher:
            cycle = Cycle(config, app.store, app.pipeline, fetcher, app.clock)
            await cycle.run(config.sources)  # the sources' first poll: one old item each
            rewrite()
            server.reload()
            wall, cpu = time.perf_counter(), time.process_time()
            report = await cycle.run(config.sources)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        errors = [s for s in report.sources if s.status != "ok"]
        if errors:
            raise RuntimeError(f"burst poll failed: {errors[0]}")
        stored = report.count(Outcome.NEW) + report.count(Outcome.IRRELEVANT)
        return stored, len(report.items), wall, cpu
    finally:
        app.close()


def parse_and_extract(
    www: Path, feeds: int, *, full: bool, parse: Callable[..., ParsedFeed]
) -> tuple[float, int, float]:
    """Parse every feed from bytes with ``parse`` and get each new entry's text, as ``entry_document`` does."""
    from monitor.ingest.extract import extract_html, html_to_text

    bodies = [(www / f"feed{f}.xml").read_bytes() for f in range(feeds)]
    headers = {"Content-Type": "application/rss+xml"}
    count = 0
    started, cpu = time.perf_counter(), time.process_time()
    for f, body in enumerate(bodies):
        for entry in parse(body, headers, f"http://127.0.0.1/feed{f}.xml").entries:
            if entry.guid and entry.guid.startswith("old"):
                continue  # known: the cycle skips it before any extraction too
            if full:
                html_to_text(entry.content_html)
            else:
                page = www / "pages" / entry.url.rsplit("/", 1)[1]
                extract_html(page.read_bytes(), entry.url)
            count += 1
    return time.perf_counter() - started, count, time.process_time() - cpu


World = tuple[Path, FeedServer, Path, Callable[[], None]]


@contextmanager
def burst_world(feeds: int, per_feed: int, *, full: bool) -> Iterator[World]:
    """(config, server, www, publish): ``feeds`` outlets on loopback serving their old entries (what a first,
    silent poll reads), a config of them, and ``publish`` that writes the burst of ``per_feed`` new entries each."""
    with tempfile.TemporaryDirectory(prefix="bench-burst-") as tmp:
        root, www = Path(tmp), Path(tmp) / "www"
        www.mkdir()
        with FeedServer(www) as server:
            base = server.url("").rstrip("/")
            sources = write_old_feeds(www, base, feeds)
            server.reload()
            config = write_config(root, sources)
            yield config, server, www, lambda: write_feeds(www, base, feeds, per_feed, full=full)


def measure(feeds: int, per_feed: int, *, full: bool) -> BurstFigures:
    with burst_world(feeds, per_feed, full=full) as (config, server, www, publish):
        stored, items, wall, cpu = asyncio.run(end_to_end(config, server, publish))
        floor, floor_count, floor_cpu = parse_and_extract(www, feeds, full=full, parse=parse_feed_with_feedparser)
        own, _, own_cpu = parse_and_extract(www, feeds, full=full, parse=parse_feed)
    variant = "full content" if full else "summary only + pages"
    return BurstFigures(variant, stored, items, wall, cpu, floor, floor_count, floor_cpu, own, own_cpu)


def report(results: Results, feeds: int, per_feed: int) -> list[BurstFigures]:
    section = "ingest burst"
    figures = []
    for full in (True, False):
        f = measure(feeds, per_feed, full=full)
        figures.append(f)
        label = f"{feeds}×{per_feed} {f.variant}"
        results.add(section, f"{label}: end to end", f.e2e_per_s, "articles/s",
                    f"{f.articles} stored of {f.items} items in {f.e2e_seconds:.2f} s "
                    f"({f.e2e_cpu / max(f.articles, 1) * 1e3:.1f} ms CPU/article)")
        results.add(section, f"{label}: feedparser + extract alone", f.floor_per_s, "articles/s",
                    f"{f.floor_cpu / max(f.floor_articles, 1) * 1e3:.1f} ms CPU/article")
        results.add(section, f"{label}: slowdown end to end / alone", f.slowdown, "×",
                    f"in CPU time: {f.cpu_slowdown:.2f}×")
        results.add(section, f"{label}: monitor's parse + extract alone", f.own_per_s, "articles/s",
                    f"{f.own_cpu / max(f.floor_articles, 1) * 1e3:.1f} ms CPU/article; end to end is "
                    f"{f.own_slowdown:.2f}× this (judging and storing)")
        results.verdict(section, f"{f.variant}: end to end within {TARGET_SLOWDOWN}× of feedparser + extract",
                        f"{f.slowdown:.2f}×", f.slowdown <= TARGET_SLOWDOWN)
    return figures


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    report(Results(), *(args or [50, 20]))
