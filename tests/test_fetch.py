"""Fetcher against a real loopback server: what a source sees when feeds answer well, badly or hostilely."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from monitor.errors import (
    BlockedAddressError,
    FetchError,
    FetchTimeoutError,
    HTTPStatusError,
    TooLargeError,
    TooManyRedirectsError,
)
from monitor.ingest.fetch import NO_VALIDATORS, Fetcher, GuardedResolver, is_blocked_address, parse_retry_after
from monitor.model import NotModified, Response, Validators
from tests.httpserver import LoopbackServer, Route, http_date, http_server, redirect

__all__ = ["http_server"]  # the fixture, imported for pytest

FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'


@dataclass(frozen=True)
class Net:
    timeout: float = 2.0
    max_bytes: int = 1_000_000
    user_agent: str = "monitor-test/1.0"
    allow_private: bool = True  # every test server is on loopback
    max_redirects: int = 5
    concurrency: int = 8


class StaticResolver(AbstractResolver):
    """DNS stand-in: names map to fixed addresses, so no test ever asks a real resolver."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if host not in self.table:
            raise OSError(socket.EAI_NONAME, "Name or service not known")
        return [
            ResolveResult(
                hostname=host,
                host=address,
                port=port,
                family=socket.AF_INET6 if ":" in address else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
            for address in self.table[host]
        ]

    async def close(self) -> None:
        pass


def fetch(
    url: str,
    validators: Validators = NO_VALIDATORS,
    *,
    resolver: AbstractResolver | None = None,
    **net: Any,
) -> Response | NotModified:
    async def run() -> Response | NotModified:
        async with Fetcher(Net(**net), resolver=resolver) as fetcher:  # type: ignore[arg-type]
            return await fetcher.get(url, validators)

    return asyncio.run(run())


def response(url: str, *, resolver: AbstractResolver | None = None, **net: Any) -> Response:
    result = fetch(url, resolver=resolver, **net)
    assert isinstance(result, Response)
    return result


# -- conditional GET -------------------------------------------------------------------------------


def test_etag_round_trip_gives_not_modified_and_sends_if_none_match(http_server: LoopbackServer) -> None:
    url = http_server.route("/feed", Route(body=FEED, etag='"v1"'))
    first = response(url)
    assert first.body == FEED and first.validators == Validators(etag='"v1"')

    second = fetch(url, first.validators)

    assert isinstance(second, NotModified)
    assert second.validators.etag == '"v1"'
    assert http_server.requests[1].header("If-None-Match") == '"v1"'
    assert http_server.requests[0].header("If-None-Match") is None


def test_last_modified_round_trip_sends_if_modified_since(http_server: LoopbackServer) -> None:
    stamp = http_date(time.time() - 3600)
    url = http_server.route("/feed", Route(body=FEED, last_modified=stamp))
    first = response(url)
    assert first.validators == Validators(last_modified=stamp)

    second = fetch(url, first.validators)

    assert isinstance(second, NotModified)
    assert second.validators.last_modified == stamp
    assert http_server.requests[1].header("If-Modified-Since") == stamp


def test_changed_feed_returns_new_body_and_new_validators(http_server: LoopbackServer) -> None:
    url = http_server.route("/feed", Route(body=FEED, etag='"v2"'))
    result = fetch(url, Validators(etag='"v1"'))
    assert isinstance(result, Response)
    assert result.validators.etag == '"v2"' and result.body == FEED


def test_not_modified_without_validator_headers_keeps_the_sent_ones(http_server: LoopbackServer) -> None:
    # RFC 9110 §15.4.5 lets a 304 omit validators; losing them would mean a full refetch next time.
    url = http_server.route("/feed", Route(status=304))
    sent = Validators(etag='"a"', last_modified=http_date(0))
    result = fetch(url, sent)
    assert isinstance(result, NotModified) and result.validators == sent


def test_request_carries_user_agent_accept_and_compression(http_server: LoopbackServer) -> None:
    response(http_server.route("/feed", Route(body=FEED)))
    request = http_server.requests[0]
    assert request.header("User-Agent") == "monitor-test/1.0"
    assert "application/rss+xml" in (request.header("Accept") or "")
    assert {"gzip", "deflate"} <= {part.strip() for part in (request.header("Accept-Encoding") or "").split(",")}


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_compressed_body_is_decompressed(http_server: LoopbackServer, encoding: str) -> None:
    body = FEED * 200
    result = response(http_server.route("/feed", Route(body=body, encoding=encoding)))
    assert result.body == body
    assert result.headers["content-encoding"] == encoding  # headers stay case-insensitive


# -- redirects -------------------------------------------------------------------------------------


def test_permanent_redirect_chain_reports_the_new_url(http_server: LoopbackServer) -> None:
    http_server.route("/old", redirect("/older", 301))
    http_server.route("/older", redirect("/feed", 308))
    final = http_server.route("/feed", Route(body=FEED))

    result = response(http_server.url("/old"))

    assert result.url == final and result.permanent_redirect == final and result.body == FEED


def test_temporary_hop_in_the_chain_means_no_permanent_redirect(http_server: LoopbackServer) -> None:
    http_server.route("/old", redirect("/tmp", 301))
    http_server.route("/tmp", redirect("/feed", 302))
    final = http_server.route("/feed", Route(body=FEED))

    result = response(http_server.url("/old"))

    assert result.url == final and result.permanent_redirect is None


def test_not_modified_after_a_permanent_redirect_still_reports_it(http_server: LoopbackServer) -> None:
    http_server.route("/old", redirect("/feed", 301))
    final = http_server.route("/feed", Route(body=FEED, etag='"e"'))
    result = fetch(http_server.url("/old"), Validators(etag='"e"'))
    assert isinstance(result, NotModified) and result.permanent_redirect == final and result.url == final
    assert http_server.requests[1].header("If-None-Match") == '"e"'


def _chain(server: LoopbackServer, hops: int) -> str:
    for index in range(hops):
        server.route(f"/r{index}", redirect(f"/r{index + 1}", 302))
    server.route(f"/r{hops}", Route(body=FEED))
    return server.url("/r0")


def test_five_redirects_are_followed(http_server: LoopbackServer) -> None:
    assert response(_chain(http_server, 5)).body == FEED


def test_six_redirects_are_too_many(http_server: LoopbackServer) -> None:
    with pytest.raises(TooManyRedirectsError):
        fetch(_chain(http_server, 6))
    assert len(http_server.requests) == 6  # the seventh URL is never requested


def test_relative_location_resolves_against_the_current_url(http_server: LoopbackServer) -> None:
    http_server.route("/a/b/feed", redirect("../c/feed.xml", 301))
    http_server.route("/a/c/feed.xml", redirect("?page=2", 302))
    http_server.route("/a/c/feed.xml?page=2", Route(body=FEED))
    result = response(http_server.url("/a/b/feed"))
    assert [r.path for r in http_server.requests] == ["/a/b/feed", "/a/c/feed.xml", "/a/c/feed.xml?page=2"]
    assert result.url == http_server.url("/a/c/feed.xml?page=2")


def test_redirect_to_a_non_http_scheme_is_refused(http_server: LoopbackServer) -> None:
    http_server.route("/feed", redirect("file:///etc/passwd", 302))
    with pytest.raises(FetchError, match="http and https"):
        fetch(http_server.url("/feed"))


def test_redirect_without_location_is_an_error(http_server: LoopbackServer) -> None:
    with pytest.raises(FetchError, match="without a Location"):
        fetch(http_server.route("/feed", Route(status=302)))


# -- size cap --------------------------------------------------------------------------------------


def test_body_at_the_cap_is_accepted(http_server: LoopbackServer) -> None:
    assert len(response(http_server.route("/feed", Route(body=b"x" * 4096)), max_bytes=4096).body) == 4096


def test_over_cap_content_length_is_refused(http_server: LoopbackServer) -> None:
    with pytest.raises(TooLargeError, match="Content-Length"):
        fetch(http_server.route("/feed", Route(body=b"x" * 4097)), max_bytes=4096)


def test_over_cap_body_without_content_length_is_refused(http_server: LoopbackServer) -> None:
    url = http_server.route("/feed", Route(body=b"x" * 300_000, send_length=False))
    with pytest.raises(TooLargeError, match="after decompression"):
        fetch(url, max_bytes=100_000)


def test_gzip_bomb_is_stopped_at_the_cap(http_server: LoopbackServer) -> None:
    # 64 MiB of zeros is ~64 KiB gzipped: the wire size is under the cap, only the inflated count is not.
    url = http_server.route("/feed", Route(body=bytes(64 * 1024 * 1024), encoding="gzip"))
    started = time.monotonic()
    with pytest.raises(TooLargeError):
        fetch(url, max_bytes=1_000_000)
    assert time.monotonic() - started < 5


# -- deadline --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "route",
    [
        Route(body=b"x" * 200, trickle=(1, 0.02)),  # every byte arrives in time, the whole body does not
        Route(body=FEED, hang=True),  # headers, then silence
        Route(body=FEED, delay=5),  # not even a status line
    ],
    ids=["trickle", "hang", "no-headers"],
)
def test_total_deadline(http_server: LoopbackServer, route: Route) -> None:
    url = http_server.route("/feed", route)
    started = time.monotonic()
    with pytest.raises(FetchTimeoutError):
        fetch(url, timeout=0.4)
    assert 0.35 < time.monotonic() - started < 1.5


