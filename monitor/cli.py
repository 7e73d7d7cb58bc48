"""Command line: ``monitor crawl | deliver | import | articles | stories | story | check | sources | alerts | feed |
export | notify-test | run | config | db``.

Only click is imported at module level; each command imports what it needs, so ``monitor --help`` is fast.
Exit codes: 0 the command ran (a failing *source* is reported, not fatal, unless ``crawl --fail-on-error``),
1 it could not run (database, network stack) or ``--fail-on-error`` saw a source fail, 2 bad usage or
configuration (``ConfigError``, ``QuerySyntaxError``).

Every command and group takes ``--config PATH``, before or after its name (``monitor --config x.toml stories``
and ``monitor stories --config x.toml`` are the same). Every ``--help`` gives one line per option and an example.
Only the commands that send (``crawl``, ``deliver``, ``notify-test``, ``run``) need the channels' secrets.
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, cast

import click

if TYPE_CHECKING:
    from monitor.config import Config
    from monitor.service.app import App

    # click's ParamType takes the converted type as a parameter in the click CI installs (constraints.txt);
    # older versions in the supported range are not subscriptable at run time, so only the checker sees it.
    _AgeOrDateType = click.ParamType[timedelta | datetime]
else:
    _AgeOrDateType = click.ParamType

CONFIG_HELP = "Config file (default $MONITOR_CONFIG, else ./config.toml)."


def _remember_config(ctx: click.Context, _param: click.Parameter, value: Path | None) -> None:
    """``--config`` given after a subcommand's name lands where the root's would."""
    if value is not None:
        root = ctx.find_root()
        root.meta["monitor.config"] = value


def _config_option() -> click.Option:
    return click.Option(
        ["--config"], type=click.Path(path_type=Path), expose_value=False, callback=_remember_config,
        help=CONFIG_HELP,
    )  # fmt: skip


class MonitorCommand(click.Command):
    """A command that also takes ``--config``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.params.append(_config_option())


class MonitorGroup(click.Group):
    """Turns monitor's own errors into one clear line and the documented exit code; its commands and groups
    take ``--config`` too."""

    command_class = MonitorCommand

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not any("--config" in p.opts for p in self.params):
            self.params.append(_config_option())

    def invoke(self, ctx: click.Context) -> Any:
        from monitor.errors import ConfigError, MonitorError, QuerySyntaxError

        try:
            return super().invoke(ctx)
        except (ConfigError, QuerySyntaxError) as exc:
            click.echo(f"monitor: configuration error: {exc}", err=True)
            ctx.exit(2)
        except MonitorError as exc:
            click.echo(f"monitor: error: {exc}", err=True)
            ctx.exit(1)


MonitorGroup.group_class = MonitorGroup


class Since(_AgeOrDateType):
    """``7d``, ``12h``, ``30m`` (that long ago) or an ISO date/time (UTC when it names no zone)."""

    name = "AGE|DATE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> timedelta | datetime:
        if isinstance(value, timedelta | datetime):
            return value
        from monitor.config import parse_interval
        from monitor.errors import ConfigError

        text = str(value).strip()
        try:
            return parse_interval(text, minimum=timedelta(0), maximum=timedelta(days=36500))
        except ConfigError:
            pass
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            self.fail(f"{text!r} is neither an age (7d, 12h, 30m) nor a date (2026-12-01)", param, ctx)
        from datetime import UTC

        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


SINCE = Since()


@click.group(cls=MonitorGroup)
@click.option("--config", "config_path", type=click.Path(path_type=Path), help=CONFIG_HELP)
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Log lines (on stderr) as text or JSON.")
@click.option("-v", "--verbose", count=True, help="More output: every crawl item, info logs (-vv: debug).")
@click.version_option(package_name="monitor")
@click.pass_context
def main(ctx: click.Context, config_path: Path | None, log_format: str, verbose: int) -> None:
    """Watch tech news for configured topics and alert once per story.

    \b
    Example:
      monitor import ../shared/seeds/ && monitor stories --since 7d
    """
    from monitor.logs import setup_logging

    setup_logging(log_format, verbose)
    if config_path is not None:
        ctx.meta["monitor.config"] = config_path
    ctx.obj = {"verbose": verbose}


