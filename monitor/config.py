"""Configuration: ``config.toml`` parsed once, strictly, into frozen values.

This is the only module in monitor that reads the environment (``MONITOR_CONFIG``, ``MONITOR_DATA_DIR`` and
the ``${VAR}`` placeholders in secret-bearing URLs); everything else receives a :class:`Config`.

Strict means every problem is a :class:`~monitor.errors.ConfigError` naming the file and the key path
(``sources[3].interval``, indexes 0-based): an unknown or misspelt key (with the closest known key
suggested), a wrong type, a value out of range, a dangling reference between tables, a missing environment
variable. Silently ignored typos are a known pain with Scrapy settings; a service that polls the wrong
interval for weeks because ``intervall`` was ignored is worse than one that refuses to start.

One declaration per key: a table's keys are its dataclass's fields. A field's name is the key, its default is the
default (no default: the key is required), its annotation is the type the TOML value is checked against (a
``Literal`` lists the allowed choices, ``X | None`` makes an empty string mean "none"), and ``metadata=rule(...)``
adds a range, a text parser or a reader of its own. :func:`read_table` does the reading; the ``_topic``,
``_source``, ``_channel`` and ``_storage`` builders add only the rules that tie keys together. A field whose type
has no reader fails loudly the first time its table is read, never silently.

Topic queries are stored as text here and compiled by ``monitor.judgement.match`` (which names the topic on error).
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import math
import os
import re
import tomllib
import types
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta
from enum import Enum
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar, Union, get_args, get_origin, get_type_hints
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from monitor.errors import ConfigError
from monitor.model import Event

T = TypeVar("T")
C = TypeVar("C")
L = TypeVar("L", bound=str)
N = TypeVar("N", int, float)

SourceType = Literal["feed", "spider"]
FetchPages = Literal["auto", "always", "never"]
SpiderKind = Literal["sitemap", "listing"]
ChannelMode = Literal["instant", "hourly", "daily"]

# The choices of a Literal as a typed tuple: table.choice() then returns the Literal, which mypy checks where the
# code branches on it (a misspelt ``kind == "spidr"`` is a strict-equality error).
SOURCE_TYPES: tuple[SourceType, ...] = get_args(SourceType)

DEFAULT_USER_AGENT = "monitor/0.1 (news monitor; polite, conditional GET)"
MIN_INTERVAL = timedelta(seconds=30)
MAX_INTERVAL = timedelta(days=7)


# ---------------------------------------------------------------------------------------- one value


_INTERVAL = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")


def parse_interval(
    text: str, *, minimum: timedelta = MIN_INTERVAL, maximum: timedelta = MAX_INTERVAL
) -> timedelta:
    """``"15m"`` → 15 minutes. Units d, h, m, s, largest first, combinable (``"1h30m"``).

    The default bounds keep a poll interval polite (≥ 30 s) and meaningful (≤ 7 d).
    Raises ConfigError without a path; the loader adds file and key.
    """
    match = _INTERVAL.fullmatch(text.strip().lower())
    if not text.strip() or match is None:
        raise ConfigError(f"bad interval {text!r} (use e.g. 30s, 15m, 2h, 1d)")
    days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    value = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    if value < minimum:
        raise ConfigError(f"interval {text!r} is shorter than the minimum {format_interval(minimum)}")
    if value > maximum:
        raise ConfigError(f"interval {text!r} is longer than the maximum {format_interval(maximum)}")
    return value


def format_interval(value: timedelta) -> str:
    """The inverse of parse_interval: ``timedelta(minutes=90)`` → ``"1h30m"``."""
    seconds = int(value.total_seconds())
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"


_QUIET = re.compile(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})")


def parse_quiet_hours(text: str) -> tuple[time, time]:
    """``"22:00-07:00"`` → (22:00, 07:00); the span may wrap midnight."""
    match = _QUIET.fullmatch(text.strip())
    if match is None:
        raise ConfigError(f"bad quiet hours {text!r} (use HH:MM-HH:MM, e.g. 22:00-07:00)")
    h1, m1, h2, m2 = (int(part) for part in match.groups())
    try:
        start, end = time(h1, m1), time(h2, m2)
    except ValueError as exc:
        raise ConfigError(f"bad quiet hours {text!r}: {exc}") from exc
    if start == end:
        raise ConfigError(f"quiet hours {text!r} start and end at the same time")
    return start, end


def check_tag_uri(uri: str) -> str:
    """A feed id is a ``tag:`` URI (RFC 4151), e.g. ``tag:example.org,2026:monitor``: permanent, never a URL."""
    if not re.fullmatch(r"tag:[^,\s]+,\d{4}(-\d\d){0,2}:\S*", uri):
        raise ConfigError(f"{uri!r} is not a tag: URI (RFC 4151), e.g. 'tag:example.org,2026:monitor'")
    return uri


def check_web_url(url: str) -> str:
    """Sources are fetched over HTTP(S) only: file://, ftp:// and friends are errors, not surprises."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - property access validates the port
    except ValueError as exc:
        raise ConfigError(f"bad URL {url!r}: {exc}") from exc
    if parts.scheme not in ("http", "https"):
        raise ConfigError(f"bad URL scheme {parts.scheme or '(none)'!r} in {url!r} (use http or https)")
    if not parts.hostname:
        raise ConfigError(f"URL {url!r} has no host")
    return url


