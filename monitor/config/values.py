"""The configuration's frozen values, one dataclass per table. Each field declares its key once: name, default,
type and (through ``metadata=rule(...)``) range or parser; ``monitor.config.fields`` reads tables by them.

Imports only the standard library, ``monitor.model`` and the config package's ``parsers`` and ``fields``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time, timedelta
from pathlib import Path
from typing import Literal, get_args

from monitor.config.fields import regular_expressions, rule
from monitor.config.parsers import check_tag_uri, check_timezone, check_web_url, parse_quiet_hours
from monitor.model import Event

SourceType = Literal["feed", "spider"]
FetchPages = Literal["auto", "always", "never"]
SpiderKind = Literal["sitemap", "listing"]
ChannelMode = Literal["instant", "hourly", "daily"]

# The choices of a Literal as a typed tuple: table.choice() then returns the Literal, which mypy checks where the
# code branches on it (a misspelt ``kind == "spidr"`` is a strict-equality error).
SOURCE_TYPES: tuple[SourceType, ...] = get_args(SourceType)

DEFAULT_USER_AGENT = "monitor/0.1 (news monitor; polite, conditional GET)"


# --------------------------------------------------------------------------------------------- values


@dataclass(frozen=True, slots=True)
class StorageConfig:
    # SQLAlchemy URL, placeholders expanded. May hold a password: kept out of repr() so a logged config
    # cannot leak it; describe() shows it masked. Read by load._storage (its default comes from the environment).
    url: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class NetworkConfig:
    # total seconds per request, connect to last byte
    timeout: float = field(default=20.0, metadata=rule(low=0.1, high=600))
    max_bytes: int = field(default=10_000_000, metadata=rule(low=1024, high=1_000_000_000))  # after decompression
    user_agent: str = DEFAULT_USER_AGENT
    allow_private: bool = False  # True only for tests and intranet feeds: lifts the SSRF guard
    max_redirects: int = field(default=5, metadata=rule(low=0, high=20))
    concurrency: int = field(default=16, metadata=rule(low=1, high=1024))


@dataclass(frozen=True, slots=True)
class AlertsConfig:
    first_run_silent: bool = True  # a new source's backlog and imports never alert


@dataclass(frozen=True, slots=True)
class ServiceConfig:
    # Delivery may run more often than polling: a second is the floor, an hour the ceiling.
    delivery_interval: timedelta = field(
        default=timedelta(minutes=1), metadata=rule(shortest=timedelta(seconds=1), longest=timedelta(hours=1))
    )
    metrics_host: str = "127.0.0.1"
    metrics_port: int = field(default=9464, metadata=rule(low=0, high=65535))  # 0 = no metrics endpoint
    # fraction of a source's interval added at random, so polls do not align
    jitter: float = field(default=0.1, metadata=rule(low=0.0, high=0.5))
    source_down_after: timedelta = field(default=timedelta(hours=6), metadata=rule(longest=timedelta(days=30)))
    operator_channel: str | None = None  # channel told about sources that stay down
    # a spider subprocess is stopped after this
    spider_deadline: timedelta = field(default=timedelta(minutes=10), metadata=rule(longest=timedelta(hours=6)))
    # PostgreSQL workers: a claimed source's lease is the poll's own deadlines plus this slack; an alert being
    # delivered is leased for delivery_lease. A dead worker's claims are taken over when they expire.
    lease_slack: timedelta = field(
        default=timedelta(seconds=60), metadata=rule(shortest=timedelta(seconds=1), longest=timedelta(hours=1))
    )
    delivery_lease: timedelta = field(
        default=timedelta(minutes=5), metadata=rule(shortest=timedelta(seconds=5), longest=timedelta(hours=1))
    )
    # The stories feed (/feed.atom, `monitor feed`): its permanent id (entry ids extend it) and its web page.
    feed_id: str = field(default="tag:monitor.invalid,2025:stories", metadata=rule(parse=check_tag_uri))
    feed_link: str = field(default="https://monitor.invalid/", metadata=rule(parse=check_web_url))


@dataclass(frozen=True, slots=True)
class TopicConfig:
    """A topic: what is relevant (``query``), what its words are called elsewhere (``subjects``, ``rivals``) and how
    its products are named (``product_lines``). Everything the judgement knows of a topic comes from here.

    ``subjects`` and ``rivals`` are alias groups, the first member the group's name: ``("xiaomi", "小米")``. A
    query word that belongs to a group matches every member. A topic without a written ``query`` is about all its
    subjects together (``xiaomi leica``); every rival is a ``NOT`` of the query (the subject rule in
    ``monitor.judgement.match``).
    ``product_lines`` are names that, followed by a model token, name a product ("Mix Fold 4");
    the subjects' names and aliases are product lines too ("Xiaomi 15 Ultra", "小米15"). A group of lines names
    one product by either name (``["galaxy", "samsung"]``: "Galaxy S25" and "Samsung S25" are one phone).
    """

    name: str
    query: str  # read by load._topic: optional when subjects are given, and every rival is added as a NOT
    alert_on: tuple[Event, ...] = (Event.LAUNCH, Event.TEASER)
    channels: tuple[str, ...] = ()
    subjects: tuple[tuple[str, ...], ...] = ()
    rivals: tuple[tuple[str, ...], ...] = ()
    product_lines: tuple[tuple[str, ...], ...] = ()

    @property
    def aliases(self) -> tuple[tuple[str, ...], ...]:
        """Every alias group the topic's query words expand through."""
        return tuple(group for group in (*self.subjects, *self.rivals) if len(group) > 1)

    @property
    def lines(self) -> tuple[str, ...]:
        """Product-line names: the configured ones, then every subject name and alias."""
        return tuple(dict.fromkeys(w for group in (*self.product_lines, *self.subjects) for w in group))

    @property
    def product_aliases(self) -> tuple[tuple[str, ...], ...]:
        """The groups whose members name one product line: the query's alias groups and the product-line groups.
        (Product-line groups stay out of the query: "mi" must not match wherever "xiaomi" may.)"""
        return (*self.aliases, *(group for group in self.product_lines if len(group) > 1))


