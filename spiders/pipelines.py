"""Item validation: the only pipeline. It checks, it never stores (the service is the only writer).

A malformed item is dropped with its reason in the log (stderr), so a spider that silently lost its
selectors shows up as "Dropped ... text has 0 characters" rather than as a quiet source.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem
from scrapy.logformatter import LogFormatter, LogFormatterResult

# Below this the "article" is a teaser, a cookie wall or a navigation page; the feed path's extractor treats
# pages this short as not-an-article as well.
MIN_TEXT_CHARS = 200


def invalid_reason(item: Any) -> str | None:
    """Why ``item`` cannot become a RawDocument, or None when it can."""
    fields = ItemAdapter(item)
    checks = (
        _url_problem(fields.get("url")),
        None if _text(fields.get("title")) else "title is empty",
        _length_problem(_text(fields.get("text"))),
        None if _text(fields.get("source")) else "source is empty",
        _date_problem(fields.get("published")),
    )
    return next((problem for problem in checks if problem), None)


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _url_problem(url: Any) -> str | None:
    if not isinstance(url, str):
        return "url is missing"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"url {url!r} is not an absolute http(s) URL"
    return None


def _length_problem(text: str) -> str | None:
    if len(text) < MIN_TEXT_CHARS:
        return f"text has {len(text)} characters (< {MIN_TEXT_CHARS})"
    return None


def _date_problem(published: Any) -> str | None:
    if published is None:
        return None
    try:
        datetime.fromisoformat(published)
    except (TypeError, ValueError):
        return f"published {published!r} is not an ISO 8601 date"
    return None


class ValidateArticle:
    def process_item(self, item: Any) -> Any:
        if reason := invalid_reason(item):
            raise DropItem(reason)
        return item


class ConciseLogFormatter(LogFormatter):
    """Logs a dropped item as its URL and reason; Scrapy's default dumps the whole item, text and all."""

    def dropped(self, item: Any, exception: BaseException, *args: Any, **kwargs: Any) -> LogFormatterResult:
        return {
            "level": logging.WARNING,
            "msg": "item.dropped url=%(url)s reason=%(reason)s",
            "args": {"url": ItemAdapter(item).get("url"), "reason": exception},
        }
