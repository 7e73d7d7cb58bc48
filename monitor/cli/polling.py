"""Polling and judging: ``monitor crawl`` (poll once, store, send what is due), ``monitor check`` (one article's
judgement explained, nothing stored) and ``monitor run`` (the service, until SIGTERM/SIGINT).

Only the commands that send (``crawl`` unless ``--dry-run``/``--no-notify``, ``run``) resolve the channels' secrets.
``crawl --fail-on-error`` exits 1 when any source failed; ``run`` exits with the service's code.
"""

from __future__ import annotations

import click

from monitor.cli.options import MonitorCommand, load, open_app, verbose_level


@click.command(cls=MonitorCommand, short_help="Poll once, store what is new, send what is due.")
@click.option("--source", "source_names", multiple=True, metavar="NAME", help="Poll only this source (repeatable).")
@click.option("--dry-run", is_flag=True, help="Judge what the sources have; store and send nothing.")
@click.option("--json", "as_json", is_flag=True, help="JSON lines (every item) instead of tables.")
@click.option("--all", "-v", "show_all", is_flag=True, help="List every item, not only the new relevant ones.")
@click.option("--no-notify", is_flag=True, help="Keep alerts in the outbox; send nothing now.")
@click.option("--fail-on-error", is_flag=True, help="Exit 1 when any source failed (for cron).")
@click.pass_context
def crawl(
    ctx: click.Context, source_names: tuple[str, ...], dry_run: bool, as_json: bool, show_all: bool,
    no_notify: bool, fail_on_error: bool,
) -> None:  # fmt: skip
    """Poll the sources once, store what is new, then send what the outbox has due, and exit.

    The sending step delivers every due alert, older ones too (like `monitor deliver`); --no-notify skips it.
    The table lists new relevant items (--all or -v: every item); the last line counts sources and items.

    \b
    Example:
      monitor crawl --fail-on-error --source gsmarena
    """
    from monitor.commands.crawl import run_crawl

    app = open_app(ctx, channels=not (dry_run or no_notify))
    failed = run_crawl(app, source_names, dry_run=dry_run, as_json=as_json, notify=not no_notify,
                       show_all=show_all or verbose_level(ctx) > 0)  # fmt: skip
    if fail_on_error and failed:
        ctx.exit(1)


@click.command(cls=MonitorCommand, short_help="Explain the judgement of one article.")
@click.argument("target")
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of text.")
@click.pass_context
def check(ctx: click.Context, target: str, as_json: bool) -> None:
    """Explain the judgement of one article (a file or a URL) without storing it.

    \b
    Example:
      monitor check ../shared/seeds/000_2d3f181df76bbdff.txt
    """
    from monitor.commands.check import run_check

    run_check(open_app(ctx, sync_sources=False), target, as_json=as_json)


@click.command(cls=MonitorCommand, short_help="The service: poll and deliver until stopped.")
@click.pass_context
def run(ctx: click.Context) -> None:
    """Run as a service: poll every source on its interval and deliver alerts, until SIGTERM/SIGINT.

    \b
    Example:
      MONITOR_CONFIG=/etc/monitor/config.toml monitor run
    """
    from monitor.service.run import run_service

    root = ctx.find_root()
    code = run_service(load(ctx), log_format=root.params["log_format"])
    ctx.exit(code)


# What this module adds to ``monitor`` (monitor.cli registers them on the root group).
COMMANDS: tuple[click.Command, ...] = (crawl, check, run)
