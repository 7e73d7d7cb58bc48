"""Which sources to poll now, and whether a source has been down long enough to tell an operator.

Poll state lives in the database, not in APScheduler: the service runs one short "tick" job that asks the store
which sources are due (``next_due_at <= now``; never polled counts as due) and starts one asyncio task per due
source that is not already being polled. Consequences worth having:

- a source is never polled twice at once (one task per name in ``PollScheduler.running``; on PostgreSQL the
  store's lease also keeps other workers off it);
- a hung outlet delays nobody: every poll is its own task and every request has the fetcher's deadline;
- a run missed during downtime happens once, at the first tick after start: due-ness is a timestamp, not a
  queue of missed runs.

Source health builds on ``monitor.ingest.health`` (which decides each next poll): a source whose polls have failed
for ``service.source_down_after`` raises ONE operator alert, and one more when it next succeeds. Both keys
derive from stored state (the time of the last success), so a restart re-derives the same keys and the
outbox's unique ``(dedup_key, channel)`` turns a repeat into a no-op.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Literal, Protocol

from monitor.errors import MonitorError
from monitor.logs import get_logger
from monitor.records import NewAlert, SourceState

if TYPE_CHECKING:
    from monitor.config import Config, NetworkConfig, ServiceConfig, SourceConfig
    from monitor.service.cycle import Cycle, SourceResult
    from monitor.service.pipeline import ItemResult

log = get_logger(__name__)

FAILING = frozenset({"error", "gone"})
NEVER = "never"  # the "since" of a source that has never succeeded


# ----------------------------------------------------------------------------------------- pure: health


@dataclass(frozen=True, slots=True)
class HealthChange:
    """A source went down (failing for ``down_after``) or came back after being reported down."""

    source: str
    kind: Literal["down", "up"]
    since: str  # ISO time of the last success before the outage, or "never"
    error: str | None = None
    url: str | None = None

    @property
    def dedup_key(self) -> str:
        return f"source-{self.kind}:{self.source}:{self.since}"


def down_since(state: SourceState) -> str:
    return state.last_success_at.isoformat() if state.last_success_at else NEVER


def health_changes(
    states: Iterable[SourceState],
    *,
    now: datetime,
    down_after: timedelta,
    reported: Mapping[str, str],
    first_failure: Mapping[str, datetime],
) -> list[HealthChange]:
    """What to tell the operator now. ``reported`` maps a source reported down to that outage's "since".

    A source that never succeeded has no stored start of its outage; ``first_failure`` (when this process
    first saw it failing) stands in, so such a source is reported at most ``down_after`` late after a restart.
    ``down_after`` counts from the last success, which is what an operator asks: "how long since it worked?"
    """
    changes = []
    for state in states:
        failing = state.status in FAILING
        if state.name in reported:
            # Any success since the announced outage ends it, even one followed by new failures (seen after a
            # restart): the stored last success is then no longer the outage's "since".
            if down_since(state) == reported[state.name]:
                continue
            changes.append(HealthChange(state.name, "up", reported[state.name], url=state.url))
        start = state.last_success_at or first_failure.get(state.name)
        if failing and start is not None and now - start >= down_after:
            changes.append(HealthChange(state.name, "down", down_since(state), state.last_error, state.url))
    return changes


_KEY = re.compile(r"source-(down|up):(.+):(never|\d{4}-\d\d-\d\dT[\d:.]+(?:[+-]\d\d:\d\d|Z)?)")


def reported_outages(operator_keys: Iterable[str]) -> dict[str, str]:
    """Outages announced in the outbox and not yet closed: ``source-down:`` keys without their ``source-up:``.

    Rebuilt from the outbox at start, so a restart neither repeats a "down" nor forgets to send the "up".
    """
    seen: dict[str, set[tuple[str, str]]] = {"down": set(), "up": set()}
    for key in operator_keys:
        if (found := _KEY.fullmatch(key)) is not None:
            kind, name, since = found.groups()
            seen[kind].add((name, since))
    # Several unclosed outages of one source cannot happen (a "down" needs the previous one closed), so the
    # mapping is unambiguous.
    return dict(sorted(seen["down"] - seen["up"]))


def operator_alerts(changes: Sequence[HealthChange], channel: str, now: datetime) -> list[NewAlert]:
    """Outbox rows for the operator channel; the payload is what ``render`` shows for a story alert."""
    return [
        NewAlert(
            dedup_key=change.dedup_key,
            channel=channel,
            topic=None,
            kind="operator",
            payload=_operator_payload(change),
            next_attempt_at=now,
        )
        for change in changes
    ]


def _operator_payload(change: HealthChange) -> dict[str, object]:
    if change.kind == "down":
        last = "never succeeded" if change.since == NEVER else f"last success {change.since}"
        title = f"Source {change.source} is down ({last})"
    else:
        title = f"Source {change.source} has recovered"
    return {
        "title": title,
        "event": change.kind,
        "url": change.url,
        "outlet": change.source,
        "published": None,
        "summary": change.error or "",
        "topic": "",
        "cues": [],
        "coverage": [],
    }


def poll_lease(source: SourceConfig, network: NetworkConfig, service: ServiceConfig) -> timedelta:
    """How long another worker must keep off a source we are polling.

    The feed request and the concurrent page requests each have the fetcher's deadline; ``lease_slack`` covers
    ingest. Only used where leases matter (PostgreSQL).
    """
    if source.type == "spider":
        return service.spider_deadline + service.lease_slack
    return timedelta(seconds=2 * network.timeout) + service.lease_slack


# --------------------------------------------------------------------------------------------- polling


class PollStore(Protocol):
    """The part of ``store.Store`` the scheduler uses."""

    dialect: str

    def due_sources(self, now: datetime) -> list[str]: ...

    def claim_source(self, name: str, worker: str, now: datetime, lease: timedelta) -> bool: ...

    def release_source(self, name: str, worker: str) -> None: ...

    def source_states(self) -> list[SourceState]: ...

    def enqueue_alerts(self, alerts: Sequence[NewAlert]) -> int: ...


@dataclass
class PollScheduler:
    """Starts a poll task for each due source; ``tick()`` is the APScheduler job's body."""

    cycle: Cycle
    store: PollStore
    sources: Sequence[SourceConfig]
    clock: Callable[[], datetime]
    worker: str
    on_polled: Callable[[SourceResult, list[ItemResult]], None] | None = None
    running: dict[str, asyncio.Task[None]] = field(default_factory=dict)
    held: dict[str, datetime] = field(default_factory=dict)  # source -> not before: its last poll crashed

    def __post_init__(self) -> None:
        self._by_name = {s.name: s for s in self.sources if s.enabled}
        # On SQLite the run lock already makes this process the only poller, and a lease would only keep the
        # sources of a killed process unpolled until it expired. PostgreSQL workers share sources: claim.
        self._claim = self.store.dialect != "sqlite"
        # A worker that shares the database claims no more sources than it polls at once, so the other workers
        # get the rest of a burst; when it is full, each poll that ends lets it look again at once.
        self._room = 2 * self.cycle.config.network.concurrency if self._claim else None
        self._full = False
        self._draining = False  # set by drain(): no poll starts after it

    @property
    def enabled(self) -> list[str]:
        return list(self._by_name)

    def tick(self) -> list[str]:
        """Start polls for every due, enabled, idle source; returns their names."""
        if self._draining:
            return []
        now = self.clock()
        started = []
        self._full = False
        for name in self.store.due_sources(now):
            if self._room is not None and len(self.running) >= self._room:
                self._full = True
                break
            source = self._by_name.get(name)
            if source is None or name in self.running or self._held_off(name, now) or not self._take(source, now):
                continue
            task = asyncio.get_running_loop().create_task(self._poll(source), name=f"poll:{name}")
            self.running[name] = task
            task.add_done_callback(functools.partial(self._finished, name))
            started.append(name)
        return started

    def _held_off(self, name: str, now: datetime) -> bool:
        until = self.held.get(name)
        if until is None:
            return False
        if now >= until:
            del self.held[name]
            return False
        return True

    def _take(self, source: SourceConfig, now: datetime) -> bool:
        if not self._claim:
            return True
        config = self.cycle.config
        lease = poll_lease(source, config.network, config.service)
        return self.store.claim_source(source.name, self.worker, now, lease)

    async def _poll(self, source: SourceConfig) -> None:
        from monitor.service.cycle import CycleReport

        report = CycleReport()
        try:
            result = await self.cycle.poll_source(source, report, worker=self.worker if self._claim else None)
        except MonitorError as exc:  # the store failed under this poll (e.g. database locked): next tick retries
            log.error("feed.poll_failed", source=source.name, error=str(exc))
            self._release(source.name)
            return
        except Exception as exc:  # noqa: BLE001 - a bug outside the cycle's boundary: this source only
            # Without its record the source would be due again at the next tick (a second later): hold it off
            # for its interval instead, so a bug costs one poll per interval, not one per tick.
            self.held[source.name] = self.clock() + source.interval
            log.error("feed.poll_crashed", source=source.name, error=f"{type(exc).__name__}: {exc}")
            logging.getLogger(__name__).debug("feed.poll_crashed_traceback source=%s", source.name, exc_info=exc)
            self._release(source.name)
            return
        except BaseException:  # cancelled at shutdown (drain), or a bug (logged by _finished)
            self._release(source.name)
            raise
        # A failed poll is worth an operator's look: warning, not info.
        (log.warning if result.error else log.info)(
            "feed.polled", source=source.name, status=result.status, items=result.items, new=result.new,
            error=result.error, seconds=round(result.duration, 3),
        )  # fmt: skip
        if self.on_polled is not None:
            self.on_polled(result, report.items)

    def _release(self, name: str) -> None:
        """A poll that ends without its record gives its lease back: the source is due again at once for every
        worker, instead of for none until the lease expires (minutes, for a spider)."""
        if not self._claim:
            return
        try:
            self.store.release_source(name, self.worker)
        except MonitorError as exc:  # the lease then simply expires
            log.error("feed.release_failed", source=name, error=str(exc))

    def _finished(self, name: str, task: asyncio.Task[None]) -> None:
        self.running.pop(name, None)
        if not task.cancelled() and (exc := task.exception()) is not None:
            # A bug, not an outlet's failure: make it loud, keep the other sources going.
            log.error("feed.poll_crashed", source=name, error=repr(exc), exc_info=exc)
        if self._full:
            self._full = False
            asyncio.get_running_loop().call_soon(self._tick_again)

    def _tick_again(self) -> None:
        try:
            self.tick()
        except MonitorError as exc:  # as for the service's own tick: say so, the next tick asks again
            log.error("service.tick_failed", error=str(exc))

    async def drain(self, grace: float) -> int:
        """Let running polls finish for ``grace`` seconds, then cancel the rest. Returns how many were cancelled.

        Cancelling is safe: a poll's writes are whole transactions (each article with its alerts, then the
        poll record), and a poll without its record is simply due again at the next start.
        """
        self._draining = True  # a cancelled poll's end must not start another (see _finished)
        tasks = list(self.running.values())
        if not tasks:
            return 0
        _, pending = await asyncio.wait(tasks, timeout=grace)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=1.0)
        return len(pending)


