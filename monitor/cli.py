"""Command line: ``monitor crawl | import | articles | sources | stories | check | alerts | run | config | db``.

Only click is imported at module level; each command imports what it needs, so ``monitor --help`` is fast.
Exit codes: 0 the command ran (a failing *source* is reported, not fatal), 1 it could not run (database,
network stack), 2 bad usage or configuration (``ConfigError``, ``QuerySyntaxError``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from monitor.app import App
    from monitor.config import Config


class MonitorGroup(click.Group):
    """Turns monitor's own errors into one clear line and the documented exit code."""

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


@click.group(cls=MonitorGroup)
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    help="Configuration file (default: $MONITOR_CONFIG, else ./config.toml).",
)
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.version_option(package_name="monitor")
@click.pass_context
def main(ctx: click.Context, config_path: Path | None, log_format: str, verbose: int) -> None:
    """Watch tech news for configured topics and alert once per story."""
    from monitor.logs import setup_logging

    setup_logging(log_format, verbose)
    ctx.obj = {"config_path": config_path}


def load(ctx: click.Context) -> Config:
    from monitor.config import load_config

    return load_config(ctx.obj["config_path"])


def open_app(ctx: click.Context, **kwargs: Any) -> App:
    from monitor.app import open_app as _open

    app = _open(load(ctx), **kwargs)
    ctx.call_on_close(app.close)
    return app


@main.command()
@click.option("--source", "source_names", multiple=True, help="Poll only this source (repeatable).")
@click.option("--dry-run", is_flag=True, help="Judge what the sources have without storing or alerting.")
@click.option("--json", "as_json", is_flag=True, help="JSON lines instead of tables.")
@click.option("--no-notify", is_flag=True, help="Store alerts in the outbox but do not deliver them now.")
@click.pass_context
def crawl(ctx: click.Context, source_names: tuple[str, ...], dry_run: bool, as_json: bool, no_notify: bool) -> None:
    """Poll the configured sources once, store what is new, deliver the alerts it decided, and exit."""
    from monitor.commands import run_crawl

    run_crawl(open_app(ctx), source_names, dry_run=dry_run, as_json=as_json, notify=not no_notify)


