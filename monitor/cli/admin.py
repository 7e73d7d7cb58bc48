"""Administration: ``monitor config check`` (validate the configuration, channel secrets and topic queries
included, and print it with secrets masked) and ``monitor db upgrade`` (apply the database migrations).
"""

from __future__ import annotations

import click

from monitor.cli.options import MonitorGroup, load


@click.group(cls=MonitorGroup)
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
    Judge(cfg.topics, cfg.judgement.event_model)  # a bad query or event model belongs to "is the configuration valid"
    click.echo(json.dumps(describe(cfg), indent=2, ensure_ascii=False))
    counts = ", ".join((plural(len(cfg.sources), "source"), plural(len(cfg.topics), "topic"),
                        plural(len(cfg.channels), "channel")))  # fmt: skip
    click.echo(f"{cfg.path}: OK ({counts})", err=True)


@click.group(cls=MonitorGroup)
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


# What this module adds to ``monitor`` (monitor.cli registers them on the root group).
COMMANDS: tuple[click.Command, ...] = (config, db)
