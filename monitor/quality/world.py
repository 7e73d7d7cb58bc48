"""The replay's local world: outlets serving feeds and pages, and a webhook taking the alerts. Loopback only.

``Outlets`` answers GET from a table of documents that the replay changes between crawls, with an ETag per
document so an unchanged feed answers 304 to a conditional GET, as a well-behaved outlet does (RFC 9110 §13.1.2).
``Webhook`` accepts POSTs and keeps them by path: one path per alert channel. Both are threaded ``http.server``
servers on 127.0.0.1 and an ephemeral port, in their own threads, so they never share the product's event loop;
use them as context managers (stopped, port closed, at exit).
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

LOOPBACK = "127.0.0.1"


@dataclass(frozen=True, slots=True)
class Document:
    body: bytes
    content_type: str

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest()[:16] + '"'


class _Server:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        owner = self

        class Handler(_Handler):
            server_owner = owner

        self._httpd = ThreadingHTTPServer((LOOPBACK, 0), Handler)
        self._httpd.daemon_threads = True
        self.port: int = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def url(self, path: str) -> str:
        return f"http://{LOOPBACK}:{self.port}{path}"

    def __enter__(self) -> _Server:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def get(self, path: str, headers: dict[str, str]) -> tuple[int, Document | None]:
        return 405, None

    def post(self, path: str, body: bytes) -> int:
        return 405


class Outlets(_Server):
    """Serves ``publish``ed documents by path; counts every GET by path."""

    def __init__(self) -> None:
        super().__init__()
        self._documents: dict[str, Document] = {}
        self.gets: Counter[str] = Counter()
        self.not_modified = 0

    def __enter__(self) -> Outlets:
        super().__enter__()
        return self

    def publish(self, path: str, body: bytes, content_type: str) -> str:
        """Serve ``body`` at ``path`` from now on (replacing what was there); returns its URL."""
        with self.lock:
            self._documents[path] = Document(body, content_type)
        return self.url(path)

    def get(self, path: str, headers: dict[str, str]) -> tuple[int, Document | None]:
        with self.lock:
            self.gets[path] += 1
            document = self._documents.get(path)
        if document is None:
            return 404, None
        wanted = [tag.strip() for tag in headers.get("if-none-match", "").split(",")]
        if document.etag in wanted:
            with self.lock:
                self.not_modified += 1
            return 304, document
        return 200, document


class Webhook(_Server):
    """Accepts every POST (200, ``{}``) and keeps the bodies by path."""

    def __init__(self) -> None:
        super().__init__()
        self._posts: dict[str, list[bytes]] = {}

    def __enter__(self) -> Webhook:
        super().__enter__()
        return self

    def post(self, path: str, body: bytes) -> int:
        with self.lock:
            self._posts.setdefault(path.split("?", 1)[0], []).append(body)
        return 200

    def received(self, path: str) -> list[bytes]:
        with self.lock:
            return list(self._posts.get(path, ()))


class _Handler(BaseHTTPRequestHandler):
    server_owner: _Server
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle's algorithm on, the body waits for the client's delayed
    # ACK on a kept-alive connection. Measured here (aiohttp, 200 GETs of a 20 kB feed): 45 ms a request with
    # Nagle, 0.7 ms without; a replay took 23 s instead of 13.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib names it so
        pass  # the servers keep their own record; stderr stays the product's

    def do_GET(self) -> None:  # noqa: N802 - the stdlib names it so
        headers = {key.lower(): value for key, value in self.headers.items()}
        status, document = self.server_owner.get(self.path, headers)
        self.send_response(status)
        if document is not None:
            self.send_header("ETag", document.etag)
        if status == 200 and document is not None:
            self.send_header("Content-Type", document.content_type)
            self.send_header("Content-Length", str(len(document.body)))
            self.end_headers()
            self.wfile.write(document.body)
            return
        if status != 304:
            self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self) -> None:  # noqa: N802 - the stdlib names it so
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status = self.server_owner.post(self.path, body)
        answer = b"{}" if status == 200 else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)
