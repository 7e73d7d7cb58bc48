"""monitor's benchmark suite: one command, every figure side by side with its floor, targets met or missed.

    python benchmarks/run.py [--short | --full | --smoke] [--sections cycle,burst,...] [--json PATH]

--short (the default, run in CI, about a minute on 2 cores): 50-source unchanged cycle, a 50-feed burst of
5 items per feed, story lookup at 10k/100k, start-up with 5 runs each, the service memory check.
--full (the figures in docs/performance.md): unchanged cycle at 100 and 1,000 sources, the 50×20 burst,
story lookup up to 1M, start-up with 10 runs each.

Everything talks to 127.0.0.1 only: the feeds come from ``feedserver.py`` in a child process. Timings on a
shared machine are noisy; the ratios (measured in the same run, a few seconds apart) are the figures to read.
``story_lookup.py`` and ``service_memory.py`` are separate scripts (their own authors own them); they run here
as child processes and their output is shown as it is, with the target checked where it can be read.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import ingest_burst
import startup
import unchanged_cycle
from harness import HERE, PYTHON, Results, machine, section

LOOKUP_TARGET_US = 50.0


@dataclass(frozen=True)
class Plan:
    cycle_sizes: list[int]
    burst: tuple[int, int]  # feeds, items per feed
    startup_runs: int
    crawl_runs: int
    lookup_args: list[str]
    memory_args: list[str]
    script_timeout: float  # seconds for each child benchmark script
    cycle_polls: int = 2000  # polls per side in the unchanged cycle (cycles repeated until about this many)


SHORT = Plan([50], (50, 5), 5, 3, ["--lookups", "500"], ["--feeds", "10", "--cycles", "100", "--no-tracemalloc"], 300)
FULL = Plan([100, 1000], (50, 20), 10, 10, ["--full"], ["--full"], 3600)
# Toy sizes for the test suite: proves every section runs and prints figures, in seconds, not a measurement.
SMOKE = Plan([10], (3, 2), 1, 1, ["--lookups", "100"], ["--feeds", "3", "--cycles", "10", "--no-tracemalloc"], 120,
             cycle_polls=50)
SECTIONS = ("cycle", "burst", "lookup", "startup", "memory")


def run_script(name: str, args: list[str], timeout: float) -> str | None:
    """Run a sibling benchmark script, echoing its output; None when it is absent or failed."""
    path = HERE / name
    if not path.exists():
        print(f"  {name} not present: skipped", flush=True)
        return None
    args = [a for a in args if a != "--full" or _accepts(path, "--full")]
    try:
        done = subprocess.run([PYTHON, str(path), *args], capture_output=True, text=True, timeout=timeout,
                              check=False)
    except subprocess.TimeoutExpired:
        print(f"  {name} did not finish within {timeout:.0f} s: skipped", flush=True)
        return None
    for line in done.stdout.splitlines():
        print(f"  | {line}", flush=True)
    if done.returncode != 0:
        print(f"  {name} exited {done.returncode}: {done.stderr.strip()[-1500:]}", flush=True)
        return None
    return done.stdout


def _accepts(path: Path, option: str) -> bool:
    done = subprocess.run([PYTHON, str(path), "--help"], capture_output=True, text=True, timeout=60, check=False)
    return option in done.stdout


def lookup_verdict(results: Results, output: str | None) -> None:
    """story_lookup.py prints a table whose last column is µs per assign; check each row against the target."""
    if output is None:
        results.verdict("story lookup", f"assign ≤ {LOOKUP_TARGET_US:.0f} µs", "not measured", None)
        return
    rows = [line.split() for line in output.splitlines() if re.match(r"\s*[\d,]+\s", line)]
    worst = None
    for row in rows:
        try:
            stored, assign = int(row[0].replace(",", "")), float(row[-1])
        except ValueError:
            continue
        results.add("story lookup", f"assign with {stored:,} stored", assign, "µs")
        worst = max(worst or (0.0, 0), (assign, stored))
    if worst is None:
        results.verdict("story lookup", f"assign ≤ {LOOKUP_TARGET_US:.0f} µs", "output not understood", None)
    else:
        results.verdict("story lookup", f"assign ≤ {LOOKUP_TARGET_US:.0f} µs",
                        f"{worst[0]:.1f} µs at {worst[1]:,} stored", worst[0] <= LOOKUP_TARGET_US)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--short", action="store_true", help="the CI run (default)")
    mode.add_argument("--full", action="store_true", help="the documented run (several minutes)")
    mode.add_argument("--smoke", action="store_true", help="toy sizes: checks the suite runs (tests use it)")
    parser.add_argument("--sections", default=",".join(SECTIONS),
                        help=f"comma-separated subset of {','.join(SECTIONS)}")
    parser.add_argument("--json", type=Path, help="also write every figure and verdict to this file")
    args = parser.parse_args()
    wanted = set(args.sections.split(","))
    if not wanted <= set(SECTIONS):
        parser.error(f"unknown section(s): {', '.join(sorted(wanted - set(SECTIONS)))}")
    name = "full" if args.full else "smoke" if args.smoke else "short"
    plan = {"full": FULL, "smoke": SMOKE, "short": SHORT}[name]
    started = time.perf_counter()
    info = machine()
    print(f"monitor benchmarks ({name}): {info['nproc']} × {info['cpu']}, "
          f"Python {info['python']}, load average {info['load_average']}", flush=True)
    results = Results()
    if "cycle" in wanted:
        with section("1. unchanged poll cycle (304s): monitor Cycle.run vs raw aiohttp, same server"):
            unchanged_cycle.report(results, plan.cycle_sizes, plan.cycle_polls)
    if "burst" in wanted:
        with section("2. ingest burst: end to end into SQLite vs parse + extract alone"):
            ingest_burst.report(results, *plan.burst)
    if "lookup" in wanted:
        with section("3. story lookup (benchmarks/story_lookup.py)"):
            lookup_verdict(results, run_script("story_lookup.py", plan.lookup_args, plan.script_timeout))
    if "startup" in wanted:
        with section("4. start-up"):
            startup.report(results, plan.startup_runs, plan.crawl_runs)
    if "memory" in wanted:
        with section("5. service memory over many poll cycles (benchmarks/service_memory.py)"):
            run_script("service_memory.py", plan.memory_args, plan.script_timeout)
    results.summary()
    print(f"\ntotal {time.perf_counter() - started:.0f} s; load average now {machine()['load_average']}")
    if args.json:
        args.json.write_text(results.to_json(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
