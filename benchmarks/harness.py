"""What every benchmark shares: the feed server process, a config file on disk, timing and the figures table."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tarfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SHARED = REPO.parent / "shared"
PYTHON = sys.executable


# --------------------------------------------------------------------------------------------- the server


class FeedServer:
    """``feedserver.py`` in a child process, serving ``root``; a context manager that always stops it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._proc: subprocess.Popen[str] | None = None
        self.port = 0

    def __enter__(self) -> FeedServer:
        self._proc = subprocess.Popen(
            [PYTHON, str(HERE / "feedserver.py"), str(self.root)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()  # blocks until it listens (or died: then the line is empty)
        if not line.startswith("PORT "):
            self.__exit__()
            raise RuntimeError(f"feed server did not start (said {line!r})")
        self.port = int(line.split()[1])
        return self

    def __exit__(self, *exc: object) -> None:
        if self._proc is None:
            return
        proc, self._proc = self._proc, None
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        for stream in (proc.stdin, proc.stdout):
            if stream:
                stream.close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}"

    def reload(self) -> None:
        """Make the server re-read its directory (after the benchmark rewrote the feeds)."""
        with urllib.request.urlopen(self.url("/_reload"), timeout=10) as answer:
            answer.read()


# --------------------------------------------------------------------------------------------- config


def checkout(revision: str, into: Path) -> Path:
    """``monitor/`` and ``config.toml`` as they were at git revision ``revision``, under ``into``: a before/after
    runs that package (put first on ``sys.path``) with today's benchmark code."""
    archive = subprocess.run(["git", "-C", str(REPO), "archive", revision, "monitor", "config.toml"],
                             capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into



def shipped_query() -> str:
    """The first topic's query of the config.toml beside the ``monitor`` package imported: a revision's own (from
    ``checkout``), as an older package cannot read a newer config."""
    import monitor
    from monitor.config import load_config

    return load_config(Path(monitor.__file__).resolve().parents[1] / "config.toml", env={}).topics[0].query


def write_config(directory: Path, sources: Sequence[tuple[str, str]], *, concurrency: int = 16) -> Path:
    """A config.toml for ``sources`` (name, url) on loopback: SQLite in ``directory``, the shipped topic."""
    lines = [
        "[storage]",
        f'url = "sqlite:///{directory}/monitor.db"',
        "[network]",
        "allow_private = true",  # the feeds are on 127.0.0.1, which the SSRF guard refuses by default
        "timeout = 60.0",
        f"concurrency = {concurrency}",
        "[alerts]",
        "first_run_silent = true",
        "[[topics]]",
        'name = "xiaomi-leica"',
        f"query = '''{shipped_query()}'''",
        'alert_on = ["launch", "teaser", "partnership"]',
        'channels = ["team"]',
        "[[channels]]",
        'name = "team"',
        'url = "json://127.0.0.1:9/"',  # alerts are written to the outbox; the benchmarks never deliver
    ]
    for name, url in sources:
        lines += ["[[sources]]", f'name = "{name}"', f'url = "{url}"', 'interval = "15m"']
    path = directory / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------- timing


@dataclass(frozen=True)
class Timing:
    wall: float  # seconds, median of the runs
    cpu: float  # this process's CPU seconds over the same run (median)
    runs: int


def timed(function: Callable[[], Any], runs: int) -> Timing:
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        function()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return Timing(statistics.median(walls), statistics.median(cpus), runs)


def median_subprocess(command: Sequence[str], runs: int, *, env: dict[str, str] | None = None) -> float:
    """Median wall time of ``runs`` runs of ``command`` (hyperfine's figure, one warm-up run first)."""
    walls = []
    for i in range(runs + 1):
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, env=env, check=False)
        if i:
            walls.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} exited {done.returncode}: {done.stderr.decode()[-2000:]}")
    return statistics.median(walls)


# --------------------------------------------------------------------------------------------- reporting


@dataclass
class Figure:
    section: str
    name: str
    value: float
    unit: str
    note: str = ""


@dataclass
class Verdict:
    section: str
    target: str
    measured: str
    met: bool | None  # None: not measured


class Results:
    def __init__(self) -> None:
        self.figures: list[Figure] = []
        self.verdicts: list[Verdict] = []
        self.notes: list[str] = []

    def add(self, section: str, name: str, value: float, unit: str, note: str = "") -> None:
        figure = Figure(section, name, value, unit, note)
        self.figures.append(figure)
        print(f"  {name:<48} {_fmt(value):>12} {unit:<10} {note}", flush=True)

    def verdict(self, section: str, target: str, measured: str, met: bool | None) -> None:
        self.verdicts.append(Verdict(section, target, measured, met))
        word = {True: "MET", False: "MISSED", None: "n/a"}[met]
        print(f"  target {target}: {measured} -> {word}", flush=True)

    def note(self, text: str) -> None:
        self.notes.append(text)
        print(f"  note: {text}", flush=True)

    def summary(self) -> None:
        print("\nTargets")
        for v in self.verdicts:
            word = {True: "met", False: "MISSED", None: "n/a"}[v.met]
            print(f"  [{word:^6}] {v.section}: {v.target} — {v.measured}")

    def to_json(self) -> str:
        return json.dumps(
            {
                "machine": machine(),
                "figures": [vars(f) for f in self.figures],
                "verdicts": [vars(v) for v in self.verdicts],
                "notes": self.notes,
            },
            indent=2,
            ensure_ascii=False,
        )


def _fmt(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


@contextmanager
def section(title: str) -> Iterator[None]:
    print(f"\n== {title}", flush=True)
    started = time.perf_counter()
    yield
    print(f"  ({time.perf_counter() - started:.1f} s)", flush=True)
