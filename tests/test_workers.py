"""Four ``monitor run`` processes sharing one PostgreSQL database and 200 loopback outlets.

What several workers promise (issue #7): each due source is polled by exactly one worker per cycle (the
outlets' request log says so), each story alerts exactly once although its coverage is ingested by different
workers at the same moment, and a worker killed with SIGKILL in the middle of its polls loses nothing: its
sources are taken over when their leases expire and the story they carried still alerts, once.

A "cycle" is made by the test: every source is set due at the same instant (``next_due_at``), as if their
interval had passed, so the four workers race for the same 200 sources.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from monitor.store import Store
from tests.helpers import wait_until
from tests.httpserver import LoopbackServer, RecordedRequest, Route
from tests.sinks import HttpSink

pytestmark = pytest.mark.postgres

REPO = Path(__file__).resolve().parents[1]
SOURCES = 200
WORKERS = 4
SLOW_DELAY = 2.0  # seconds a slow outlet takes to answer in cycle 2: the window in which a worker is killed
TIMEOUT = 4.0  # network.timeout: above SLOW_DELAY, so slow outlets succeed
LEASE_SLACK = 1  # s; a poll's lease is 2 x TIMEOUT + this
LAUNCH = (
    "Xiaomi today launched the Xiaomi {n} Ultra, its new flagship camera phone co-engineered with Leica. "
    "The phone is now available to buy in China and goes on sale globally next week. It has a one-inch main "
    "sensor behind a Leica Summilux lens, plus a 200-megapixel periscope telephoto. Xiaomi said the Leica "
    "partnership covers colour science and the new Leica Authentic Look mode. Pre-orders opened at launch."
)
FRIDGE = "Samsung released a new fridge app update with recipes and a shopping list, outlet {i} reports. " * 3


def launch_title(n: int) -> str:
    return f"Xiaomi {n} Ultra with Leica optics launches, on sale now"


def item(guid: str, title: str, body: str) -> str:
    return (
        f"<item><guid>{guid}</guid><title>{title}</title><link>http://127.0.0.1/a/{guid}</link>"
        f"<pubDate>Mon, 02 Mar 2026 08:00:00 GMT</pubDate><description><![CDATA[<p>{body}</p>]]></description></item>"
    )


def coverage(i: int, n: int) -> str:
    """Outlet ``i``'s own write-up of launch ``n``: the same facts plus a line of its own (a near-duplicate)."""
    return item(f"s{i}-launch-{n}", launch_title(n), LAUNCH.format(n=n) + f" Outlet {i} will publish a review.")


def feed(i: int, cycle: int) -> bytes:
    """Outlets 0-29 cover launch 15 and 30-59 launch 16 from cycle 1; the slow outlets (i % 10 == 5) add launch
    17 in cycle 2, so its whole story arrives through polls that a killed worker may have held."""
    items = [item(f"s{i}-fridge", f"Samsung fridge app update {i}", FRIDGE.format(i=i))]
    if i < 30:
        items.append(coverage(i, 15))
    elif i < 60:
        items.append(coverage(i, 16))
    if cycle == 2 and i % 10 == 5:
        items.append(coverage(i, 17))
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        f"<link>http://127.0.0.1/</link>{''.join(items)}</channel></rss>"
    ).encode()


class Outlets:
    """200 feeds on one loopback server; ``cycle`` picks what they serve (with an ETag per cycle, so unchanged
    feeds answer 304 and changed ones 200)."""

    def __init__(self, server: LoopbackServer) -> None:
        self.server = server
        self.cycle = 1
        for i in range(SOURCES):
            server.route(f"/s{i}", self._answer(i))

    def _answer(self, i: int) -> Callable[[RecordedRequest], Route]:
        def answer(_request: RecordedRequest) -> Route:
            changed = self.cycle == 2 and i % 10 == 5
            return Route(
                body=feed(i, self.cycle),
                headers={"Content-Type": "application/rss+xml"},
                etag=f'"c{2 if changed else 1}"',
                delay=SLOW_DELAY if changed else 0.0,
            )

        return answer

    def requests(self, since: int = 0) -> Counter[str]:
        return Counter(request.path for request in self.server.requests[since:])


def write_config(tmp_path: Path, storage: str, hook: str, outlets: LoopbackServer) -> Path:
    lines = [
        f'[storage]\nurl = "{storage}"',
        f"[network]\nallow_private = true\ntimeout = {TIMEOUT}\nconcurrency = 8",
        "[alerts]\nfirst_run_silent = false",
        f'[service]\njitter = 0.0\ndelivery_interval = "1s"\nmetrics_port = 0\nlease_slack = "{LEASE_SLACK}s"\n'
        'delivery_lease = "10s"',
        '[[topics]]\nname = "xiaomi-leica"\nquery = "xiaomi AND leica"\nalert_on = ["launch", "teaser"]\n'
        'channels = ["hook"]',
        f'[[channels]]\nname = "hook"\nurl = "{hook}"',
    ]
    lines += [f'[[sources]]\nname = "s{i}"\nurl = "{outlets.url(f"/s{i}")}"\ninterval = "1h"' for i in range(SOURCES)]
    path = tmp_path / "config.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


