"""Hand a rendered message to a channel through apprise. The only module that imports apprise.

One ``apprise.Apprise`` per channel, built on first use and kept: the first build in a process costs
~150 ms, and a per-channel object keeps apprise's routing and state per channel. The body format follows
the URL scheme: e-mail gets HTML (apprise adds a text/plain alternative it derives from the HTML), Slack
gets CommonMark that apprise converts to mrkdwn, anything else gets plain text.

Outcomes are values: ``DeliveryResult(ok, error)``. ``Apprise.add()`` refusing the URL is a configuration
error, never "sent"; ``notify()`` answering False or NOMATCH is a failure with a reason. The reason names
the target only through apprise's ``url(privacy=True)`` and is scrubbed of every secret the URL holds; the
same scrubbing is installed as a filter on apprise's and urllib3's loggers, whose DEBUG lines include
request URLs with Slack tokens in them.

apprise throttles every plugin: ``NotifyBase.request_rate_per_sec`` is 5.5 s (Slack 1.2 s) between two
sends through the same object, enforced with ``time.sleep`` (apprise 2.2.0 ``url.py`` ``throttle()``).
Reusing the object per channel would therefore stall a burst of e-mails 5.5 s each (measured in
``tests/test_notify.py``); the outbox already spaces retries, so we set it to 0 on our instances.

The server's own reason: apprise logs only "Connection error while submitting email" at WARNING and the
exception itself ("SMTP AUTH extension not supported by server.") at DEBUG, so sends capture DEBUG entries
(``notify(log_level=DEBUG)``, with the ``apprise`` logger at DEBUG) and the failure reason quotes the
exception and response lines among them. ``monitor.logs`` keeps apprise's DEBUG lines off the console
unless asked for with ``-vv``.

Slack: apprise adds a footer (its logo and "Apprise") to every Slack message unless the URL says
``footer=``; ours carry no footer unless the URL asks for one.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, cast
from urllib.parse import unquote, urlsplit

from monitor.alerts.render import Rendered
from monitor.config import ChannelConfig

if TYPE_CHECKING:
    import apprise

log = logging.getLogger(__name__)

EMAIL_SCHEMES = frozenset({"mailto", "mailtos"})
SLACK_SCHEMES = frozenset({"slack"})
MIN_SECRET = 4  # shorter URL pieces ("80", "no") are not secrets and would mangle every message
ERROR_MAX = 500
_SECRET_KEY = re.compile(r"pass|pwd|token|secret|key|auth|sig|cred", re.IGNORECASE)
# The DEBUG entries that carry a server's or socket's own reason (apprise's e-mail and HTTP plugins).
_REASON_DETAIL = re.compile(r"^(?:\w+ )?\w*(?:Exception|Error): |^Response Details:")
DETAIL_MAX = 200


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    ok: bool
    error: str | None = None


class Notifier(Protocol):
    def send(self, channel: ChannelConfig, message: Rendered) -> DeliveryResult: ...


# --- secrets never leave ---------------------------------------------------------------------------------


class _Redactor(logging.Filter):
    """Replaces known secrets in every record of the logger it sits on. One per process, shared."""

    def __init__(self) -> None:
        super().__init__("apprise-redactor")
        self._secrets: set[str] = set()
        self._lock = threading.Lock()
        self._pattern: re.Pattern[str] | None = None

    def add(self, secrets: Iterable[str]) -> None:
        with self._lock:
            self._secrets |= {s for s in secrets if len(s) >= MIN_SECRET}
            ordered = sorted(self._secrets, key=len, reverse=True)  # longest first: a URL before its parts
            self._pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    def scrub(self, text: str) -> str:
        pattern = self._pattern
        return pattern.sub("****", text) if pattern else text

    def filter(self, record: logging.LogRecord) -> bool:
        if self._pattern is not None:
            record.msg, record.args = self.scrub(record.getMessage()), None
        return True


_REDACTOR = _Redactor()


# A logger's filters see only records created on that very logger, so each source is named: apprise's own,
# and urllib3's, which logs "POST /services/T…/B…/token" at DEBUG for every Slack send.
_LEAKY_LOGGERS = ("apprise", "urllib3", "urllib3.connectionpool", "urllib3.util.retry")


def _install_redactor() -> None:
    for name in _LEAKY_LOGGERS:
        logger = logging.getLogger(name)
        if _REDACTOR not in logger.filters:
            logger.addFilter(_REDACTOR)


def url_secrets(url: str) -> set[str]:
    """Every piece of a channel URL that may be a credential: the URL itself, the password, path segments
    (Slack tokens, webhook ids) and query values (``pass=``, ``token=``), raw and percent-decoded."""
    pieces = {url}
    try:
        parts = urlsplit(url)
    except ValueError:
        return pieces
    pieces.add(parts.password or "")
    pieces |= {segment for segment in parts.path.split("/") if _looks_secret(segment)}
    for pair in parts.query.split("&"):
        key, _, value = pair.partition("=")
        if _SECRET_KEY.search(key):
            pieces.add(value)
    return pieces | {unquote(p) for p in pieces}


def _looks_secret(segment: str) -> bool:
    # Webhook paths carry tokens ("/hooks/3f9a…"); plain words ("hook", "api") are not worth mangling logs.
    return len(segment) >= 16 or (len(segment) >= 6 and any(c.isdigit() for c in segment))


def _instance_secrets(instance: Any) -> set[str]:
    """What ``url(privacy=True)`` hides: the pieces of the full URL missing from the private one."""
    split = re.compile(r"[/:@?&=]")
    full = set(split.split(instance.url(privacy=False)))
    shown = set(split.split(instance.url(privacy=True)))
    return {unquote(p) for p in full - shown} | (full - shown)


# --- the server's reason ---------------------------------------------------------------------------------


def _capture_debug() -> None:
    """apprise captures a call's log entries through its logger: DEBUG ones only if the logger lets them by."""
    logger = logging.getLogger("apprise")
    if logger.getEffectiveLevel() > logging.DEBUG:
        logger.setLevel(logging.DEBUG)


