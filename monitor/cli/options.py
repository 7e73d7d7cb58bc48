"""What every command of ``monitor.cli`` shares: ``--config`` anywhere, monitor's errors as one line and an exit code,
the list options (``--json``, ``--topic``, ``--since``, ``--limit``), and opening the configuration or the app.

``MonitorGroup`` turns ``ConfigError``/``QuerySyntaxError`` into "monitor: configuration error: …" and exit 2,
any other ``MonitorError`` into "monitor: error: …" and exit 1. ``--config`` given after a subcommand's name lands
where the root's would. ``load(ctx, channels=False)`` is for commands that send nothing: a channel's missing secret
is then no error. Only click is imported here; the configuration and the app are imported when a command opens them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

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


def list_options(f: Any) -> Any:
    """``--json``, ``--topic``, ``--since`` and ``--limit``, as every list command takes them."""
    f = click.option("--limit", type=click.IntRange(min=1), default=None, help="At most N rows, the newest.")(f)
    f = click.option("--since", type=SINCE, default=None, help="Only since then: 7d, 12h, 30m or a date.")(f)
    f = click.option("--topic", default=None, metavar="NAME", help="Only this topic.")(f)
    return click.option("--json", "as_json", is_flag=True, help="JSON lines instead of a table.")(f)


def load(ctx: click.Context, *, channels: bool = True) -> Config:
    """The configuration; ``channels=False`` for commands that send nothing: a channel's missing secret is
    then no error (its URL is not needed)."""
    from monitor.config import load_config

    path = ctx.find_root().meta.get("monitor.config")
    return load_config(path, resolve_channels=channels)


def open_app(ctx: click.Context, *, channels: bool = False, **kwargs: Any) -> App:
    """The store, judgement and pipeline for this configuration, closed when the command ends."""
    from monitor.service.app import open_app as _open

    app = _open(load(ctx, channels=channels), **kwargs)
    ctx.call_on_close(app.close)
    return app


def since_of(app: App, since: timedelta | datetime | None) -> datetime | None:
    """``--since`` as a moment: an age counts back from the app's clock."""
    if since is None or isinstance(since, datetime):
        return since
    return app.clock() - since


def verbose_level(ctx: click.Context) -> int:
    """How many ``-v`` the root command was given."""
    obj = ctx.find_root().obj or {}
    return int(obj.get("verbose", 0))
