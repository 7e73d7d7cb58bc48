"""The outbox: ``monitor deliver`` (send what is due, exit 1 if any alert failed), ``monitor alerts`` (the list,
with ``--status``), ``alerts retry [ID]...`` and ``notify-test`` (a test message to each channel).

Only ``deliver`` and ``notify-test`` resolve the channels' secrets.
"""

from __future__ import annotations

from typing import Any

import click

from monitor.cli.options import MonitorCommand, MonitorGroup, list_options, open_app, since_of


@click.command(cls=MonitorCommand, short_help="Send what the outbox has due, without polling.")
@click.option("--json", "as_json", is_flag=True, help="One JSON line with the totals.")
@click.pass_context
def deliver(ctx: click.Context, as_json: bool) -> None:
    """Send what the outbox has due now, without polling; exit 1 if any alert failed.

    \b
    Example:
      monitor deliver && monitor alerts --status failed
    """
    from monitor.commands.alerts import deliver_now

    report = deliver_now(open_app(ctx, channels=True, sync_sources=False), as_json=as_json, quiet=False)
    if report["retrying"] or report["failed"]:
        ctx.exit(1)


@click.group(cls=MonitorGroup, invoke_without_command=True, short_help="The outbox: pending, sent and failed alerts.")
@click.option("--status", type=click.Choice(["pending", "sent", "failed"]), default=None,
              help="Only alerts in this state.")
@list_options
@click.pass_context
def alerts(
    ctx: click.Context, status: str | None, as_json: bool, topic: str | None, since: Any, limit: int | None
) -> None:
    """The alert outbox: pending, sent and failed alerts, when sent, their last error.

    \b
    Example:
      monitor alerts --status failed --since 1d
      monitor alerts retry 12
    """
    if ctx.invoked_subcommand is None:
        from monitor.commands.alerts import list_alerts

        app = open_app(ctx, sync_sources=False)
        list_alerts(app, status=status, as_json=as_json, topic=topic, since=since_of(app, since), limit=limit)


@alerts.command(name="retry")
@click.argument("ids", nargs=-1, type=int, metavar="[ID]...")
@click.pass_context
def alerts_retry(ctx: click.Context, ids: tuple[int, ...]) -> None:
    """Re-queue failed alerts (all of them, or the given ids); they go out at the next delivery.

    \b
    Example:
      monitor alerts retry 12 13 && monitor deliver
    """
    from monitor.commands.alerts import retry_alerts

    retry_alerts(open_app(ctx, sync_sources=False), ids)


@click.command(cls=MonitorCommand, name="notify-test")
@click.option("--channel", "channels", multiple=True, metavar="NAME", help="Only this channel (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="JSON lines instead of text.")
@click.pass_context
def notify_test(ctx: click.Context, channels: tuple[str, ...], as_json: bool) -> None:
    """Send a test message to every channel and report per channel.

    \b
    Example:
      monitor notify-test --channel mail
    """
    from monitor.commands.alerts import notify_test as _notify_test

    _notify_test(open_app(ctx, channels=True, sync_sources=False), channels, as_json=as_json)


# What this module adds to ``monitor`` (monitor.cli registers them on the root group).
COMMANDS: tuple[click.Command, ...] = (deliver, alerts, notify_test)