def check_timezone(name: str) -> str:
    """An IANA time zone name, returned as given."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"unknown time zone {name!r} (use an IANA name such as 'Europe/Berlin')") from exc
    return name


# --------------------------------------------------------------------------------------------- rules


_RULE = "monitor.config"  # the metadata key a field's _Rule is stored under


@dataclass(frozen=True, slots=True)
class _Rule:
    """What a field's annotation cannot say about its key. Every part is optional."""

    low: float = -math.inf  # numbers: the inclusive range
    high: float = math.inf
    shortest: timedelta = MIN_INTERVAL  # durations: the inclusive range
    longest: timedelta = MAX_INTERVAL
    parse: Callable[[str], Any] | None = None  # the key is text, turned into the value by this path-less parser
    read: Callable[[_Table, str], Any] | None = None  # the key is read by this, when present
    spider_only: bool = False  # only sources of type = "spider" take the key


def rule(
    *,
    low: float = -math.inf,
    high: float = math.inf,
    shortest: timedelta = MIN_INTERVAL,
    longest: timedelta = MAX_INTERVAL,
    parse: Callable[[str], Any] | None = None,
    read: Callable[[_Table, str], Any] | None = None,
    spider_only: bool = False,
) -> dict[str, _Rule]:
    """Field metadata: ``timeout: float = field(default=20.0, metadata=rule(low=0.1, high=600))``."""
    return {_RULE: _Rule(low, high, shortest, longest, parse, read, spider_only)}


def _trimmed_words(table: _Table, name: str) -> tuple[str, ...]:
    """Words or phrases, each stripped, blank ones dropped."""
    return tuple(word.strip() for word in table.strings(name) if word.strip())


def _patterns(table: _Table, name: str) -> tuple[str, ...]:
    """Regular expressions, compiled once here so a bad one is refused at load, not at the first crawl."""
    patterns = table.strings(name)
    for index, pattern in enumerate(patterns):
        try:
            re.compile(pattern)
        except re.error as exc:
            raise table.error(f"{name}[{index}]", f"bad regular expression {pattern!r}: {exc}") from exc
    return patterns


# --------------------------------------------------------------------------------------------- values


