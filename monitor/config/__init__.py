"""Configuration: ``config.toml`` parsed once, strictly, into frozen values.

Strict means every problem is a :class:`~monitor.errors.ConfigError` naming the file and the key path
(``sources[3].interval``, indexes 0-based): an unknown or misspelt key (with the closest known key
suggested), a wrong type, a value out of range, a dangling reference between tables, a missing environment
variable. Silently ignored typos are a known pain with Scrapy settings; a service that polls the wrong
interval for weeks because ``intervall`` was ignored is worse than one that refuses to start.

One declaration per key: a table's keys are its dataclass's fields (``values``). A field's name is the key, its
default the default (none: the key is required), its annotation the type the TOML value is checked against (a
``Literal`` lists the choices), and ``metadata=rule(...)`` adds a range, a parser or a reader of its own. ``fields``
reads any such dataclass; ``load`` adds only the rules that tie keys together. Adding a key is adding a field.

The package's modules, lowest first: ``parsers`` (single values, path-less errors), ``fields`` (tables read by
their dataclass), ``values`` (the dataclasses), ``load`` (the file, the environment, cross-key rules) and
``masking`` (the effective config with secrets masked). This package is the only part of monitor that reads the
environment; everything else receives a :class:`Config`. It imports only the standard library, ``monitor.errors``
and ``monitor.model``.

Topic queries are stored as text here and compiled by ``monitor.judgement.match`` (which names the topic on error).
"""

from monitor.config.fields import read_table, rule
from monitor.config.load import config_path, default_data_dir, default_storage_url, load_config, parse_config
from monitor.config.masking import MASK, describe, mask_storage_url, mask_url
from monitor.config.parsers import (
    MAX_INTERVAL,
    MIN_INTERVAL,
    check_tag_uri,
    check_timezone,
    check_web_url,
    expand_placeholders,
    format_interval,
    parse_interval,
    parse_quiet_hours,
)
from monitor.config.values import (
    DEFAULT_USER_AGENT,
    SOURCE_TYPES,
    AlertsConfig,
    ChannelConfig,
    ChannelMode,
    Config,
    FetchPages,
    JudgementConfig,
    NetworkConfig,
    ServiceConfig,
    SourceConfig,
    SourceType,
    SpiderKind,
    StorageConfig,
    TopicConfig,
)

__all__ = [
    "DEFAULT_USER_AGENT",
    "MASK",
    "MAX_INTERVAL",
    "MIN_INTERVAL",
    "SOURCE_TYPES",
    "AlertsConfig",
    "ChannelConfig",
    "ChannelMode",
    "Config",
    "FetchPages",
    "JudgementConfig",
    "NetworkConfig",
    "ServiceConfig",
    "SourceConfig",
    "SourceType",
    "SpiderKind",
    "StorageConfig",
    "TopicConfig",
    "check_tag_uri",
    "check_timezone",
    "check_web_url",
    "config_path",
    "default_data_dir",
    "default_storage_url",
    "describe",
    "expand_placeholders",
    "format_interval",
    "load_config",
    "mask_storage_url",
    "mask_url",
    "parse_config",
    "parse_interval",
    "parse_quiet_hours",
    "read_table",
    "rule",
]
