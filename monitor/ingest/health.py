"""When to poll a source next, and what state to keep: a pure function of one poll's outcome.

Rules (issue: source health):

- success (200 or 304): next poll after the source's interval, stretched to the server's
  ``Cache-Control: max-age`` when that is longer, but never past ``MAX_CACHE_STRETCH`` times the interval
  (an outlet must not be able to silence itself for a week);
- 429 / 503 with ``Retry-After``: the next poll waits at least that long (the fetcher already caps it at a day);
- other failures: exponential back-off with full jitter, base = interval, capped at ``MAX_BACKOFF`` — a failing
  source is slowed, never stopped for good without saying so;
- 410 Gone: status ``gone``; it is still retried once a day so a revived feed is noticed, and
  ``monitor sources`` shows it.

Jitter spreads sources that share an interval so a cycle is not one burst (``jitter`` = fraction of interval).
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from datetime import datetime, timedelta

from monitor.errors import HTTPStatusError, MonitorError
from monitor.model import FetchResult, NotModified
from monitor.records import PollRecord, SourceState

MAX_BACKOFF = timedelta(hours=6)
GONE_RETRY = timedelta(days=1)
MAX_CACHE_STRETCH = 4
_MAX_AGE = re.compile(r"max-age\s*=\s*(\d+)", re.I)


def _jittered(delay: timedelta, jitter: float, rng: random.Random) -> timedelta:
    if jitter <= 0:
        return delay
    return delay * (1 + rng.uniform(-jitter, jitter))


def cache_max_age(headers: Mapping[str, str]) -> timedelta | None:
    value = next((v for k, v in headers.items() if k.lower() == "cache-control"), "")
    found = _MAX_AGE.search(value)
    return timedelta(seconds=int(found.group(1))) if found else None


def after_success(
    state: SourceState | None,
    result: FetchResult,
    *,
    now: datetime,
    interval: timedelta,
    jitter: float = 0.0,
    rng: random.Random | None = None,
) -> PollRecord:
    rng = rng or random.Random()
    delay = interval
    max_age = cache_max_age(result.headers)
    if max_age is not None and max_age > delay:
        delay = min(max_age, interval * MAX_CACHE_STRETCH)
    validators = result.validators
    keep_etag = state.etag if state else None
    keep_lm = state.last_modified if state else None
    return PollRecord(
        status="not_modified" if isinstance(result, NotModified) else "ok",
        polled_at=now,
        next_due_at=now + _jittered(delay, jitter, rng),
        etag=validators.etag or (keep_etag if isinstance(result, NotModified) else None),
        last_modified=validators.last_modified or (keep_lm if isinstance(result, NotModified) else None),
        current_url=result.permanent_redirect,
        failures=0,
        success=True,
    )


def after_failure(
    state: SourceState | None,
    error: MonitorError,
    *,
    now: datetime,
    interval: timedelta,
    jitter: float = 0.0,
    rng: random.Random | None = None,
) -> PollRecord:
    rng = rng or random.Random()
    failures = (state.failures if state else 0) + 1
    status = "error"
    if isinstance(error, HTTPStatusError) and error.status == 410:
        status, delay = "gone", GONE_RETRY
    else:
        # Full jitter (AWS architecture blog, "Exponential Backoff And Jitter"): spreads retries of many
        # sources that failed together, e.g. after a network outage.
        ceiling = min(MAX_BACKOFF, interval * (2 ** min(failures - 1, 16)))
        delay = max(interval, timedelta(seconds=rng.uniform(0, ceiling.total_seconds())))
        retry_after = getattr(error, "retry_after", None)
        if retry_after is not None:
            delay = max(delay, timedelta(seconds=retry_after))
    return PollRecord(
        status=status,  # type: ignore[arg-type]
        polled_at=now,
        next_due_at=now + (delay if status == "gone" else _jittered(delay, jitter, rng)),
        etag=state.etag if state else None,
        last_modified=state.last_modified if state else None,
        error=str(error),
        failures=failures,
        success=False,
    )


def after_success_spider(
    *, now: datetime, interval: timedelta, jitter: float = 0.0, rng: random.Random | None = None
) -> PollRecord:
    """A spider run that finished: it has no HTTP validators to keep."""
    rng = rng or random.Random()
    return PollRecord(status="ok", polled_at=now, next_due_at=now + _jittered(interval, jitter, rng))