def _reasons(entries: Iterable[Any]) -> list[str]:
    """apprise's warnings and errors, and the DEBUG lines quoting the exception or the server's answer."""
    reasons = []
    for entry in entries:
        message = str(entry.message).strip()
        if entry.level in ("WARNING", "ERROR"):
            reasons.append(message)
        elif entry.level == "DEBUG" and _REASON_DETAIL.match(message):
            reasons.append(" ".join(message.split())[:DETAIL_MAX])
    return reasons


# --- the adapter -----------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Target:
    url: str  # the configured URL, to notice a reload that changed it
    apobj: apprise.Apprise | None
    scheme: str
    name: str  # privacy URL, safe to print
    error: str | None = None
    secrets: set[str] = field(default_factory=set)


class AppriseNotifier:
    """``Notifier`` over apprise. ``timeout`` bounds one whole ``notify()`` call (apprise's own limit)."""

    def __init__(self, *, timeout: float = 60.0, throttle: float = 0.0) -> None:
        import apprise  # heavy (~150 ms first use): imported when a notifier is made, not by the CLI

        self._apprise = apprise
        self._timeout = timeout
        self._throttle = throttle
        self._targets: dict[str, _Target] = {}
        self._asset = apprise.AppriseAsset(storage_mode="memory")  # never write apprise state to disk
        _install_redactor()

    def send(self, channel: ChannelConfig, message: Rendered) -> DeliveryResult:
        target = self._target(channel)
        if target.apobj is None:
            return DeliveryResult(False, target.error)
        body, title, body_format = self._content(target.scheme, message)
        _capture_debug()
        try:
            result = target.apobj.notify(
                body=body, title=title, body_format=body_format, timeout=self._timeout, log_level=logging.DEBUG
            )
        except self._apprise.exception.AppriseException as exc:  # a message apprise cannot use
            return DeliveryResult(False, self._reason(target, type(exc).__name__, [str(exc)]))
        if result:
            log.info("notify.sent channel=%s target=%s", channel.name, target.name)
            return DeliveryResult(True)
        return DeliveryResult(False, self._reason(target, result.status.name, _reasons(result.logs())))

    def _reason(self, target: _Target, status: str, messages: list[str]) -> str:
        detail = "; ".join(dict.fromkeys(m.strip() for m in messages if m.strip())) or "no detail"
        return _REDACTOR.scrub(f"{target.name}: {status}: {detail}")[:ERROR_MAX]

    def _content(self, scheme: str, message: Rendered) -> tuple[str, str, str]:
        fmt = self._apprise.NotifyFormat
        if scheme in EMAIL_SCHEMES:
            return message.html, message.subject, fmt.HTML.value
        if scheme in SLACK_SCHEMES:
            # The headline is the first line of the body; a title would repeat it.
            return message.markdown, "", fmt.MARKDOWN.value
        return message.text, message.subject, fmt.TEXT.value

    def _target(self, channel: ChannelConfig) -> _Target:
        target = self._targets.get(channel.name)
        if target is None or target.url != channel.url:
            target = self._targets[channel.name] = self._build(channel)
        return target

    def _build(self, channel: ChannelConfig) -> _Target:
        secrets = url_secrets(channel.url)
        _REDACTOR.add(secrets)
        scheme = channel.url.partition("://")[0].lower()
        instance = self._apprise.Apprise.instantiate(channel.url, asset=self._asset)
        if instance is None:
            error = f"channel {channel.name!r}: apprise does not accept its URL ({scheme}://…)"
            return _Target(channel.url, None, scheme, f"{scheme}://…", error, secrets)
        instance.request_rate_per_sec = self._throttle  # see module docstring
        if scheme in SLACK_SCHEMES and "footer=" not in channel.url.partition("?")[2]:
            cast(Any, instance).include_footer = False  # see module docstring (a NotifySlack attribute)
        secrets |= _instance_secrets(instance)
        _REDACTOR.add(secrets)
        url: str = cast(Any, instance).url(privacy=True)  # apprise's url() is untyped
        name = url.partition("?")[0]  # the query is apprise's defaults: noise
        apobj = self._apprise.Apprise(asset=self._asset)
        if not apobj.add(instance):
            error = f"channel {channel.name!r}: apprise refused {name}"
            return _Target(channel.url, None, scheme, name, _REDACTOR.scrub(error), secrets)
        return _Target(channel.url, apobj, scheme, name, None, secrets)
