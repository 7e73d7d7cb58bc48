"""Command line: ``monitor crawl | deliver | import | articles | stories | story | check | sources | alerts | feed |
export | notify-test | run | config | db``; ``main`` is the console script's entry point (``monitor.cli:main``).

Argument parsing only, one module per command family: ``polling`` (crawl, check, run), ``lists`` (articles,
stories, story), ``sources`` (the sources group), ``alerts`` (deliver, the alerts group, notify-test),
``exchange`` (import, export, feed), ``admin`` (config check, db upgrade); ``options`` holds what they share. What
each command does is in ``monitor.commands``. Only click is imported at module level; each command imports what
it needs, so ``monitor --help`` is fast.

Exit codes: 0 the command ran (a failing *source* is reported, not fatal, unless ``crawl --fail-on-error``),
1 it could not run (database, network stack) or ``--fail-on-error`` saw a source fail, 2 bad usage or
configuration (``ConfigError``, ``QuerySyntaxError``).

Every command and group takes ``--config PATH``, before or after its name (``monitor --config x.toml stories``
and ``monitor stories --config x.toml`` are the same). Every ``--help`` gives one line per option and an example.
Only the commands that send (``crawl``, ``deliver``, ``notify-test``, ``run``) need the channels' secrets.
"""

from __future__ import annotations

from pathlib import Path

import click

from monitor.cli import admin, alerts, exchange, lists, polling, sources
from monitor.cli.options import CONFIG_HELP, MonitorGroup


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


for _family in (polling, lists, sources, alerts, exchange, admin):
    for _command in _family.COMMANDS:
        main.add_command(_command)
