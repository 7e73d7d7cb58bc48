"""``monitor run`` as a user runs it: the real service against loopback feeds, sinks and a database — the in-thread
tests on SQLite and PostgreSQL, the subprocess ones on SQLite (tests/test_workers.py runs workers on PostgreSQL).

In-thread tests pass an injected clock that the test moves forward (the configuration's minimum interval is
30 s); the service's own ticks are real, 20 ms apart. Signal, lock and crash tests run ``python -m monitor run``
as a subprocess with the real clock.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest
from prometheus_client.parser import text_string_to_metric_families

from monitor.config import load_config
from monitor.store import Store
from tests.helpers import FakeClock, Running, wait_until
from tests.httpserver import LoopbackServer, RecordedRequest, Route, redirect
from tests.sinks import HttpSink, SmtpSink, free_port

pytest_plugins = ["tests.sinks", "tests.httpserver"]

REPO = Path(__file__).resolve().parents[1]
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
STEP = timedelta(seconds=31)  # just past the 30 s interval the test sources use (jitter 0)
LAUNCH_TEXT = (
    "Xiaomi today launched the Xiaomi {n} Ultra, its new flagship camera phone co-engineered with Leica. "
    "The phone is now available to buy in China and goes on sale globally next week. It has a one-inch main "
    "sensor behind a Leica Summilux lens, plus a 200-megapixel periscope telephoto. Xiaomi said the Leica "
    "partnership covers colour science and the new Leica Authentic Look mode. Pre-orders opened at launch."
)
FRIDGE_TEXT = "Samsung released a new fridge app update with recipes and a shopping list. " * 4


# ------------------------------------------------------------------------------------------------ helpers


def rss(*items: tuple[str, str, str]) -> bytes:
    """(guid, title, text) items as an RSS 2.0 feed with full content."""
    body = "".join(
        f"<item><guid>{guid}</guid><title>{title}</title><link>http://127.0.0.1/a/{guid}</link>"
        f"<pubDate>Mon, 02 Mar 2026 08:00:00 GMT</pubDate><description><![CDATA[<p>{text}</p>]]></description></item>"
        for guid, title, text in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        f"<link>http://127.0.0.1/</link>{body}</channel></rss>"
    ).encode()


def launch(n: int) -> tuple[str, str, str]:
    return (f"launch-{n}", f"Xiaomi {n} Ultra with Leica optics launches, on sale now", LAUNCH_TEXT.format(n=n))


FRIDGE = ("fridge", "Samsung updates its fridge app", FRIDGE_TEXT)
FEED_HEADERS = {"Content-Type": "application/rss+xml"}


def feed_route(*items: tuple[str, str, str], etag: str | None = None) -> Route:
    return Route(body=rss(*items), headers=FEED_HEADERS, etag=etag)


def write_config(
    tmp_path: Path,
    sources: dict[str, str],
    *,
    channels: dict[str, str] | None = None,
    service: str = "",
    first_run_silent: bool = True,
    timeout: float = 0.5,
    storage: str | None = None,
    max_attempts: int = 8,
) -> Path:
    url = storage or f"sqlite:///{tmp_path / 'monitor.db'}"
    parts = [
        f'[storage]\nurl = "{url}"\n',
        f"[network]\nallow_private = true\ntimeout = {timeout}\n",
        f"[alerts]\nfirst_run_silent = {str(first_run_silent).lower()}\n",
        f'[service]\njitter = 0.0\ndelivery_interval = "1s"\n{service or "metrics_port = 0"}\n',
        '[[topics]]\nname = "xiaomi-leica"\nquery = "xiaomi AND leica"\nalert_on = ["launch", "teaser"]\n'
        f"channels = {json.dumps([n for n in (channels or {}) if n != 'ops'])}\n",
    ]
    parts += [f'[[sources]]\nname = "{name}"\nurl = "{url}"\ninterval = "30s"\n' for name, url in sources.items()]
    parts += [f'[[channels]]\nname = "{name}"\nurl = "{url}"\nmax_attempts = {max_attempts}\n'
              for name, url in (channels or {}).items()]
    path = tmp_path / "config.toml"
    path.write_text("\n".join(parts))
    return path


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Callable[..., Running]]:
    started: list[Running] = []
    stores: list[Store] = []

    def start(config_path: Path, clock: FakeClock | None = None) -> Running:
        if not stores:
            stores.append(Store.open(load_config(config_path).storage.url))
        running = Running(config_path, clock or FakeClock(), stores[0]).start()
        started.append(running)
        return running

    yield start
    for running in started:
        if running.thread is not None and running.thread.is_alive():
            running.finish()
    for store in stores:
        store.close()


def paths(server: LoopbackServer, prefix: str) -> list[str]:
    return [r.path for r in server.requests if r.path.startswith(prefix)]


# --------------------------------------------------------------------------------------------- in-thread


def test_new_story_alerts_once_and_repeats_are_silent(
    tmp_path: Path, http_server: LoopbackServer, smtp_sink: SmtpSink, service: Callable[..., Running]
, storage_url: str) -> None:
    items: list[tuple[str, str, str]] = [FRIDGE]
    http_server.route("/feed", lambda _r: feed_route(*items))
    config = write_config(
        tmp_path, {"news": http_server.url("/feed")}, channels={"mail": smtp_sink.url()}, storage=storage_url
    )
    running = service(config)
    running.wait_polls({"news": 1})  # the first poll is the backlog: stored, never alerted
    assert running.store.alert_counts() == {"pending": 0, "sent": 0, "failed": 0}

    items.append(launch(15))
    running.step(["news"])
    wait_until(lambda: len(smtp_sink.messages) == 1, what="the launch e-mail")
    assert "Xiaomi 15 Ultra" in smtp_sink.messages[0]["Subject"]

    for _ in range(3):  # the same story on every later poll: stored once, alerted once
        running.step(["news"])
    assert running.finish() == 0
    assert len(smtp_sink.messages) == 1
    assert running.store.alert_counts() == {"pending": 0, "sent": 1, "failed": 0}


def test_each_outlet_failure_follows_its_policy_while_others_keep_their_rhythm(
    tmp_path: Path, http_server: LoopbackServer, service: Callable[..., Running]
, storage_url: str) -> None:
    arrivals: dict[str, list[float]] = {}

    def timed(name: str, route: Route) -> Callable[[RecordedRequest], Route]:
        def answer(_request: RecordedRequest) -> Route:
            arrivals.setdefault(name, []).append(time.monotonic())
            return route

        return answer

    http_server.route("/good", timed("good", feed_route(FRIDGE, etag='"v1"')))
    http_server.route("/e500", Route(status=500, body=b"boom"))
    http_server.route("/e429", Route(status=429, headers={"Retry-After": "300"}))
    http_server.route("/gone", Route(status=410))
    http_server.route("/old", redirect("/new", 301))
    http_server.route("/new", feed_route(FRIDGE))
    http_server.route("/hang", timed("hang", Route(body=rss(FRIDGE), headers=FEED_HEADERS, hang=True)))
    names = {"good": "/good", "e500": "/e500", "e429": "/e429", "gone": "/gone", "moved": "/old", "hang": "/hang"}
    # 1 s, not less: on a loaded machine a shorter timeout can also fail a healthy outlet's answer (the 429).
    config = write_config(tmp_path, {n: http_server.url(p) for n, p in names.items()}, timeout=1.0, storage=storage_url)
    running = service(config)
    running.wait_polls({name: 1 for name in names})
    # The hung outlet held nobody up: the good feed's first poll came while the hang was still waiting.
    assert arrivals["good"][0] - arrivals["hang"][0] < 0.25

    for _ in range(4):  # four 31 s steps: the healthy sources are polled every step
        running.step(["good", "moved"])
    assert running.polls("good") == 5 and running.polls("moved") == 5

    good = running.state("good")
    assert good.status == "not_modified" and good.failures == 0
    assert [r.header("if-none-match") for r in http_server.requests if r.path == "/good"][1:] == ['"v1"'] * 4
    e429 = running.state("e429")  # Retry-After 300 s: not asked again within 124 s
    assert (e429.status, e429.polls, paths(http_server, "/e429")) == ("error", 1, ["/e429"])
    assert e429.next_due_at is not None and e429.next_due_at - START >= timedelta(seconds=300)
    gone = running.state("gone")  # 410: asked again only after a day
    assert (gone.status, gone.polls) == ("gone", 1)
    e500 = running.state("e500")  # back-off: failures counted, never more often than the interval
    assert e500.status == "error" and e500.failures == e500.polls >= 1
    assert e500.polls <= running.polls("good")
    moved = running.state("moved")  # 301: the stored URL follows, the old one was asked once
    assert moved.current_url == http_server.url("/new") and paths(http_server, "/old") == ["/old"]
    hang = running.state("hang")
    assert hang.status == "error" and "within 1 s" in (hang.last_error or "")
    assert running.finish() == 0


def test_source_down_and_recovery_each_alert_once_across_a_restart(
    tmp_path: Path, http_server: LoopbackServer, json_sink: HttpSink, service: Callable[..., Running]
, storage_url: str) -> None:
    healthy = {"now": True}
    http_server.route("/feed", lambda _r: feed_route(FRIDGE) if healthy["now"] else Route(status=500))
    config = write_config(
        tmp_path,
        {"flaky": http_server.url("/feed")},
        channels={"ops": f"json://127.0.0.1:{json_sink.port}/hook"},
        service='source_down_after = "1m"\noperator_channel = "ops"\nmetrics_port = 0',
        storage=storage_url,
    )
    clock = FakeClock()
    running = service(config, clock)
    running.wait_polls({"flaky": 1})
    healthy["now"] = False
    # Back-off keeps a failing source between 30 s and 30 s * 2^(n-1) apart; stepping 5 min makes it due.
    for _ in range(3):
        running.step(["flaky"], timedelta(minutes=5))
    wait_until(lambda: len(json_sink.requests) == 1, what="the source-down alert")
    assert "flaky is down" in json_sink.requests[0].json()["title"]
    assert running.finish() == 0

    running = service(config, clock)  # a restart still knows the outage was announced
    running.step(["flaky"], timedelta(hours=7))
    healthy["now"] = True
    running.step(["flaky"], timedelta(hours=7))
    wait_until(lambda: len(json_sink.requests) == 2, what="the recovery alert")
    assert "flaky has recovered" in json_sink.requests[1].json()["title"]
    running.step(["flaky"], timedelta(hours=7))
    assert running.finish() == 0
    keys = sorted(a.dedup_key.split(":", 2)[0] for a in running.store.alerts())
    assert keys == ["source-down", "source-up"] and len(json_sink.requests) == 2


def test_the_service_announces_a_dead_letter_on_the_operator_channel(
    tmp_path: Path, http_server: LoopbackServer, json_sink: HttpSink, service: Callable[..., Running]
, storage_url: str) -> None:
    http_server.route("/feed", feed_route(FRIDGE, launch(14)))
    broken = f"json://127.0.0.1:{free_port()}/hook?cto=1&rto=1"  # nothing listens there
    config = write_config(
        tmp_path,
        {"news": http_server.url("/feed")},
        channels={"hook": broken, "ops": f"json://127.0.0.1:{json_sink.port}/hook"},
        service='operator_channel = "ops"\nmetrics_port = 0',
        first_run_silent=False,
        storage=storage_url,
        max_attempts=1,
    )
    running = service(config, FakeClock())
    running.wait_polls({"news": 1})
    wait_until(lambda: json_sink.requests, timeout=15, what="the dead-letter announcement")
    assert "to hook failed" in json_sink.requests[0].json()["title"]
    assert running.finish() == 0


def test_metrics_and_healthz_are_served(
    tmp_path: Path, http_server: LoopbackServer, service: Callable[..., Running]
, storage_url: str, caplog: pytest.LogCaptureFixture) -> None:
    http_server.route("/feed", feed_route(FRIDGE, launch(14), etag='"a"'))
    http_server.route("/broken", Route(status=500))
    port = free_port()
    config = write_config(
        tmp_path,
        {"news": http_server.url("/feed"), "broken": http_server.url("/broken")},
        service=f"metrics_port = {port}",
        storage=storage_url,
    )
    running = service(config)
    running.wait_polls({"news": 1, "broken": 1})
    running.step(["news"])
    polled = {(r.levelname, getattr(r, "monitor_fields", {}).get("source")) for r in caplog.records
              if r.getMessage() == "feed.polled"}
    assert ("WARNING", "broken") in polled and ("INFO", "news") in polled  # a failed poll is a warning
    health = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read())
    assert health["status"] == "ok" and datetime.fromisoformat(health["last_tick"])

    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2).read().decode()
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    assert samples[("monitor_polls_total", (("outcome", "ok"),))] == 1
    assert samples[("monitor_polls_total", (("outcome", "not_modified"),))] == 1
    assert samples[("monitor_polls_total", (("outcome", "error"),))] >= 1
    assert samples[("monitor_new_articles_total", (("relevant", "true"),))] == 1
    assert samples[("monitor_new_articles_total", (("relevant", "false"),))] == 1
    assert samples[("monitor_stories_total", ())] == 1
    assert samples[("monitor_poll_duration_seconds_count", ())] >= 3
    assert samples[("monitor_sources_failing", ())] == 1
    assert samples[("monitor_alerts_pending", ())] == 0  # the first poll of a source is silent
    assert ("monitor_oldest_pending_alert_age_seconds", ()) in samples

    feed = urllib.request.urlopen(f"http://127.0.0.1:{port}/feed.atom", timeout=2)
    parsed = feedparser.parse(feed.read())  # the launch is alert-worthy though its first poll was silent
    assert feed.headers["Content-Type"].startswith("application/atom+xml") and parsed.bozo == 0
    assert [e.title for e in parsed.entries] == [launch(14)[1]]
    assert running.finish() == 0


# -------------------------------------------------------------------------------------------- subprocess


def spawn(config: Path, *args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-m", "monitor", "--config", str(config), *args, "run"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


def healthz(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=0.5) as answer:
            return bool(answer.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def test_second_run_on_the_same_database_refuses(
    tmp_path: Path, http_server: LoopbackServer, service: Callable[..., Running]
) -> None:
    http_server.route("/feed", feed_route(FRIDGE))
    config = write_config(tmp_path, {"news": http_server.url("/feed")})
    running = service(config)
    running.wait_polls({"news": 1})
    second = spawn(config)
    _, stderr = second.communicate(timeout=20)
    assert second.returncode == 1
    assert b"in use by pid" in stderr and b"another `monitor run`" in stderr
    assert running.finish() == 0
    assert running.polls("news") == 1  # the refused service polled nothing


def test_kill_9_restart_then_sigterm_loses_nothing_repeats_at_most_once_and_exits_fast(
    tmp_path: Path, http_server: LoopbackServer, json_sink: HttpSink
) -> None:
    """The life of a deployed service: killed hard mid-run, restarted, then stopped by its supervisor while an
    outlet hangs (the fetcher's deadline is 30 s here, so the hung poll is still in flight at SIGTERM)."""
    feeds = {f"outlet{n}": http_server.route(f"/f{n}", feed_route(launch(10 + n))) for n in range(3)}
    feeds["hang"] = http_server.route("/hang", Route(body=rss(FRIDGE), headers=FEED_HEADERS, hang=True))
    port = free_port()
    config = write_config(
        tmp_path, feeds, channels={"hook": f"json://127.0.0.1:{json_sink.port}/hook"}, first_run_silent=False,
        service=f"metrics_port = {port}", timeout=30,
    )  # fmt: skip
    first = spawn(config)
    try:
        wait_until(lambda: json_sink.seen >= 1, 15, "the first alert to reach the sink")
        first.send_signal(signal.SIGKILL)  # mid-run: other alerts are being decided or sent right now
        first.wait(timeout=5)
    finally:
        first.kill()
        first.communicate()
    url = f"sqlite:///{tmp_path / 'monitor.db'}"
    _expire_alert_leases(url)  # what waiting out the 5-minute lease of the killed worker would do
    hangs_before = len(paths(http_server, "/hang"))
    second = spawn(config)
    try:
        wait_until(lambda: _sent(url) == 3, 15, "every alert to be sent")
        wait_until(lambda: healthz(port) and len(paths(http_server, "/hang")) > hangs_before, 5, "the hung poll")
        started = time.monotonic()
        second.send_signal(signal.SIGTERM)
        code = second.wait(timeout=10)
        elapsed = time.monotonic() - started
    finally:
        second.kill()
        _, stderr = second.communicate()
    assert code == 0, stderr.decode()
    assert elapsed < 8, f"stopped after {elapsed:.1f} s"
    assert b"service.stopped" in stderr and b"cancelled_polls=1" in stderr
    titles = [request.json()["title"].split(" · ")[0] for request in json_sink.requests]  # less the date
    assert sorted(set(titles)) == [f"[Launch] Xiaomi {10 + n} Ultra with Leica optics launches, on sale now"
                                   for n in range(3)]  # fmt: skip
    assert len(titles) - len(set(titles)) <= 1  # at most the one in flight when the process died


def _expire_alert_leases(url: str) -> None:
    from sqlalchemy import text

    from monitor.store import make_engine

    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alerts SET lease_owner = NULL, lease_expires_at = NULL"))
    engine.dispose()


def _sent(url: str) -> int:
    with Store.open(url) as store:
        return store.alert_counts()["sent"]
