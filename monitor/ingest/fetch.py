"""HTTP fetching for feed sources: conditional GET over one shared aiohttp session.

aiohttp rather than httpx because it holds up under concurrency (DESIGN.md: ~11,900 conditional GETs/s
on loopback; httpx #3215 collapses above ~8 connections). Everything aiohttp raises is translated here,
so callers only ever see the FetchError branch of monitor.errors::

    FetchError                 connection refused, DNS failure, TLS error, server disconnected, bad URL ...
    ├── BlockedAddressError    the target resolved only to private/loopback/link-local/... addresses
    ├── TooLargeError          the decompressed body passed network.max_bytes
    ├── FetchTimeoutError      network.timeout passed (connect + headers + body, all hops together)
    ├── TooManyRedirectsError  more than network.max_redirects hops
    └── HTTPStatusError        a 4xx/5xx answer; ``retry_after`` in seconds when the server sent one

A 304 is not an error: it comes back as ``NotModified``.
"""

from __future__ import annotations

import asyncio
import email.utils
import functools
import ipaddress
import math
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Protocol

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from monitor.errors import (
    BlockedAddressError,
    FetchError,
    FetchTimeoutError,
    HTTPStatusError,
    MonitorError,
    TooLargeError,
    TooManyRedirectsError,
)
from monitor.model import NotModified, Response, Validators

NO_VALIDATORS = Validators()  # frozen, so one shared default is safe
DEFAULT_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
PERMANENT_STATUSES = frozenset({301, 308})  # RFC 9110 §15.4.2 and §15.4.9
MAX_RETRY_AFTER = 86_400.0  # a server asking for more than a day is ignored beyond that
_CHUNK = 64 * 1024


class NetworkSettings(Protocol):
    """The part of ``config.NetworkConfig`` the fetcher reads (read-only, so frozen dataclasses fit)."""

    @property
    def timeout(self) -> float: ...  # total seconds per get(), all hops included
    @property
    def max_bytes(self) -> int: ...
    @property
    def user_agent(self) -> str: ...
    @property
    def allow_private(self) -> bool: ...
    @property
    def max_redirects(self) -> int: ...
    @property
    def concurrency(self) -> int: ...


# -- the private-address guard ---------------------------------------------------------------------


def is_blocked_address(address: str) -> bool:
    """True for any address a feed fetch must never reach when private targets are not allowed.

    ``is_global`` catches what the named flags miss (100.64/10 carrier-grade NAT, 192.0.0/24, ...).
    IPv4-mapped IPv6 (``::ffff:127.0.0.1``) is judged by the IPv4 address it carries: that is where it
    connects.
    Anything that does not parse as an address is blocked: refusing is the safe failure.
    """
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return True
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


# What a blocked address's error says to do: the one setting that lifts the guard, and when that is right.
BLOCKED_HINT = (
    "private, loopback and link-local addresses are refused; set network.allow_private = true "
    "if this outlet really is on your own network"
)


class _Blocked(MonitorError):
    """Raised inside aiohttp's connector; translated to BlockedAddressError with the URL in ``get``."""

    @classmethod
    def resolved(cls, host: str, addresses: list[str]) -> _Blocked:
        return cls(f"{host} resolves only to blocked addresses: {', '.join(addresses) or 'none'}")


class GuardedResolver(AbstractResolver):
    """Drops blocked addresses from DNS answers, so the connector can only connect to what was checked.

    Filtering the resolver's answer (instead of resolving once to check and letting aiohttp resolve again to
    connect) is what makes DNS rebinding impossible: the checked address is the connected address.
    """

    def __init__(self, inner: AbstractResolver | None = None) -> None:
        self._inner = inner if inner is not None else aiohttp.DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        answers = await self._inner.resolve(host, port, family)
        allowed = [answer for answer in answers if not is_blocked_address(answer["host"])]
        if not allowed:
            raise _Blocked.resolved(host, [answer["host"] for answer in answers])
        return allowed

    async def close(self) -> None:
        await self._inner.close()


def _check_literal_host(url: URL) -> None:
    """aiohttp connects to IP-literal hosts without asking the resolver, so those are checked here."""
    host = (url.raw_host or "").strip("[]")
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return  # a name: the GuardedResolver sees it
    if is_blocked_address(host):
        raise _Blocked(f"{host} is a blocked address")


