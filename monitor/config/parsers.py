"""Parsers of single config values: durations, quiet hours, URLs, ``tag:`` URIs, time zones and ``${VAR}``
placeholders.

Each takes text and returns the value, or raises :class:`~monitor.errors.ConfigError` *without* a file or key: the
table reading it (``monitor.config.fields.Table.wrap``) adds both. Imports only the standard library and
``monitor.errors``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import time, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from monitor.errors import ConfigError

MIN_INTERVAL = timedelta(seconds=30)
MAX_INTERVAL = timedelta(days=7)


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


def check_placeholders(text: str) -> str:
    """``text`` with well-formed ``${VAR}`` placeholders, returned as written (not filled)."""
    expand_placeholders(text, _AnyValue())
    return text
