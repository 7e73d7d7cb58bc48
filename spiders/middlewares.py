"""The private-address rule for spiders: with ``ALLOW_PRIVATE`` false, refuse any request whose host is, or
resolves to, an address that is not globally routable (private, loopback, link-local, shared, reserved,
multicast) — a configured URL, a sitemap entry or a redirect must not turn a crawl into a probe of the
service's own network (SSRF).

Every request passes through here, including robots.txt fetches and redirect hops, because Scrapy sends both
back through the downloader middlewares. Host names are resolved with the reactor's resolver, which is
Scrapy's caching resolver (``DNSCACHE_ENABLED``), so the connection uses the very answer checked here and a
DNS rebinding between check and connect cannot slip a private address through.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.error import DNSLookupError

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def is_blocked(address: IPAddress) -> bool:
    """True for any address a public news site cannot legitimately have."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 is loopback in disguise
    return not address.is_global or address.is_multicast


def ip_literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


class PrivateAddressGuard:
    def __init__(self, crawler: Crawler) -> None:
        self.allow_private = crawler.settings.getbool("ALLOW_PRIVATE")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PrivateAddressGuard:
        return cls(crawler)

    async def process_request(self, request: Request) -> Any:
        if self.allow_private:
            return None
        host = urlparse_cached(request).hostname or ""
        address = ip_literal(host) or await _resolve(host)
        if address is not None and is_blocked(address):
            log.warning("request.blocked url=%s address=%s reason=private-address", request.url, address)
            raise IgnoreRequest(f"{request.url}: {host} is a private address ({address})")
        return None


async def _resolve(host: str) -> IPAddress | None:
    """The address the download will connect to (Scrapy's resolver is IPv4-only and caches per host)."""
    from twisted.internet import reactor

    try:
        answer = await maybe_deferred_to_future(reactor.resolver.getHostByName(host))  # type: ignore[attr-defined]
    except DNSLookupError:  # the download fails the same way and reports it with the URL
        return None
    return ip_literal(answer)