# ---------------------------------------------------------------------------------------------- health


@dataclass
class HealthWatch:
    """Keeps track of outages and enqueues the operator alerts for ``health_changes``."""

    store: PollStore
    config: Config
    clock: Callable[[], datetime]
    reported: dict[str, str] = field(default_factory=dict)
    first_failure: dict[str, datetime] = field(default_factory=dict)
    failing: int = 0

    def check(self) -> list[HealthChange]:
        now = self.clock()
        enabled = {s.name for s in self.config.sources if s.enabled}
        states = [s for s in self.store.source_states() if s.name in enabled]
        self._note_failures(states, now)
        changes = health_changes(
            states,
            now=now,
            down_after=self.config.service.source_down_after,
            reported=self.reported,
            first_failure=self.first_failure,
        )
        channel = self.config.service.operator_channel
        if changes and channel is not None:
            self.store.enqueue_alerts(operator_alerts(changes, channel, now.astimezone(UTC)))
        for change in changes:
            self._apply(change)
        return changes

    def _note_failures(self, states: Sequence[SourceState], now: datetime) -> None:
        failing = {s.name for s in states if s.status in FAILING}
        self.failing = len(failing)
        for name in failing:
            self.first_failure.setdefault(name, now)
        for name in set(self.first_failure) - failing:
            del self.first_failure[name]

    def _apply(self, change: HealthChange) -> None:
        if change.kind == "down":
            self.reported[change.source] = change.since
            log.warning("source.down", source=change.source, since=change.since, error=change.error)
        else:
            self.reported.pop(change.source, None)
            log.warning("source.up", source=change.source, since=change.since)