@dataclass(frozen=True, slots=True)
class StorageConfig:
    # SQLAlchemy URL, placeholders expanded. May hold a password: kept out of repr() so a logged config
    # cannot leak it; describe() shows it masked. Read by _storage (its default comes from the environment).
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
    the subjects' names and aliases are product lines too ("Xiaomi 15 Ultra", "小米15").
    """

    name: str
    query: str  # read by _topic: optional when subjects are given, and every rival is added as a NOT
    alert_on: tuple[Event, ...] = (Event.LAUNCH, Event.TEASER)
    channels: tuple[str, ...] = ()
    subjects: tuple[tuple[str, ...], ...] = ()
    rivals: tuple[tuple[str, ...], ...] = ()
    product_lines: tuple[str, ...] = field(default=(), metadata=rule(read=_trimmed_words))

    @property
    def aliases(self) -> tuple[tuple[str, ...], ...]:
        """Every alias group the topic's query words expand through."""
        return tuple(group for group in (*self.subjects, *self.rivals) if len(group) > 1)

    @property
    def lines(self) -> tuple[str, ...]:
        """Product-line names: the configured ones, then every subject name and alias."""
        return tuple(dict.fromkeys((*self.product_lines, *(w for group in self.subjects for w in group))))


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
    outlet: str = ""  # _source fills in the URL's host when absent
    fetch_pages: FetchPages = "auto"
    enabled: bool = True
    topics: tuple[str, ...] = ()  # empty = every topic
    # spider sources only; `spider` is required for them
    spider: SpiderKind | None = field(default=None, metadata=rule(spider_only=True))
    # Sitemaps list years of URLs; max_age keeps a first crawl to recent ones.
    max_age: timedelta = field(
        default=timedelta(days=2), metadata=rule(longest=timedelta(days=365), spider_only=True)
    )
    url_patterns: tuple[str, ...] = field(default=(), metadata=rule(read=_patterns, spider_only=True))
    link_selector: str | None = field(default=None, metadata=rule(spider_only=True))
    next_selector: str | None = field(default=None, metadata=rule(spider_only=True))
    max_pages: int = field(default=5, metadata=rule(low=1, high=1000, spider_only=True))


@dataclass(frozen=True, slots=True)
class ChannelConfig:
    name: str
    # the apprise URL with placeholders expanded: a secret, kept out of repr(). Read by _channel.
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


# ---------------------------------------------------------------------------------------- environment


def config_path(env: Mapping[str, str]) -> Path:
    """Where the config file is when no path is given: ``$MONITOR_CONFIG`` or ``./config.toml``."""
    return Path(env.get("MONITOR_CONFIG") or "config.toml")


def default_data_dir(env: Mapping[str, str]) -> Path:
    """``$MONITOR_DATA_DIR`` or ``./data``, made absolute so a later chdir cannot move the database."""
    return Path(env.get("MONITOR_DATA_DIR") or "data").absolute()


def default_storage_url(env: Mapping[str, str]) -> str:
    # Four slashes for an absolute path is SQLAlchemy's sqlite URL form; the store creates the directory.
    return f"sqlite:///{default_data_dir(env) / 'monitor.db'}"


# ------------------------------------------------------------------------------------------- loading


def load_config(
    path: Path | None = None, env: Mapping[str, str] | None = None, *, resolve_channels: bool = True
) -> Config:
    """Read and validate the config file. Raises ConfigError naming the file (and key) on any problem.

    ``resolve_channels=False`` is for commands that send nothing (``monitor stories``, ``export``, …): channel
    URLs are checked but their ``${VAR}`` placeholders are left as written, so a secret that only the sending
    commands need does not have to be set to read the database."""
    env = os.environ if env is None else env
    path = config_path(env) if path is None else Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise ConfigError("config file not found", path=str(path)) from exc
    except OSError as exc:
        raise ConfigError(f"cannot read config file: {exc.strerror or exc}", path=str(path)) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"not UTF-8 (byte {exc.start})", path=str(path)) from exc
    return parse_config(text, path=path, env=env, resolve_channels=resolve_channels)


