"""Shared test helpers: builders for configs, feeds and records, a CLI runner, clocks and a threaded service.

Contract: test modules import helpers from here (fixtures live in ``conftest.py``, loopback servers in
``tests/httpserver.py`` and ``tests/sinks.py``), never from another test module, so that a test module can be
read, run or deleted on its own. Everything here is real: no helper stands in for a part of the pipeline.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import time
import tomllib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from monitor.cli import main
from monitor.config import load_config
from monitor.records import NewArticle, NewStory, SourceState
from monitor.service.run import run_service
from monitor.store import Store
from tests.httpserver import LoopbackServer, Route
from tests.sinks import HttpSink

REPO = Path(__file__).resolve().parents[1]

# ------------------------------------------------------------------------------- news items and feeds

SHIPPED_TOPIC = tomllib.loads((REPO / "config.toml").read_text(encoding="utf-8"))["topics"][0]
# The shipped topic's vocabulary, as TOML lines (JSON strings and arrays of strings are valid TOML).
SHIPPED_VOCABULARY = [
    f"{key} = {json.dumps(SHIPPED_TOPIC[key], ensure_ascii=False)}"
    for key in ("query", "subjects", "rivals", "product_lines")
    if key in SHIPPED_TOPIC
]

PARTNERSHIP = (
    "Xiaomi and Leica announce a long-term strategic partnership",
    "Xiaomi and Leica Camera today announced a long-term strategic cooperation in mobile imaging. The first "
    "imaging flagship smartphone co-engineered by the two companies will launch in July, Xiaomi said. "
    "Lei Jun, founder and CEO of Xiaomi, said the cooperation gives a strong boost to Xiaomi's imaging strategy, "
    "and Leica said both companies share the same ideas about optical performance and the photographic "
    "experience. Leica previously worked with Huawei for several years before that partnership ended. "
    "The companies did not name the phone, but it is widely expected to be a new Ultra model.",
)
LAUNCH = (
    "Xiaomi 12S Ultra launched with Leica Summicron optics and a one-inch sensor",
    "Xiaomi today launched the Xiaomi 12S Ultra in China, the first phone co-engineered with Leica. It uses a "
    "one-inch Sony IMX989 sensor behind a Leica Summicron lens, and offers Leica Authentic and Leica Vibrant "
    "photo styles. The Xiaomi 12S Ultra is on sale now, priced from 5,999 yuan, alongside the Xiaomi 12S and "
    "12S Pro, which also carry Leica optics. Xiaomi said the launch event drew millions of viewers and that "
    "the phone goes on sale on July 6 in three memory configurations.",
)
OTHER = (
    "Samsung Galaxy S22 gets its fourth Android update",
    "Samsung is rolling out a new Android update to the Galaxy S22 series in Europe this week. The update "
    "brings the monthly security patch, camera fixes for low light and better battery life, according to the "
    "changelog. Owners of the Galaxy S22 Ultra report that the download weighs about 400 MB and that the "
    "update is arriving in Germany and the UK first, with other markets to follow in the coming weeks.",
)
DATE = "Mon, 23 May 2022 10:00:00 GMT"


def rss(items: list[tuple[str, str, str, str]], title: str = "Outlet") -> bytes:
    """An RSS 2.0 feed with full content: (guid, title, text, pubDate) per item."""
    body = "".join(
        f"<item><title>{t}</title><link>http://news.test/{g}</link><guid>{g}</guid>"
        f"<pubDate>{d}</pubDate><description><![CDATA[<p>{x}</p>]]></description>"
        f"<content:encoded><![CDATA[<p>{x}</p>]]></content:encoded></item>"
        for g, t, x, d in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        f"<title>{title}</title><link>http://news.test/</link>{body}</channel></rss>"
    ).encode()


# ------------------------------------------------------------------------------- the command line


def write_config(
    tmp_path: Path,
    sources: dict[str, str],
    *,
    channels: dict[str, str] | None = None,
    first_run_silent: bool = True,
    storage: str | None = None,
) -> Path:
    """A config.toml for the shipped topic's vocabulary, polling ``sources`` (name -> URL) every 15 minutes."""
    lines = [
        "[storage]",
        f'url = "{storage or f"sqlite:///{tmp_path}/monitor.db"}"',
        "[network]",
        "allow_private = true",
        "timeout = 5.0",
        "[alerts]",
        f"first_run_silent = {str(first_run_silent).lower()}",
        "[[topics]]",
        'name = "xiaomi-leica"',
        *SHIPPED_VOCABULARY,
        'alert_on = ["launch", "teaser", "partnership"]',
        f"channels = {json.dumps(list(channels or {}))}",
    ]
    for name, url in sources.items():
        lines += ["[[sources]]", f'name = "{name}"', f'url = "{url}"', 'interval = "15m"']
    for name, url in (channels or {}).items():
        lines += ["[[channels]]", f'name = "{name}"', f'url = "{url}"']
    path = tmp_path / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def alerting_config(tmp_path: Path, sources: dict[str, str], sink: HttpSink, storage: str) -> Path:
    """A config whose topic alerts the JSON sink from the first run on."""
    hook = {"hook": f"json://127.0.0.1:{sink.port}/hook?rto=2"}
    return write_config(tmp_path, sources, channels=hook, first_run_silent=False, storage=storage)


