"""The outbox worker: claim due alerts, render, send, record each attempt.

At-least-once with a unique outbox key: an alert is claimed under a lease (so workers on several machines
never take the same row), sent, and its outcome recorded. A failure goes back to pending after
``alerting.backoff``; after ``channel.max_attempts`` it is ``failed`` (the dead letter, ``monitor alerts
retry`` puts it back). A worker that dies mid-send leaves the lease to expire and the alert is retried —
the one window where a message can go out twice, and the reason a lease is minutes, not seconds.

Instant channels get one message per alert. Digest channels (hourly/daily) get one message per channel
for everything claimed in this round; their alerts are due at the same boundary, so one round sees them
together. Each alert of a digest is recorded with the digest's outcome.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from monitor.alerting import Rng, backoff
from monitor.config import ChannelConfig
from monitor.notify import DeliveryResult, Notifier
from monitor.records import AlertRow
from monitor.render import render

log = logging.getLogger(__name__)

DEFAULT_LIMIT = 50
DEFAULT_LEASE = timedelta(minutes=5)


class OutboxStore(Protocol):
    """The part of ``store.Store`` delivery uses."""

    def claim_alerts(self, now: datetime, worker: str, limit: int = ..., lease: timedelta = ...) -> list[AlertRow]: ...

    def record_delivery(
        self,
        alert_id: int,
        ok: bool,
        error: str | None,
        now: datetime,
        next_attempt_at: datetime | None = None,
        give_up: bool = False,
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    claimed: int = 0
    messages: int = 0  # messages handed to channels (a digest counts once)
    sent: int = 0  # alerts now "sent"
    retrying: int = 0  # alerts back to pending with a later next_attempt_at
    failed: int = 0  # alerts given up on (dead letter)
    errors: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Batch:
    channel_name: str
    channel: ChannelConfig | None
    rows: tuple[AlertRow, ...]

    @property
    def digest(self) -> bool:
        return self.channel is not None and self.channel.mode != "instant"


def deliver_due(
    store: OutboxStore,
    notifier: Notifier,
    channels: Mapping[str, ChannelConfig],
    now: datetime,
    worker: str,
    rng: Rng,
    *,
    limit: int = DEFAULT_LIMIT,
    lease: timedelta = DEFAULT_LEASE,
) -> DeliveryReport:
    """One round of delivery. Returns what happened; never raises for a channel's failure."""
    rows = store.claim_alerts(now, worker, limit, lease)
    counts = {"sent": 0, "retrying": 0, "failed": 0}
    errors: list[str] = []
    batches = batch_alerts(rows, channels)
    for batch in batches:
        result = _send(notifier, batch)
        if not result.ok:
            errors.append(f"{batch.channel_name}: {result.error}")
        for row in batch.rows:
            counts[_record(store, row, batch.channel, result, now, rng)] += 1
    report = DeliveryReport(len(rows), len(batches), errors=tuple(errors), **counts)
    if rows:
        log.info(
            "delivery.round worker=%s claimed=%d messages=%d sent=%d retrying=%d failed=%d",
            worker, report.claimed, report.messages, report.sent, report.retrying, report.failed,
        )  # fmt: skip
    return report


def batch_alerts(rows: Sequence[AlertRow], channels: Mapping[str, ChannelConfig]) -> list[_Batch]:
    """One batch per alert for instant channels, one per channel for digest channels; claim order kept."""
    groups: dict[tuple[str, int], list[AlertRow]] = {}
    for row in rows:
        channel = channels.get(row.channel)
        digest = channel is not None and channel.mode != "instant"
        groups.setdefault((row.channel, 0 if digest else row.id), []).append(row)  # ids start at 1
    return [_Batch(name, channels.get(name), tuple(group)) for (name, _), group in groups.items()]


def _send(notifier: Notifier, batch: _Batch) -> DeliveryResult:
    if batch.channel is None:
        return DeliveryResult(False, f"unknown channel {batch.channel_name!r}: not in the configuration")
    message = render([row.payload for row in batch.rows], digest=batch.digest)
    return notifier.send(batch.channel, message)


def _record(
    store: OutboxStore,
    row: AlertRow,
    channel: ChannelConfig | None,
    result: DeliveryResult,
    now: datetime,
    rng: Rng,
) -> str:
    if result.ok:
        store.record_delivery(row.id, True, None, now)
        return "sent"
    attempts = row.attempts + 1
    # An unknown channel will not appear by waiting: straight to the dead letter, where an operator sees it.
    if channel is None or attempts >= channel.max_attempts:
        store.record_delivery(row.id, False, result.error, now, None, give_up=True)
        log.warning("delivery.failed alert=%d channel=%s attempts=%d", row.id, row.channel, attempts)
        return "failed"
    store.record_delivery(row.id, False, result.error, now, now + backoff(attempts, rng))
    return "retrying"
