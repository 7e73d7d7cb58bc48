"""The ingest burst's ratio in instructions, which a busy machine does not change:
``python benchmarks/burst_instructions.py [FEEDS PER_FEED] [--against REV]``.

``ingest_burst.py`` times the full-content burst end to end and its floor (feedparser + ``html_to_text``) in CPU
seconds; on a shared 2-core machine those swing by a third from run to run (other processes' load, the feed
server's process competing with the client). This runs the same two measurements under valgrind's callgrind,
counting instructions of this process during the measured phase only (collection is switched on and off with
``callgrind_control`` around it), and prints instructions per article and their ratio: the same code gives the
same figures to within a fraction of a percent. Instructions are not time (a cache miss or an SHA-NI hash
costs differently), so this is for A/B comparisons of code; the target itself stays a timed figure.

``--against REV`` also measures the ``monitor`` package (and config.toml) as they were at git revision REV,
with today's benchmark code. About a minute and a half per revision at 50×5 (valgrind is ~50 times slower).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from harness import checkout

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def _collect(on: bool) -> None:
    subprocess.run(["callgrind_control", "--instr=on" if on else "--instr=off", str(os.getpid())],
                   check=True, capture_output=True)


async def _end_to_end(config_path: Path, server, rewrite) -> int:  # type: ignore[no-untyped-def]
    from monitor.config import load_config
    from monitor.ingest.fetch import Fetcher
    from monitor.model import Outcome
    from monitor.service.app import open_app
    from monitor.service.cycle import Cycle

    app = open_app(config := load_config(config_path, env={}))
    try:
        async with Fetcher(config.network) as fetcher:
            cycle = Cycle(config, app.store, app.pipeline, fetcher, app.clock)
            await cycle.run(config.sources)  # the first poll: one old item per source, as in ingest_burst
            rewrite()
            server.reload()
            _collect(True)
            report = await cycle.run(config.sources)
            _collect(False)
        return report.count(Outcome.NEW) + report.count(Outcome.IRRELEVANT)
    finally:
        app.close()


def child(phase: str, feeds: int, per_feed: int) -> None:
    """Under callgrind: set up the burst, measure one phase, print how many articles it handled."""
    # Imported here: they import monitor, which must come from the measured revision (already on the path).
    from ingest_burst import burst_world, parse_and_extract

    from monitor.ingest.parse import parse_feed_with_feedparser

    with burst_world(feeds, per_feed, full=True) as (config, server, www, publish):
        if phase == "e2e":
            count = asyncio.run(_end_to_end(config, server, publish))
        else:
            publish()
            parse_and_extract(www, 1, full=True, parse=parse_feed_with_feedparser)  # imports, first use
            _collect(True)
            _, count, _ = parse_and_extract(www, feeds, full=True, parse=parse_feed_with_feedparser)
            _collect(False)
    import monitor

    print(f"ARTICLES {count} FROM {Path(monitor.__file__).parent}")


def measure(phase: str, feeds: int, per_feed: int, monitor_root: Path | None) -> tuple[int, int]:
    """(instructions, articles) of one phase in a callgrind child."""
    env = dict(os.environ, BURST_IR_ROOT=str(monitor_root or ""))
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--callgrind-out-file=/dev/null", sys.executable,
         __file__, "--child", phase, str(feeds), str(per_feed)],
        capture_output=True, text=True, check=False, env=env, timeout=3600,
    )
    collected = re.search(r"Collected : (\d+)", done.stderr)
    articles = re.search(r"ARTICLES (\d+) FROM (.+)", done.stdout)
    if done.returncode != 0 or not collected or not articles:
        raise SystemExit(f"burst_instructions: the {phase} child failed:\n{done.stdout[-1500:]}{done.stderr[-1500:]}")
    if monitor_root and not Path(articles.group(2)).is_relative_to(monitor_root):
        raise SystemExit(f"burst_instructions: the {phase} child ran {articles.group(2)}, not {monitor_root}")
    return int(collected.group(1)), int(articles.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, help="FEEDS PER_FEED (default 50 5, run.py's short burst)")
    parser.add_argument("--against", metavar="REV", help="also measure the monitor package at this git revision")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    feeds, per_feed = (args.sizes + [50, 5][len(args.sizes):])[:2]
    if args.child:
        if package := os.environ.get("BURST_IR_ROOT"):  # a revision's package instead of the installed one
            sys.meta_path[:] = [finder for finder in sys.meta_path if "editable" not in repr(finder).lower()]
            sys.path.insert(0, package)
        child(args.child, feeds, per_feed)
        return 0
    if not (shutil.which("valgrind") and shutil.which("callgrind_control")):
        print("burst_instructions: valgrind (callgrind) is not installed", file=sys.stderr)
        return 2
    print(f"ingest burst {feeds}×{per_feed}, full content, instructions of the measuring process (callgrind)")
    with tempfile.TemporaryDirectory(prefix="bench-burst-rev-") as tmp:
        roots: dict[str, Path | None] = {"today": None}
        if args.against:
            roots[args.against] = checkout(args.against, Path(tmp))
        for label, root in roots.items():
            e2e, stored = measure("e2e", feeds, per_feed, root)
            floor, parsed = measure("floor", feeds, per_feed, root)
            print(f"{label:>12}: end to end {e2e / stored / 1e6:.2f} M/article ({stored} stored), feedparser + "
                  f"extract {floor / parsed / 1e6:.2f} M/article: ratio {(e2e / stored) / (floor / parsed):.3f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
