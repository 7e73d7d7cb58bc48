"""Does ``monitor run`` hold its memory over time? The real service, N unchanged loopback feeds (every poll a 304).

    .venv/bin/python benchmarks/service_memory.py [--feeds 20] [--cycles 1000] [--no-tracemalloc]

The service runs in a thread with an injected clock; the driver moves the clock 31 s (past the 30 s interval,
jitter 0) each time every feed has been polled once more, so 1,000 cycles take seconds, not eight hours.
Memory is sampled after a warm-up (the first cycles fill caches, pools and the story index) and at the end:
Python heap by tracemalloc (current traced bytes) and the process RSS from /proc. Growth is end vs warm.
tracemalloc slows the service 4-5x and inflates RSS (its per-block records, the warm snapshot kept for the
comparison), so take RSS and polls/s from a ``--no-tracemalloc`` run and the heap figure from a traced one.
The loopback server's request log is switched off: it lives in this process and grows ~1 KB a request, which
the first measurement here counted as the service's (+22.8 % "growth" that was the test server's).
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import threading
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.config import load_config  # noqa: E402
from monitor.service.run import run_service  # noqa: E402
from monitor.store import Store  # noqa: E402
from tests.httpserver import LoopbackServer, RecordedRequest, Route  # noqa: E402

FEED = (
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>http://127.0.0.1/</link>'
    b"<item><guid>1</guid><title>Samsung fridge app</title><link>http://127.0.0.1/a/1</link>"
    b"<description>A fridge app update.</description></item></channel></rss>"
)
WARM_CYCLES = 20


class QuietServer(LoopbackServer):
    """The loopback server without its request log, which would otherwise grow in this very process (~1 KB a
    request) and be counted as the service's growth."""

    def _record(self, request: RecordedRequest) -> Route:
        route = super()._record(request)
        with self._lock:
            self._log.clear()
        return route


class Clock:
    def __init__(self) -> None:
        self._now = datetime(2026, 3, 2, tzinfo=UTC)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += timedelta(seconds=seconds)


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def write_config(directory: Path, server: LoopbackServer, feeds: int) -> Path:
    lines = [
        f'[storage]\nurl = "sqlite:///{directory / "monitor.db"}"\n',
        "[network]\nallow_private = true\ntimeout = 5\n",
        '[service]\njitter = 0.0\nmetrics_port = 0\ndelivery_interval = "5s"\n',
        '[[topics]]\nname = "t"\nquery = "xiaomi AND leica"\n',
    ]
    for n in range(feeds):
        server.route(f"/f{n}", Route(body=FEED, headers={"Content-Type": "application/rss+xml"}, etag=f'"{n}"'))
        lines.append(f'[[sources]]\nname = "f{n}"\nurl = "{server.url(f"/f{n}")}"\ninterval = "30s"\n')
    path = directory / "config.toml"
    path.write_text("\n".join(lines))
    return path


def wait_polls(store: Store, want: int, deadline: float = 30.0) -> None:
    stop = time.monotonic() + deadline
    while time.monotonic() < stop:
        if min((s.polls for s in store.source_states()), default=0) >= want:
            return
        time.sleep(0.002)
    raise SystemExit(f"cycle {want} did not complete within {deadline} s")


def sample(trace: bool) -> tuple[int, int, tracemalloc.Snapshot | None]:
    gc.collect()
    if not trace:
        return 0, rss_kib(), None
    return tracemalloc.get_traced_memory()[0], rss_kib(), tracemalloc.take_snapshot()


def top_growth(warm: tracemalloc.Snapshot, end: tracemalloc.Snapshot, limit: int = 5) -> list[str]:
    """Where the heap grew between the two samples, by source line: the first place to look for a leak."""
    stats = end.compare_to(warm, "lineno")
    return [f"  {s.size_diff / 1e3:+9.1f} kB {s.count_diff:+7d} blocks  {s.traceback[0]}" for s in stats[:limit]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=20)
    parser.add_argument("--cycles", type=int, default=1000)
    parser.add_argument("--no-tracemalloc", dest="trace", action="store_false")
    args = parser.parse_args()
    if args.trace:
        tracemalloc.start()
    with tempfile.TemporaryDirectory() as tmp, QuietServer() as server:
        config = load_config(write_config(Path(tmp), server, args.feeds), env={})
        clock, stop = Clock(), threading.Event()
        thread = threading.Thread(target=run_service, args=(config,), kwargs={"clock": clock, "stop": stop,
                                                                             "tick": 0.005})  # fmt: skip
        thread.start()
        store = Store.open(config.storage.url)
        try:
            wait_polls(store, 1)
            started = time.perf_counter()
            warm = None
            for cycle in range(2, args.cycles + 1):
                clock.advance(31)
                wait_polls(store, cycle)
                if cycle == WARM_CYCLES:
                    warm = sample(args.trace)
            elapsed = time.perf_counter() - started
            end = sample(args.trace)
        finally:
            stop.set()
            thread.join(timeout=15)
            store.close()
    assert warm is not None, f"--cycles must exceed {WARM_CYCLES}"
    polls = args.feeds * (args.cycles - 1)
    print(f"feeds={args.feeds} cycles={args.cycles} polls={polls} ({polls / elapsed:.0f} polls/s, 304 each)")
    if args.trace:
        print(f"tracemalloc  warm {warm[0] / 1e6:.2f} MB  end {end[0] / 1e6:.2f} MB  "
              f"growth {100 * (end[0] - warm[0]) / warm[0]:+.1f}%")  # fmt: skip
        assert warm[2] is not None and end[2] is not None
        print("largest growth by line:", *top_growth(warm[2], end[2]), sep="\n")
    print(f"RSS          warm {warm[1] / 1024:.1f} MiB  end {end[1] / 1024:.1f} MiB  "
          f"growth {100 * (end[1] - warm[1]) / warm[1]:+.1f}%")  # fmt: skip


if __name__ == "__main__":
    main()
