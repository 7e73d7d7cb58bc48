"""Time ``StoryIndex.assign`` with 10k and 100k stored articles (1M with ``--full``), and the memory per article.

    .venv/bin/python benchmarks/story_lookup.py [--full] [--lookups N] [--passes N] [--dense] [--sizes 10000,100000]

Synthetic story memory shaped like what ``assign`` builds: a story is one event of one product line (a tenth name
no product) in one region, on one day; its 1-6 articles share those, name its day, take their headline words from
the story's own and are published within three days; a third of the later ones are syndicated copies of the
first (near-duplicate MinHash signatures), the rest have random signatures (which load the LSH exactly as real
texts do, and cost nothing to make). Lookups are fresh articles, half of them undated, half of them more coverage
of a stored story, half new.

Each 10,000 articles are one topic's ten years (about 0.8 stories a day for one brand, more than
Xiaomi-and-Leica sees): a store grows by topics and years, not by news per day. ``--dense`` puts every article in
one topic over the same ten years instead, so 1M stored is ~80 stories a day of one topic; per-bucket candidate
sets are then bounded (``stories.WINDOW_CANDIDATES``, ``UNDATED_CANDIDATES``), which is what that mode shows.

Each size is built in a fresh child process, so its resident memory (RSS) is its own. Times are CPU time of the
process (steadier than wall time on a shared machine), best of three passes over the same lookups (``--passes``:
more on a busy machine, where a neighbour's work slows some passes by a third).
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from monitor.judgement import dedup
from monitor.judgement.features import StoryFeatures
from monitor.judgement.judge import Judgement
from monitor.judgement.stories import StoryIndex
from monitor.model import Event

EVENTS = [Event.LAUNCH, Event.TEASER, Event.RUMOR, Event.PARTNERSHIP, Event.REVIEW]
GENERATIONS = [f"{n}{s}" for n in range(1, 40) for s in ("", "s", "t")]
VOCABULARY = [f"word{i}" for i in range(2000)]
START = datetime(2016, 1, 1)
DAYS = 3650
PER_TOPIC = 10_000


@dataclass(frozen=True)
class Story:
    topic: str
    event: Event
    generation: str | None
    region: str | None
    day: datetime
    words: tuple[str, ...]


def random_story(rng: random.Random, topic: str) -> Story:
    generation = rng.choice(GENERATIONS) if rng.random() < 0.9 else None
    return Story(topic, rng.choice(EVENTS), generation, rng.choice(["china", "global", None]),
                 START + timedelta(days=rng.randrange(DAYS)), tuple(rng.sample(VOCABULARY, 8)))


def article(rng: random.Random, story: Story, signature: bytes, published: datetime | None) -> Judgement:
    generation = story.generation
    features = StoryFeatures(
        models=(f"xiaomi {generation}",) if generation else (),
        generation=generation,
        region=story.region,
        event=story.event,
        title_tokens=tuple(sorted(rng.sample(story.words, 5))),
        days=((story.day.month, story.day.day),),
        published=published.date() if published else None,
    )
    return Judgement(True, story.topic, ("xiaomi",), story.event, (), features, signature)


def random_signature(gen: np.random.Generator) -> bytes:
    return gen.integers(0, 2**32 - 1, size=dedup.NUM_PERM, dtype=np.uint32).astype("<u4").tobytes()


def copy_of(signature: bytes, gen: np.random.Generator) -> bytes:
    """A syndicated copy: most of the MinHash values agree (estimated Jaccard ~0.85)."""
    values = np.frombuffer(signature, dtype="<u4").copy()
    changed = gen.choice(dedup.NUM_PERM, size=20, replace=False)
    values[changed] = gen.integers(0, 2**32 - 1, size=20, dtype=np.uint32)
    return values.tobytes()


def topic_of(article_number: int, dense: bool) -> str:
    return "topic-0" if dense else f"topic-{article_number // PER_TOPIC}"


def build(size: int, dense: bool, seed: int = 1) -> tuple[StoryIndex, list[Story], float]:
    rng, gen = random.Random(seed), np.random.default_rng(seed)
    index = StoryIndex()
    stories: list[Story] = []
    article_id = 0
    cpu = time.process_time()
    while article_id < size:
        story = random_story(rng, topic_of(article_id, dense))
        stories.append(story)
        first = random_signature(gen)
        for n in range(rng.randint(1, 6)):
            article_id += 1
            published = story.day + timedelta(hours=rng.randrange(72))
            signature = first if n == 0 else copy_of(first, gen) if rng.random() < 0.33 else random_signature(gen)
            index.add(article_id, len(stories), article(rng, story, signature, published), published)
    return index, stories, (time.process_time() - cpu) / size


def lookups(index: StoryIndex, stories: list[Story], dense: bool, count: int, passes: int = 3,
            seed: int = 2) -> tuple[float, float]:
    """(CPU µs, wall µs) per assign, best of ``passes`` passes."""
    rng, gen = random.Random(seed), np.random.default_rng(seed)
    queries = []
    for i in range(count):
        if rng.random() < 0.5:
            story = rng.choice(stories)  # more coverage of a stored story
        else:
            story = random_story(rng, topic_of(rng.randrange(len(index)), dense))
        published = story.day + timedelta(hours=rng.randrange(72)) if i % 2 else None
        queries.append((article(rng, story, random_signature(gen), published), published))
    best_cpu = best_wall = float("inf")
    for _ in range(passes):
        cpu, wall = time.process_time(), time.perf_counter()
        for judgement, published in queries:
            index.assign(judgement, published)
        best_cpu = min(best_cpu, time.process_time() - cpu)
        best_wall = min(best_wall, time.perf_counter() - wall)
    return best_cpu / count * 1e6, best_wall / count * 1e6


def rss() -> int:
    """Resident memory of this process in bytes (Linux), 0 where unknown."""
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def one(size: int, dense: bool, count: int, passes: int) -> str:
    gc.collect()
    before = rss()
    index, stories, per_add = build(size, dense)
    gc.collect()
    grown = rss() - before
    per_lookup, wall = lookups(index, stories, dense, count, passes)
    topics = 1 if dense else -(-size // PER_TOPIC)
    return (f"{len(index):>10,} {topics:>6} {index.story_count:>9,} {per_add * 1e6:>8.1f} {grown / 2**20:>8.0f} "
            f"{grown / size:>8.0f} {wall:>10.1f} {per_lookup:>10.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--full", action="store_true", help="also 1,000,000 stored articles (~1.5 GB, minutes)")
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--passes", type=int, default=3, help="timed passes over the lookups; the best counts")
    parser.add_argument("--dense", action="store_true", help="every article in one topic (news density grows too)")
    parser.add_argument("--sizes", help="comma-separated stored-article counts instead of the defaults")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a child process: build and time one size
    args = parser.parse_args()
    if args.one:
        print(one(args.one, args.dense, args.lookups, args.passes), flush=True)
        return
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else [10_000, 100_000] + (
        [1_000_000] if args.full else [])
    print(f"{'stored':>10} {'topics':>6} {'stories':>9} {'add µs':>8} {'RSS MiB':>8} {'B/art.':>8} "
          f"{'wall µs':>10} {'assign µs':>10}   (µs: CPU per call; wall µs: the same, wall clock)")
    for size in sizes:
        command = [sys.executable, __file__, "--one", str(size), "--lookups", str(args.lookups),
                   "--passes", str(args.passes)]
        done = subprocess.run(command + (["--dense"] if args.dense else []), capture_output=True, text=True,
                              check=False)
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            sys.exit(done.returncode)
        print(done.stdout.rstrip(), flush=True)


if __name__ == "__main__":
    main()