def test_deadline_covers_the_whole_redirect_chain(http_server: LoopbackServer) -> None:
    http_server.route("/a", Route(status=302, headers={"Location": "/b"}, delay=0.25))
    http_server.route("/b", Route(body=FEED, delay=0.25))
    with pytest.raises(FetchTimeoutError):
        fetch(http_server.url("/a"), timeout=0.4)


# -- error statuses --------------------------------------------------------------------------------


def test_server_error_is_an_http_status_error(http_server: LoopbackServer) -> None:
    with pytest.raises(HTTPStatusError) as caught:
        fetch(http_server.route("/feed", Route(status=500, body=b"oops")))
    assert caught.value.status == 500 and caught.value.retry_after is None


def test_429_keeps_retry_after_seconds(http_server: LoopbackServer) -> None:
    url = http_server.route("/feed", Route(status=429, headers={"Retry-After": "120"}))
    with pytest.raises(HTTPStatusError) as caught:
        fetch(url)
    assert caught.value.status == 429 and caught.value.retry_after == 120


def test_503_keeps_retry_after_http_date(http_server: LoopbackServer) -> None:
    url = http_server.route("/feed", Route(status=503, headers={"Retry-After": http_date(time.time() + 600)}))
    with pytest.raises(HTTPStatusError) as caught:
        fetch(url)
    assert caught.value.retry_after is not None and 590 <= caught.value.retry_after <= 600


NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", 0.0),
        ("3600", 3600.0),
        ("999999999", 86_400.0),  # capped at a day
        ("Thu, 01 Jan 2026 12:05:00 GMT", 300.0),
        ("Thursday, 01-Jan-26 12:05:00 GMT", 300.0),  # the obsolete RFC 850 form, still allowed to arrive
        ("Thu, 01 Jan 2026 11:00:00 GMT", 0.0),  # already past
        ("Sat, 01 Jan 2028 00:00:00 GMT", 86_400.0),
        ("soon", None),
        ("-5", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, NOW) == expected


def test_connection_refused_is_a_fetch_error_with_a_plain_reason() -> None:
    with socket.socket() as sock:  # a port nobody listens on: bound, never listening
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        with pytest.raises(FetchError, match="connection refused") as caught:
            fetch(f"http://127.0.0.1:{port}/feed")
    assert isinstance(caught.value.__cause__, aiohttp.ClientError)


def test_unknown_host_is_a_dns_failure() -> None:
    with pytest.raises(FetchError, match="DNS failure"):
        fetch("http://nowhere.example/feed", resolver=StaticResolver({}))


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/feed", "file:///etc/passwd", "/relative/feed", "not a url"])
def test_only_absolute_http_urls_are_fetched(url: str) -> None:
    with pytest.raises(FetchError, match="http and https"):
        fetch(url)


# -- private-address guard -------------------------------------------------------------------------