@main.command(name="import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="JSON lines instead of a table.")
@click.option("--resume-pending", is_flag=True,
              help="For a `monitor export` file: keep its pending alerts pending, so they are sent from here.")
@click.pass_context
def import_(ctx: click.Context, paths: tuple[Path, ...], as_json: bool, resume_pending: bool) -> None:
    """Load stored articles (.txt page dumps, .html, .jsonl) or a `monitor export` file. Never alerts."""
    from monitor.commands import run_import

    run_import(open_app(ctx, sync_sources=False), paths, as_json=as_json, resume_pending=resume_pending)


@main.command()
@click.option("--json", "as_json", is_flag=True)
@click.option("--limit", type=int, default=None, help="Newest N articles.")
@click.option("--all", "show_all", is_flag=True, help="Include articles that matched no topic.")
@click.pass_context
def articles(ctx: click.Context, as_json: bool, limit: int | None, show_all: bool) -> None:
    """List stored articles."""
    from monitor.commands import list_articles

    list_articles(open_app(ctx, sync_sources=False), as_json=as_json, limit=limit, show_all=show_all)


@main.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def sources(ctx: click.Context, as_json: bool) -> None:
    """Each source's last status, last error and next poll."""
    from monitor.commands import list_sources

    list_sources(open_app(ctx), as_json=as_json)


@main.command()
@click.option("--json", "as_json", is_flag=True)
@click.option("--topic", default=None)
@click.pass_context
def stories(ctx: click.Context, as_json: bool, topic: str | None) -> None:
    """Stories: event, title, article count, outlets, first and last seen."""
    from monitor.commands import list_stories

    list_stories(open_app(ctx, sync_sources=False), as_json=as_json, topic=topic)


@main.command()
@click.argument("target")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def check(ctx: click.Context, target: str, as_json: bool) -> None:
    """Explain the judgement of one article (a file or a URL) without storing it."""
    from monitor.commands import run_check

    run_check(open_app(ctx, sync_sources=False), target, as_json=as_json)


@main.group(cls=MonitorGroup, invoke_without_command=True)
@click.option("--status", type=click.Choice(["pending", "sent", "failed"]), default=None)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def alerts(ctx: click.Context, status: str | None, as_json: bool) -> None:
    """The alert outbox: pending, sent and failed alerts with their last error."""
    if ctx.invoked_subcommand is None:
        from monitor.commands import list_alerts

        list_alerts(open_app(ctx.find_root(), sync_sources=False), status=status, as_json=as_json)


@alerts.command(name="retry")
@click.argument("ids", nargs=-1, type=int)
@click.pass_context
def alerts_retry(ctx: click.Context, ids: tuple[int, ...]) -> None:
    """Re-queue failed alerts (all of them, or the given ids)."""
    app = open_app(ctx.find_root(), sync_sources=False)
    count = app.store.retry_failed(list(ids) or None)
    click.echo(f"{count} alert(s) re-queued")


@main.command(name="notify-test")
@click.option("--channel", "channels", multiple=True, help="Only this channel (repeatable).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def notify_test(ctx: click.Context, channels: tuple[str, ...], as_json: bool) -> None:
    """Send a test message to every channel and report per channel."""
    from monitor.commands import notify_test as _notify_test

    _notify_test(open_app(ctx, sync_sources=False), channels, as_json=as_json)


@main.command()
@click.pass_context
def run(ctx: click.Context) -> None:
    """Run as a service: poll every source on its interval and deliver alerts, until SIGTERM/SIGINT."""
    from monitor.service import run_service

    root = ctx.find_root()
    code = run_service(load(root), log_format=root.params["log_format"])
    ctx.exit(code)


@main.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write here instead of standard output.")
@click.pass_context
def export(ctx: click.Context, output: Path | None) -> None:
    """Write the whole database as JSON lines (articles, stories, alerts), for backups and moves."""
    from monitor.exchange import export_jsonl

    app = open_app(ctx, sync_sources=False)
    with click.open_file(str(output) if output else "-", "w", encoding="utf-8") as out:
        counts = export_jsonl(app.store, out)
    click.echo(" ".join(f"{n} {kind}(s)" for kind, n in counts.items()) + " exported", err=True)


@main.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--topic", default=None)
@click.option("--limit", type=int, default=50, show_default=True)
@click.option("--feed-id", default=None, help="A tag: URI (RFC 4151) naming this feed.  [default: service.feed_id]")
@click.option("--link", default=None, help="The feed's web page.  [default: service.feed_link]")
@click.pass_context
def feed(
    ctx: click.Context, output: Path | None, topic: str | None, limit: int, feed_id: str | None, link: str | None
) -> None:
    """Atom feed of the stories worth an alert, newest first: the document the service serves at /feed.atom."""
    from monitor.atom import topic_feed
    from monitor.config import check_tag_uri
    from monitor.exchange import feed_stories

    app = open_app(ctx, sync_sources=False)
    service = app.config.service
    stories = feed_stories(app.store, topic=topic, limit=limit)
    body = topic_feed(stories, topic, empty_updated=app.clock(), feed_id=check_tag_uri(feed_id or service.feed_id),
                      link=link or service.feed_link)  # fmt: skip
    with click.open_file(str(output) if output else "-", "wb") as out:
        out.write(body)


@main.group(cls=MonitorGroup)
def config() -> None:
    """Inspect the configuration."""


@config.command(name="check")
@click.pass_context
def config_check(ctx: click.Context) -> None:
    """Validate the configuration and print it, secrets masked."""
    import json

    from monitor.config import describe
    from monitor.judge import Judge

    cfg = load(ctx.find_root())
    Judge(cfg.topics)  # query syntax errors belong to "is the configuration valid"
    click.echo(json.dumps(describe(cfg), indent=2, ensure_ascii=False))
    click.echo(f"{cfg.path}: OK ({len(cfg.sources)} sources, {len(cfg.topics)} topics, "
               f"{len(cfg.channels)} channels)", err=True)


@main.group(cls=MonitorGroup)
def db() -> None:
    """Database maintenance."""


@db.command(name="upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Apply the database migrations (also done on every start)."""
    from monitor.store.db import upgrade

    cfg = load(ctx.find_root())
    upgrade(cfg.storage.url)
    click.echo("database is at the newest schema")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
