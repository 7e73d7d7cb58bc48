"""scheduler: source-health decisions (pure, property-tested) and the due-source tick against a real store and
a loopback feed."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.config import load_config
from monitor.ingest.fetch import Fetcher
from monitor.records import SourceState
from monitor.service.app import App, open_app
from monitor.service.cycle import Cycle
from monitor.service.scheduler import (
    HealthChange,
    PollScheduler,
    health_changes,
    operator_alerts,
    poll_lease,
    reported_outages,
)
from tests.helpers import START as T0
from tests.helpers import Clock
from tests.httpserver import LoopbackServer, Route

pytest_plugins = ["tests.httpserver"]

DOWN_AFTER = timedelta(hours=6)


def state(name: str = "gsm", status: str = "ok", last_success: datetime | None = T0, **kw: object) -> SourceState:
    base = SourceState(
        name=name, type="feed", url=f"https://{name}.example/feed", current_url=None, etag=None,
        last_modified=None, status=status, last_error="HTTP 500" if status == "error" else None,  # type: ignore[arg-type]
        last_polled_at=T0, last_success_at=last_success, next_due_at=None, failures=0, polls=1,
    )  # fmt: skip
    return replace(base, **kw)  # type: ignore[arg-type]


def changes(states: list[SourceState], now: datetime, reported: dict[str, str] | None = None,
            first_failure: dict[str, datetime] | None = None) -> list[HealthChange]:  # fmt: skip
    return health_changes(
        states, now=now, down_after=DOWN_AFTER, reported=reported or {}, first_failure=first_failure or {}
    )


# ----------------------------------------------------------------------------------------------- health


def test_a_source_is_down_only_after_failing_for_the_whole_window() -> None:
    failing = state(status="error")
    assert changes([failing], T0 + DOWN_AFTER - timedelta(seconds=1)) == []
    [down] = changes([failing], T0 + DOWN_AFTER)
    assert (down.kind, down.since, down.error) == ("down", T0.isoformat(), "HTTP 500")
    assert down.dedup_key == f"source-down:gsm:{T0.isoformat()}"
    assert changes([state(status="ok", last_success=T0)], T0 + timedelta(days=3)) == []  # quiet, not down
    assert changes([state(status="gone")], T0 + DOWN_AFTER)[0].kind == "down"  # 410 counts


def test_a_source_that_never_worked_counts_from_its_first_seen_failure() -> None:
    never = state(status="error", last_success=None)
    assert changes([never], T0 + timedelta(days=9)) == []  # not yet seen failing by this process
    [down] = changes([never], T0 + DOWN_AFTER, first_failure={"gsm": T0})
    assert down.since == "never" and down.dedup_key == "source-down:gsm:never"


def test_reported_outage_recovers_once_and_is_not_repeated() -> None:
    reported = {"gsm": T0.isoformat()}
    assert changes([state(status="error")], T0 + timedelta(days=2), reported) == []  # still down: silent
    later = T0 + timedelta(days=2)
    [up] = changes([state(status="not_modified", last_success=later)], later, reported)
    assert up.dedup_key == f"source-up:gsm:{T0.isoformat()}"


def test_a_recovery_missed_while_stopped_closes_the_old_outage_and_may_open_a_new_one() -> None:
    reported = {"gsm": T0.isoformat()}
    success = T0 + timedelta(days=1)  # it worked once while the service was down, then failed again
    got = changes([state(status="error", last_success=success)], success + DOWN_AFTER, reported)
    assert [c.dedup_key for c in got] == [f"source-up:gsm:{T0.isoformat()}", f"source-down:gsm:{success.isoformat()}"]


def test_reported_outages_are_rebuilt_from_outbox_keys() -> None:
    t1, t2 = T0.isoformat(), (T0 + timedelta(days=1)).isoformat()
    keys = [
        f"source-down:gsm:{t1}", f"source-up:gsm:{t1}",  # closed
        f"source-down:gsm:{t2}",  # open
        "source-down:odd:name:never",  # names with colons survive
        "story:12", "source-down:bad",  # not ours / malformed
    ]  # fmt: skip
    assert reported_outages(keys) == {"gsm": t2, "odd:name": "never"}


def test_operator_alert_rows_render_as_readable_messages() -> None:
    from monitor.alerts.render import render

    [down, up] = [HealthChange("gsm", "down", T0.isoformat(), "HTTP 500", "https://gsm.example/feed"),
                  HealthChange("gsm", "up", T0.isoformat())]  # fmt: skip
    rows = operator_alerts([down, up], "ops", T0)
    assert [(r.kind, r.channel, r.next_attempt_at) for r in rows] == [("operator", "ops", T0)] * 2
    message = render([rows[0].payload], digest=False)
    assert "gsm is down" in message.subject and "HTTP 500" in message.text
    assert "recovered" in render([rows[1].payload], digest=False).subject


@st.composite
def poll_histories(draw: st.DrawFn) -> list[tuple[int, bool]]:
    """(minutes since the previous poll, succeeded) for a run of polls."""
    return draw(st.lists(st.tuples(st.integers(1, 240), st.booleans()), min_size=1, max_size=60))


@settings(max_examples=200, deadline=None)
@given(poll_histories(), st.integers(0, 59))
def test_downs_and_ups_alternate_and_each_key_is_raised_once(history: list[tuple[int, bool]], restart_at: int) -> None:
    """Whatever a source does, the operator hears down, up, down, ... — never two of a kind in a row, never a key
    twice — and a restart (the reported map rebuilt from the keys already raised) changes none of that."""
    now, last_success, raised = T0, None, []
    reported: dict[str, str] = {}
    first_failure: dict[str, datetime] = {}
    for index, (minutes, ok) in enumerate(history):
        now += timedelta(minutes=minutes)
        if index == restart_at:
            reported, first_failure = reported_outages(c.dedup_key for c in raised), {}
        last_success = now if ok else last_success
        current = state(status="ok" if ok else "error", last_success=last_success)
        if not ok:
            first_failure.setdefault("gsm", now)
        else:
            first_failure.pop("gsm", None)
        for change in changes([current], now, reported, first_failure):
            raised.append(change)
            if change.kind == "down":
                reported["gsm"] = change.since
            else:
                reported.pop("gsm")
    kinds = [c.kind for c in raised]
    assert all(a != b for a, b in zip(kinds, kinds[1:], strict=False)) and kinds[:1] in ([], ["down"])
    assert len({c.dedup_key for c in raised}) == len(raised)


def test_poll_lease_covers_a_whole_poll() -> None:
    config = load_config(Path(__file__).resolve().parents[1] / "config.toml", env={})
    feed = config.sources[0]
    assert poll_lease(feed, config.network, config.service) >= 2 * timedelta(
        seconds=config.network.timeout
    )
    spider = replace(feed, type="spider")
    assert poll_lease(spider, config.network, config.service) > config.service.spider_deadline


# ---------------------------------------------------------------------------------------------- the tick


@pytest.fixture
def app(tmp_path: Path, http_server: LoopbackServer, storage_url: str) -> Iterator[tuple[App, Clock]]:
    feed = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        b"<item><guid>1</guid><title>Fridge app</title><link>http://127.0.0.1/1</link>"
        b"<description>Samsung fridge app update.</description></item></channel></rss>"
    )
    http_server.route("/slow", Route(body=feed, headers={"Content-Type": "application/rss+xml"}, delay=0.2))
    config_path = tmp_path / "config.toml"
    config_path.write_text(
        f'[storage]\nurl = "{storage_url}"\n[network]\nallow_private = true\ntimeout = 2\n'
        '[service]\njitter = 0.0\n[[topics]]\nname = "t"\nquery = "xiaomi"\n'
        f'[[sources]]\nname = "slow"\nurl = "{http_server.url("/slow")}"\ninterval = "30s"\n'
        f'[[sources]]\nname = "off"\nurl = "{http_server.url("/off")}"\nenabled = false\n'
    )
    clock = Clock()
    opened = open_app(load_config(config_path, env={}), clock=clock)
    yield opened, clock
    opened.close()


def test_tick_polls_each_due_source_once_and_never_twice_at_once(
    app: tuple[App, Clock], http_server: LoopbackServer
) -> None:
    opened, clock = app

    async def scenario() -> list[list[str]]:
        async with Fetcher(opened.config.network) as fetcher:
            cycle = Cycle(opened.config, opened.store, opened.pipeline, fetcher, clock, rng=random.Random(1))
            scheduler = PollScheduler(cycle, opened.store, opened.config.sources, clock, "w1")
            started = [scheduler.tick(), scheduler.tick()]  # the second tick finds the poll still running
            await asyncio.wait(list(scheduler.running.values()), timeout=5)
            started.append(scheduler.tick())  # polled: not due for 30 s
            clock.now += timedelta(seconds=29)
            started.append(scheduler.tick())
            clock.now += timedelta(seconds=2)
            started.append(scheduler.tick())
            await asyncio.wait(list(scheduler.running.values()), timeout=5)
            return started

    started = asyncio.run(scenario())
    assert started == [["slow"], [], [], [], ["slow"]]  # the disabled source is never polled
    assert [r.path for r in http_server.requests] == ["/slow", "/slow"]
    assert opened.store.source_state("slow").polls == 2  # type: ignore[union-attr]


def test_drain_cancels_a_poll_that_outlives_the_grace(app: tuple[App, Clock], http_server: LoopbackServer) -> None:
    opened, clock = app
    http_server.route("/slow", Route(body=b"x" * 100, hang=True))  # headers, then silence

    async def scenario() -> tuple[int, float]:
        async with Fetcher(opened.config.network) as fetcher:
            cycle = Cycle(opened.config, opened.store, opened.pipeline, fetcher, clock)
            scheduler = PollScheduler(cycle, opened.store, opened.config.sources, clock, "w1")
            scheduler.tick()
            loop = asyncio.get_running_loop()
            started = loop.time()
            cancelled = await scheduler.drain(0.2)
            elapsed = loop.time() - started
            assert scheduler.tick() == [] and not scheduler.running  # nothing starts once draining
            return cancelled, elapsed

    cancelled, seconds = asyncio.run(scenario())
    assert cancelled == 1 and seconds < 1.5
    # Nothing half-written: the cancelled poll left no record, so the source is still due at the next start.
    assert opened.store.source_state("slow").polls == 0  # type: ignore[union-attr]
    assert "slow" in opened.store.due_sources(clock())