def parse_config(
    text: str, *, path: Path = Path("<string>"), env: Mapping[str, str] | None = None, resolve_channels: bool = True
) -> Config:
    """Like load_config for TOML already in memory (tests, a config piped to a check command)."""
    env = os.environ if env is None else env
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message already carries "(at line L, column C)".
        raise ConfigError(f"TOML syntax error: {exc}", path=str(path)) from exc
    root = _Table(str(path), env, "", data, _keys(Config, without=("path",)))
    channels = _named_list(root, "channels", ChannelConfig, _channel if resolve_channels else _unresolved_channel)
    topics = _named_list(root, "topics", TopicConfig, _topic)
    sources = _named_list(root, "sources", SourceConfig, _source)
    service = _plain_table(root, "service", ServiceConfig)
    _check_references(root, topics, sources, channels, service)
    return Config(
        path=path,
        storage=_storage(root.sub("storage", _keys(StorageConfig))),
        network=_plain_table(root, "network", NetworkConfig),
        alerts=_plain_table(root, "alerts", AlertsConfig),
        service=service,
        topics=topics,
        sources=sources,
        channels=channels,
        judgement=_plain_table(root, "judgement", JudgementConfig),
    )


def read_table(cls: type[C], data: Mapping[str, Any], *, path: str = "<string>", key: str = "",
               env: Mapping[str, str] | None = None) -> C:
    """One TOML table read into the dataclass ``cls`` by its fields alone: the keys it allows, their defaults and
    their types (see the module docstring). ``path`` and ``key`` name the table in error messages."""
    table = _Table(path, os.environ if env is None else env, key, data, _keys(cls))
    return cls(**_values(table, cls))


def _plain_table(root: _Table, name: str, cls: type[C]) -> C:
    """A ``[name]`` table whose keys need no rule beyond their own fields."""
    return cls(**_values(root.sub(name, _keys(cls)), cls))


# ----------------------------------------------------------------------------------- reading helpers

_TYPE_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "true or false", list: "an array"}
_VALUE_KINDS = {bool: "boolean", int: "integer", float: "float", str: "string", list: "array", dict: "table"}


def _shown(value: Any) -> str:
    return f"{_VALUE_KINDS.get(type(value), type(value).__name__)} {value!r}"