def load(ctx: click.Context, *, channels: bool = True) -> Config:
    """The configuration; ``channels=False`` for commands that send nothing: a channel's missing secret is
    then no error (its URL is not needed)."""
    from monitor.config import load_config

    path = ctx.find_root().meta.get("monitor.config")
    return load_config(path, resolve_channels=channels)


def open_app(ctx: click.Context, *, channels: bool = False, **kwargs: Any) -> App:
    from monitor.service.app import open_app as _open

    app = _open(load(ctx, channels=channels), **kwargs)
    ctx.call_on_close(app.close)
    return app


def _since(app: App, since: timedelta | datetime | None) -> datetime | None:
    if since is None or isinstance(since, datetime):
        return since
    return app.clock() - since


def _verbose(ctx: click.Context) -> int:
    obj = ctx.find_root().obj or {}
    return int(obj.get("verbose", 0))


# ------------------------------------------------------------------------------------------------ polling


@main.command(short_help="Poll once, store what is new, send what is due.")
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
    from monitor.commands import run_crawl

    app = open_app(ctx, channels=not (dry_run or no_notify))
    failed = run_crawl(app, source_names, dry_run=dry_run, as_json=as_json, notify=not no_notify,
                       show_all=show_all or _verbose(ctx) > 0)  # fmt: skip
    if fail_on_error and failed:
        ctx.exit(1)


@main.command(short_help="Send what the outbox has due, without polling.")
@click.option("--json", "as_json", is_flag=True, help="One JSON line with the totals.")
@click.pass_context
def deliver(ctx: click.Context, as_json: bool) -> None:
    """Send what the outbox has due now, without polling; exit 1 if any alert failed.

    \b
    Example:
      monitor deliver && monitor alerts --status failed
    """
    from monitor.commands import deliver_now

    report = deliver_now(open_app(ctx, channels=True, sync_sources=False), as_json=as_json, quiet=False)
    if report["retrying"] or report["failed"]:
        ctx.exit(1)


@main.command(name="import", short_help="Load articles, or a `monitor export` file.")
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
    from monitor.commands import run_import

    run_import(open_app(ctx, sync_sources=False), paths, as_json=as_json, resume_pending=resume_pending)


@main.command(short_help="Explain the judgement of one article.")
@click.argument("target")
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of text.")
@click.pass_context
def check(ctx: click.Context, target: str, as_json: bool) -> None:
    """Explain the judgement of one article (a file or a URL) without storing it.

    \b
    Example:
      monitor check ../shared/seeds/000_2d3f181df76bbdff.txt
    """
    from monitor.commands import run_check

    run_check(open_app(ctx, sync_sources=False), target, as_json=as_json)


# ------------------------------------------------------------------------------------------------ lists


def _list_options(f: Any) -> Any:
    f = click.option("--limit", type=click.IntRange(min=1), default=None, help="At most N rows, the newest.")(f)
    f = click.option("--since", type=SINCE, default=None, help="Only since then: 7d, 12h, 30m or a date.")(f)
    f = click.option("--topic", default=None, metavar="NAME", help="Only this topic.")(f)
    return click.option("--json", "as_json", is_flag=True, help="JSON lines instead of a table.")(f)


@main.command(short_help="Stored articles, newest first.")
@_list_options
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
    from monitor.commands import list_articles

    app = open_app(ctx, sync_sources=False)
    list_articles(app, as_json=as_json, limit=limit, show_all=show_all, topic=topic, since=_since(app, since))


@main.command(short_help="Stories, newest first.")
@_list_options
@click.pass_context
def stories(ctx: click.Context, as_json: bool, topic: str | None, since: Any, limit: int | None) -> None:
    """Stories, newest first: event, title, articles, outlets, when published and last seen.

    \b
    Example:
      monitor stories --topic xiaomi-leica --since 7d
    """
    from monitor.commands import list_stories

    app = open_app(ctx, sync_sources=False)
    list_stories(app, as_json=as_json, topic=topic, since=_since(app, since), limit=limit)


@main.command(short_help="One story in full.")
@click.argument("story_id", metavar="ID", type=int)
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of text.")
@click.pass_context
def story(ctx: click.Context, story_id: int, as_json: bool) -> None:
    """One story in full: its articles, event and cues, why each article joined, its alerts.

    \b
    Example:
      monitor story 2
    """
    from monitor.commands import show_story

    show_story(open_app(ctx, sync_sources=False), story_id, as_json=as_json)


