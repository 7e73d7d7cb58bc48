"""One exception root for everything monitor raises on purpose.

Third-party errors are translated at the boundary (``raise ... from exc``), so callers catch these and
never aiohttp, feedparser or SQLAlchemy types::

    MonitorError
    ├── ConfigError            config.toml is wrong: names the file and the key
    ├── QuerySyntaxError       a topic query does not parse: names the topic and the position
    ├── FetchError             one request failed (the source's error, not the crawl's)
    │   ├── BlockedAddressError    the target resolves to a private/loopback/link-local address
    │   ├── TooLargeError          the body exceeded network.max_bytes after decompression
    │   ├── FetchTimeoutError      the total deadline passed
    │   ├── TooManyRedirectsError
    │   └── HTTPStatusError        a 4xx/5xx answer (status and Retry-After kept)
    ├── ParseError             the body is not a feed / not an article
    ├── ImportFileError        a file given to ``monitor import`` cannot be read
    ├── StoreError             the database cannot be opened or migrated
    ├── SourceCrashError       an unexpected exception ended one source's poll (a bug, recorded as its error)
    └── DeliveryError          a notification could not be handed to its channel
"""

from __future__ import annotations


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
    pass


class ImportFileError(MonitorError):
    pass


class StoreError(MonitorError):
    pass


class DeliveryError(MonitorError):
    pass


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