def _suggest(name: str, known: Collection[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class _Table:
    """One TOML table being read: knows its file, its key path and the environment, so every error it raises
    names the exact key. Unknown keys are rejected when the table is opened."""

    def __init__(self, path: str, env: Mapping[str, str], prefix: str, data: Mapping[str, Any],
                 known: Collection[str]) -> None:
        self.path, self.env, self.prefix, self.data = path, env, prefix, data
        for key in data:
            if key not in known:
                options = ", ".join(sorted(known))
                raise self.error(key, f"unknown key{_suggest(key, known)}; known keys here: {options}")

    def key(self, name: str) -> str:
        return f"{self.prefix}.{name}" if self.prefix else name

    def error(self, name: str, message: str) -> ConfigError:
        return ConfigError(message, path=self.path, key=self.key(name) if name else self.prefix or None)

    def sub(self, name: str, known: Collection[str]) -> _Table:
        value = self.data.get(name, {})
        if not isinstance(value, dict):
            raise self.error(name, f"expected a table [{self.key(name)}], got {_shown(value)}")
        return _Table(self.path, self.env, self.key(name), value, known)

    def get(self, name: str, kind: type[T], default: T) -> T:
        if name not in self.data:
            return default
        value = self.data[name]
        # bool is an int subclass in Python; TOML keeps them apart and so do we. An integer is a fine float.
        if kind is float and type(value) is int:
            return float(value)  # type: ignore[return-value]
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            raise self.error(name, f"expected {_TYPE_NAMES[kind]}, got {_shown(value)}")
        return value

    def require(self, name: str) -> str:
        if name not in self.data:
            raise self.error(name, "required key is missing")
        return self.text(name, "")

    def text(self, name: str, default: str) -> str:
        value = self.get(name, str, default).strip()
        if not value and name in self.data:
            raise self.error(name, "must not be empty")
        return value

    def strings(self, name: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
        values = self.get(name, list, list(default))
        for index, item in enumerate(values):
            if not isinstance(item, str):
                raise self.error(f"{name}[{index}]", f"expected a string, got {_shown(item)}")
        return tuple(dict.fromkeys(values))  # order kept, repeats dropped

    def choice(self, name: str, options: tuple[L, ...], default: L) -> L:
        value = self.get(name, str, default)
        for option in options:
            if value == option:
                return option
        raise self.error(name, f"bad value {value!r} (one of {' | '.join(map(repr, options))})")

    def number(self, name: str, kind: type[N], default: N, low: float, high: float) -> N:
        value = self.get(name, kind, default)
        if not low <= value <= high:
            raise self.error(name, f"{value!r} is out of range ({low:g} to {high:g})")
        return value

    def interval(self, name: str, default: timedelta, minimum: timedelta = MIN_INTERVAL,
                 maximum: timedelta = MAX_INTERVAL) -> timedelta:
        if name not in self.data:
            return default
        text = self.get(name, str, "")
        return self.wrap(name, lambda: parse_interval(text, minimum=minimum, maximum=maximum))

    def expanded(self, name: str) -> str:
        """A required string with ``${VAR}`` placeholders filled from the environment."""
        text = self.require(name)
        return self.wrap(name, lambda: expand_placeholders(text, self.env))

    def placeholders_checked(self, name: str) -> str:
        """A required string whose ``${VAR}`` placeholders are well formed, returned as written (not filled)."""
        text = self.require(name)
        self.wrap(name, lambda: expand_placeholders(text, _AnyValue()))
        return text

    def wrap(self, name: str, parse: Callable[[], T]) -> T:
        """Run a path-less parser and re-raise its ConfigError with this file and key."""
        try:
            return parse()
        except ConfigError as exc:
            raise self.error(name, str(exc)) from exc


class _Named(Protocol):
    @property
    def name(self) -> str: ...


Named = TypeVar("Named", bound=_Named)


def _named_list(root: _Table, key: str, cls: type[Named], build: Callable[[_Table], Named]) -> tuple[Named, ...]:
    """An array of tables, each read into ``cls`` by ``build``, whose ``name`` values must be unique."""
    items = root.data.get(key, [])
    if not isinstance(items, list):
        raise root.error(key, f"expected an array of tables ([[{key}]]), got {_shown(items)}")
    built: list[Named] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise root.error(f"{key}[{index}]", f"expected a table, got {_shown(item)}")
        value = build(_Table(root.path, root.env, f"{key}[{index}]", item, _keys(cls)))
        if value.name in seen:
            raise root.error(f"{key}[{index}].name", f"duplicate name {value.name!r} (also {key}[{seen[value.name]}])")
        seen[value.name] = index
        built.append(value)
    return tuple(built)


# ------------------------------------------------------------------------------- fields into readers

# Reads a key that is present in the table; a missing key takes the field's default before a reader is asked.
_Reader = Callable[[_Table, str], Any]


def _keys(cls: type, without: Collection[str] = ()) -> tuple[str, ...]:
    """The keys a table allows: its dataclass's fields."""
    return tuple(f.name for f in dataclasses.fields(cls) if f.name not in without)


def _rule_of(f: dataclasses.Field[Any]) -> _Rule:
    found = f.metadata.get(_RULE, _Rule())
    if not isinstance(found, _Rule):
        raise TypeError(f"{f.name}: metadata[{_RULE!r}] must come from rule()")
    return found


def _default(cls: type, name: str) -> Any:
    """A field's declared default (its default_factory called); required fields have none."""
    f = next(f for f in dataclasses.fields(cls) if f.name == name)
    return f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default


@functools.cache
def _readers(cls: type) -> tuple[tuple[dataclasses.Field[Any], _Reader], ...]:
    """Every field of ``cls`` with the reader its annotation and rule call for, built once per class, so a field
    of a type no reader knows is a TypeError at the first read of the table even when its key is absent."""
    hints = get_type_hints(cls)
    return tuple((f, _reader(cls, f.name, hints[f.name], _rule_of(f))) for f in dataclasses.fields(cls))


def _values(table: _Table, cls: type, skip: Collection[str] = ()) -> dict[str, Any]:
    """The fields of ``cls`` read from ``table`` (but those in ``skip``, which the caller reads itself)."""
    values: dict[str, Any] = {}
    for f, reader in _readers(cls):
        if f.name in skip:
            continue
        if f.name in table.data:
            values[f.name] = reader(table, f.name)
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise table.error(f.name, "required key is missing")
        else:
            values[f.name] = _default(cls, f.name)
    return values


def _reader(cls: type, name: str, hint: Any, how: _Rule) -> _Reader:
    if how.read is not None:
        return how.read
    inner = _optional(hint)
    if inner is None:
        return _typed_reader(cls, name, hint, how)
    present = _typed_reader(cls, name, inner, how)

    def read_optional(table: _Table, key: str) -> Any:
        value = table.data[key]
        return None if isinstance(value, str) and not value.strip() else present(table, key)

    return read_optional


def _optional(hint: Any) -> Any:
    """``X`` for an annotation ``X | None``, else None."""
    args = get_args(hint)
    if get_origin(hint) in (Union, types.UnionType) and len(args) == 2 and type(None) in args:
        return args[0] if args[1] is type(None) else args[1]
    return None


def _typed_reader(cls: type, name: str, hint: Any, how: _Rule) -> _Reader:
    """The reader for a field's annotation (``X`` of ``X | None``), checked against the TOML value's type."""
    parse = how.parse
    if parse is not None:
        return lambda table, key: table.wrap(key, lambda: parse(table.text(key, "")))
    if hint is bool:
        return lambda table, key: table.get(key, bool, False)
    if hint is int or hint is float:
        return lambda table, key: table.number(key, hint, hint(0), how.low, how.high)
    if hint is str:
        return lambda table, key: table.text(key, "")
    if hint is timedelta:
        return lambda table, key: table.interval(key, timedelta(0), how.shortest, how.longest)
    if hint is Path:
        return _file
    if get_origin(hint) is Literal and all(isinstance(option, str) for option in get_args(hint)):
        options: tuple[str, ...] = get_args(hint)
        return lambda table, key: table.choice(key, options, options[0])
    if hint == tuple[str, ...]:
        return lambda table, key: table.strings(key)
    if hint == tuple[tuple[str, ...], ...]:
        return _alias_groups
    item = get_args(hint)[0] if get_origin(hint) is tuple and get_args(hint)[1:] == (Ellipsis,) else None
    if isinstance(item, type) and issubclass(item, Enum):
        return functools.partial(_members, item)
    raise TypeError(f"{cls.__name__}.{name}: no config reader for {hint!r}; declare metadata=rule(parse=...) "
                    "or rule(read=...)")


def _file(table: _Table, name: str) -> Path:
    """An existing file; a relative path is relative to the config file, as a user reading it expects."""
    path = Path(table.text(name, "")).expanduser()
    path = path if path.is_absolute() else Path(table.path).parent / path
    if not path.is_file():
        raise table.error(name, f"no such file: {path}")
    return path


def _alias_groups(table: _Table, name: str) -> tuple[tuple[str, ...], ...]:
    """``["huawei", ["xiaomi", "小米"]]``: each item a word or phrase, or a group of them that mean the same."""
    groups = []
    for index, item in enumerate(table.get(name, list, [])):
        members = [item] if isinstance(item, str) else item
        if not isinstance(members, list) or not members or not all(isinstance(m, str) and m.strip()
                                                                   for m in members):
            raise table.error(f"{name}[{index}]", f"expected a word or an array of words, got {_shown(item)}")
        groups.append(tuple(dict.fromkeys(m.strip() for m in members)))
    return tuple(groups)


def _members(kind: type[Enum], table: _Table, name: str) -> tuple[Enum, ...]:
    """An array of an enum's values (``alert_on = ["launch"]``), repeats dropped."""
    known = tuple(str(member.value) for member in kind)
    for index, value in enumerate(values := table.strings(name)):
        if value not in known:
            raise table.error(f"{name}[{index}]",
                              f"unknown {kind.__name__.lower()} {value!r} (one of {', '.join(known)})")
    return tuple(kind(value) for value in values)


# -------------------------------------------------------------------------------------------- tables
# Builders for the tables whose keys depend on each other; every key they do not name is read from its field.


def _storage(table: _Table) -> StorageConfig:
    if "url" not in table.data:
        return StorageConfig(url=default_storage_url(table.env))
    url = table.expanded("url")
    dialect = url.split(":", 1)[0].split("+", 1)[0]
    if "://" not in url or dialect not in ("sqlite", "postgresql"):
        raise table.error("url", "expected a sqlite:/// or postgresql+psycopg:// URL")
    return StorageConfig(url=url)


def _topic(table: _Table) -> TopicConfig:
    values = _values(table, TopicConfig, skip=("query",))
    subjects, rivals = values["subjects"], values["rivals"]
    if "query" not in table.data and not subjects:
        raise table.error("query", "required key is missing (or give subjects, and the query is all of them)")
    written = table.text("query", "") or " ".join(_quoted(group[0]) for group in subjects)
    return TopicConfig(query=written + "".join(f" NOT {_quoted(group[0])}" for group in rivals), **values)


def _quoted(words: str) -> str:
    """A subject's name as a query term: a phrase when it has several words."""
    return f'"{words}"' if len(words.split()) > 1 else words


_SPIDER_ONLY = tuple(f.name for f in dataclasses.fields(SourceConfig) if _rule_of(f).spider_only)


def _source(table: _Table) -> SourceConfig:
    kind = table.choice("type", SOURCE_TYPES, _default(SourceConfig, "type"))
    if kind != "spider":
        for key in _SPIDER_ONLY:
            if key in table.data:
                raise table.error(key, 'only spider sources take this key (type = "spider")')
    values = _values(table, SourceConfig, skip=("type",))
    if kind == "spider" and values["spider"] is None:
        raise table.error("spider", 'required for type = "spider" ("sitemap" or "listing")')
    values["outlet"] = values["outlet"] or _outlet_of(values["url"])
    return SourceConfig(type=kind, **values)


def _outlet_of(url: str) -> str:
    return (urlsplit(url).hostname or "").removeprefix("www.")


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


def _unresolved_channel(table: _Table) -> ChannelConfig:
    """A channel whose URL keeps its ``${VAR}`` placeholders (checked, not filled): not for sending."""
    return _channel(table, resolve=False)


def _channel(table: _Table, *, resolve: bool = True) -> ChannelConfig:
    url = table.expanded("url") if resolve else table.placeholders_checked("url")
    if not _SCHEME.match(url):
        raise table.error("url", "expected an apprise URL such as mailto://, slack:// or json://")
    return ChannelConfig(url=url, **_values(table, ChannelConfig, skip=("url",)))


def _check_references(root: _Table, topics: tuple[TopicConfig, ...], sources: tuple[SourceConfig, ...],
                      channels: tuple[ChannelConfig, ...], service: ServiceConfig) -> None:
    channel_names = [channel.name for channel in channels]
    topic_names = [topic.name for topic in topics]
    for index, topic in enumerate(topics):
        for position, name in enumerate(topic.channels):
            _check_known(root, f"topics[{index}].channels[{position}]", "channel", name, channel_names)
    for index, source in enumerate(sources):
        for position, name in enumerate(source.topics):
            _check_known(root, f"sources[{index}].topics[{position}]", "topic", name, topic_names)
    if service.operator_channel is not None:
        _check_known(root, "service.operator_channel", "channel", service.operator_channel, channel_names)


def _check_known(root: _Table, key: str, kind: str, name: str, known: list[str]) -> None:
    if name not in known:
        defined = ", ".join(map(repr, known)) or "none"
        raise root.error(key, f"unknown {kind} {name!r}{_suggest(name, known)}; defined: {defined}")


# -------------------------------------------------------------------------------------- placeholders

_PLACEHOLDER = re.compile(r"\$\$\{|\$\{([^}]*)(\}?)")
_VAR_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class _AnyValue(dict[str, str]):
    """An environment in which every variable is set: checks a placeholder's syntax without needing its value."""

    def get(self, key: str, default: Any = None) -> str:
        return "set"


def expand_placeholders(text: str, env: Mapping[str, str]) -> str:
    """Replace ``${VAR}`` with the environment value; ``$${`` is a literal ``${``.

    A missing or empty variable is an error naming it: an empty token would make a channel that fails at
    the first alert, hours after start-up, instead of now.
    """

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$${":
            return "${"
        name, closed = match.group(1), match.group(2)
        if not closed or not _VAR_NAME.fullmatch(name):
            hint = "use ${NAME}, or $${ for a literal ${"
            raise ConfigError(f"bad placeholder {match.group(0)!r} ({hint})")
        value = env.get(name)
        if value is None:
            raise ConfigError(f"environment variable {name} is not set (used as ${{{name}}})")
        if not value:
            raise ConfigError(f"environment variable {name} is empty (used as ${{{name}}})")
        return value

    return _PLACEHOLDER.sub(substitute, text)


# ------------------------------------------------------------------------------------------ describe

MASK = "***"
# A DNS name with an alphabetic top-level label, an IPv4 address, a bracketed IPv6 address or localhost.
# Apprise tokens in the host slot have no dots (Slack, Discord, Telegram), so they fail this test.
_HOSTNAME = re.compile(
    r"localhost|(?:[A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,24}|\d{1,3}(?:\.\d{1,3}){3}|\[[0-9A-Fa-f:.]+\]"
)


def mask_url(url: str) -> str:
    """Keep a URL's scheme and a real-looking host (and port); replace everything else with ``***``.

    Apprise puts secrets anywhere: user info (``mailto://user:pass@host``), the host slot
    (``slack://TokenA/TokenB/TokenC``), the path (webhook tokens) and the query. Only a host that looks
    like a DNS name or an IP address survives; query keys survive, their values do not.
    """
    match = re.match(r"([A-Za-z][A-Za-z0-9+.-]*)://([^/?#]*)([^?#]*)(?:\?([^#]*))?(#.*)?$", url, re.DOTALL)
    if match is None:
        return MASK
    scheme, netloc, path, query, fragment = match.groups()
    userinfo, _, hostport = netloc.rpartition("@")
    shown = hostport if _looks_like_host(hostport) else MASK
    out = f"{scheme}://{MASK + '@' if userinfo else ''}{shown}"
    if path.strip("/"):
        out += "/" + MASK
    if query:
        out += "?" + "&".join(f"{pair.partition('=')[0]}={MASK}" for pair in query.split("&") if pair)
    if fragment:
        out += "#" + MASK
    return out


def _looks_like_host(hostport: str) -> bool:
    host, _, port = hostport.rpartition(":") if re.search(r":\d+$", hostport) else (hostport, "", "")
    return bool(_HOSTNAME.fullmatch(host))


def mask_storage_url(url: str) -> str:
    """Only the password of a database URL is secret; user, host and database name help debugging."""
    url = re.sub(r"^([^:/]+://[^:@/]*):[^@/]*@", rf"\1:{MASK}@", url)
    return re.sub(r"([?&]password=)[^&]*", rf"\1{MASK}", url)


def describe(config: Config) -> dict[str, Any]:
    """The effective configuration (defaults filled in) as JSON-ready data, with every secret masked."""
    return {
        "path": str(config.path),
        "storage": {"url": mask_storage_url(config.storage.url)},
        "network": _fields(config.network),
        "alerts": _fields(config.alerts),
        "service": _fields(config.service),
        "topics": [_fields(topic) for topic in config.topics],
        "sources": [_fields(source) for source in config.sources],
        "channels": [_channel_fields(channel) for channel in config.channels],
    }


def _channel_fields(channel: ChannelConfig) -> dict[str, Any]:
    quiet = channel.quiet_hours
    shown = None if quiet is None else f"{quiet[0]:%H:%M}-{quiet[1]:%H:%M}"
    return {**_fields(channel), "url": mask_url(channel.url), "quiet_hours": shown}


def _fields(value: Any) -> dict[str, Any]:
    return {name: _plain(getattr(value, name)) for name in value.__dataclass_fields__}


def _plain(value: Any) -> Any:
    if isinstance(value, timedelta):
        return format_interval(value)
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, Event):
        return value.value
    return value
