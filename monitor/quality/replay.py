"""One replay: labelled articles published by local outlets and read by the real ``monitor`` command line.

The order of events is the user's:

1. a fresh SQLite store and a config written for the replay: the chosen topic's table copied whole from the
   user's config (every key it has), its ``channels`` set to two channels posting to a local webhook, one feed
   source per outlet, ``[network] allow_private = true``, ``[alerts] first_run_silent = true``, and the user's
   ``[judgement]`` table with the replay's overrides (the learned parts of a cross-validation fold);
2. ``monitor import SEEDS`` (the stored page dumps are the first articles, the memory new coverage meets);
3. ``monitor crawl --json`` with every feed empty: each source's first poll, silent by design;
4. the articles published in four waves in publication order (undated ones last), ``monitor crawl --json``
   after each: what a crawl decides to alert it delivers before it exits;
5. the store read back (read-only) and each stored article matched to its label by its URL.

The commands run in this process through ``monitor.cli.main`` (click's runner captures their output): the same
code as ``monitor`` in a shell, without a Python start-up per step. Sources are polled one at a time
(``network.concurrency = 1``) so that articles reach the pipeline in the same order every run and the figures
are reproducible; the pipeline is the same whatever the concurrency.
"""

from __future__ import annotations

import json
import logging
import tempfile
import time
import tomllib
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor.errors import ReplayError as ReplayError  # raised here; re-exported for the runner
from monitor.quality import feeds
from monitor.quality.data import Labelled, known_stories, waves
from monitor.quality.oracle import labelled_events
from monitor.quality.tomlwrite import dumps
from monitor.quality.world import Outlets, Webhook

if TYPE_CHECKING:
    from monitor.records import StoredArticle

CHANNELS = ("quality-a", "quality-b")
WAVES = 4


@dataclass(frozen=True, slots=True)
class Settings:
    """What every replay of a run shares: the user's config file, the topic measured and the seeds folder."""

    config: Path
    topic: str | None = None  # None: the config's first topic
    seeds: Path | None = None  # None: no seeds imported
    oracle_events: bool = False  # a diagnostic: the labelled event instead of the classifier's (oracle.py)


@dataclass(frozen=True, slots=True)
class UserTables:
    """The parts of the user's config a replay copies."""

    topic: Mapping[str, Any]
    judgement: Mapping[str, Any]
    source: Path  # the user's config file they come from


@dataclass(frozen=True, slots=True)
class Stored:
    """What the product did with one labelled article, read back from the store."""

    id: str
    outcome: str  # the crawl's outcome for its entry: new, duplicate, irrelevant, error; "missing" if never seen
    relevant: bool  # stored and judged relevant
    story_id: int | None
    story_event: str | None  # the event of the story it is in: what the alert says
    article_event: str | None  # the event judged for the article itself
    reason: str  # why it joined its story, or started one, when the store keeps it


@dataclass
class ReplayResult:
    articles: Sequence[Labelled]
    stored: dict[str, Stored]
    alert_on: tuple[str, ...]
    seed_stories: frozenset[int]  # the stories `monitor import SEEDS` made, before the first crawl
    alerts_sent: dict[int, int]  # story id -> alerts sent for it (every channel)
    messages: dict[str, int]  # channel -> messages its webhook received
    seeds_stored: int = 0
    known_stories: frozenset[str] = frozenset()  # labelled stories the seeds hold (``data.known_stories``)
    first_crawl_messages: int = 0
    feed_requests: int = 0
    page_requests: int = 0  # article pages the product fetched (feeds give full text, so only short ones)
    unmatched: int = 0  # stored articles neither seeds nor labelled (an entry stored under a URL not served): 0
    not_modified: int = 0
    source_errors: list[str] = field(default_factory=list)
    seconds: float = 0.0


# --------------------------------------------------------------------------------------- user config


