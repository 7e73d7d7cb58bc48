"""The outbox worker: claim due alerts, render, send, record each attempt.

At-least-once with a unique outbox key: an alert is claimed under a lease (so workers on several machines
never take the same row), sent, and its outcome recorded. A failure goes back to pending after
``policy.backoff``; after ``channel.max_attempts`` it is ``failed`` (the dead letter, ``monitor alerts
retry`` puts it back). A worker that dies mid-send leaves the lease to expire and the alert is retried —
the one window where a message can go out twice, and the reason a lease is minutes, not seconds.

Instant channels get one message per alert. Digest channels (hourly/daily) get one message per channel
for everything claimed in this round; their alerts are due at the same boundary, so one round sees them
together. Each alert of a digest is recorded with the digest's outcome.

A story alert is rendered with its story as it is at send time (``policy.with_story``): the coverage that came
in since the alert was written is in the message, never in a second alert.

What reaches a person: every failed attempt is logged at WARNING with the channel, the alert id and the
server's reason; an alert given up on (dead letter) is also announced on ``operator_channel`` when one is
configured (not for alerts to that channel itself, nor operator alerts: a failing operator channel cannot be
told about itself). The round's totals are the caller's to log or print, once.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from monitor.alerts.notify import DeliveryResult, Notifier
from monitor.alerts.policy import Rng, backoff, with_story
from monitor.alerts.render import render
from monitor.config import ChannelConfig
from monitor.records import AlertRow, NewAlert, StoredArticle, StoredStory

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

    def story(self, story_id: int) -> StoredStory | None: ...

    def story_articles(self, story_id: int) -> list[StoredArticle]: ...

    def enqueue_alerts(self, alerts: Sequence[NewAlert]) -> int: ...


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
    operator_channel: str | None = None,
) -> DeliveryReport:
    """One round of delivery. Returns what happened; never raises for a channel's failure."""
    rows = [_current(store, row) for row in store.claim_alerts(now, worker, limit, lease)]
    counts = {"sent": 0, "retrying": 0, "failed": 0}
    errors: list[str] = []
    batches = batch_alerts(rows, channels)
    for batch in batches:
        result = _send(notifier, batch)
        if not result.ok:
            errors.append(f"{batch.channel_name}: {result.error}")
        for row in batch.rows:
            outcome = _record(store, row, batch.channel, result, now, rng)
            counts[outcome] += 1
            if outcome == "failed" and operator_channel is not None:
                _announce_dead_letter(store, row, result, now, operator_channel)
    return DeliveryReport(len(rows), len(batches), errors=tuple(errors), **counts)


def _current(store: OutboxStore, row: AlertRow) -> AlertRow:
    """A story alert's row with its payload brought up to date with the stored story."""
    if row.kind != "story" or row.story_id is None:
        return row
    story = store.story(row.story_id)
    if story is None:
        return row
    payload = with_story(row.payload, story, store.story_articles(row.story_id))
    return replace(row, payload=payload)


def _announce_dead_letter(
    store: OutboxStore, row: AlertRow, result: DeliveryResult, now: datetime, operator_channel: str
) -> None:
    if row.kind == "operator" or row.channel == operator_channel:
        return
    title = str(row.payload.get("title") or f"alert {row.id}")
    store.enqueue_alerts([
        NewAlert(
            dedup_key=f"dead-letter:{row.id}:{now.isoformat()}",
            channel=operator_channel,
            topic=row.topic,
            kind="operator",
            payload={
                "title": f"Alert {row.id} to {row.channel} failed for good: {title}",
                "event": "failed",
                "url": row.payload.get("url"),
                "outlet": row.channel,
                "published": None,
                "summary": f"`monitor alerts retry {row.id}` sends it again. Last error: {result.error or 'none'}",
                "topic": row.topic,
                "cues": [],
                "coverage": [],
            },
            next_attempt_at=now,
        )
    ])


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
        log.warning(
            "delivery.failed channel=%s alert=%d attempts=%d gave_up=yes reason=%s",
            row.channel, row.id, attempts, result.error,
        )  # fmt: skip
        return "failed"
    retry_at = now + backoff(attempts, rng)
    store.record_delivery(row.id, False, result.error, now, retry_at)
    log.warning(
        "delivery.failed channel=%s alert=%d attempts=%d retry_at=%s reason=%s",
        row.channel, row.id, attempts, retry_at.isoformat(timespec="seconds"), result.error,
    )  # fmt: skip
    return "retrying"
