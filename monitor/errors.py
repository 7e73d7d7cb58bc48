"""One exception root for everything monitor raises, and the whole tree of it in one place.

Third-party errors are translated at the boundary (``raise ... from exc``), so callers catch these and
never aiohttp, feedparser or SQLAlchemy types. Every exception class defined anywhere in ``monitor`` derives from
``MonitorError`` (tests/test_errors.py walks the package to check it, and checks the drawing below against the
classes). The message is what a user reads; what a caller needs to act on is also kept as attributes::

    MonitorError
    ├── ConfigError            config.toml is wrong                          .path .key
    ├── QuerySyntaxError       a topic query does not parse                  .topic .query .position
    ├── FetchError             one request failed (the source's error)       .url
    │   ├── BlockedAddressError    the target resolves to a private/loopback/link-local address
    │   ├── TooLargeError          the body exceeded network.max_bytes after decompression
    │   ├── FetchTimeoutError      the total deadline passed
    │   ├── TooManyRedirectsError
    │   └── HTTPStatusError        a 4xx/5xx answer                          .status .retry_after
    ├── ParseError             the body is not a feed / not an article       .url .source
    ├── SpiderError            a spider source's crawl failed                .source
    ├── ImportFileError        a file given to ``monitor import`` (or an export) cannot be read
    │   └── ImportLineError        one line of a JSON-lines file             .path .line
    ├── StoreError             the database cannot be opened, migrated or written
    ├── ServiceError           ``monitor run`` cannot start (metrics port taken...)
    ├── ModelError             an event model file cannot be used
    ├── LabelError             a hand-labelled file (python -m monitor.quality) cannot be read
    ├── ReplayError            a quality replay could not run
    └── SourceCrashError       a non-monitor exception ended one source's poll (a bug)   .source .url

Private control-flow signals (a fast path declining, a guard firing inside a library's callback) derive from
``MonitorError`` too: should one ever leak past the code that catches it, it is still one of ours, with its message.
"""

from __future__ import annotations

from pathlib import Path


class MonitorError(Exception):
    """Root of monitor's own errors."""


class ConfigError(MonitorError):
    def __init__(self, message: str, *, path: str | None = None, key: str | None = None) -> None:
        where = ", ".join(part for part in (path, f"key {key!r}" if key else None) if part)
        super().__init__(f"{where}: {message}" if where else message)
        self.path = path
        self.key = key


class QuerySyntaxError(MonitorError):
    def __init__(self, message: str, *, topic: str, query: str, position: int) -> None:
        super().__init__(f"topic {topic!r}: query syntax error at position {position}: {message}")
        self.topic = topic
        self.query = query
        self.position = position


class FetchError(MonitorError):
    def __init__(self, message: str, *, url: str) -> None:
        super().__init__(f"{url}: {message}")
        self.url = url


class BlockedAddressError(FetchError):
    pass


class TooLargeError(FetchError):
    pass


class FetchTimeoutError(FetchError):
    pass


class TooManyRedirectsError(FetchError):
    pass


class HTTPStatusError(FetchError):
    def __init__(self, message: str, *, url: str, status: int, retry_after: float | None = None) -> None:
        super().__init__(message, url=url)
        self.status = status
        self.retry_after = retry_after


class ParseError(MonitorError):
    """What was read from ``url`` is not a feed (or not an article). ``source`` names the configured source when
    the code that parsed knew it; the message starts with the URL either way."""

    def __init__(self, message: str, *, url: str, source: str | None = None) -> None:
        super().__init__(f"{url}: {message}")
        self.url = url
        self.source = source


class SpiderError(MonitorError):
    """A spider source's ``scrapy crawl`` failed; ``message`` is the crawl's own account of why."""

    def __init__(self, message: str, *, source: str) -> None:
        super().__init__(f"spider {source}: {message}")
        self.source = source


class ImportFileError(MonitorError):
    pass


class ImportLineError(ImportFileError):
    """One line of a JSON-lines file that cannot be imported; the file's other lines still are."""

    def __init__(self, message: str, *, path: Path, line: int) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path = path
        self.line = line


class StoreError(MonitorError):
    pass


class ServiceError(MonitorError):
    """The service cannot start (its database is in use, its metrics port is taken)."""


class ModelError(MonitorError):
    """A model file that cannot be used, with the file and what is wrong with it."""


class LabelError(MonitorError):
    """A labelled file that cannot be read: the message names the file, the line and what is wrong."""


class ReplayError(MonitorError):
    """The replay could not run: a command failed or the user's config lacks what the replay needs."""


class SourceCrashError(MonitorError):
    """An exception that is not monitor's own ended one source's poll: a bug here or in a library.

    It is that source's error (recorded, shown by ``monitor sources``, backed off), never the crawl's.
    """

    def __init__(self, source: str, url: str, exc: BaseException) -> None:
        super().__init__(
            f"source {source!r} ({url}): unexpected {type(exc).__name__}: {exc}; this is a bug in monitor or "
            "a library, not the outlet's answer (the traceback is logged at debug level: run with -vv)"
        )
        self.source = source
        self.url = url
