"""``monitor crawl``: poll the chosen sources once, print what came of it, then deliver what is due.

The table lists the new relevant items (every item with ``--all``) and the sources that failed or brought news;
the last line is the totals, or "every source failed (N sources)", never wrapped, because scripts and cron mails
read it. With ``--json``, one line per item and per source as they finish, then the delivery's totals.
``run_crawl`` returns how many sources failed, for ``--fail-on-error``.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import click

from monitor.commands.alerts import deliver_now
from monitor.commands.output import echo_json, item_json, reason
from monitor.model import Outcome
from monitor.terminal import console, plural, status_cell, table, text

if TYPE_CHECKING:
    from monitor.config import SourceConfig
    from monitor.service.app import App
    from monitor.service.cycle import CycleReport, SourceResult
    from monitor.service.pipeline import ItemResult


def source_json(result: SourceResult) -> dict[str, Any]:
    return {
        "type": "source",
        "source": result.source,
        "status": result.status,
        "items": result.items,
        "new": result.new,
        "error": result.error,
        "seconds": round(result.duration, 3),
        "first_run_silent": result.silent,
    }


def select_sources(sources: Sequence[SourceConfig], names: Iterable[str]) -> list[SourceConfig]:
    wanted = list(names)
    if not wanted:
        return [s for s in sources if s.enabled]
    by_name = {s.name: s for s in sources}
    unknown = [n for n in wanted if n not in by_name]
    if unknown:
        raise click.BadParameter(
            f"unknown source {', '.join(map(repr, unknown))}; configured: {', '.join(by_name) or 'none'}",
            param_hint="--source",
        )
    return [by_name[n] for n in wanted]


def run_crawl(
    app: App, names: Sequence[str], *, dry_run: bool, as_json: bool, notify: bool, show_all: bool = False
) -> int:
    """Poll, print, then deliver what is due (unless ``notify`` is off). Returns how many sources failed."""
    sources = select_sources(app.config.sources, names)
    report = asyncio.run(_crawl(app, sources, dry_run=dry_run, as_json=as_json))
    if not as_json:
        _print_crawl(app, report, dry_run=dry_run, show_all=show_all)
    if notify and not dry_run:
        deliver_now(app, as_json=as_json, quiet=True)
    return sum(1 for s in report.sources if s.error)


async def _crawl(app: App, sources: Sequence[SourceConfig], *, dry_run: bool, as_json: bool) -> CycleReport:
    from monitor.ingest.fetch import Fetcher
    from monitor.service.cycle import Cycle

    progress = None if as_json or not sys.stderr.isatty() else _progress(len(sources))
    on_item = (lambda item: echo_json(item_json(item))) if as_json else None

    def on_source(result: SourceResult) -> None:
        if as_json:
            echo_json(source_json(result))
        if progress is not None:
            progress[0].advance(progress[1])

    async with Fetcher(app.config.network) as fetcher:
        cycle = Cycle(
            app.config, app.store, app.pipeline, fetcher, app.clock, dry_run=dry_run,
            on_item=on_item, on_source=on_source,
        )
        try:
            return await cycle.run(sources)
        finally:
            if progress is not None:
                progress[0].stop()


def _progress(total: int) -> tuple[Any, Any]:
    from rich.console import Console
    from rich.progress import Progress

    bar = Progress(console=Console(stderr=True), transient=True)
    task = bar.add_task("polling sources", total=total)
    bar.start()
    return bar, task


def _print_crawl(app: App, report: CycleReport, *, dry_run: bool, show_all: bool) -> None:
    out = console()
    shown = [i for i in report.items_sorted() if show_all or i.outcome == Outcome.NEW]
    if shown:
        title = ("Items" if show_all else "New items") + (" (dry run: nothing stored)" if dry_run else "")
        items = table(title, ("source", "title", "outcome", "story", "event"))
        for item in shown:
            outcome = f"{item.outcome}: {item.error}" if item.error else str(item.outcome)
            items.add_row(text(item.source), text(item.title), status_cell(outcome), _crawl_story(item),
                          text(item.event or ""))  # fmt: skip
        out.print(items)
    shown_sources = [s for s in report.sources if show_all or s.error or s.new]
    if shown_sources:
        grid = table("Sources", ("source", "status", "items", "new", "time", "error"), flexible=("error",))
        for src in sorted(shown_sources, key=lambda s: s.source):
            status = src.status + (" (first run: no alerts)" if src.silent and src.new else "")
            grid.add_row(text(src.source), status_cell(status), str(src.items), str(src.new),
                         f"{src.duration:.1f} s", text(reason(src.error)))  # fmt: skip
        out.print(grid)
    click.echo(crawl_summary(report))  # never wrapped: scripts and cron mails read the last line


def _crawl_story(item: ItemResult) -> str:
    if item.story_id is not None:
        return f"#{item.story_id}" + (" (known)" if item.known_story else " (new)")
    return "new story" if item.outcome == Outcome.NEW else ""


def crawl_summary(report: CycleReport) -> str:
    """The last line of a crawl: sources polled and failed, items by outcome; says so when every source failed."""
    polled, failed = len(report.sources), sum(1 for s in report.sources if s.error)
    counts = (
        f"{plural(len(report.items), 'item')}: {report.count(Outcome.NEW)} new, "
        f"{report.count(Outcome.DUPLICATE)} duplicate, {report.count(Outcome.IRRELEVANT)} irrelevant, "
        f"{report.count(Outcome.ERROR)} error"
    )
    if polled and failed == polled:
        return f"every source failed ({plural(polled, 'source')}); {counts}"
    return f"{plural(polled, 'source')} polled, {failed} failed; {counts}"
