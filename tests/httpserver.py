"""A real HTTP server on loopback for adapter tests, with per-test routes and a request log.

Use it as the pytest fixture ``http_server`` (``from tests.httpserver import http_server`` in a test
module, or ``pytest_plugins = ["tests.httpserver"]`` in a conftest), or directly as a context manager::

    with LoopbackServer() as server:
        server.route("/feed", Route(body=b"<rss/>", headers={"Content-Type": "application/rss+xml"}))
        server.url("/feed")            # http://127.0.0.1:<port>/feed
        server.requests                # [RecordedRequest(method, path, headers), ...]

It is a threaded ``http.server`` rather than an aiohttp app so that the server never shares an event loop with
the client under test: a client bug that blocks its loop cannot also stall the server and hide the bug.
Handlers that hang wait on an event the server sets at shutdown, so stopping never waits on a slow test.
"""

from __future__ import annotations

import email.utils
import gzip
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # with the query string
    headers: Mapping[str, str]  # keys lower-cased

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass(frozen=True)
class Route:
    """What the server answers on one path.

    ``encoding`` ("gzip"/"deflate") compresses ``body`` on the wire. ``etag`` / ``last_modified`` make the
    route answer conditional requests with 304 as a real server would (RFC 9110 §13.1). ``trickle`` sends
    the body as (chunk size, pause in seconds) pieces; ``hang`` sends the headers, then nothing until
    shutdown.
    ``send_length=False`` omits Content-Length and closes the connection to end the body.
    """

    status: int = 200
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    encoding: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    delay: float = 0.0  # before the status line
    trickle: tuple[int, float] | None = None
    hang: bool = False
    send_length: bool = True


def redirect(location: str, status: int = 301) -> Route:
    return Route(status=status, headers={"Location": location})


def compress(body: bytes, encoding: str) -> bytes:
    if encoding == "gzip":
        return gzip.compress(body)
    if encoding == "deflate":
        return zlib.compress(body)
    raise ValueError(f"unknown encoding {encoding!r}")


class LoopbackServer:
    """A ThreadingHTTPServer on 127.0.0.1 (or ::1) and an ephemeral port."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self._routes: dict[str, Route | Callable[[RecordedRequest], Route]] = {}
        self._log: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self.stopping = threading.Event()
        self._httpd = _make_httpd(self, host)
        self.port: int = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05})
        self._thread.daemon = True

    # -- configuration -----------------------------------------------------------------------------
    def route(self, path: str, route: Route | Callable[[RecordedRequest], Route]) -> str:
        """Serve ``route`` (or the route a callable returns per request) on ``path``; returns its URL."""
        with self._lock:
            self._routes[path] = route
        return self.url(path)

    def url(self, path: str = "/", host: str | None = None) -> str:
        name = host or self.host
        if ":" in name:
            name = f"[{name}]"
        return f"http://{name}:{self.port}{path}"

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._log)

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> LoopbackServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=2)

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- used by the handler -----------------------------------------------------------------------
    def _record(self, request: RecordedRequest) -> Route:
        with self._lock:
            self._log.append(request)
            # An exact match (query included) first, so tests can route "/feed?page=2" apart from "/feed".
            found = self._routes.get(request.path) or self._routes.get(request.path.split("?", 1)[0])
        if found is None:
            return Route(status=404, body=b"not found")
        return found(request) if callable(found) else found


def _make_httpd(server: LoopbackServer, host: str) -> ThreadingHTTPServer:
    class Httpd(ThreadingHTTPServer):
        daemon_threads = True
        address_family = socket.AF_INET6 if ":" in host else socket.AF_INET

    class Handler(_Handler):
        owner = server

    return Httpd((host, 0), Handler)


class _Handler(BaseHTTPRequestHandler):
    owner: LoopbackServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # the stdlib names it so
        pass  # keep pytest output clean; the request log is the record

    def do_GET(self) -> None:  # the stdlib names it so
        headers = {key.lower(): value for key, value in self.headers.items()}
        route = self.owner._record(RecordedRequest(self.command, self.path, headers))
        if route.delay and self.owner.stopping.wait(route.delay):
            return
        if _not_modified(route, headers):
            self._send_head(304, route, None)
            return
        body = compress(route.body, route.encoding) if route.encoding else route.body
        self._send_head(route.status, route, body if route.send_length else None)
        self._send_body(route, body)

    def _send_head(self, status: int, route: Route, body: bytes | None) -> None:
        self.send_response(status)
        for name, value in route.headers.items():
            self.send_header(name, value)
        if route.etag:
            self.send_header("ETag", route.etag)
        if route.last_modified:
            self.send_header("Last-Modified", route.last_modified)
        if route.encoding and status != 304:
            self.send_header("Content-Encoding", route.encoding)
        if status == 304:
            pass
        elif body is not None:
            self.send_header("Content-Length", str(len(body)))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()

    def _send_body(self, route: Route, body: bytes) -> None:
        try:
            if route.hang:
                self.wfile.flush()
                self.owner.stopping.wait(10)
            elif route.trickle:
                self._trickle(body, *route.trickle)
            else:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up, which is what timeout and size-cap tests expect

    def _trickle(self, body: bytes, size: int, pause: float) -> None:
        for start in range(0, len(body), size):
            self.wfile.write(body[start : start + size])
            self.wfile.flush()
            if self.owner.stopping.wait(pause):
                return


def _not_modified(route: Route, headers: Mapping[str, str]) -> bool:
    """RFC 9110 §13.1.2-3: If-None-Match wins over If-Modified-Since when both are sent."""
    if route.status != 200:
        return False
    if route.etag and "if-none-match" in headers:
        return route.etag in [tag.strip() for tag in headers["if-none-match"].split(",")]
    if route.last_modified and "if-modified-since" in headers:
        return _http_time(headers["if-modified-since"]) >= _http_time(route.last_modified)
    return False


def _http_time(value: str) -> float:
    try:
        return email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return float("-inf")


def http_date(seconds: float | None = None) -> str:
    return email.utils.formatdate(time.time() if seconds is None else seconds, usegmt=True)


@pytest.fixture
def http_server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as server:
        yield server
