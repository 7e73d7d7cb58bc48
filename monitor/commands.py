"""What the CLI commands do, apart from argument parsing: run the work, print tables or JSON lines."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from monitor.errors import ImportFileError, MonitorError
from monitor.model import Outcome

if TYPE_CHECKING:
    from monitor.app import App
    from monitor.config import SourceConfig
    from monitor.cycle import CycleReport, SourceResult
    from monitor.pipeline import ItemResult


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _echo_json(obj: dict[str, Any]) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, default=str))


def _console() -> Any:
    from rich.console import Console

    return Console(soft_wrap=False)


def _short(text: str, width: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def item_json(item: ItemResult) -> dict[str, Any]:
    return {
        "type": "item",
        "source": item.source,
        "url": item.url,
        "title": item.title,
        "outcome": str(item.outcome),
        "topic": item.topic,
        "story": item.story_id,
        "event": item.event,
        "known_story": item.known_story,
        "alerts": item.alerts,
        "error": item.error,
    }


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


# ------------------------------------------------------------------------------------------------ crawl


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


def run_crawl(app: App, names: Sequence[str], *, dry_run: bool, as_json: bool, notify: bool) -> None:
    sources = select_sources(app.config.sources, names)
    report = asyncio.run(_crawl(app, sources, dry_run=dry_run, as_json=as_json))
    if not as_json:
        _print_crawl(report, dry_run=dry_run)
    if notify and not dry_run:
        deliver_now(app, as_json=as_json)


async def _crawl(app: App, sources: Sequence[SourceConfig], *, dry_run: bool, as_json: bool) -> CycleReport:
    from monitor.cycle import Cycle
    from monitor.fetch import Fetcher

    progress = None if as_json or not sys.stderr.isatty() else _progress(len(sources))
    on_item = (lambda item: _echo_json(item_json(item))) if as_json else None

    def on_source(result: SourceResult) -> None:
        if as_json:
            _echo_json(source_json(result))
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


def _print_crawl(report: CycleReport, *, dry_run: bool) -> None:
    from rich.table import Table

    console = _console()
    items = Table(title="Items" + (" (dry run: nothing stored)" if dry_run else ""))
    for column in ("source", "title", "outcome", "story", "event"):
        items.add_column(column)
    for item in report.items_sorted():
        story = ""
        if item.story_id is not None:
            story = f"#{item.story_id}" + (" (known)" if item.known_story else " (new)")
        elif item.outcome == Outcome.NEW:
            story = "new story"
        outcome = f"{item.outcome}: {item.error}" if item.error else str(item.outcome)
        items.add_row(item.source, _short(item.title, 60), outcome, story, item.event or "")
    if report.items:
        console.print(items)
    table = Table(title="Sources")
    for column in ("source", "status", "items", "new", "seconds", "error"):
        table.add_column(column)
    for src in sorted(report.sources, key=lambda s: s.source):
        status = src.status + (" (first run: no alerts)" if src.silent and src.new else "")
        table.add_row(src.source, status, str(src.items), str(src.new), f"{src.duration:.2f}", src.error or "")
    console.print(table)
    failed = sum(1 for s in report.sources if s.error)
    console.print(
        f"{len(report.sources)} sources polled, {failed} failed; {len(report.items)} items: "
        f"{report.count(Outcome.NEW)} new, {report.count(Outcome.DUPLICATE)} duplicate, "
        f"{report.count(Outcome.IRRELEVANT)} irrelevant, {report.count(Outcome.ERROR)} error"
    )


def deliver_now(app: App, *, as_json: bool) -> None:
    """Deliver the alerts this run decided (and any others already due) before the command exits."""
    import os
    import random

    if app.store.oldest_pending_alert(app.clock()) is None:
        return  # nothing due: skip importing apprise (~0.25 s) on the common, quiet crawl

    from monitor.delivery import DEFAULT_LIMIT, deliver_due
    from monitor.notify import AppriseNotifier

    channels = {c.name: c for c in app.config.channels}
    notifier = AppriseNotifier()
    worker = f"crawl-{os.getpid()}"
    totals = {"claimed": 0, "sent": 0, "retrying": 0, "failed": 0}
    errors: list[str] = []
    for _ in range(1000):  # bounded: each round claims up to DEFAULT_LIMIT due alerts
        lease = app.config.service.delivery_lease
        report = deliver_due(app.store, notifier, channels, app.clock(), worker, random.Random(), lease=lease)
        for key in totals:
            totals[key] += getattr(report, key)
        errors.extend(report.errors)
        if report.claimed < DEFAULT_LIMIT:
            break
    if as_json:
        _echo_json({"type": "delivery", **totals, "errors": errors})
    elif totals["claimed"]:
        click.echo(
            f"alerts: {totals['sent']} sent, {totals['retrying']} to retry, {totals['failed']} failed"
            + "".join(f"\n  {e}" for e in errors)
        )


def list_alerts(app: App, *, status: str | None, as_json: bool) -> None:
    rows = app.store.alerts(status=status)
    if as_json:
        for a in rows:
            _echo_json({
                "id": a.id, "channel": a.channel, "topic": a.topic, "story": a.story_id, "kind": a.kind,
                "status": a.status, "attempts": a.attempts, "next_attempt": _iso(a.next_attempt_at),
                "last_error": a.last_error, "created": _iso(a.created_at), "sent": _iso(a.sent_at),
                "title": a.payload.get("title"),
            })
        return
    from rich.table import Table

    table = Table(title=f"Alerts ({len(rows)})")
    for column in ("id", "status", "channel", "story", "title", "attempts", "next attempt", "last error"):
        table.add_column(column)
    for a in rows:
        table.add_row(str(a.id), a.status, a.channel, f"#{a.story_id}" if a.story_id else a.kind,
                      _short(str(a.payload.get("title", "")), 40), str(a.attempts),
                      (_iso(a.next_attempt_at) or "")[:19] if a.status == "pending" else "",
                      _short(a.last_error or "", 50))
    _console().print(table)


def notify_test(app: App, names: Sequence[str], *, as_json: bool) -> None:
    """Send a test message to each channel (or the named ones) now, and say per channel how it went."""
    from monitor.notify import AppriseNotifier
    from monitor.render import render

    channels = [c for c in app.config.channels if not names or c.name in names]
    unknown = sorted(set(names) - {c.name for c in app.config.channels})
    if unknown:
        raise click.BadParameter(f"unknown channel {', '.join(map(repr, unknown))}", param_hint="--channel")
    if not channels:
        raise click.UsageError("no channels are configured: add [[channels]] to the configuration")
    message = render([{
        "title": "monitor test message", "event": "other", "url": "https://example.org/monitor-test",
        "outlet": "monitor", "published": _iso(app.clock()), "summary": "If you can read this, the channel works.",
        "topic": "test", "cues": [], "coverage": [],
    }], digest=False)
    notifier = AppriseNotifier()
    failed = 0
    for channel in channels:
        result = notifier.send(channel, message)
        failed += not result.ok
        if as_json:
            _echo_json({"channel": channel.name, "ok": result.ok, "error": result.error})
        else:
            click.echo(f"{channel.name}: {'sent' if result.ok else 'FAILED: ' + str(result.error)}")
    if failed:
        raise SystemExit(1)


# ----------------------------------------------------------------------------------------------- import


def is_export_file(path: Path) -> bool:
    """A `monitor export` file starts with its meta line; other JSON lines are articles to judge."""
    if not path.is_file() or path.suffix != ".jsonl":
        return False
    with path.open(encoding="utf-8", errors="replace") as f:
        return '"monitor-export"' in f.readline()


def run_import(app: App, paths: Sequence[Path], *, as_json: bool, resume_pending: bool = False) -> None:
    from monitor.importers import read_paths

    exports = [p for p in paths if is_export_file(p)]
    paths = [p for p in paths if p not in exports]
    if exports:
        from monitor.exchange import import_export

        for path in exports:
            with path.open(encoding="utf-8") as lines:
                restored = import_export(app.store, lines, resume_pending=resume_pending)
            if as_json:
                _echo_json({"type": "restore", "file": str(path), **restored})
            else:
                click.echo(f"{path}: " + ", ".join(f"{n} {kind}" for kind, n in restored.items()))
        if not paths:
            return
    counts = {"new": 0, "duplicate": 0, "irrelevant": 0, "error": 0}
    rows = []
    for doc in read_paths(list(paths)):
        if isinstance(doc, ImportFileError):
            item: dict[str, Any] = {"type": "item", "source": "import", "url": None, "title": "",
                                    "outcome": "error", "error": str(doc)}
        else:
            try:
                result = app.pipeline.ingest(doc, silent=True)  # importing never alerts
                item = item_json(result)
            except MonitorError as exc:
                item = {"type": "item", "source": "import", "url": doc.url, "title": doc.title,
                        "outcome": "error", "error": str(exc)}
        counts[item["outcome"]] += 1
        if as_json:
            _echo_json(item)
        else:
            rows.append(item)
    if as_json:
        _echo_json({"type": "summary", **counts})
    else:
        _print_import(rows, counts)
    if counts["error"]:
        raise SystemExit(1)


def _print_import(rows: list[dict[str, Any]], counts: dict[str, int]) -> None:
    from rich.table import Table

    table = Table(title="Imported")
    for column in ("title", "outcome", "story", "event"):
        table.add_column(column)
    for row in rows:
        outcome = row["outcome"] + (f": {row['error']}" if row.get("error") else "")
        story = f"#{row['story']}" + (" (known)" if row.get("known_story") else "") if row.get("story") else ""
        table.add_row(_short(row["title"] or row.get("url") or "", 70), outcome, story, row.get("event") or "")
    console = _console()
    console.print(table)
    console.print(", ".join(f"{n} {k}" for k, n in counts.items()) + " (imports never alert)")


# ------------------------------------------------------------------------------------------------ lists


def list_articles(app: App, *, as_json: bool, limit: int | None, show_all: bool) -> None:
    rows = [a for a in app.store.articles(limit=limit) if show_all or a.relevant]
    if as_json:
        for a in rows:
            _echo_json({
                "id": a.id, "url": a.url, "title": a.title, "outlet": a.outlet, "source": a.source,
                "published": _iso(a.published), "fetched": _iso(a.fetched_at), "topic": a.topic,
                "story": a.story_id, "event": a.event, "relevant": a.relevant,
            })
        return
    from rich.table import Table

    table = Table(title=f"Articles ({len(rows)})")
    for column in ("id", "published", "outlet", "title", "story", "event"):
        table.add_column(column)
    for a in rows:
        table.add_row(str(a.id), _iso(a.published)[:10] if a.published else "", a.outlet, _short(a.title, 60),
                      f"#{a.story_id}" if a.story_id else "", a.event or "")
    _console().print(table)


def list_sources(app: App, *, as_json: bool) -> None:
    states = {s.name: s for s in app.store.source_states()}
    configured = [s.name for s in app.config.sources]
    if as_json:
        for name in configured:
            state = states.get(name)
            _echo_json({"source": name, **({k: v for k, v in asdict(state).items() if k != "name"}
                                            if state else {"status": "new"})})
        return
    from rich.table import Table

    table = Table(title="Sources")
    for column in ("source", "type", "status", "failures", "last poll", "next poll", "last error"):
        table.add_column(column)
    for name in configured:
        s = states.get(name)
        if s is None:
            table.add_row(name, "", "new", "0", "", "", "")
            continue
        table.add_row(name, s.type, s.status, str(s.failures), _iso(s.last_polled_at) or "never",
                      _iso(s.next_due_at) or "now", _short(s.last_error or "", 60))
    _console().print(table)


def list_stories(app: App, *, as_json: bool, topic: str | None) -> None:
    rows = app.store.stories(topic=topic)
    if as_json:
        for s in rows:
            _echo_json({
                "id": s.id, "topic": s.topic, "event": s.event, "title": s.title, "articles": s.article_count,
                "outlets": list(s.outlets), "first_published": _iso(s.first_published),
                "first_seen": _iso(s.first_seen), "last_seen": _iso(s.last_seen), "cues": list(s.cues),
            })
        return
    from rich.table import Table

    table = Table(title=f"Stories ({len(rows)})")
    for column in ("id", "event", "title", "articles", "outlets", "first seen", "last seen"):
        table.add_column(column)
    for s in rows:
        table.add_row(str(s.id), s.event, _short(s.title, 60), str(s.article_count), _short(", ".join(s.outlets), 40),
                      (_iso(s.first_published) or _iso(s.first_seen) or "")[:16], (_iso(s.last_seen) or "")[:16])
    _console().print(table)


# ------------------------------------------------------------------------------------------------ check


def run_check(app: App, target: str, *, as_json: bool) -> None:
    from monitor.explain import explain

    doc = _check_document(app, target)
    result = explain(app.pipeline, doc)
    if as_json:
        _echo_json(result)
        return
    for key, value in result.items():
        click.echo(f"{key:>15}: {value if not isinstance(value, list | tuple) else ', '.join(map(str, value))}")


def _check_document(app: App, target: str) -> Any:
    if target.startswith(("http://", "https://")):
        return asyncio.run(_fetch_document(app, target))
    from monitor.importers import read_paths

    path = Path(target)
    if not path.exists():
        raise click.BadParameter(f"no such file, and not an http(s) URL: {target}", param_hint="TARGET")
    for doc in read_paths([path]):
        if isinstance(doc, ImportFileError):
            raise doc
        return doc
    raise ImportFileError(f"{target}: no article in it")


async def _fetch_document(app: App, url: str) -> Any:
    from monitor.extract import extract_html
    from monitor.fetch import Fetcher
    from monitor.model import RawDocument, Response
    from monitor.urls import host_of

    async with Fetcher(app.config.network) as fetcher:
        page = await fetcher.get(url)
    assert isinstance(page, Response)  # no validators sent, so no 304
    extracted = extract_html(page.body, page.url)
    return RawDocument(
        url=page.url, title=extracted.title, text=extracted.text, source="check",
        outlet=extracted.outlet or host_of(page.url), published=extracted.published,
        language=extracted.language, canonical_url=extracted.canonical_url,
    )
