"""Start-up: ``monitor --help`` and a one-off ``monitor crawl`` of unchanged local feeds, as a user runs them.

Each figure is the median wall time of several fresh processes after one warm-up run (what hyperfine reports),
so the OS page cache is warm and the figure is the interpreter's and the imports' cost, not the disk's.
``python -c pass`` is shown beside them as the floor no Python command can go below.

    python benchmarks/startup.py [RUNS]
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from corpus import write_old_feeds
from harness import PYTHON, FeedServer, Results, median_subprocess, write_config

HELP_TARGET = 0.150  # seconds
CRAWL_TARGET = 1.5  # seconds, 20 unchanged feeds
CRAWL_FEEDS = 20


def monitor_command() -> list[str]:
    """The installed console script when there is one (what users run), else ``python -m monitor``."""
    script = Path(PYTHON).with_name("monitor")
    return [str(script)] if script.exists() else [PYTHON, "-m", "monitor"]


def help_time(runs: int) -> float:
    return median_subprocess([*monitor_command(), "--help"], runs)


def interpreter_floor(runs: int) -> float:
    return median_subprocess([PYTHON, "-c", "pass"], runs)


def crawl_time(runs: int) -> float:
    with tempfile.TemporaryDirectory(prefix="bench-crawl-") as tmp:
        root, www = Path(tmp), Path(tmp) / "www"
        www.mkdir()
        with FeedServer(www) as server:
            sources = write_old_feeds(www, server.url("").rstrip("/"), CRAWL_FEEDS)
            server.reload()
            config = write_config(root, sources)
            command = [*monitor_command(), "--config", str(config), "crawl"]
            first = subprocess.run(command, capture_output=True, text=True, check=False)  # stores the ETags
            if first.returncode != 0:
                raise RuntimeError(f"monitor crawl failed: {first.stderr[-2000:]}")
            return median_subprocess(command, runs)


def report(results: Results, runs: int, crawl_runs: int) -> None:
    section = "start-up"
    floor = interpreter_floor(runs)
    results.add(section, "python -c pass (interpreter floor)", floor * 1e3, "ms", f"median of {runs}")
    help_s = help_time(runs)
    results.add(section, "monitor --help", help_s * 1e3, "ms", f"median of {runs}; {help_s / floor:.1f}× the floor")
    results.verdict(section, f"monitor --help ≤ {HELP_TARGET * 1e3:.0f} ms", f"{help_s * 1e3:.0f} ms",
                    help_s <= HELP_TARGET)
    crawl_s = crawl_time(crawl_runs)
    results.add(section, f"monitor crawl, {CRAWL_FEEDS} unchanged feeds", crawl_s, "s", f"median of {crawl_runs}")
    results.verdict(section, f"monitor crawl of {CRAWL_FEEDS} unchanged feeds ≤ {CRAWL_TARGET} s",
                    f"{crawl_s:.2f} s", crawl_s <= CRAWL_TARGET)


if __name__ == "__main__":
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    report(Results(), runs, max(3, runs // 2))
