"""The Scrapy project in spiders/: real ``scrapy crawl`` runs against a fixture news site on loopback, plus the
pure parts (sitemap parsing, link selection, options, item validation, the address rule) tested directly.

The fixture site is tests/fixtures/spider_site/. Dates in it are placeholders filled in at serve time relative
to now (``@@FRESH@@`` an hour ago, ``@@OLD@@`` thirty days ago), so freshness rules are tested against the
real clock the spiders use; ``@@BASE@@`` is the server's own address (sitemaps hold absolute URLs).
test_crawl_source.py reuses ``serve_site`` and ``FAST`` from here.
"""

from __future__ import annotations

import gzip
import ipaddress
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from scrapy.http import HtmlResponse

from spiders.article import common_options
from spiders.middlewares import is_blocked
from spiders.pipelines import invalid_reason
from spiders.sitemaps import parse_sitemap
from spiders.spiders.listing import ListingSpider, select_links
from tests.helpers import FAST, serve_site
from tests.httpserver import LoopbackServer

REPO = Path(__file__).resolve().parents[1]
def requested(server: LoopbackServer) -> set[str]:
    return {request.path for request in server.requests}


def scrapy_crawl(
    spider: str, args: Mapping[str, str], settings: Mapping[str, str] = FAST
) -> tuple[list[dict], str, int]:
    """``scrapy crawl`` from the repository root, as a user would run it: (items, stderr, exit status)."""
    command = [sys.executable, "-m", "scrapy", "crawl", spider]
    for key, value in args.items():
        command += ["-a", f"{key}={value}"]
    for key, value in settings.items():
        command += ["-s", f"{key}={value}"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("SCRAPY_SETTINGS_MODULE", None)  # scrapy.cfg must be enough
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, timeout=60, check=False)
    items = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    return items, done.stderr.decode("utf-8", "replace"), done.returncode


@pytest.fixture
def site() -> Iterator[LoopbackServer]:
    with LoopbackServer() as server:
        serve_site(server)
        yield server


FRESH_ARTICLES = {"/news/xiaomi-15-ultra-leica-launch.html", "/news/leica-xiaomi-partnership-renewed.html"}


def test_scrapy_list_names_the_generic_spiders() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "scrapy", "list"], cwd=REPO, capture_output=True, text=True, timeout=30, check=True
    )
    assert done.stdout.split() == ["listing", "sitemap"]


def test_sitemap_spider_yields_only_fresh_matching_allowed_articles(site: LoopbackServer) -> None:
    # Start from robots.txt: its Sitemap: line leads to the index, the index to the news sitemap.
    items, stderr, status = scrapy_crawl(
        "sitemap",
        {"url": site.url("/robots.txt"), "source": "gadget-ledger", "url_patterns": '["/news/"]'},
    )

    assert status == 0, stderr
    assert {urlsplit(item["url"]).path for item in items} == FRESH_ARTICLES
    seen = requested(site)
    assert "/news/embargo/xiaomi-16-ultra-specs.html" not in seen  # robots.txt disallows it
    assert "/sitemaps/posts-2019-03.xml" not in seen  # the index says this sitemap is old
    assert "/news/xiaomi-13-ultra-review.html" not in seen  # published 30 days ago, edited recently
    assert "/deals/xiaomi-sale.html" not in seen  # fresh but not matching url_patterns
    assert "/news/leica-leitzphone-3.html" not in seen  # undated archive entry
    assert "MONITOR_SPIDER_FAILED" not in stderr

    launch = next(item for item in items if item["url"].endswith("xiaomi-15-ultra-leica-launch.html"))
    assert launch["source"] == "gadget-ledger"
    assert launch["title"] == "Xiaomi 15 Ultra launches with Leica Summilux optics"
    assert "one-inch main sensor" in launch["text"]
    assert "Most read" not in launch["text"] and "Cookie settings" not in launch["text"]  # chrome left out
    assert launch["outlet"] == "Gadget Ledger"  # the page's og:site_name when the source names none
    assert launch["language"] == "en"
    assert launch["canonical_url"] == site.url("/news/xiaomi-15-ultra-leica-launch.html")
    age = datetime.now(UTC) - datetime.fromisoformat(launch["published"])
    assert 0 < age.total_seconds() < 2 * 3600


def test_listing_spider_follows_next_pages_up_to_max_pages(site: LoopbackServer) -> None:
    items, stderr, status = scrapy_crawl(
        "listing",
        {
            "url": site.url("/tag/xiaomi/"),
            "source": "gl-tag",
            "outlet": "Gadget Ledger (tag page)",
            "link_selector": "h2.card-title a",
            "next_selector": "nav.pagination a.next",
            "max_pages": "3",
        },
    )

    assert status == 0, stderr
    paths = {urlsplit(item["url"]).path for item in items}
    assert paths == FRESH_ARTICLES | {"/news/xiaomi-14-ultra-teaser.html", "/news/xiaomi-civi-leica.html"}
    assert "/tag/xiaomi/page/3/" in requested(site)
    assert "/tag/xiaomi/page/4/" not in requested(site)
    assert "/news/leica-leitzphone-3.html" not in requested(site)  # linked only from page 4
    assert {item["outlet"] for item in items} == {"Gadget Ledger (tag page)"}
    # the video-only page has no article text: dropped, and the log says which page and why
    assert "/news/video-only.html" in requested(site)
    dropped = [line for line in stderr.splitlines() if "item.dropped" in line]
    assert len(dropped) == 1 and "video-only.html" in dropped[0] and "characters" in dropped[0]