class Workers:
    """``monitor run`` processes with their logs in files (a pipe nobody reads would stall a chatty worker)."""

    def __init__(self, config: Path, logs: Path) -> None:
        self.config, self.logs = config, logs
        self.procs: dict[int, subprocess.Popen[bytes]] = {}

    def start(self, count: int) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        for n in range(count):
            log = (self.logs / f"worker{n}.log").open("wb")
            proc = subprocess.Popen(
                [sys.executable, "-m", "monitor", "--config", str(self.config), "--log-format", "json", "-v", "run"],
                cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=log,
            )  # fmt: skip
            log.close()
            self.procs[proc.pid] = proc

    def log(self, pid: int) -> list[dict[str, Any]]:
        path = self.logs / f"worker{list(self.procs).index(pid)}.log"
        return [json.loads(line) for line in path.read_text().splitlines() if line.startswith("{")]

    def started(self) -> bool:
        return all(any(e.get("event") == "service.started" for e in self.log(pid)) for pid in self.procs)

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)


class Database:
    """The test's own look at the shared database (plain SQL, as an operator would)."""

    def __init__(self, url: str) -> None:
        self.store = Store.open(url)

    def query(self, sql: str, **params: Any) -> list[Any]:
        with self.store.engine.begin() as conn:
            return list(conn.execute(text(sql), params))

    def make_all_due(self, when: str = "now()") -> None:
        with self.store.engine.begin() as conn:
            conn.execute(text(f"UPDATE sources SET next_due_at = {when}"))

    def polls(self) -> dict[str, int]:
        return dict(self.query("SELECT name, polls FROM sources"))

    def leases(self) -> dict[str, str]:
        return dict(self.query("SELECT name, lease_owner FROM sources WHERE lease_owner IS NOT NULL"))

    def outbox(self) -> Counter[str]:
        return Counter(row.status for row in self.query("SELECT status FROM alerts"))


@pytest.fixture
def shared_database(postgres_server: Any) -> Iterator[Database]:
    database = Database(postgres_server.create_database())
    yield database
    database.store.close()


def test_four_workers_share_200_sources_poll_each_once_and_alert_each_story_once(
    tmp_path: Path, shared_database: Database, json_sink: HttpSink
) -> None:
    db = shared_database
    with LoopbackServer() as server:
        outlets = Outlets(server)
        storage = db.store.url.render_as_string(hide_password=False)
        config = write_config(tmp_path, storage, f"json://127.0.0.1:{json_sink.port}/hook", server)
        workers = Workers(config, tmp_path)
        # Sources exist before the workers do, not yet due, so that all four are up when the cycle starts.
        db.store.sync_sources([(f"s{i}", "feed", server.url(f"/s{i}")) for i in range(SOURCES)])
        db.make_all_due("now() + interval '1 day'")
        try:
            workers.start(WORKERS)
            wait_until(workers.started, 60, "four workers to start")

            # -- cycle 1: four healthy workers --------------------------------------------------------------
            db.make_all_due()
            wait_until(lambda: set(db.polls().values()) == {1}, 60, "every source to be polled once")
            wait_until(lambda: db.outbox() == {"sent": 2}, 30, "the two launch alerts to be sent")
            cycle1 = outlets.requests()
            assert cycle1 == Counter({f"/s{i}": 1 for i in range(SOURCES)})
            polled_by = {pid: sum(e.get("event") == "feed.polled" for e in workers.log(pid)) for pid in workers.procs}
            assert sum(polled_by.values()) == SOURCES
            assert all(polled_by.values()), f"a worker polled nothing: {polled_by}"  # they shared the burst

            stories = db.query("SELECT title, article_count FROM stories ORDER BY title")
            assert [(s.title, s.article_count) for s in stories] == [(launch_title(15), 30), (launch_title(16), 30)]

            # -- cycle 2: a worker dies holding polls of the outlets that carry a new story -----------------
            outlets.cycle = 2
            mark = len(server.requests)
            db.make_all_due()
            slow = {f"s{i}" for i in range(SOURCES) if i % 10 == 5}

            def victim() -> int | None:
                in_flight = {p.lstrip("/") for p in outlets.requests(mark)} & slow
                owners = [owner for name, owner in db.leases().items() if name in in_flight]
                return int(owners[0].rsplit(":", 1)[1]) if owners else None

            pid = wait_until(victim, 30, "a worker to be waiting on a slow outlet")
            held = {name for name, owner in db.leases().items() if owner.endswith(f":{pid}")}
            workers.procs[pid].send_signal(signal.SIGKILL)
            workers.procs[pid].wait(timeout=10)

            wait_until(lambda: set(db.polls().values()) == {2}, 60, "every source's second poll, taken over or not")
            wait_until(lambda: db.outbox() == {"sent": 3}, 30, "the new story's alert")
        finally:
            workers.stop()

    cycle2 = outlets.requests(mark)
    assert set(cycle2) == {f"/s{i}" for i in range(SOURCES)}
    twice = {path.lstrip("/") for path, count in cycle2.items() if count > 1}
    assert twice <= held and max(cycle2.values()) == 2  # only the dead worker's polls were made again
    assert held & slow  # it really died mid-poll

    titles = Counter(request.json()["title"].split(" · ")[0] for request in json_sink.requests)  # less the date
    assert titles == Counter({f"[Launch] {launch_title(n)}": 1 for n in (15, 16, 17)})
    stories = db.query("SELECT title, article_count FROM stories ORDER BY title")
    assert [(s.title, s.article_count) for s in stories] == [
        (launch_title(n), 30 if n < 17 else 20) for n in (15, 16, 17)
    ]
    assert db.query("SELECT count(*) FROM articles")[0][0] == SOURCES + 60 + 20  # nothing lost, nothing doubled