# -- Retry-After -----------------------------------------------------------------------------------


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """RFC 9110 §10.2.3: delay-seconds or an HTTP-date; capped at a day, never negative, None if unusable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000" parses naive; HTTP dates are always GMT
        when = when.replace(tzinfo=UTC)
    delay = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(delay, 0.0), MAX_RETRY_AFTER)


# -- the fetcher -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Hop:
    """Where a redirect chain stands: the URL to request next and whether every hop so far was permanent."""

    url: URL
    count: int = 0
    permanent: bool = True

    @property
    def moved_to(self) -> str | None:
        return str(self.url) if self.count and self.permanent else None


class Fetcher:
    """Conditional GET with a size cap, a total deadline, manual redirects and the private-address guard.

    One ClientSession (and so one connection pool of ``network.concurrency``) is shared by every get();
    it is created on first use because aiohttp binds it to the running event loop.
    """

    def __init__(self, network: NetworkSettings, *, resolver: AbstractResolver | None = None) -> None:
        self._network = network
        self._resolver = resolver
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()

    async def get(
        self, url: str, validators: Validators = NO_VALIDATORS, *, accept: str = DEFAULT_ACCEPT
    ) -> Response | NotModified:
        """Fetch ``url``; NotModified when the validators still match, Response for any 2xx."""
        # One deadline for every hop: each request gets what is left of it as aiohttp's total timeout, which
        # covers connecting, the headers and reading the body. (An asyncio.timeout around the whole get() did
        # the same with a second timer per request: ~14 µs, a tenth of a 304 poll's CPU.)
        deadline = asyncio.get_running_loop().time() + self._network.timeout
        try:
            return await self._follow(_start_url(url), _request_headers(validators, accept), validators, deadline)
        except TimeoutError as exc:
            raise FetchTimeoutError(
                f"no complete answer within {self._network.timeout:g} s (network.timeout)", url=url
            ) from exc

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = self._new_session()
        return self._session

    def _new_session(self) -> aiohttp.ClientSession:
        resolver = self._resolver
        if not self._network.allow_private:
            resolver = GuardedResolver(resolver)
        connector = aiohttp.TCPConnector(limit=self._network.concurrency, resolver=resolver)
        return aiohttp.ClientSession(
            connector=connector,
            headers={"User-Agent": self._network.user_agent},
            timeout=aiohttp.ClientTimeout(total=self._network.timeout),
            # Proxies from the environment would connect on our behalf and bypass the guard.
            trust_env=False,
            # Feeds need no cookies, and a shared jar would carry state from one source to another.
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=True,
        )

    async def _follow(
        self, start: URL, headers: dict[str, str], sent: Validators, deadline: float
    ) -> Response | NotModified:
        hop = _Hop(start)
        while True:
            next_url, status = await self._one_hop(hop, headers, sent, deadline)
            if isinstance(next_url, Response | NotModified):
                return next_url
            if hop.count >= self._network.max_redirects:
                raise TooManyRedirectsError(
                    f"more than {self._network.max_redirects} redirects (network.max_redirects)", url=str(start)
                )
            hop = _Hop(next_url, hop.count + 1, hop.permanent and status in PERMANENT_STATUSES)

    async def _one_hop(
        self, hop: _Hop, headers: dict[str, str], sent: Validators, deadline: float
    ) -> tuple[URL | Response | NotModified, int]:
        """One request: the redirect target and its status, or the final result."""
        url = str(hop.url)
        left = deadline - asyncio.get_running_loop().time()
        if left <= 0:
            raise TimeoutError
        # ceil_threshold: aiohttp would round a timeout of 5 s or more up to a whole second of loop time.
        timeout = aiohttp.ClientTimeout(total=left, ceil_threshold=math.inf)
        try:
            if not self._network.allow_private:
                _check_literal_host(hop.url)
            async with self._client().get(hop.url, headers=headers, allow_redirects=False, timeout=timeout) as resp:
                if resp.status in REDIRECT_STATUSES:
                    return _redirect_target(resp, hop.url), resp.status
                return await self._final(resp, hop, sent), resp.status
        except _Blocked as exc:
            raise BlockedAddressError(f"{exc}; {BLOCKED_HINT}", url=url) from exc
        except aiohttp.ClientError as exc:
            if isinstance(exc, TimeoutError):
                raise  # the deadline in get() names it
            raise FetchError(_reason(exc), url=url) from exc

    async def _final(self, resp: aiohttp.ClientResponse, hop: _Hop, sent: Validators) -> Response | NotModified:
        url, headers = str(hop.url), _frozen_headers(resp.headers)
        if resp.status == 304:
            return NotModified(url, headers, _validators(headers, keep=sent), hop.moved_to)
        if resp.status >= 400:
            raise HTTPStatusError(
                f"HTTP {resp.status} {resp.reason or ''}".rstrip(),
                url=url,
                status=resp.status,
                retry_after=parse_retry_after(headers.get("Retry-After")),
            )
        if not 200 <= resp.status < 300:
            raise FetchError(f"unexpected HTTP status {resp.status}", url=url)
        body = await _read_capped(resp, self._network.max_bytes, url)
        return Response(url, resp.status, headers, body, _validators(headers), hop.moved_to)


@functools.lru_cache(maxsize=4096)
def _start_url(url: str) -> URL:
    """Parsed once per URL (yarl's parse is ~10 µs, a visible part of a 304 poll); URL objects are immutable."""
    try:
        parsed = URL(url)
    except (ValueError, TypeError) as exc:
        raise FetchError(f"invalid URL: {exc}", url=url) from exc
    _check_scheme(parsed, url)
    return parsed


def _check_scheme(parsed: URL, url: str) -> None:
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise FetchError("only absolute http and https URLs can be fetched", url=url)


def _redirect_target(resp: aiohttp.ClientResponse, current: URL) -> URL:
    """Location is resolved against the URL that answered (RFC 9110 §10.2.2)."""
    location = resp.headers.get("Location")
    if not location:
        raise FetchError(f"HTTP {resp.status} redirect without a Location header", url=str(current))
    try:
        target = current.join(URL(location))
    except ValueError as exc:
        raise FetchError(f"unusable redirect Location {location!r}", url=str(current)) from exc
    _check_scheme(target, str(target))
    return target


def _request_headers(validators: Validators, accept: str) -> dict[str, str]:
    headers = {"Accept": accept}
    if validators.etag:
        headers["If-None-Match"] = validators.etag
    if validators.last_modified:
        headers["If-Modified-Since"] = validators.last_modified
    return headers


def _frozen_headers(headers: Mapping[str, str]) -> CIMultiDictProxy[str]:
    """A case-insensitive read-only copy that outlives the response."""
    return CIMultiDictProxy(CIMultiDict(headers))


def _validators(headers: Mapping[str, str], keep: Validators = NO_VALIDATORS) -> Validators:
    """Validators to store; a 304 may omit them (RFC 9110 §15.4.5), and then the sent ones stay valid."""
    return Validators(
        etag=headers.get("ETag") or keep.etag,
        last_modified=headers.get("Last-Modified") or keep.last_modified,
    )


async def _read_capped(resp: aiohttp.ClientResponse, limit: int, url: str) -> bytes:
    """Read the decompressed body, stopping once it passes ``limit``, so a gzip bomb never lands in memory.

    aiohttp (>= 3.12) inflates each network chunk with a bounded output size, so memory stays near the cap.
    """
    identity = resp.headers.get("Content-Encoding", "identity").lower() == "identity"
    if identity and resp.content_length is not None and resp.content_length > limit:
        raise TooLargeError(
            f"Content-Length {resp.content_length} exceeds the {limit}-byte cap (network.max_bytes)", url=url
        )
    chunks: list[bytes] = []
    size = 0
    async for chunk in resp.content.iter_chunked(_CHUNK):
        size += len(chunk)
        if size > limit:
            raise TooLargeError(f"body exceeds the {limit}-byte cap after decompression (network.max_bytes)", url=url)
        chunks.append(chunk)
    return b"".join(chunks)


def _reason(exc: aiohttp.ClientError) -> str:
    """A plain reason for the source's error column; the original stays chained as __cause__."""
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return f"DNS failure: {exc.os_error.strerror or exc.os_error}"
    if isinstance(exc, aiohttp.ClientSSLError | aiohttp.ClientConnectorCertificateError):
        return f"TLS error: {exc}"
    if isinstance(exc, aiohttp.ClientConnectorError):
        if isinstance(exc.os_error, ConnectionRefusedError):
            return "connection refused"
        return f"cannot connect: {exc.os_error.strerror or exc.os_error}"
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "server disconnected before answering"
    if isinstance(exc, aiohttp.ClientPayloadError):
        return f"truncated or undecodable body: {exc}"
    if isinstance(exc, aiohttp.InvalidURL):
        return f"invalid URL: {exc}"
    if isinstance(exc, aiohttp.ClientResponseError):
        return f"malformed response: {exc.message}"
    return f"request failed: {exc.__class__.__name__}: {exc}"