@main.group(invoke_without_command=True, short_help="Sources' status; add, import, export feeds.")
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
        from monitor.commands import list_sources

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


@main.group(invoke_without_command=True, short_help="The outbox: pending, sent and failed alerts.")
@click.option("--status", type=click.Choice(["pending", "sent", "failed"]), default=None,
              help="Only alerts in this state.")
@_list_options
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
        from monitor.commands import list_alerts

        app = open_app(ctx, sync_sources=False)
        list_alerts(app, status=status, as_json=as_json, topic=topic, since=_since(app, since), limit=limit)


@alerts.command(name="retry")
@click.argument("ids", nargs=-1, type=int, metavar="[ID]...")
@click.pass_context
def alerts_retry(ctx: click.Context, ids: tuple[int, ...]) -> None:
    """Re-queue failed alerts (all of them, or the given ids); they go out at the next delivery.

    \b
    Example:
      monitor alerts retry 12 13 && monitor deliver
    """
    from monitor.commands import retry_alerts

    retry_alerts(open_app(ctx, sync_sources=False), ids)


@main.command(name="notify-test")
@click.option("--channel", "channels", multiple=True, metavar="NAME", help="Only this channel (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="JSON lines instead of text.")
@click.pass_context
def notify_test(ctx: click.Context, channels: tuple[str, ...], as_json: bool) -> None:
    """Send a test message to every channel and report per channel.

    \b
    Example:
      monitor notify-test --channel mail
    """
    from monitor.commands import notify_test as _notify_test

    _notify_test(open_app(ctx, channels=True, sync_sources=False), channels, as_json=as_json)


@main.command(short_help="The service: poll and deliver until stopped.")
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


@main.command(short_help="The whole database as JSON lines.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write here instead of standard output.")
@click.pass_context
def export(ctx: click.Context, output: Path | None) -> None:
    """Write the whole database as JSON lines (articles, stories, alerts), for backups and moves.

    \b
    Example:
      monitor export -o backup.jsonl && monitor import backup.jsonl
    """
    from monitor.store.exchange import export_jsonl
    from monitor.terminal import plural

    app = open_app(ctx, sync_sources=False)
    with click.open_file(str(output) if output else "-", "w", encoding="utf-8") as out:
        counts = export_jsonl(app.store, cast(TextIO, out))
    click.echo(", ".join(plural(n, kind) for kind, n in counts.items()) + " exported", err=True)


@main.command(short_help="Atom feed of the stories worth an alert.")
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
    from monitor.alerts.atom import topic_feed
    from monitor.config import check_tag_uri
    from monitor.store.exchange import feed_stories

    app = open_app(ctx, sync_sources=False)
    service = app.config.service
    stories = feed_stories(app.store, topic=topic, limit=limit)
    body = topic_feed(stories, topic, empty_updated=app.clock(), feed_id=check_tag_uri(feed_id or service.feed_id),
                      link=link or service.feed_link)  # fmt: skip
    with click.open_file(str(output) if output else "-", "wb") as out:
        out.write(body)


@main.group()
def config() -> None:
    """Inspect the configuration.

    \b
    Example:
      monitor config check
    """


@config.command(name="check")
@click.pass_context
def config_check(ctx: click.Context) -> None:
    """Validate the configuration (channel secrets included) and print it, secrets masked.

    \b
    Example:
      monitor config check --config /etc/monitor/config.toml
    """
    import json

    from monitor.config import describe
    from monitor.judgement.judge import Judge
    from monitor.terminal import plural

    cfg = load(ctx)
    Judge(cfg.topics)  # query syntax errors belong to "is the configuration valid"
    click.echo(json.dumps(describe(cfg), indent=2, ensure_ascii=False))
    counts = ", ".join((plural(len(cfg.sources), "source"), plural(len(cfg.topics), "topic"),
                        plural(len(cfg.channels), "channel")))  # fmt: skip
    click.echo(f"{cfg.path}: OK ({counts})", err=True)


@main.group()
def db() -> None:
    """Database maintenance.

    \b
    Example:
      monitor db upgrade
    """


@db.command(name="upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Apply the database migrations (also done on every start).

    \b
    Example:
      monitor db upgrade --config /etc/monitor/config.toml
    """
    from monitor.store.db import upgrade

    cfg = load(ctx, channels=False)
    upgrade(cfg.storage.url)
    click.echo("database is at the newest schema")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
