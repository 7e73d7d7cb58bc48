"""The effective configuration shown with every secret masked (``monitor config show``, logs).

Imports only the standard library, ``monitor.model`` and the config package's ``parsers`` and ``values``.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from monitor.config.parsers import format_interval
from monitor.config.values import ChannelConfig, Config
from monitor.model import Event

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

