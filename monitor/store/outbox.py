"""``Store``'s outbox: alerts queued once per (dedup key, channel), claimed by delivery workers under a lease,
moved on by each delivery attempt (sent, back-off or dead letter) and re-queued on request.

Contract: a mixin of ``Store`` over ``StoreBase``; rows come back as ``monitor.records.AlertRow``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Connection, func, select, update
from sqlalchemy.orm import Session

from monitor.errors import StoreError
from monitor.records import STORY_PLACEHOLDER, AlertKind, AlertRow, AlertStatus, NewAlert
from monitor.store import db
from monitor.store.base import StoreBase, as_cursor, lease_free, now_utc
from monitor.store.schema import Alert, Delivery


class OutboxMixin(StoreBase):
    """The alert outbox and its delivery log."""

    # -- outbox ------------------------------------------------------------------------------------

    def enqueue_alerts(self, alerts: Sequence[NewAlert]) -> int:
        """Add operator/test alerts; an existing (dedup_key, channel) is left alone. Returns rows created."""
        with self._write("enqueue alerts") as s:
            return sum(self._insert_alert(s, alert, None) for alert in alerts)

    def claim_alerts(
        self, now: datetime, worker: str, limit: int = 50, lease: timedelta = timedelta(minutes=5)
    ) -> list[AlertRow]:
        """Lease up to ``limit`` due pending alerts to ``worker``; no two workers get the same alert."""
        with self._write("claim alerts") as s:
            rows = list(
                s.scalars(
                    select(Alert)
                    .where(Alert.status == "pending", Alert.next_attempt_at <= now, lease_free(Alert, now))
                    .order_by(Alert.next_attempt_at, Alert.id)
                    .limit(limit)
                    .with_for_update(skip_locked=True)
                )
            )
            for row in rows:
                row.lease_owner, row.lease_expires_at = worker, now + lease
            return [_alert_row(row) for row in rows]

    def record_delivery(
        self,
        alert_id: int,
        ok: bool,
        error: str | None,
        now: datetime,
        next_attempt_at: datetime | None = None,
        give_up: bool = False,
    ) -> None:
        """Log one delivery attempt and move the alert on: sent, back to pending (back-off) or failed."""
        with self._write("record delivery") as s:
            row = s.scalars(select(Alert).where(Alert.id == alert_id).with_for_update()).one_or_none()
            if row is None:
                raise StoreError(f"{db.mask(self.url)}: record delivery: unknown alert {alert_id}")
            s.add(Delivery(alert_id=alert_id, attempted_at=now, ok=ok, error=error))
            row.attempts += 1
            row.lease_owner = row.lease_expires_at = None
            if row.status == "sent":  # a late report from a worker whose lease had expired: keep "sent"
                return
            _advance(row, ok, error, now, next_attempt_at, give_up)

    def alerts(
        self,
        status: str | None = None,
        *,
        topic: str | None = None,
        since: datetime | None = None,
        limit: int | None = None,
        story_id: int | None = None,
        ids: Sequence[int] | None = None,
    ) -> list[AlertRow]:
        """Outbox rows, oldest first; with ``limit``, the newest ``limit`` of them (still oldest first).
        ``since``: created at or after it."""
        with self._read("read alerts") as s:
            query = select(Alert).order_by(Alert.id.desc()).limit(limit)
            if status is not None:
                query = query.where(Alert.status == status)
            if topic is not None:
                query = query.where(Alert.topic == topic)
            if since is not None:
                query = query.where(Alert.created_at >= since)
            if story_id is not None:
                query = query.where(Alert.story_id == story_id)
            if ids is not None:
                query = query.where(Alert.id.in_(list(ids)))
            return [_alert_row(row) for row in reversed(list(s.scalars(query)))]

    def deliveries(self, alert_id: int) -> list[tuple[datetime, bool, str | None]]:
        """Every attempt at one alert, oldest first: (attempted_at, ok, error)."""
        # A plain connection, not a Session: an export reads this once per alert.
        query = (
            select(Delivery.attempted_at, Delivery.ok, Delivery.error)
            .where(Delivery.alert_id == alert_id)
            .order_by(Delivery.id)
        )
        with self._core("read deliveries", write=False) as c:
            return [(row.attempted_at, row.ok, row.error) for row in c.execute(query)]

    def retry_failed(self, ids: Sequence[int] | None = None, *, now: datetime | None = None) -> int:
        """Put failed (dead-letter) alerts back in the queue, due at once with attempts reset."""
        query = update(Alert).where(Alert.status == "failed")
        if ids is not None:
            query = query.where(Alert.id.in_(list(ids)))
        with self._write("retry failed alerts") as s:
            result = s.execute(
                query.values(
                    status="pending",
                    attempts=0,
                    next_attempt_at=now or now_utc(),
                    lease_owner=None,
                    lease_expires_at=None,
                )
            )
            return as_cursor(result).rowcount

    def alert_counts(self) -> dict[str, int]:
        """Alerts per status; every status is present, zero when empty."""
        with self._read("count alerts") as s:
            counts = dict(s.execute(select(Alert.status, func.count()).group_by(Alert.status)).all())
        return {status: counts.get(status, 0) for status in ("pending", "sent", "failed")}

    def oldest_pending_alert(self, now: datetime) -> datetime | None:
        """Creation time of the oldest pending alert already due at ``now`` (delivery lag, for health checks).

        Alerts waiting out a back-off or quiet hours are not late, so they do not count.
        """
        with self._read("read oldest pending alert") as s:
            return s.scalar(
                select(func.min(Alert.created_at)).where(Alert.status == "pending", Alert.next_attempt_at <= now)
            )

    def _insert_alert(self, s: Session | Connection, alert: NewAlert, story_id: int | None) -> int:
        if STORY_PLACEHOLDER in alert.dedup_key and story_id is None:
            raise StoreError(f"{db.mask(self.url)}: alert {alert.dedup_key!r} names a story but there is none")
        values = {
            "dedup_key": alert.dedup_key.replace(STORY_PLACEHOLDER, str(story_id)),
            "channel": alert.channel,
            "topic": alert.topic,
            "story_id": story_id,
            "kind": alert.kind,
            "payload": dict(alert.payload),
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": alert.next_attempt_at,
            "created_at": now_utc(),
        }
        return 0 if s.execute(self._sql.insert_alert, values).scalar_one_or_none() is None else 1


def _advance(
    row: Alert, ok: bool, error: str | None, now: datetime, next_attempt_at: datetime | None, give_up: bool
) -> None:
    if ok:
        row.status, row.sent_at, row.last_error = "sent", now, None
    elif give_up:
        row.status, row.last_error = "failed", error
    else:
        row.status, row.last_error, row.next_attempt_at = "pending", error, next_attempt_at or now


def _alert_row(row: Alert) -> AlertRow:
    return AlertRow(
        row.id,
        row.dedup_key,
        row.channel,
        row.topic,
        row.story_id,
        cast(AlertKind, row.kind),
        row.payload,
        cast(AlertStatus, row.status),
        row.attempts,
        row.next_attempt_at,
        row.last_error,
        row.created_at,
        row.sent_at,
    )
