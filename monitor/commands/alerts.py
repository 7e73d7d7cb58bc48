"""The outbox from the command line: ``monitor deliver`` (and the delivery that ends a crawl), ``monitor alerts``,
``alerts retry`` and ``notify-test``.

``deliver_now`` sends everything due, this run's alerts and older ones, round after round with one "now", and
prints its totals once; it returns them for ``monitor deliver``'s exit code. apprise is imported only when an
alert is due (or for ``notify-test``). ``retry_alerts``: an id that does not exist or is not a failed alert is an
error (exit 1) naming it; the others are re-queued all the same.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from monitor.commands.output import echo_json, iso
from monitor.terminal import ago, console, plural, short_time, status_cell, table, text

if TYPE_CHECKING:
    from monitor.records import AlertRow
    from monitor.service.app import App

log = logging.getLogger(__name__)


def deliver_now(app: App, *, as_json: bool, quiet: bool) -> dict[str, Any]:
    """Deliver every due alert (this run's and any older), round after round, and print the totals once.

    ``quiet``: print nothing when nothing was due (a crawl); otherwise say so (``monitor deliver``).
    """
    import os
    import random

    totals: dict[str, Any] = {"claimed": 0, "sent": 0, "retrying": 0, "failed": 0, "errors": []}
    if app.store.oldest_pending_alert(app.clock()) is not None:  # else skip importing apprise (~0.25 s)
        _deliver_rounds(app, totals, worker=f"cli-{os.getpid()}", rng=random.Random())
    if as_json:
        echo_json({"type": "delivery", **totals})
    elif totals["claimed"] or not quiet:
        click.echo(
            f"alerts: {totals['sent']} sent, {totals['retrying']} to retry, {totals['failed']} failed"
            + ("" if totals["claimed"] else " (nothing was due)")
            + "".join(f"\n  {e}" for e in totals["errors"])
        )
    return totals


def _deliver_rounds(app: App, totals: dict[str, Any], *, worker: str, rng: Any) -> None:
    from monitor.alerts.delivery import deliver_due
    from monitor.alerts.notify import AppriseNotifier

    channels = {c.name: c for c in app.config.channels}
    notifier = AppriseNotifier()
    service = app.config.service
    # Round after round until one finds nothing due: a round may add alerts due at once (a dead letter's
    # announcement on the operator channel). One "now" for all: an alert that failed is due again only after
    # its back-off, so it is not retried within this command. Bounded: a round claims up to 50 alerts.
    now = app.clock()
    for _ in range(1000):
        report = deliver_due(app.store, notifier, channels, now, worker, rng, lease=service.delivery_lease,
                             operator_channel=service.operator_channel)  # fmt: skip
        for key in ("claimed", "sent", "retrying", "failed"):
            totals[key] += getattr(report, key)
        totals["errors"].extend(report.errors)
        if report.claimed == 0:
            break
    if totals["claimed"]:
        log.info("delivery.round worker=%s claimed=%d sent=%d retrying=%d failed=%d",
                 worker, totals["claimed"], totals["sent"], totals["retrying"], totals["failed"])  # fmt: skip


def list_alerts(
    app: App,
    *,
    status: str | None,
    as_json: bool,
    topic: str | None = None,
    since: datetime | None = None,
    limit: int | None = None,
) -> None:
    rows = app.store.alerts(status=status, topic=topic, since=since, limit=limit)
    if as_json:
        for a in rows:
            echo_json(alert_json(a))
        return
    now = app.clock()
    grid = table(plural(len(rows), "alert"), ("id", "status", "channel", "story", "title", "tries", "sent at",
                                             "next try", "last error"), flexible=("title", "last error"))
    for a in rows:
        grid.add_row(str(a.id), status_cell(a.status), text(a.channel), f"#{a.story_id}" if a.story_id else a.kind,
                     text(a.payload.get("title", "")), str(a.attempts), short_time(a.sent_at, now),
                     ago(a.next_attempt_at, now) if a.status == "pending" else "", text(a.last_error or ""))
    console().print(grid)


def alert_json(a: AlertRow) -> dict[str, Any]:
    return {
        "id": a.id, "channel": a.channel, "topic": a.topic, "story": a.story_id, "kind": a.kind,
        "status": a.status, "attempts": a.attempts, "next_attempt": iso(a.next_attempt_at),
        "last_error": a.last_error, "created": iso(a.created_at), "sent": iso(a.sent_at),
        "title": a.payload.get("title"),
    }  # fmt: skip


def retry_alerts(app: App, ids: Sequence[int]) -> None:
    """Re-queue failed alerts; ids that do not exist, or are not failed, are an error naming them (exit 1)."""
    problems: list[str] = []
    if not ids:
        count = app.store.retry_failed(None)
    else:
        found = {a.id: a for a in app.store.alerts(ids=list(ids))}
        missing = [i for i in ids if i not in found]
        not_failed = [f"alert {i} is {found[i].status}" for i in ids if i in found and found[i].status != "failed"]
        problems = ([f"no alert with id {', '.join(map(str, missing))}"] if missing else []) + not_failed
        failed = [i for i in ids if i in found and found[i].status == "failed"]
        count = app.store.retry_failed(failed) if failed else 0
    click.echo(f"{plural(count, 'alert')} re-queued" + ("; `monitor deliver` sends them now" if count else ""))
    if problems:
        click.echo("monitor: error: " + "; ".join(problems), err=True)
        raise SystemExit(1)


def notify_test(app: App, names: Sequence[str], *, as_json: bool) -> None:
    """Send a test message to each channel (or the named ones) now, and say per channel how it went."""
    from monitor.alerts.notify import AppriseNotifier
    from monitor.alerts.render import render

    channels = [c for c in app.config.channels if not names or c.name in names]
    unknown = sorted(set(names) - {c.name for c in app.config.channels})
    if unknown:
        raise click.BadParameter(f"unknown channel {', '.join(map(repr, unknown))}", param_hint="--channel")
    if not channels:
        raise click.UsageError("no channels are configured: add [[channels]] to the configuration")
    notifier = AppriseNotifier()
    failed = 0
    for channel in channels:
        message = render([{
            "title": f"monitor test message for channel {channel.name}", "event": "test",
            "url": "https://example.org/monitor-test", "outlet": "monitor", "published": iso(app.clock()),
            "summary": "If you can read this, the channel works: story alerts will arrive here.",
            "topic": "test", "cues": [], "coverage": [],
        }], digest=False)  # fmt: skip
        result = notifier.send(channel, message)
        failed += not result.ok
        if as_json:
            echo_json({"channel": channel.name, "ok": result.ok, "error": result.error})
        else:
            click.echo(f"{channel.name}: {'sent' if result.ok else 'FAILED: ' + str(result.error)}")
    if failed:
        raise SystemExit(1)
