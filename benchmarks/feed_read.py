"""Time what one uncached ``GET /feed.atom`` costs the service: the store read and the serialisation.

    .venv/bin/python benchmarks/feed_read.py [--url URL] [--stories 200] [--runs 50]

Without ``--url`` it fills a SQLite file in a temporary directory; ``--url`` names an EMPTY database (for
PostgreSQL, create one first: its tables are created and filled here). Each story has five articles from five
outlets; the feed holds the newest 50. Prints the median and the worst of ``--runs`` reads, with and without the
Atom serialisation, and the document's size.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.records import NewArticle, NewStory
from monitor.service.metrics import StoriesFeed
from monitor.store import Store

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def fill(store: Store, stories: int) -> None:
    n = 0
    for s in range(stories):
        story: NewStory | int = NewStory(topic="xiaomi-leica", event="launch", title=f"Xiaomi story {s}",
                                         features={}, first_published=T0)  # fmt: skip
        for outlet in range(5):
            n += 1
            url = f"https://outlet{outlet}.example/news/{n}"
            saved = store.save_article(
                NewArticle(source=f"outlet{outlet}", outlet=f"Outlet {outlet}", url=url, canonical_url=url, guid=None,
                           text_hash=f"hash{n}", title=f"Xiaomi story {s}", text="Xiaomi and Leica.", published=T0,
                           language="en", fetched_at=T0 + timedelta(minutes=n), relevant=True, topic="xiaomi-leica",
                           event="launch"),
                story,
            )  # fmt: skip
            story = saved.story_id if saved.story_id is not None else story


def timed(fn: Callable[[], object], runs: int) -> str:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return f"median {statistics.median(times) * 1000:.1f} ms, worst {max(times) * 1000:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url")
    parser.add_argument("--stories", type=int, default=200)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'feed.db'}"
        with Store.open(url) as store:
            fill(store, args.stories)
            feed = StoriesFeed(lambda topic: store.feed_stories(topic=topic), topics=[], started=T0)
            size = len(feed._build(None).body)
            print(f"{store.url.get_backend_name()}, {args.stories} stories × 5 articles, {args.runs} runs")
            print(f"  read 50 stories:        {timed(lambda: store.feed_stories(), args.runs)}")
            print(f"  read + Atom ({size // 1000} kB):  {timed(lambda: feed._build(None), args.runs)}")


if __name__ == "__main__":
    main()
