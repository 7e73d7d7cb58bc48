"""The reading lists: ``monitor articles``, ``monitor stories`` (both with ``--json``, ``--topic``, ``--since``,
``--limit``) and ``monitor story ID`` (one story in full).
"""

from __future__ import annotations

from typing import Any

import click

from monitor.cli.options import MonitorCommand, list_options, open_app, since_of


@click.command(cls=MonitorCommand, short_help="Stored articles, newest first.")
@list_options
@click.option("--all", "show_all", is_flag=True, help="Include articles that matched no topic.")
@click.pass_context
def articles(
    ctx: click.Context, as_json: bool, topic: str | None, since: Any, limit: int | None, show_all: bool
) -> None:
    """Stored articles, newest first.

    \b
    Example:
      monitor articles --since 2d --limit 20
    """
    from monitor.commands.lists import list_articles

    app = open_app(ctx, sync_sources=False)
    list_articles(app, as_json=as_json, limit=limit, show_all=show_all, topic=topic, since=since_of(app, since))


@click.command(cls=MonitorCommand, short_help="Stories, newest first.")
@list_options
@click.pass_context
def stories(ctx: click.Context, as_json: bool, topic: str | None, since: Any, limit: int | None) -> None:
    """Stories, newest first: event, title, articles, outlets, when published and last seen.

    \b
    Example:
      monitor stories --topic xiaomi-leica --since 7d
    """
    from monitor.commands.lists import list_stories

    app = open_app(ctx, sync_sources=False)
    list_stories(app, as_json=as_json, topic=topic, since=since_of(app, since), limit=limit)


@click.command(cls=MonitorCommand, short_help="One story in full.")
@click.argument("story_id", metavar="ID", type=int)
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of text.")
@click.pass_context
def story(ctx: click.Context, story_id: int, as_json: bool) -> None:
    """One story in full: its articles, event and cues, why each article joined, its alerts.

    \b
    Example:
      monitor story 2
    """
    from monitor.commands.lists import show_story

    show_story(open_app(ctx, sync_sources=False), story_id, as_json=as_json)


# What this module adds to ``monitor`` (monitor.cli registers them on the root group).
COMMANDS: tuple[click.Command, ...] = (articles, stories, story)