@pytest.fixture
def ipv6_server() -> Iterator[LoopbackServer]:
    try:
        server = LoopbackServer("::1")
    except OSError:
        pytest.skip("no IPv6 loopback on this machine")
    with server:
        yield server


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_guard_refuses_loopback_before_any_request(http_server: LoopbackServer, host: str) -> None:
    url = http_server.route("/feed", Route(body=FEED))
    with pytest.raises(BlockedAddressError, match="127.0.0.1") as raised:
        fetch(http_server.url("/feed", host=host), allow_private=False)
    assert http_server.requests == []
    assert "network.allow_private = true" in str(raised.value)  # the setting that lifts the guard
    assert response(url.replace("127.0.0.1", host), allow_private=True).body == FEED


def test_guard_refuses_ipv6_loopback(ipv6_server: LoopbackServer) -> None:
    url = ipv6_server.route("/feed", Route(body=FEED))
    with pytest.raises(BlockedAddressError, match="::1"):
        fetch(url, allow_private=False)
    assert ipv6_server.requests == []
    assert response(url, allow_private=True).body == FEED


def test_guard_applies_to_names_resolving_to_loopback(http_server: LoopbackServer) -> None:
    dns = StaticResolver({"feeds.example": ["127.0.0.1"]})
    url = http_server.route("/feed", Route(body=FEED)).replace("127.0.0.1", "feeds.example")

    with pytest.raises(BlockedAddressError, match="feeds.example"):
        fetch(url, resolver=dns, allow_private=False)
    assert http_server.requests == []

    assert response(url, resolver=dns, allow_private=True).body == FEED
    assert http_server.requests[0].header("Host") == f"feeds.example:{http_server.port}"


def test_guard_refuses_a_name_resolving_to_the_metadata_address() -> None:
    dns = StaticResolver({"internal.example": ["169.254.169.254"]})
    with pytest.raises(BlockedAddressError, match="169.254.169.254"):
        fetch("http://internal.example/latest/meta-data/", resolver=dns, allow_private=False)


def test_guard_keeps_only_public_answers() -> None:
    dns = StaticResolver({"mixed.example": ["10.0.0.7", "93.184.216.34", "::ffff:127.0.0.1", "2606:4700::1"]})
    answers = asyncio.run(GuardedResolver(dns).resolve("mixed.example", 443))
    assert [answer["host"] for answer in answers] == ["93.184.216.34", "2606:4700::1"]


@pytest.mark.parametrize(
    ("address", "blocked"),
    [
        ("127.0.0.1", True),
        ("10.1.2.3", True),
        ("172.16.0.1", True),
        ("192.168.1.1", True),
        ("169.254.169.254", True),  # cloud metadata
        ("100.64.0.1", True),  # carrier-grade NAT
        ("0.0.0.0", True),
        ("224.0.0.1", True),
        ("240.0.0.1", True),
        ("255.255.255.255", True),
        ("::1", True),
        ("::", True),
        ("fe80::1%eth0", True),
        ("fc00::1", True),
        ("ff02::1", True),
        ("::ffff:127.0.0.1", True),
        ("::ffff:10.0.0.1", True),
        ("not-an-address", True),
        ("93.184.216.34", False),
        ("8.8.8.8", False),
        ("2606:4700::1111", False),
        ("::ffff:8.8.8.8", False),
    ],
)
def test_is_blocked_address(address: str, blocked: bool) -> None:
    assert is_blocked_address(address) is blocked


@pytest.mark.parametrize("url", ["http://[::ffff:127.0.0.1]:1/feed", "http://0.0.0.0:1/feed", "http://[::]:1/"])
def test_guard_refuses_literal_private_forms(url: str) -> None:
    with pytest.raises(BlockedAddressError):
        fetch(url, allow_private=False)


def test_concurrent_gets_share_one_fetcher(http_server: LoopbackServer) -> None:
    for index in range(20):
        http_server.route(f"/f{index}", Route(body=FEED + str(index).encode()))

    async def run() -> list[Response | NotModified]:
        async with Fetcher(Net()) as fetcher:  # type: ignore[arg-type]
            return await asyncio.gather(*(fetcher.get(http_server.url(f"/f{i}")) for i in range(20)))

    results = asyncio.run(run())
    assert [r.body for r in results if isinstance(r, Response)] == [FEED + str(i).encode() for i in range(20)]


def test_fetcher_can_be_closed_twice_and_unused() -> None:
    async def run() -> None:
        fetcher = Fetcher(Net())  # type: ignore[arg-type]
        await fetcher.close()
        await fetcher.close()

    asyncio.run(run())