def user_tables(config: Path, topic: str | None) -> UserTables:
    """The topic table (by name, or the first) and the ``[judgement]`` table of the user's config, as written.

    A relative path in ``[judgement]`` is relative to the user's config file; it is made absolute, because the
    replay's config lives elsewhere.
    """
    try:
        data = tomllib.loads(config.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise ReplayError(f"{config}: config file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ReplayError(f"{config}: TOML syntax error: {exc}") from None
    topics = [t for t in data.get("topics", []) if isinstance(t, dict)]
    if not topics:
        raise ReplayError(f"{config}: no [[topics]] to measure")
    chosen = topics[0] if topic is None else next((t for t in topics if t.get("name") == topic), None)
    if chosen is None:
        names = ", ".join(repr(t.get("name")) for t in topics)
        raise ReplayError(f"{config}: no topic named {topic!r} (topics: {names})")
    judgement = {key: _absolute(value, config.parent) for key, value in dict(data.get("judgement", {})).items()}
    return UserTables(topic=chosen, judgement=judgement, source=config)


def _absolute(value: Any, base: Path) -> Any:
    if isinstance(value, str) and value and not Path(value).expanduser().is_absolute() \
            and (base / value).exists():
        return str((base / value).resolve())
    return value


def replay_config(tables: UserTables, overrides: Mapping[str, str], *, storage: str, webhook_port: int,
                  sources: Sequence[tuple[feeds.Outlet, str]]) -> dict[str, Any]:
    """The replay's configuration as TOML-ready data."""
    topic = {**tables.topic, "channels": list(CHANNELS)}
    config: dict[str, Any] = {
        "storage": {"url": storage},
        "network": {"allow_private": True, "timeout": 30.0, "concurrency": 1},
        "alerts": {"first_run_silent": True},
    }
    judgement = {**tables.judgement, **overrides}
    if judgement:
        config["judgement"] = judgement
    config["topics"] = [topic]
    config["channels"] = [
        {"name": name, "url": f"json://127.0.0.1:{webhook_port}/{name}"} for name in CHANNELS
    ]
    config["sources"] = [
        {"name": outlet.slug, "url": url, "outlet": outlet.name, "interval": "15m"} for outlet, url in sources
    ]
    return config


# -------------------------------------------------------------------------------------------- replay


def replay(articles: Sequence[Labelled], settings: Settings, overrides: Mapping[str, str] | None = None,
           *, tables: UserTables | None = None) -> ReplayResult:
    """Publish ``articles`` in waves to a fresh ``monitor`` and read back what it stored and sent."""
    started = time.perf_counter()
    tables = tables or user_tables(settings.config, settings.topic)
    events = labelled_events(articles) if settings.oracle_events else nullcontext()
    with tempfile.TemporaryDirectory(prefix="monitor-quality-") as tmp, Outlets() as outlets, Webhook() as hook, \
            events:
        run = _Run(Path(tmp), articles, outlets, hook)
        run.write_config(tables, overrides or {})
        run.import_seeds(settings.seeds)
        run.crawl()  # every feed empty: the first poll of each source, silent
        run.result.first_crawl_messages = run.messages()
        for wave in waves(articles, WAVES):
            run.publish(wave)
            run.crawl()
        run.read_back()
    run.result.seconds = time.perf_counter() - started
    return run.result


class _Run:
    def __init__(self, tmp: Path, articles: Sequence[Labelled], outlets: Outlets, hook: Webhook) -> None:
        self.tmp, self.outlets, self.hook = tmp, outlets, hook
        self.base = outlets.url("")
        self.outlet_of = feeds.plan_outlets(articles)
        self.by_url = {self.base + self.outlet_of[a.id].page_path(a): a for a in articles}
        self.published: dict[str, list[Labelled]] = {}
        self.items: dict[str, dict[str, Any]] = {}  # the crawl's last line per entry URL
        self.config = tmp / "config.toml"
        self.storage = f"sqlite:///{tmp / 'monitor.db'}"
        self.result = ReplayResult(articles, {}, (), frozenset(), {}, {})
        for outlet in dict.fromkeys(self.outlet_of.values()):
            outlets.publish(outlet.feed_path, feeds.feed(outlet, [], self.base), outlet.content_type)

    def write_config(self, tables: UserTables, overrides: Mapping[str, str]) -> None:
        from monitor.config import load_config
        from monitor.errors import MonitorError

        sources = [(o, self.outlets.url(o.feed_path)) for o in dict.fromkeys(self.outlet_of.values())]
        data = replay_config(tables, overrides, storage=self.storage, webhook_port=self.hook.port, sources=sources)
        self.config.write_text(dumps(data), encoding="utf-8")
        try:
            config = load_config(self.config, env={})
        except MonitorError as exc:  # the topic or [judgement] table copied from the user's file does not load
            learned = f" with the learned keys {sorted(overrides)}" if overrides else ""
            raise ReplayError(f"the topic and [judgement] tables of {tables.source}{learned} do not load: {exc}") \
                from exc
        self.result.alert_on = tuple(str(event) for event in config.topics[0].alert_on)

    def import_seeds(self, seeds: Path | None) -> None:
        """``monitor import SEEDS``; the stories it made are the seed stories."""
        from monitor.store import Store

        if seeds is None:
            return
        lines = run_monitor(self.config, "import", "--json", str(seeds))
        self.result.seeds_stored = sum(1 for line in lines if line.get("type") == "item" and line["outcome"] == "new")
        with Store.open(self.storage) as store:
            self.result.seed_stories = frozenset(story.id for story in store.stories())
        self.result.known_stories = known_stories(seeds)

    def publish(self, wave: Sequence[Labelled]) -> None:
        for item in wave:
            outlet = self.outlet_of[item.id]
            self.published.setdefault(outlet.slug, []).append(item)
            self.outlets.publish(outlet.page_path(item), feeds.page(outlet, item, self.base), feeds.HTML_TYPE)
        for slug in dict.fromkeys(self.outlet_of[item.id].slug for item in wave):
            items = self.published[slug]
            outlet = self.outlet_of[items[0].id]
            self.outlets.publish(outlet.feed_path, feeds.feed(outlet, items, self.base), outlet.content_type)

    def crawl(self) -> None:
        for line in run_monitor(self.config, "crawl", "--json"):
            if line.get("type") == "item" and line.get("url"):
                self.items[line["url"]] = line
            elif line.get("type") == "source" and line.get("error"):
                self.result.source_errors.append(f"{line['source']}: {line['error']}")

    def messages(self) -> int:
        return sum(len(self.hook.received(f"/{name}")) for name in CHANNELS)

    def read_back(self) -> None:
        """What the store holds now, read only; and what the servers saw."""
        from monitor.store import Store

        with Store.open(self.storage) as store:
            stories = {story.id: story for story in store.stories()}
            articles = store.articles()
            alerts = store.alerts(status="sent")
        stored = {}
        for article in articles:
            item = self.by_url.get(article.url)
            if item is not None:
                story = stories.get(article.story_id) if article.story_id is not None else None
                stored[item.id] = _stored(item, article, story.event if story else None)
        self.result.unmatched = len(articles) - len(stored) - self.result.seeds_stored
        self.result.stored = {item.id: stored.get(item.id) or self._not_stored(url, item)
                              for url, item in self.by_url.items()}
        self.result.alerts_sent = dict(Counter(a.story_id for a in alerts if a.story_id is not None))
        self.result.messages = {name: len(self.hook.received(f"/{name}")) for name in CHANNELS}
        self.result.feed_requests = sum(n for path, n in self.outlets.gets.items() if path.endswith(".xml"))
        self.result.page_requests = sum(self.outlets.gets.values()) - self.result.feed_requests
        self.result.not_modified = self.outlets.not_modified

    def _not_stored(self, url: str, item: Labelled) -> Stored:
        """A labelled article the store does not hold: what the crawl said of its entry (duplicate, error)."""
        line = self.items.get(url, {})
        return Stored(item.id, str(line.get("outcome") or "missing"), False, None, None, None,
                      str(line.get("error") or ""))


def _stored(item: Labelled, article: StoredArticle, story_event: str | None) -> Stored:
    return Stored(
        id=item.id, outcome="new" if article.relevant else "irrelevant", relevant=article.relevant,
        story_id=article.story_id, story_event=story_event, article_event=article.event,
        reason=article.join_reason or "",
    )


def run_monitor(config: Path, *args: str) -> list[dict[str, Any]]:
    """``monitor --config CONFIG ARGS...`` in this process; its JSON lines. A failed command is a ReplayError."""
    from click.testing import CliRunner

    from monitor.cli import main

    with _logging_kept():
        result = CliRunner().invoke(main, ["--config", str(config), *args], catch_exceptions=False)
    if result.exit_code != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-5:]
        raise ReplayError(f"monitor {' '.join(args)} exited {result.exit_code}: " + " | ".join(tail))
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


@contextmanager
def _logging_kept() -> Iterator[None]:
    """The command sets up logging to the runner's captured stderr; put the caller's logging back after it."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    package = logging.getLogger("monitor")
    package_level = package.level
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        package.setLevel(package_level)
