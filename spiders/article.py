"""What both generic spiders share: their ``-a`` options, the article callback and start-failure reporting.

Article pages go through ``monitor.ingest.extract.extract_html``, the same extraction the feed path uses, so a story
found by a spider and by a feed yields the same text and the same dedup keys.

Options arrive as strings (``scrapy crawl NAME -a key=value``); a missing or malformed one raises
``ValueError`` while the spider is built, which makes ``scrapy crawl`` exit non-zero — a configuration
mistake is a crash the parent reports, never an empty but "successful" crawl.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from monitor.errors import MonitorError
from monitor.ingest.extract import extract_html
from monitor.ingest.urls import clean_url, host_of
from spiders.items import ArticleItem

log = logging.getLogger(__name__)

# The parent process (monitor.ingest.sources.crawl) looks for this word in stderr. When the start URL itself fails
# (HTTP error, refused address, robots.txt, not a sitemap) the crawl yields nothing, and that is the source's
# failure, not a quiet day; a crawl stopped early is incomplete. Kept in step with
# monitor.ingest.sources.crawl.FAILURE_MARKER.
FAILURE_MARKER = "MONITOR_SPIDER_FAILED"
DEFAULT_MAX_AGE = timedelta(days=2)


@dataclass(frozen=True, slots=True)
class CommonOptions:
    url: str
    source: str
    outlet: str  # "" = the outlet the page names, else the host
    max_age: timedelta
    url_patterns: tuple[re.Pattern[str], ...]  # empty = every URL

    def wanted(self, url: str) -> bool:
        return urlsplit(url).scheme in ("http", "https") and (
            not self.url_patterns or any(pattern.search(url) for pattern in self.url_patterns)
        )


def common_options(args: Mapping[str, Any]) -> CommonOptions:
    url = str(args.get("url") or "")
    if urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"spider option url={url!r}: an absolute http(s) URL is required")
    return CommonOptions(
        url=url,
        source=str(args.get("source") or host_of(url)),
        outlet=str(args.get("outlet") or ""),
        max_age=_seconds(args.get("max_age"), "max_age", DEFAULT_MAX_AGE),
        url_patterns=_patterns(args.get("url_patterns")),
    )


def _seconds(value: Any, name: str, default: timedelta) -> timedelta:
    if value in (None, ""):
        return default
    try:
        seconds = float(value)
    except ValueError:
        raise ValueError(f"spider option {name}={value!r}: a number of seconds is required") from None
    if seconds <= 0:
        raise ValueError(f"spider option {name}={value!r}: must be positive")
    return timedelta(seconds=seconds)


def _patterns(value: Any) -> tuple[re.Pattern[str], ...]:
    """A JSON array of regexes (what monitor passes), or one bare regex (handy by hand)."""
    if not value:
        return ()
    try:
        decoded = json.loads(value)
    except ValueError:
        decoded = value
    texts = decoded if isinstance(decoded, list) else [value]
    try:
        return tuple(re.compile(str(text)) for text in texts)
    except re.error as exc:
        raise ValueError(f"spider option url_patterns={value!r}: {exc}") from None


def aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class ArticleSpider(scrapy.Spider):
    """Base of the generic spiders: subclasses find article URLs and hand them to ``parse_article``."""

    options: CommonOptions

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.options = common_options(kwargs)
        self.cutoff = datetime.now(UTC) - self.options.max_age

    def is_fresh(self, when: datetime | None) -> bool:
        return when is None or aware(when) >= self.cutoff

    def parse_article(self, response: Response, listed: datetime | None = None) -> Iterator[ArticleItem]:
        """One item per article page; ``listed`` is the date the sitemap gave, used when the page has none."""
        if not isinstance(response, TextResponse):
            log.info("article.skipped url=%s reason=not-text", response.url)
            return
        try:
            page = extract_html(response.text, response.url)
        except MonitorError as exc:
            log.warning("article.unextractable url=%s reason=%s", response.url, exc)
            return
        published = aware(page.published) if page.published else listed
        if not self.is_fresh(published):
            log.info("article.stale url=%s published=%s", response.url, published)
            return
        yield self.item(response.url, page, published)

    def item(self, url: str, page: Any, published: datetime | None) -> ArticleItem:
        return ArticleItem(
            url=url,
            title=page.title or "",
            text=page.text or "",
            source=self.options.source,
            outlet=self.options.outlet or getattr(page, "outlet", None) or host_of(url),
            published=published.isoformat() if published else None,
            language=page.language,
            canonical_url=page.canonical_url or clean_url(url),  # a link; the pipeline derives the key
        )

    def closed(self, reason: str) -> None:
        """A crawl cut short (CLOSESPIDER_TIMEOUT at the deadline, the page-count safety net) is incomplete."""
        if reason != "finished":
            log.error("%s url=%s reason=stopped early (%s)", FAILURE_MARKER, self.options.url, reason)

    def start_failed(self, failure: Failure) -> None:
        """Errback of the start request: the whole source failed, say so in a way the parent can find."""
        response = getattr(failure.value, "response", None)
        reason = f"HTTP {response.status}" if response is not None else failure.getErrorMessage()
        log.error("%s url=%s reason=%s", FAILURE_MARKER, self.options.url, reason)
