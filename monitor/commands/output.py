"""What the commands print alike: JSON lines on stdout, an ingested item as JSON, an error as a table cell.

``echo_json`` writes one object per line (non-ASCII kept, dates and other values through ``str``), so
``--json`` output is JSON lines and nothing else. ``reason`` drops the URL an error message starts with, because
the table's row already names the source.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from monitor.service.pipeline import ItemResult


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def echo_json(obj: dict[str, Any]) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, default=str))


def item_json(item: ItemResult) -> dict[str, Any]:
    return {
        "type": "item",
        "source": item.source,
        "url": item.url,
        "title": item.title,
        "outcome": str(item.outcome),
        "topic": item.topic,
        "story": item.story_id,
        "event": item.event,
        "known_story": item.known_story,
        "alerts": item.alerts,
        "error": item.error,
    }


_URL_PREFIX = re.compile(r"^[a-z][a-z0-9+.-]*://\S+?: ")


def reason(error: str | None) -> str:
    """An error as a table shows it: without the URL it starts with (the row already names the source)."""
    return _URL_PREFIX.sub("", error or "", count=1)
