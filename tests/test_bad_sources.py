"""Issue 15, end to end: one bad feed is one source's failure, in ``monitor crawl`` and in the service.

A loopback server holds good feeds beside each input the issue found (bad character references, a GeoRSS
``srsName`` feedparser cannot read, comments before the root, an HTML page) and the crawl runs one source at a
time (``network.concurrency = 1``), so a failure that escaped would leave the sources queued after it unpolled.
The unexpected-exception boundary is driven through the fetcher seam: a real fetcher that raises a plain
``RuntimeError`` for one URL stands in for a library bug, with the real store and pipeline around it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from monitor.cli import main
from monitor.config import load_config
from monitor.ingest.fetch import Fetcher
from monitor.model import NotModified, Response, Validators
from monitor.service.app import App, open_app
from monitor.service.cycle import Cycle
from monitor.service.metrics import Metrics
from monitor.service.scheduler import PollScheduler
from monitor.store import Store
from tests.helpers import START as T0
from tests.helpers import Clock, FakeClock, Running
from tests.httpserver import LoopbackServer, Route

FEED = {"Content-Type": "application/rss+xml; charset=utf-8"}
TEXT = (
    "Xiaomi and Leica Camera today announced a long-term strategic cooperation in mobile imaging. The first "
    "imaging flagship co-engineered by the two companies will launch in July, Xiaomi said, and Leica said both "
    "companies share the same ideas about optical performance and the photographic experience. {n}"
)


def rss(guid: str, title: str, *, before_root: str = "", ns: str = "", extra: str = "") -> bytes:
    text = TEXT.format(n=guid) * 3
    return (
        f'<?xml version="1.0" encoding="utf-8"?>{before_root}<rss version="2.0"{ns}><channel><title>t</title>'
        f"<link>http://127.0.0.1/</link><item><guid>{guid}</guid><title>{title}</title>"
        f"<link>http://127.0.0.1/a/{guid}</link><pubDate>Mon, 02 Mar 2026 08:00:00 GMT</pubDate>"
        f"<description><![CDATA[<p>{text}</p>]]></description>{extra}</item></channel></rss>"
    ).encode()


GEO_NS = ' xmlns:georss="http://www.georss.org/georss" xmlns:gml="http://www.opengis.net/gml"'
GEO = '<georss:where><gml:Point srsName="EPSG:abc"><gml:pos>45.2 -71.9</gml:pos></gml:Point></georss:where>'
HTML_PAGE = (
    b'<!DOCTYPE html><html><head><title>Outlet</title><link rel="alternate" type="application/rss+xml" '
    b'href="/rss.xml"></head><body><h1>Outlet</h1></body></html>'
)

# name -> (route body, headers); the bad ones are listed first, so with concurrency 1 they are polled first.
ROUTES: dict[str, tuple[bytes, dict[str, str]]] = {
    "georss": (rss("geo", "Point", ns=GEO_NS, extra=GEO), FEED),
    "homepage": (HTML_PAGE, {"Content-Type": "text/html"}),
    "surrogates": (rss("emoji", "Leica day &#55357;&#56832;"), FEED),
    "beyond-unicode": (rss("beyond", "Odd &#x110000; title"), FEED),
    "huge-reference": (rss("huge", "Odd &#xFFFFFFFF; title"), FEED),
    "comment-doctype": (rss("c1", "Comment one", before_root="<!-- it's a <!DOCTYPE that isn't -->"), FEED),
    "comment-html": (rss("c2", "Comment two", before_root="<!-- made from <html><body> templates -->"), FEED),
    "good": (rss("good", "Xiaomi and Leica announce a strategic partnership"), FEED),
}
FAILING = {"georss", "homepage"}


def write_config(
    tmp_path: Path, storage_url: str, urls: dict[str, str], *, interval: str = "15m", concurrency: int = 1
) -> Path:
    lines = [
        f'[storage]\nurl = "{storage_url}"',
        f"[network]\nallow_private = true\ntimeout = 5.0\nconcurrency = {concurrency}",
        "[service]\njitter = 0.0\nmetrics_port = 0",
        '[[topics]]\nname = "t"\nquery = "xiaomi AND leica"\nalert_on = ["launch", "partnership"]\nchannels = []',
    ]
    lines += [f'[[sources]]\nname = "{n}"\nurl = "{u}"\ninterval = "{interval}"' for n, u in urls.items()]
    path = tmp_path / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def serve(server: LoopbackServer) -> dict[str, str]:
    for name, (body, headers) in ROUTES.items():
        server.route(f"/{name}", Route(body=body, headers=headers))
    return {name: server.url(f"/{name}") for name in ROUTES}


def cli(config: Path, *args: str) -> tuple[int, list[dict[str, Any]]]:
    result = CliRunner().invoke(main, ["--config", str(config), *args], catch_exceptions=False)
    return result.exit_code, [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def test_a_crawl_polls_every_source_exits_0_and_names_each_failure(
    tmp_path: Path, http_server: LoopbackServer, storage_url: str
) -> None:
    config = write_config(tmp_path, storage_url, serve(http_server))

    code, lines = cli(config, "crawl", "--json")

    assert code == 0
    polled = {line["source"]: line for line in lines if line.get("type") == "source"}
    assert set(polled) == set(ROUTES)  # every source polled, the ones after the failures too
    assert {name for name, line in polled.items() if line["status"] == "error"} == FAILING
    assert 'srsName="EPSG:abc"' in polled["georss"]["error"] and http_server.url("/georss") in polled["georss"]["error"]
    assert f"advertises {http_server.url('/rss.xml')} (set the source's url" in polled["homepage"]["error"]
    titles = {line["source"]: line["title"] for line in lines if line.get("type") == "item"}
    assert titles["surrogates"] == "Leica day \U0001f600"
    assert titles["beyond-unicode"] == titles["huge-reference"] == "Odd \ufffd title"
    assert set(titles) == set(ROUTES) - FAILING

    code, states = cli(config, "sources", "--json")
    assert code == 0
    by_name = {state["source"]: state for state in states}
    for name in FAILING:  # recorded, shown, and backed off: not due again at once
        assert by_name[name]["status"] == "error" and by_name[name]["failures"] == 1
        assert by_name[name]["last_error"] == polled[name]["error"]
        assert datetime.fromisoformat(by_name[name]["next_due_at"]) > datetime.fromisoformat(
            by_name[name]["last_polled_at"]
        ) + timedelta(minutes=14)
    assert all(by_name[name]["status"] == "ok" for name in set(ROUTES) - FAILING)


# ------------------------------------------------------------------- unexpected exceptions (the boundary)


class BuggyFetcher:
    """The real fetcher, except that one URL raises what a buggy library would: not a MonitorError."""

    def __init__(self, real: Fetcher, broken_url: str) -> None:
        self.real = real
        self.broken_url = broken_url

    async def get(self, url: str, validators: Validators | None = None) -> Response | NotModified:
        if url == self.broken_url:
            raise RuntimeError("connector state is corrupt")
        return await self.real.get(url, validators or Validators())


@pytest.fixture
def app(tmp_path: Path, http_server: LoopbackServer, storage_url: str) -> Iterator[tuple[App, Clock, str]]:
    urls = {"buggy": http_server.url("/buggy"), **serve(http_server)}
    http_server.route("/buggy", Route(body=ROUTES["good"][0], headers=FEED))
    clock = Clock()
    # Concurrency 10: a PostgreSQL worker claims at most twice that many sources per tick, so all of them here.
    config = write_config(tmp_path, storage_url, urls, interval="30s", concurrency=10)
    opened = open_app(load_config(config, env={}), clock=clock)
    yield opened, clock, urls["buggy"]
    opened.close()


def test_an_unexpected_exception_is_the_sources_error_logged_counted_and_backed_off(
    app: tuple[App, Clock, str], caplog: pytest.LogCaptureFixture
) -> None:
    opened, clock, buggy_url = app
    metrics = Metrics()

    async def crawl() -> Any:
        async with Fetcher(opened.config.network) as real:
            fetcher = BuggyFetcher(real, buggy_url)
            cycle = Cycle(opened.config, opened.store, opened.pipeline, fetcher, clock, rng=random.Random(1),
                          on_source=metrics.observe_poll)  # fmt: skip
            return await cycle.run(opened.config.sources)

    with caplog.at_level(logging.DEBUG, logger="monitor"):
        report = asyncio.run(crawl())

    results = {result.source: result for result in report.sources}
    assert set(results) == {"buggy", *ROUTES}  # the buggy source came first; every other one was polled
    assert results["buggy"].crashed and results["buggy"].status == "error"
    assert "unexpected RuntimeError: connector state is corrupt" in (results["buggy"].error or "")
    assert not any(result.crashed for name, result in results.items() if name != "buggy")
    state = opened.store.source_state("buggy")
    assert state is not None and state.failures == 1 and state.last_error == results["buggy"].error
    assert state.next_due_at is not None and state.next_due_at >= T0 + timedelta(seconds=30)
    crash_logs = [r for r in caplog.records if "feed.poll_crashed" in r.getMessage()]
    errors = [r for r in crash_logs if r.levelno == logging.ERROR]
    assert [getattr(r, "monitor_fields", {}).get("source") for r in errors] == ["buggy"]
    tracebacks = [r for r in crash_logs if r.levelno == logging.DEBUG and r.exc_info]  # the traceback, at debug
    assert len(tracebacks) == 1 and "buggy" in tracebacks[0].getMessage()
    assert b"monitor_poll_crashes_total 1.0" in metrics.exposition()


def test_the_scheduler_keeps_polling_on_schedule_around_bad_and_buggy_sources(app: tuple[App, Clock, str]) -> None:
    opened, clock, buggy_url = app

    async def scenario() -> list[set[str]]:
        async with Fetcher(opened.config.network) as real:
            fetcher = BuggyFetcher(real, buggy_url)
            cycle = Cycle(opened.config, opened.store, opened.pipeline, fetcher, clock, rng=random.Random(1))
            scheduler = PollScheduler(cycle, opened.store, opened.config.sources, clock, "w1")
            rounds = []
            for _ in range(4):  # four intervals of 31 s
                rounds.append(set(scheduler.tick()))
                await asyncio.wait(list(scheduler.running.values()), timeout=10)
                assert set(scheduler.tick()) == set()  # nothing is retried at once
                clock.now += timedelta(seconds=31)
            return rounds

    rounds = asyncio.run(scenario())
    healthy = set(ROUTES) - FAILING
    assert rounds[0] == {"buggy", *ROUTES}
    assert all(healthy <= polled for polled in rounds)  # the healthy sources kept their 30 s rhythm
    for name in ("buggy", *FAILING):  # the failing ones were backed off, never polled more often
        state = opened.store.source_state(name)
        assert state is not None and state.status == "error" and 1 <= state.polls <= 4
        assert state.failures == state.polls
    assert opened.store.source_state("good").polls == 4  # type: ignore[union-attr]


# ------------------------------------------------------------------------------- the service, as users run it


def test_the_service_keeps_polling_on_schedule_with_bad_feeds_among_good_ones(
    tmp_path: Path, http_server: LoopbackServer, storage_url: str
) -> None:

    urls = serve(http_server)
    config = write_config(tmp_path, storage_url, urls, interval="30s", concurrency=2)
    store = Store.open(load_config(config, env={}).storage.url)
    try:
        running = Running(config, FakeClock(T0), store).start()
        running.wait_polls({name: 1 for name in ROUTES}, timeout=10)
        for _ in range(3):  # three 31 s steps: every healthy source is polled at each
            running.step(sorted(set(ROUTES) - FAILING))
        assert running.finish() == 0  # the service ran to a clean stop
    finally:
        store.close()
    for name in set(ROUTES) - FAILING:
        state = store_state(storage_url, name)
        assert state.status in ("ok", "not_modified") and state.polls == 4 and state.failures == 0
    for name in FAILING:  # failing, recorded, and polled no more often than the healthy ones
        state = store_state(storage_url, name)
        assert state.status == "error" and 1 <= state.failures == state.polls <= 4
        assert state.last_error and urls[name] in state.last_error


def store_state(storage_url: str, name: str) -> Any:
    store = Store.open(storage_url)
    try:
        state = store.source_state(name)
    finally:
        store.close()
    assert state is not None
    return state


def test_a_private_address_is_the_sources_error_naming_the_setting_that_allows_it(
    tmp_path: Path, http_server: LoopbackServer, storage_url: str
) -> None:
    urls = serve(http_server)
    config = write_config(tmp_path, storage_url, {"good": urls["good"]})
    config.write_text(config.read_text().replace("allow_private = true", "allow_private = false"))

    code, lines = cli(config, "crawl", "--json")

    [line] = [line for line in lines if line.get("type") == "source"]
    assert code == 0 and line["status"] == "error"
    assert urls["good"] in line["error"] and "network.allow_private = true" in line["error"]
    assert http_server.requests == []


class StoreWithBrokenRecord:
    """The real store, except that recording one source's poll raises what a driver bug would."""

    def __init__(self, real: Store, broken: str) -> None:
        self.real = real
        self.broken = broken

    def record_poll(self, name: str, record: Any, *, worker: str | None = None) -> bool:
        if name == self.broken:
            raise RuntimeError("driver state is corrupt")
        return self.real.record_poll(name, record, worker=worker)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


def test_a_poll_that_crashes_outside_the_cycle_is_held_off_for_its_interval(app: tuple[App, Clock, str]) -> None:
    opened, clock, _ = app
    store = StoreWithBrokenRecord(opened.store, "good")

    async def scenario() -> list[set[str]]:
        async with Fetcher(opened.config.network) as fetcher:
            cycle = Cycle(opened.config, store, opened.pipeline, fetcher, clock, rng=random.Random(1))
            scheduler = PollScheduler(cycle, store, opened.config.sources, clock, "w1")  # type: ignore[arg-type]
            rounds = []
            for step in (0, 1, 28, 2):  # seconds: at once, a tick later, just before and just after 30 s
                clock.now += timedelta(seconds=step)
                rounds.append(set(scheduler.tick()))
                if scheduler.running:
                    await asyncio.wait(list(scheduler.running.values()), timeout=10)
            return rounds

    rounds = asyncio.run(scenario())
    assert "good" in rounds[0]
    assert "good" not in rounds[1] and "good" not in rounds[2]  # unrecorded, yet not retried at every tick
    assert "good" in rounds[3]  # polled again after its interval
