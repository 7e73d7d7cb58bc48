"""``listing``: articles linked from a section or tag page, following its "next page" link.

    scrapy crawl listing -a url=https://example.com/tag/xiaomi -a source=example \
        -a link_selector='article h2 a' -a next_selector='a.next' -a max_pages=3

Selectors are CSS unless they start like an XPath (``/``, ``./`` or ``(``). A selector may pick elements (their
``href`` is used) or attribute values (``a::attr(href)``, ``//a/@href``). ``url_patterns`` filters the article
links; articles whose page gives a date older than ``max_age`` are skipped.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

from parsel import Selector, SelectorList
from scrapy import Request
from scrapy.http import Response, TextResponse

from spiders.article import ArticleSpider

log = logging.getLogger(__name__)

XPATH_STARTS = ("/", "./", "(")


@dataclass(frozen=True, slots=True)
class ListingOptions:
    link_selector: str
    next_selector: str | None
    max_pages: int


def listing_options(args: dict[str, Any]) -> ListingOptions:
    link_selector = str(args.get("link_selector") or "").strip()
    if not link_selector:
        raise ValueError("spider option link_selector is required for the listing spider")
    raw_pages = args.get("max_pages") or 5
    try:
        max_pages = int(raw_pages)
    except ValueError:
        raise ValueError(f"spider option max_pages={raw_pages!r}: a whole number is required") from None
    if max_pages < 1:
        raise ValueError(f"spider option max_pages={raw_pages!r}: must be at least 1")
    return ListingOptions(link_selector, str(args.get("next_selector") or "").strip() or None, max_pages)


def select_links(response: TextResponse, selector: str) -> list[str]:
    """Absolute URLs picked by ``selector``, in page order, without repeats."""
    found: SelectorList[Selector] = (
        response.xpath(selector) if selector.startswith(XPATH_STARTS) else response.css(selector)
    )
    links: list[str] = []
    for node in found:
        value = node.get() if isinstance(node.root, str) else node.attrib.get("href")
        url = response.urljoin(value.strip()) if value and value.strip() else None
        if url and url not in links:
            links.append(url)
    return links


class ListingSpider(ArticleSpider):
    name = "listing"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.listing = listing_options(kwargs)

    async def start(self) -> AsyncIterator[Any]:
        yield Request(self.options.url, callback=self.parse_listing, errback=self.start_failed, cb_kwargs={"page": 1})

    def parse_listing(self, response: Response, page: int) -> Iterator[Request]:
        if not isinstance(response, TextResponse):
            log.warning("listing.skipped url=%s reason=not-text", response.url)
            return
        links = [url for url in select_links(response, self.listing.link_selector) if self.options.wanted(url)]
        log.info("listing.read url=%s page=%d links=%d", response.url, page, len(links))
        for url in links:
            yield Request(url, callback=self.parse_article)
        if self.listing.next_selector and page < self.listing.max_pages:
            for url in select_links(response, self.listing.next_selector)[:1]:
                yield Request(url, callback=self.parse_listing, cb_kwargs={"page": page + 1})
