"""``monitor sources``: each source's status (the group without a subcommand), and ``sources add|import|export``,
which edit the configuration file (keeping its comments and layout) or write it out as OPML.

Editing the list needs the configuration only, not the database or the channels' secrets.
"""

from __future__ import annotations

from pathlib import Path

import click

from monitor.cli.options import MonitorGroup, load, open_app


@click.group(cls=MonitorGroup, invoke_without_command=True, short_help="Sources' status; add, import, export feeds.")
@click.option("--json", "as_json", is_flag=True, help="JSON lines instead of a table.")
@click.pass_context
def sources(ctx: click.Context, as_json: bool) -> None:
    """Each source's status, failures, last error and next poll; `sources add|import|export` edit the list.

    \b
    Example:
      monitor sources
      monitor sources add https://www.gsmarena.com/ --interval 30m
    """
    if ctx.invoked_subcommand is None:
        from monitor.commands.sources import list_sources

        list_sources(open_app(ctx), as_json=as_json)


@sources.command(name="add")
@click.argument("url")
@click.option("--name", default=None, help="The source's name (default: from the site's host).")
@click.option("--interval", default=None, metavar="AGE", help="How often to poll, e.g. 15m (default 15m).")
@click.option("--dry-run", is_flag=True, help="Print the entry; leave the file alone.")
@click.pass_context
def sources_add(ctx: click.Context, url: str, name: str | None, interval: str | None, dry_run: bool) -> None:
    """Add a feed to the configuration file: a feed URL, or a page whose <link rel=alternate> names one.

    The file keeps its comments and layout.

    \b
    Example:
      monitor sources add https://www.theverge.com/ --name verge --interval 30m
    """
    from monitor.sourcefile import add_source

    add_source(load(ctx, channels=False), url, name=name, interval=interval, dry_run=dry_run)


@sources.command(name="import")
@click.argument("opml", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--interval", default=None, metavar="AGE", help="Poll interval for the new sources (default 15m).")
@click.option("--dry-run", is_flag=True, help="Say what would be added; leave the file alone.")
@click.pass_context
def sources_import(ctx: click.Context, opml: Path, interval: str | None, dry_run: bool) -> None:
    """Add the feeds of an OPML file (Miniflux, FreshRSS, any feed reader's export) to the configuration.

    Feeds already configured (same URL or name) are skipped.

    \b
    Example:
      monitor sources import miniflux.opml
    """
    from monitor.sourcefile import import_opml

    import_opml(load(ctx, channels=False), opml, interval=interval, dry_run=dry_run)


@sources.command(name="export")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write here instead of standard output.")
@click.pass_context
def sources_export(ctx: click.Context, output: Path | None) -> None:
    """The configured feeds as OPML 2.0, for a feed reader.

    \b
    Example:
      monitor sources export -o monitor.opml
    """
    from monitor.sourcefile import export_opml

    body = export_opml(load(ctx, channels=False))
    with click.open_file(str(output) if output else "-", "wb") as out:
        out.write(body)


# What this module adds to ``monitor`` (monitor.cli registers them on the root group).
COMMANDS: tuple[click.Command, ...] = (sources,)
