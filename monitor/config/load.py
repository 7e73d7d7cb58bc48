"""Loading: the config file read, parsed and checked into a :class:`~monitor.config.values.Config`.

This is the only module in monitor that reads the environment (``MONITOR_CONFIG``, ``MONITOR_DATA_DIR`` and
the ``${VAR}`` placeholders in secret-bearing URLs). The builders here add only the rules that tie keys together
(a topic's query from its subjects, spider-only keys, a channel's URL, references between tables); every other key
is read from its field by ``monitor.config.fields``.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

from monitor.config.fields import Table, default_of, keys_of, named_list, rule_of, suggest, values_of
from monitor.config.values import (
    SOURCE_TYPES,
    AlertsConfig,
    ChannelConfig,
    Config,
    JudgementConfig,
    NetworkConfig,
    ServiceConfig,
    SourceConfig,
    StorageConfig,
    TopicConfig,
)
from monitor.errors import ConfigError

C = TypeVar("C")

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
    root = Table(str(path), env, "", data, keys_of(Config, without=("path",)))
    channels = named_list(root, "channels", ChannelConfig, _channel if resolve_channels else _unresolved_channel)
    topics = named_list(root, "topics", TopicConfig, _topic)
    sources = named_list(root, "sources", SourceConfig, _source)
    service = _plain_table(root, "service", ServiceConfig)
    _check_references(root, topics, sources, channels, service)
    return Config(
        path=path,
        storage=_storage(root.sub("storage", keys_of(StorageConfig))),
        network=_plain_table(root, "network", NetworkConfig),
        alerts=_plain_table(root, "alerts", AlertsConfig),
        service=service,
        topics=topics,
        sources=sources,
        channels=channels,
        judgement=_plain_table(root, "judgement", JudgementConfig),
    )


def _plain_table(root: Table, name: str, cls: type[C]) -> C:
    """A ``[name]`` table whose keys need no rule beyond their own fields."""
    return cls(**values_of(root.sub(name, keys_of(cls)), cls))


# -------------------------------------------------------------------------------------------- tables
# Builders for the tables whose keys depend on each other; every key they do not name is read from its field.


def _storage(table: Table) -> StorageConfig:
    if "url" not in table.data:
        return StorageConfig(url=default_storage_url(table.env))
    url = table.expanded("url")
    dialect = url.split(":", 1)[0].split("+", 1)[0]
    if "://" not in url or dialect not in ("sqlite", "postgresql"):
        raise table.error("url", "expected a sqlite:/// or postgresql+psycopg:// URL")
    return StorageConfig(url=url)


def _topic(table: Table) -> TopicConfig:
    values = values_of(table, TopicConfig, skip=("query",))
    subjects, rivals = values["subjects"], values["rivals"]
    if "query" not in table.data and not subjects:
        raise table.error("query", "required key is missing (or give subjects, and the query is all of them)")
    written = table.text("query", "") or " ".join(_quoted(group[0]) for group in subjects)
    return TopicConfig(query=written + "".join(f" NOT {_quoted(group[0])}" for group in rivals), **values)


def _quoted(words: str) -> str:
    """A subject's name as a query term: a phrase when it has several words."""
    return f'"{words}"' if len(words.split()) > 1 else words


_SPIDER_ONLY = tuple(f.name for f in dataclasses.fields(SourceConfig) if rule_of(f).spider_only)


def _source(table: Table) -> SourceConfig:
    kind = table.choice("type", SOURCE_TYPES, default_of(SourceConfig, "type"))
    if kind != "spider":
        for key in _SPIDER_ONLY:
            if key in table.data:
                raise table.error(key, 'only spider sources take this key (type = "spider")')
    values = values_of(table, SourceConfig, skip=("type",))
    if kind == "spider" and values["spider"] is None:
        raise table.error("spider", 'required for type = "spider" ("sitemap" or "listing")')
    values["outlet"] = values["outlet"] or _outlet_of(values["url"])
    return SourceConfig(type=kind, **values)


def _outlet_of(url: str) -> str:
    return (urlsplit(url).hostname or "").removeprefix("www.")


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


def _unresolved_channel(table: Table) -> ChannelConfig:
    """A channel whose URL keeps its ``${VAR}`` placeholders (checked, not filled): not for sending."""
    return _channel(table, resolve=False)


def _channel(table: Table, *, resolve: bool = True) -> ChannelConfig:
    url = table.expanded("url") if resolve else table.placeholders_checked("url")
    if not _SCHEME.match(url):
        raise table.error("url", "expected an apprise URL such as mailto://, slack:// or json://")
    return ChannelConfig(url=url, **values_of(table, ChannelConfig, skip=("url",)))


def _check_references(root: Table, topics: tuple[TopicConfig, ...], sources: tuple[SourceConfig, ...],
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


def _check_known(root: Table, key: str, kind: str, name: str, known: list[str]) -> None:
    if name not in known:
        defined = ", ".join(map(repr, known)) or "none"
        raise root.error(key, f"unknown {kind} {name!r}{suggest(name, known)}; defined: {defined}")

