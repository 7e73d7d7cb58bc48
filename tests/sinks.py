"""Loopback stand-ins for where alerts go: an SMTP server (plain or STARTTLS + AUTH), a Slack incoming
webhook and a generic JSON webhook. Real servers on 127.0.0.1, port 0, stopped by their fixtures.

Use from a test module with ``pytest_plugins = ["tests.sinks"]`` (or list it in the root conftest). Each
sink records what it *accepted*; the HTTP
sinks can be told to fail the next requests (``sink.fail(500)``, ``sink.fail(429)``, ``sink.fail("slow")``)
to exercise retries. A "slow" answer comes after ``slow_seconds``; the sink does not count that request
as accepted (the client has given up by then, as apprise does at its read timeout).
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

LOOPBACK = "127.0.0.1"
SMTP_USER = "monitor"
SMTP_PASSWORD = "Sm7pS3cret-Passw0rd"


# --- SMTP ------------------------------------------------------------------------------------------------


@dataclass
class _MailHandler:
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd API
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(parsed)  # type: ignore[arg-type]
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


class _Controller(Controller):
    """aiosmtpd's Controller, able to listen on port 0: learns the port before its self-check connects."""

    def _trigger_server(self) -> None:
        if self.port == 0 and self.server is not None:
            self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class SmtpSink:
    """An SMTP server on loopback. ``stop()``/``start()`` keep the port, to model an outage."""

    def __init__(self, *, tls: tuple[Path, Path] | None = None) -> None:
        self.handler = _MailHandler()
        self.port = 0
        self._tls = tls
        self._controller: _Controller | None = None

    @property
    def messages(self) -> list[EmailMessage]:
        return self.handler.messages

    def start(self) -> None:
        kwargs: dict[str, Any] = {}
        if self._tls:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(str(self._tls[0]), str(self._tls[1]))
            kwargs = dict(
                tls_context=context,
                require_starttls=True,
                authenticator=_authenticate,
                auth_required=True,
            )
        self._controller = _Controller(self.handler, hostname=LOOPBACK, port=self.port, **kwargs)
        self._controller.start()
        self.port = self._controller.port

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def url(self, *, to: str = "alerts@example.com", secure: bool = False) -> str:
        """An apprise mailto URL for this sink (see apprise's e-mail URL syntax: smtp=, mode=, from=)."""
        if secure:
            return (
                f"mailtos://{SMTP_USER}:{SMTP_PASSWORD}@example.com:{self.port}/{to}"
                f"?smtp={LOOPBACK}&mode=starttls&from=monitor@example.com&verify=no&cto=2"
            )
        return f"mailto://{LOOPBACK}:{self.port}/{to}?from=monitor@example.com&cto=2"


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == SMTP_USER.encode()
        and auth_data.password == SMTP_PASSWORD.encode()
    )
    return AuthResult(success=ok)


def self_signed_cert(directory: Path) -> tuple[Path, Path]:
    """A throwaway certificate for 127.0.0.1, made with ``cryptography``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    import ipaddress

    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(LOOPBACK))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


# --- HTTP webhooks ---------------------------------------------------------------------------------------


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class HttpSink:
    """An HTTP server that records accepted POSTs and answers ``ok_body`` with 200 unless told to fail."""

    def __init__(self, ok_body: bytes = b"ok", slow_seconds: float = 0.6) -> None:
        self.requests: list[Request] = []  # accepted (answered 2xx)
        self.seen = 0  # every request, failed ones too
        self.ok_body = ok_body
        self.slow_seconds = slow_seconds
        self._failures: list[int | str] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((LOOPBACK, 0), self._handler_class())
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def fail(self, *how: int | str) -> None:
        """Fail the next requests, one entry each: an HTTP status, or "slow"."""
        with self._lock:
            self._failures.extend(how)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=2)

    def _next_failure(self) -> int | str | None:
        with self._lock:
            self.seen += 1
            return self._failures.pop(0) if self._failures else None

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server API
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                if len(body) < length:  # the sender died mid-request (a test kills it): no delivery, as for a
                    return  # real endpoint, whose server never hands a cut-off body to its handler
                failure = sink._next_failure()
                if failure == "slow":
                    time.sleep(sink.slow_seconds)
                    self._answer(504, b"too slow")
                elif isinstance(failure, int):
                    self._answer(failure, b"failure", retry_after=failure == 429)
                else:
                    sink.requests.append(Request(self.path, dict(self.headers), body))
                    self._answer(200, sink.ok_body)

            def _answer(self, status: int, body: bytes, retry_after: bool = False) -> None:
                try:
                    self.send_response(status)
                    if retry_after:
                        self.send_header("Retry-After", "1")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client timed out and left, as intended by "slow"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - keep test output quiet
                pass

        return Handler


SLACK_TOKENS = ("T1JJ3T3L2", "A1BRTD4JD", "TIiajkdnlazkcOXrIdevi7FQ")


def slack_url(**params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"footer": "no", "image": "no", "rto": "0.3", **params}.items())
    return "slack://{}/{}/{}?{}".format(*SLACK_TOKENS, query)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


# --- fixtures --------------------------------------------------------------------------------------------


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def smtp_tls_sink(tmp_path: Path) -> Iterator[SmtpSink]:
    sink = SmtpSink(tls=self_signed_cert(tmp_path))
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def slack_sink(monkeypatch: pytest.MonkeyPatch) -> Iterator[HttpSink]:
    """A Slack incoming-webhook stand-in; apprise's Slack plugin is pointed at it for the test.
    Build channel URLs with ``slack_url()``."""
    from apprise.plugins.slack import NotifySlack

    sink = HttpSink(ok_body=b"ok")
    sink.start()
    monkeypatch.setattr(NotifySlack, "webhook_url", f"{sink.base_url}/services")
    yield sink
    sink.stop()


@pytest.fixture
def json_sink() -> Iterator[HttpSink]:
    """A generic webhook: channel URL ``json://127.0.0.1:{port}/hook?rto=0.3``."""
    sink = HttpSink(ok_body=b"{}")
    sink.start()
    yield sink
    sink.stop()
