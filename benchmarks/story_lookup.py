"""Time ``StoryIndex.assign`` with 10k and 100k stored articles (1M with ``--full``).

    .venv/bin/python benchmarks/story_lookup.py [--full] [--lookups N]

Synthetic memory shaped like real coverage: stories of 1-6 articles over ten years, spread over product
generations, events and regions, with random MinHash signatures (random hash values load the LSH exactly as
real texts do, and cost nothing to make). Lookups are fresh articles of the same shape, half of them undated.
Prints microseconds per lookup, and per add while building. The figure to watch is that lookup time does not
grow with the number of stored articles: candidates come from LSH and from (topic, event, generation, week)
buckets, never from a scan.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import datetime, timedelta

import numpy as np

from monitor import dedup
from monitor.judge import Judgement
from monitor.model import Event
from monitor.stories import StoryFeatures, StoryIndex

EVENTS = [Event.LAUNCH, Event.TEASER, Event.RUMOR, Event.PARTNERSHIP, Event.REVIEW]
GENERATIONS = [f"{n}{s}" for n in range(1, 40) for s in ("", "s", "t")]
VOCABULARY = [f"word{i}" for i in range(2000)]
START = datetime(2016, 1, 1)


def synthetic(rng: random.Random, gen: np.random.Generator, published: datetime | None) -> Judgement:
    event = rng.choice(EVENTS)
    generation = rng.choice(GENERATIONS)
    features = StoryFeatures(
        models=(f"xiaomi {generation}", f"xiaomi {generation} ultra"),
        generation=generation,
        region=rng.choice(["china", "global", None]),
        event=event,
        title_tokens=tuple(sorted(rng.sample(VOCABULARY, 5))),
        days=((rng.randint(1, 12), rng.randint(1, 28)),),
        published=published.date() if published else None,
    )
    signature = gen.integers(0, 2**32 - 1, size=dedup.NUM_PERM, dtype=np.uint32).astype("<u4").tobytes()
    return Judgement(True, "xiaomi-leica", ("xiaomi",), event, (), features, signature)


def build(size: int, seed: int = 1) -> tuple[StoryIndex, float]:
    rng, gen = random.Random(seed), np.random.default_rng(seed)
    index = StoryIndex()
    article_id, story_id = 0, 0
    started = time.perf_counter()
    while article_id < size:
        story_id += 1
        day = START + timedelta(days=rng.randrange(3650))
        for _ in range(rng.randint(1, 6)):
            article_id += 1
            published = day + timedelta(hours=rng.randrange(72))
            index.add(article_id, story_id, synthetic(rng, gen, published), published)
    return index, (time.perf_counter() - started) / size


def lookups(index: StoryIndex, count: int, seed: int = 2) -> float:
    rng, gen = random.Random(seed), np.random.default_rng(seed)
    queries = []
    for i in range(count):
        published = START + timedelta(days=rng.randrange(3650)) if i % 2 else None
        queries.append((synthetic(rng, gen, published), published))
    started = time.perf_counter()
    for judgement, published in queries:
        index.assign(judgement, published)
    return (time.perf_counter() - started) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--full", action="store_true", help="also 1,000,000 stored articles (several GB)")
    parser.add_argument("--lookups", type=int, default=2000)
    args = parser.parse_args()
    sizes = [10_000, 100_000] + ([1_000_000] if args.full else [])
    print(f"{'stored':>10} {'stories':>9} {'add µs':>8} {'assign µs':>10}")
    for size in sizes:
        index, per_add = build(size)
        per_lookup = lookups(index, args.lookups)
        print(f"{len(index):>10,} {index.story_count:>9,} {per_add * 1e6:>8.1f} {per_lookup * 1e6:>10.1f}")


if __name__ == "__main__":
    main()