def test_private_address_is_refused_and_never_requested(site: LoopbackServer) -> None:
    items, stderr, status = scrapy_crawl(
        "sitemap", {"url": site.url("/sitemaps/news.xml")}, {**FAST, "ALLOW_PRIVATE": "False"}
    )

    assert items == []
    assert site.requests == []  # not even robots.txt
    assert "request.blocked" in stderr and "MONITOR_SPIDER_FAILED" in stderr
    assert status == 0  # a refused source is reported through the marker, not a crash


# ----------------------------------------------------------------------------------- pure parts


def test_news_sitemap_uses_publication_date_and_ignores_image_locs() -> None:
    body = b"""<?xml version="1.0"?>
    <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
            xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"
            xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
      <url>
        <image:image><image:loc>https://cdn.example/a.jpg</image:loc></image:image>
        <loc> https://example.com/a </loc>
        <lastmod>2025-07-02</lastmod>
        <news:news><news:publication_date>2025-07-01T08:00:00+02:00</news:publication_date>
          <news:title>A</news:title></news:news>
      </url>
      <url><loc>https://example.com/b</loc><lastmod>2025-07-03</lastmod></url>
      <url><lastmod>2025-07-03</lastmod></url>
    </urlset>"""
    sitemap = parse_sitemap(body)
    assert sitemap is not None and sitemap.kind == "urlset"
    first, second = sitemap.entries  # the entry without <loc> is dropped
    assert first.loc == "https://example.com/a" and first.title == "A"
    assert first.modified == datetime(2025, 7, 1, 6, tzinfo=UTC)
    assert second.modified == datetime(2025, 7, 3, tzinfo=UTC)  # date-only lastmod read as UTC midnight


def test_sitemap_index_and_non_sitemaps() -> None:
    index = parse_sitemap(
        b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<sitemap><loc>https://example.com/s1.xml</loc></sitemap></sitemapindex>"
    )
    assert index is not None and index.kind == "index" and index.entries[0].modified is None
    assert parse_sitemap(b"<html><body>Not found</body></html>") is None
    assert parse_sitemap(b"") is None
    assert parse_sitemap(gzip.compress(b"<urlset/>")) is None  # the spider gunzips before parsing


LISTING_PAGE = b"""<html><body>
  <h2 class="t"><a href="/a"> A </a></h2><h2 class="t"><a href="b?x=1">B</a></h2><h2 class="t"><a href="/a">A</a></h2>
  <h2 class="t"><a>no link</a></h2><nav><a class="next" href="/page/2/">Older</a></nav>
</body></html>"""


@pytest.mark.parametrize("selector", ["h2.t a", "h2.t a::attr(href)", "//h2[@class='t']/a", "//h2[@class='t']/a/@href"])
def test_link_selectors_take_css_or_xpath_elements_or_attributes(selector: str) -> None:
    response = HtmlResponse("https://example.com/tag/x/", body=LISTING_PAGE, encoding="utf-8")
    assert select_links(response, selector) == ["https://example.com/a", "https://example.com/tag/x/b?x=1"]


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"url": "https://example.com/tag/x"}, "link_selector is required"),
        ({"url": "https://example.com/tag/x", "link_selector": "a", "max_pages": "0"}, "max_pages"),
        ({"url": "example.com/tag/x", "link_selector": "a"}, "absolute http(s) URL"),
        ({"url": "https://example.com/", "link_selector": "a", "url_patterns": '["("]'}, "url_patterns"),
        ({"url": "https://example.com/", "link_selector": "a", "max_age": "two days"}, "max_age"),
    ],
)
def test_bad_spider_options_stop_the_spider_being_built(options: dict, problem: str) -> None:
    with pytest.raises(ValueError, match=re.escape(problem)):
        ListingSpider(**options)


def test_url_patterns_accept_a_json_list_or_one_bare_regex() -> None:
    listed = common_options({"url": "https://e.com/", "url_patterns": '["/news/", "/reviews/"]'})
    bare = common_options({"url": "https://e.com/", "url_patterns": r"/20\d\d/"})
    assert listed.wanted("https://e.com/reviews/x") and not listed.wanted("https://e.com/deals/x")
    assert bare.wanted("https://e.com/2025/x") and not bare.wanted("https://e.com/news/x")
    assert not listed.wanted("mailto:news@e.com/news/")


GOOD = {
    "url": "https://example.com/a",
    "title": "A title",
    "text": "x" * 200,
    "source": "s",
    "outlet": "o",
    "published": "2025-07-01T08:00:00+00:00",
}


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"text": ""}, "text has 0 characters"),
        ({"text": "short teaser"}, "text has 12 characters"),
        ({"title": "  "}, "title is empty"),
        ({"url": "ftp://example.com/a"}, "not an absolute http(s) URL"),
        ({"url": "/relative"}, "not an absolute http(s) URL"),
        ({"published": "yesterday"}, "not an ISO 8601 date"),
    ],
)
def test_malformed_items_are_rejected_with_a_reason(change: dict, reason: str) -> None:
    assert invalid_reason(GOOD) is None
    assert reason in (invalid_reason({**GOOD, **change}) or "")


@pytest.mark.parametrize(
    ("address", "blocked"),
    [
        ("127.0.0.1", True),
        ("10.1.2.3", True),
        ("192.168.0.10", True),
        ("169.254.169.254", True),  # cloud metadata endpoint
        ("100.64.0.1", True),  # carrier-grade NAT
        ("0.0.0.0", True),
        ("::1", True),
        ("fe80::1", True),
        ("fd00::1", True),
        ("::ffff:127.0.0.1", True),
        ("224.0.0.1", True),
        ("93.184.215.14", False),
        ("2606:4700::6810:84e5", False),
    ],
)
def test_address_rule(address: str, blocked: bool) -> None:
    assert is_blocked(ipaddress.ip_address(address)) is blocked
