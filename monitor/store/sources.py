"""``Store``'s sources: syncing the configured feeds and spiders, recording polls, and leasing due sources to
workers (``FOR UPDATE SKIP LOCKED`` plus an expiring lease, so two workers never poll one source at once).

Contract: a mixin of ``Store`` over ``StoreBase``; values in and out are ``monitor.records`` values.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, or_, select, update

from monitor.errors import StoreError
from monitor.records import PollRecord, SourceState
from monitor.store import db
from monitor.store.base import StoreBase, as_cursor, lease_free, now_utc
from monitor.store.schema import Source


class _NotAllWritten(StoreError):
    """A batch of poll records matched fewer rows than it has records: redo them one by one."""


class SourcesMixin(StoreBase):
    """Sources and their poll state."""

    # -- sources -----------------------------------------------------------------------------------

    def sync_sources(self, sources: Sequence[tuple[str, str, str]], *, prune: bool = True) -> None:
        """Make the sources table match the configuration: ``(name, type, url)`` each.

        Known sources keep their poll state. A changed URL is a different feed: its validators, redirect
        target and poll count are reset (polls 0 marks the next poll as a backlog again). With ``prune``,
        sources no longer configured are deleted (their articles stay).
        """
        now = now_utc()
        with self._write("sync sources") as s:
            # Read first and write only what differs: at every start the configuration usually matches.
            stored = {row.name: row for row in s.execute(select(Source.name, Source.type, Source.url))}
            for name, type_, url in sources:
                known = stored.get(name)
                if known is None:
                    s.execute(
                        self._insert(Source)
                        .values(name=name, type=type_, url=url, status="new", failures=0, polls=0, updated_at=now)
                        .on_conflict_do_nothing(index_elements=["name"])
                    )
                    continue
                if known.type != type_:
                    s.execute(update(Source).where(Source.name == name, Source.type != type_).values(type=type_))
                if known.url != url:
                    s.execute(
                        update(Source)
                        .where(Source.name == name, Source.url != url)  # still different: another opener may race
                        .values(
                            url=url,
                            current_url=None,
                            etag=None,
                            last_modified=None,
                            polls=0,
                            next_due_at=None,
                            status="new",
                            updated_at=now,
                        )
                    )
            configured = {name for name, _, _ in sources}
            if prune and not configured.issuperset(stored):
                s.execute(delete(Source).where(Source.name.not_in(configured)))

    def source_state(self, name: str) -> SourceState | None:
        with self._core("read source", write=False) as c:
            row = c.execute(self._sql.source_state, {"name": name}).first()
            return SourceState(*row) if row else None

    def source_states(self) -> list[SourceState]:
        with self._core("read sources", write=False) as c:
            return [SourceState(*row) for row in c.execute(self._sql.source_states)]

    def record_poll(self, name: str, poll: PollRecord, *, worker: str | None = None) -> bool:
        """Store one poll's outcome, count it, and release the source's lease.

        With ``worker`` (PostgreSQL workers, who claimed the source) the write only happens while that worker
        still holds the lease: a worker whose lease expired and was taken over is stale, and its late record
        changes nothing (returns False). Its articles were idempotent writes already.
        """
        return self.record_polls([(name, poll)], worker=worker)[0]

    def record_polls(self, records: Sequence[tuple[str, PollRecord]], *, worker: str | None = None) -> list[bool]:
        """``record_poll`` for many sources in ONE write transaction; one bool per record, in order.

        Records are grouped by the columns they set (a 200, a 304 and a failure replace different
        validators) and each group is one executemany of a prepared UPDATE. When a group updates fewer rows
        than it has records (a stale ``worker``, an unknown source) the transaction is rolled back and the
        records are written one by one, so each gets ``record_poll``'s outcome: the known sources' records are
        stored, then a ``StoreError`` names every unknown source.
        """
        if not records:
            return []
        by_worker = worker is not None
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for name, poll in records:
            values = _poll_values(poll)
            groups.setdefault(tuple(values), []).append(_poll_params(name, worker, values))
        try:
            with self._core("record polls", write=True) as c:
                for columns, rows in groups.items():
                    statement = self._sql.record_poll(columns, by_worker)
                    if as_cursor(c.execute(statement, rows)).rowcount != len(rows):
                        raise _NotAllWritten
            return [True] * len(records)
        except _NotAllWritten:
            pass
        written, unknown = [], []
        with self._core("record polls", write=True) as c:
            for name, poll in records:
                values = _poll_values(poll)
                statement = self._sql.record_poll(tuple(values), by_worker)
                done = as_cursor(c.execute(statement, _poll_params(name, worker, values))).rowcount == 1
                if not done and c.execute(self._sql.source_id, {"name": name}).first() is None:
                    unknown.append(name)
                written.append(done)
        if unknown:
            names = ", ".join(map(repr, unknown))
            raise StoreError(f"{db.mask(self.url)}: record poll: unknown source {names}")
        return written

    def due_sources(self, now: datetime) -> list[str]:
        """Names of sources due at ``now`` whose lease is free, unscheduled first, then most overdue."""
        with self._read("read due sources") as s:
            query = (
                select(Source.name)
                .where(_due(now), lease_free(Source, now))
                .order_by(Source.next_due_at.is_not(None), Source.next_due_at, Source.name)
            )
            return list(s.scalars(query))

    def claim_source(self, name: str, worker: str, now: datetime, lease: timedelta) -> bool:
        """Take the source's lease if it is due and free (or already ours); False when another worker has it.

        Being due is part of the claim: otherwise a worker that saw the source due a moment ago could poll it
        again right after another worker finished (and released) it.
        """
        with self._write("claim source") as s:
            row = s.execute(
                select(Source.id)
                .where(Source.name == name, _due(now), lease_free(Source, now, worker))
                .with_for_update(skip_locked=True)
            ).one_or_none()
            if row is None:
                return False
            s.execute(
                update(Source).where(Source.id == row.id).values(lease_owner=worker, lease_expires_at=now + lease)
            )
            return True

    def release_source(self, name: str, worker: str) -> None:
        """Give up ``worker``'s lease on a source it did not finish polling (a cancelled or failed poll), so
        another worker, or this one after a restart, polls it at once rather than when the lease expires."""
        with self._write("release source") as s:
            s.execute(
                update(Source)
                .where(Source.name == name, Source.lease_owner == worker)
                .values(lease_owner=None, lease_expires_at=None)
                .execution_options(synchronize_session=False)
            )


def _due(now: datetime) -> ColumnElement[bool]:
    return or_(Source.next_due_at.is_(None), Source.next_due_at <= now)


def _poll_values(poll: PollRecord) -> dict[str, Any]:
    """The columns a poll record sets, besides the poll count and the released lease (always the same)."""
    values: dict[str, Any] = {
        "status": poll.status,
        "last_polled_at": poll.polled_at,
        "next_due_at": poll.next_due_at,
        "last_error": poll.error,
        "failures": poll.failures,
        "updated_at": poll.polled_at,
    }
    if poll.success:
        values["last_success_at"] = poll.polled_at
    values.update(_validator_values(poll))
    if poll.current_url is not None:
        values["current_url"] = poll.current_url
    return values


def _poll_params(name: str, worker: str | None, values: dict[str, Any]) -> dict[str, Any]:
    params = {"b_" + column: value for column, value in values.items()}
    params["b_name"] = name
    if worker is not None:
        params["b_worker"] = worker
    return params


def _validator_values(poll: PollRecord) -> dict[str, Any]:
    """Which cache validators a poll replaces.

    A 200 replaces both (a server that stopped sending one must not get it back). A 304 may omit them
    (RFC 9110 §15.4.5 only says SHOULD), so it replaces only those it sent. A failure keeps the old ones.
    """
    if poll.status == "ok":
        return {"etag": poll.etag, "last_modified": poll.last_modified}
    if poll.status == "not_modified":
        return {k: v for k, v in (("etag", poll.etag), ("last_modified", poll.last_modified)) if v is not None}
    return {}
