"""Data in and out: ``monitor import`` (articles, or a ``monitor export`` file; never alerts), ``monitor export``
(the whole database as JSON lines) and ``monitor feed`` (the Atom feed of the stories worth an alert).
"""

from __future__ import annotations

from pathlib import Path

import click

from monitor.cli.options import MonitorCommand, open_app


@click.command(cls=MonitorCommand, name="import", short_help="Load articles, or a `monitor export` file.")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="JSON lines instead of a table.")
@click.option("--resume-pending", is_flag=True,
              help="For a `monitor export` file: keep its pending alerts pending, to send from here.")
@click.pass_context
def import_(ctx: click.Context, paths: tuple[Path, ...], as_json: bool, resume_pending: bool) -> None:
    """Load stored articles (.txt page dumps, .html, .jsonl) or a `monitor export` file. Never alerts.

    \b
    Example:
      monitor import ../shared/seeds/
    """
    from monitor.commands.exchange import run_import

    run_import(open_app(ctx, sync_sources=False), paths, as_json=as_json, resume_pending=resume_pending)


@click.command(cls=MonitorCommand, short_help="The whole database as JSON lines.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write here instead of standard output.")
@click.pass_context
def export(ctx: click.Context, output: Path | None) -> None:
    """Write the whole database as JSON lines (articles, stories, alerts), for backups and moves.

    \b
    Example:
      monitor export -o backup.jsonl && monitor import backup.jsonl
    """
    from monitor.commands.exchange import run_export

    run_export(open_app(ctx, sync_sources=False), output)


@click.command(cls=MonitorCommand, short_help="Atom feed of the stories worth an alert.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write here instead of standard output.")
@click.option("--topic", default=None, metavar="NAME", help="Only this topic's stories.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True, help="At most N entries.")
@click.option("--feed-id", default=None, help="A tag: URI (RFC 4151) naming this feed.  [default: service.feed_id]")
@click.option("--link", default=None, help="The feed's web page.  [default: service.feed_link]")
@click.pass_context
def feed(
    ctx: click.Context, output: Path | None, topic: str | None, limit: int, feed_id: str | None, link: str | None
) -> None:
    """Atom feed of the stories worth an alert, most recently updated first (the service's /feed.atom).

    A story that more outlets pick up moves up, with its new count, without a second alert.

    \b
    Example:
      monitor feed --topic xiaomi-leica -o stories.atom
    """
    from monitor.commands.exchange import write_feed

    write_feed(open_app(ctx, sync_sources=False), output, topic=topic, limit=limit, feed_id=feed_id, link=link)


# What this module adds to ``monitor`` (monitor.cli registers them on the root group).
COMMANDS: tuple[click.Command, ...] = (import_, export, feed)
