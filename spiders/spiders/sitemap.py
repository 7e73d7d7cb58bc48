"""``sitemap``: articles listed in a sitemap, a sitemap index or a Google News sitemap.

    scrapy crawl sitemap -a url=https://example.com/news-sitemap.xml -a source=example \
        -a max_age=172800 -a url_patterns='["/news/"]'

``url`` may also be a site's robots.txt, whose ``Sitemap:`` lines are followed. Only entries dated within
``max_age`` seconds are fetched (the news ``publication_date`` when there is one, else ``lastmod``); undated
URL entries are skipped, because a plain sitemap without dates lists a site's whole archive. Child sitemaps of
an index are followed unless their own ``lastmod`` is older than the cut-off (nothing in them can be newer).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

from scrapy import Request
from scrapy.http import Response
from scrapy.utils.gz import gunzip, gzip_magic_number
from scrapy.utils.sitemap import sitemap_urls_from_robots

from spiders.article import FAILURE_MARKER, ArticleSpider
from spiders.sitemaps import Sitemap, SitemapEntry, parse_sitemap

log = logging.getLogger(__name__)


class SitemapSpider(ArticleSpider):
    name = "sitemap"

    async def start(self) -> AsyncIterator[Any]:
        yield Request(
            self.options.url, callback=self.parse_sitemap, errback=self.start_failed, cb_kwargs={"first": True}
        )

    def parse_sitemap(self, response: Response, first: bool = False) -> Iterator[Request]:
        if response.url.endswith("/robots.txt"):
            for url in sitemap_urls_from_robots(response.body, base_url=response.url):
                yield Request(url, callback=self.parse_sitemap, errback=self.start_failed, cb_kwargs={"first": True})
            return
        sitemap = parse_sitemap(self._body(response))
        if sitemap is None:
            if first:
                log.error("%s url=%s reason=not a sitemap", FAILURE_MARKER, response.url)
            else:
                log.warning("sitemap.invalid url=%s", response.url)
            return
        yield from self._follow(sitemap)

    def _follow(self, sitemap: Sitemap) -> Iterator[Request]:
        fresh = [entry for entry in sitemap.entries if self._fresh(entry, sitemap.kind)]
        log.info("sitemap.read kind=%s entries=%d fresh=%d", sitemap.kind, len(sitemap.entries), len(fresh))
        for entry in fresh:
            if sitemap.kind == "index":
                yield Request(entry.loc, callback=self.parse_sitemap)
            elif self.options.wanted(entry.loc):
                yield Request(entry.loc, callback=self.parse_article, cb_kwargs={"listed": entry.modified})

    def _fresh(self, entry: SitemapEntry, kind: str) -> bool:
        if entry.modified is None:
            return kind == "index"  # an undated child sitemap may hold fresh entries; an undated URL is archive
        return self.is_fresh(entry.modified)

    def _body(self, response: Response) -> bytes:
        """The XML, gunzipped when the file itself is .gz (HTTP Content-Encoding is undone by Scrapy already)."""
        if not gzip_magic_number(response):
            return response.body
        try:
            return gunzip(response.body, max_size=self.settings.getint("DOWNLOAD_MAXSIZE"))
        except (OSError, EOFError, ValueError) as exc:  # corrupt, or bigger than DOWNLOAD_MAXSIZE when unpacked
            log.warning("sitemap.unreadable url=%s reason=%s", response.url, exc)
            return b""