@dataclass(frozen=True, slots=True)
class JudgementConfig:
    """Learned parts of the judgement. ``event_model``: a model file written by ``python -m monitor.judgement.eventmodel
    train`` (a relative path is relative to the config file); None uses the model shipped with monitor."""

    event_model: Path | None = None


@dataclass(frozen=True, slots=True)
class SourceConfig:
    name: str
    url: str = field(metadata=rule(parse=check_web_url))
    type: SourceType = "feed"
    interval: timedelta = timedelta(minutes=15)
    outlet: str = ""  # load._source fills in the URL's host when absent
    fetch_pages: FetchPages = "auto"
    enabled: bool = True
    topics: tuple[str, ...] = ()  # empty = every topic
    # spider sources only; `spider` is required for them
    spider: SpiderKind | None = field(default=None, metadata=rule(spider_only=True))
    # Sitemaps list years of URLs; max_age keeps a first crawl to recent ones.
    max_age: timedelta = field(
        default=timedelta(days=2), metadata=rule(longest=timedelta(days=365), spider_only=True)
    )
    url_patterns: tuple[str, ...] = field(default=(), metadata=rule(read=regular_expressions, spider_only=True))
    link_selector: str | None = field(default=None, metadata=rule(spider_only=True))
    next_selector: str | None = field(default=None, metadata=rule(spider_only=True))
    max_pages: int = field(default=5, metadata=rule(low=1, high=1000, spider_only=True))


@dataclass(frozen=True, slots=True)
class ChannelConfig:
    name: str
    # the apprise URL with placeholders expanded: a secret, kept out of repr(). Read by load._channel.
    url: str = field(repr=False)
    mode: ChannelMode = "instant"
    # (start, end) in ``timezone``; may wrap midnight
    quiet_hours: tuple[time, time] | None = field(default=None, metadata=rule(parse=parse_quiet_hours))
    timezone: str = field(default="UTC", metadata=rule(parse=check_timezone))
    max_attempts: int = field(default=8, metadata=rule(low=1, high=100))


@dataclass(frozen=True, slots=True)
class Config:
    path: Path  # where the config was read from; every other field is a table of the file
    storage: StorageConfig
    network: NetworkConfig
    alerts: AlertsConfig
    service: ServiceConfig
    topics: tuple[TopicConfig, ...]
    sources: tuple[SourceConfig, ...]
    channels: tuple[ChannelConfig, ...]
    judgement: JudgementConfig = JudgementConfig()