def run(config: Path, *args: str) -> tuple[int, list[dict[str, Any]], str]:
    """Run the CLI in-process: (exit code, the JSON lines it printed, its whole output)."""
    result = CliRunner().invoke(main, ["--config", str(config), *args], catch_exceptions=False)
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return result.exit_code, lines, result.output


def items(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [line for line in lines if line.get("type") == "item"]


def sources(lines: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {line["source"]: line for line in lines if line.get("type") == "source"}


# ------------------------------------------------------------------------------- stored records

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)  # when the record builders' articles were fetched
MINUTE = timedelta(minutes=1)
SOURCES = [
    ("gsmarena", "feed", "https://www.gsmarena.com/rss-news-reviews.php3"),
    ("verge", "feed", "https://www.theverge.com/rss/index.xml"),
]


def article(n: int, **changes: Any) -> NewArticle:
    """The n-th relevant article of one story: its keys, times and signature all depend on ``n``."""
    base = NewArticle(
        source="gsmarena",
        outlet="GSMArena",
        url=f"https://example.com/news/{n}?utm_source=x",
        canonical_url=f"https://example.com/news/{n}",
        guid=f"guid-{n}",
        text_hash=f"hash-{n}",
        title=f"Xiaomi 15 Ultra with Leica optics, part {n}",
        text="Body text. " * 20,
        published=T0 - timedelta(hours=n),
        language="en",
        fetched_at=T0 + n * MINUTE,
        relevant=True,
        topic="xiaomi-leica",
        event="launch",
        cues=("launch",),
        terms=("xiaomi", "leica"),
        features={"entities": ["xiaomi 15 ultra"], "n": n},
        signature=bytes([n % 256]) * 16,
    )
    return dataclasses.replace(base, **changes)


def story(**changes: Any) -> NewStory:
    base = NewStory(
        topic="xiaomi-leica",
        event="launch",
        title="Xiaomi 15 Ultra launches",
        features={"entities": ["xiaomi 15 ultra"]},
        first_published=T0 - timedelta(days=1),
        cues=("launch",),
    )
    return dataclasses.replace(base, **changes)


def new_story(title: str, event: str = "launch", alertable: bool = True) -> NewStory:
    """A story of ``event`` (its only cue), alert-worthy unless said otherwise."""
    return story(title=title, event=event, cues=(event,), alertable=alertable)


def run_in_threads(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Start ``count`` workers together (barrier) so that they really race."""
    barrier = threading.Barrier(count)

    def start(i: int) -> Any:
        barrier.wait(timeout=10)
        return work(i)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(start, range(count)))


# ------------------------------------------------------------------------------- clocks and the service

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # where the service's injected clocks begin
STEP = timedelta(seconds=31)  # just past the 30 s interval the service tests' sources use (jitter 0)


class Clock:
    """A clock that stands still until a test sets ``now``."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


class FakeClock:
    """A clock the test moves on while a service thread reads it."""

    def __init__(self, start: datetime = START) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, delta: timedelta = STEP) -> None:
        with self._lock:
            self._now += delta


def wait_until(predicate: Callable[[], Any], timeout: float = 5.0, what: str = "condition") -> Any:
    """Poll ``predicate`` until it returns something true, and return that; fail naming ``what`` on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@dataclass
class Running:
    """A service running in a thread with an injected clock, and a second store to look at its database."""

    config_path: Path
    clock: FakeClock
    store: Store
    stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None
    code: list[int] = field(default_factory=list)

    def start(self) -> Running:
        config = load_config(self.config_path)
        self.thread = threading.Thread(
            target=lambda: self.code.append(run_service(config, clock=self.clock, stop=self.stop, tick=0.02)),
            daemon=True,
        )
        self.thread.start()
        return self

    def finish(self) -> int:
        assert self.thread is not None
        self.stop.set()
        self.thread.join(timeout=10)
        assert not self.thread.is_alive(), "service did not stop within 10 s"
        self.stop = threading.Event()
        return self.code.pop()

    def state(self, name: str) -> SourceState:
        found = self.store.source_state(name)
        assert found is not None
        return found

    def polls(self, name: str) -> int:
        found = self.store.source_state(name)  # None until the service has synced its sources
        return found.polls if found else 0

    def wait_polls(self, counts: dict[str, int], timeout: float = 5.0) -> None:
        wait_until(lambda: all(self.polls(n) >= c for n, c in counts.items()), timeout, f"polls {counts}")

    def step(self, sources: list[str], delta: timedelta = STEP) -> None:
        """Move the clock on and wait until each named source has been polled once more."""
        before = {name: self.polls(name) for name in sources}
        self.clock.advance(delta)
        self.wait_polls({name: count + 1 for name, count in before.items()})


# ------------------------------------------------------------------------------- the spider test site

SITE = Path(__file__).resolve().parent / "fixtures" / "spider_site"
# Politeness off for loopback: no delays, no AutoThrottle, the private-address rule lifted.
FAST = {
    "ALLOW_PRIVATE": "True",
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
}
SITE_PATHS = {  # URL path -> fixture file
    "/robots.txt": "robots.txt",
    "/sitemap-index.xml": "sitemap-index.xml",
    "/sitemaps/news.xml": "sitemaps/news.xml",
    "/sitemaps/posts-2019-03.xml": "sitemaps/posts-2019-03.xml",
    "/tag/xiaomi/": "tag/xiaomi/index.html",
    **{f"/tag/xiaomi/page/{n}/": f"tag/xiaomi/page-{n}.html" for n in (2, 3, 4)},
    **{f"/{p.relative_to(SITE)}": str(p.relative_to(SITE)) for p in (SITE / "news").rglob("*.html")},
}
SITE_TYPES = {".xml": "application/xml", ".txt": "text/plain", ".html": "text/html; charset=utf-8"}


def render_page(text: str, base: str, now: datetime) -> str:
    """A fixture page with its placeholders filled: the server's base URL, a fresh and an old date."""
    fresh = (now - timedelta(hours=1)).isoformat(timespec="seconds")
    old = (now - timedelta(days=30)).isoformat(timespec="seconds")
    return text.replace("@@BASE@@", base).replace("@@FRESH@@", fresh).replace("@@OLD@@", old)


def serve_site(server: LoopbackServer) -> None:
    """Serve the spider fixture site (robots, sitemaps, listings, articles) from ``server``."""
    now = datetime.now(UTC)
    base = server.url("").rstrip("/")
    for path, name in SITE_PATHS.items():
        body = render_page((SITE / name).read_text(encoding="utf-8"), base, now).encode()
        server.route(path, Route(body=body, headers={"Content-Type": SITE_TYPES[Path(name).suffix]}))
