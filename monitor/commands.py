"""What the CLI commands do, apart from argument parsing: run the work, print tables or JSON lines.

Contracts a user (and a script) can rely on:

- ``--json`` prints one JSON object per line on stdout and nothing else there; logs go to stderr.
- Tables fit the console width (``monitor.terminal``): titles and errors are cut with "…", times are short
  ("Dec 05 14:02") or relative ("2 min ago", "in 28 s"), counts have their plural right. A list with no rows
  prints its title alone ("0 alerts").
- ``monitor crawl`` lists the new relevant items and the sources that failed or brought news (everything with
  ``--all``); its last line is the totals, or "every source failed (N sources)". ``run_crawl`` returns the
  number of failed sources, for ``--fail-on-error``.
- Delivery from the CLI (``deliver_now``) sends everything due, this run's alerts and older ones, round after
  round with one "now", and prints its totals once; it returns them for ``monitor deliver``'s exit code.
- ``monitor alerts retry ID``: an id that does not exist or is not a failed alert is an error (exit 1) naming it;
  the others are re-queued all the same.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from monitor.alerts.policy import date_ahead, product_name
from monitor.errors import ImportFileError, MonitorError
from monitor.model import Outcome
from monitor.terminal import ago, console, cut, plural, short_time, status_cell, table, text

if TYPE_CHECKING:
    from monitor.config import SourceConfig
    from monitor.records import AlertRow, StoredArticle, StoredStory
    from monitor.service.app import App
    from monitor.service.cycle import CycleReport, SourceResult
    from monitor.service.pipeline import ItemResult

log = logging.getLogger(__name__)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _echo_json(obj: dict[str, Any]) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, default=str))


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


_URL_PREFIX = re.compile(r"^[a-z][a-z0-9+.-]*://\S+?: ")


def reason(error: str | None) -> str:
    """An error as a table shows it: without the URL it starts with (the row already names the source)."""
    return _URL_PREFIX.sub("", error or "", count=1)


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


def deliver_now(app: App, *, as_json: bool, quiet: bool) -> dict[str, Any]:
    """Deliver every due alert (this run's and any older), round after round, and print the totals once.

    ``quiet``: print nothing when nothing was due (a crawl); otherwise say so (``monitor deliver``).
    """
    import os
    import random

    totals: dict[str, Any] = {"claimed": 0, "sent": 0, "retrying": 0, "failed": 0, "errors": []}
    if app.store.oldest_pending_alert(app.clock()) is not None:  # else skip importing apprise (~0.25 s)
        _deliver_rounds(app, totals, worker=f"cli-{os.getpid()}", rng=random.Random())
    if as_json:
        _echo_json({"type": "delivery", **totals})
    elif totals["claimed"] or not quiet:
        click.echo(
            f"alerts: {totals['sent']} sent, {totals['retrying']} to retry, {totals['failed']} failed"
            + ("" if totals["claimed"] else " (nothing was due)")
            + "".join(f"\n  {e}" for e in totals["errors"])
        )
    return totals


def _deliver_rounds(app: App, totals: dict[str, Any], *, worker: str, rng: Any) -> None:
    from monitor.alerts.delivery import deliver_due
    from monitor.alerts.notify import AppriseNotifier

    channels = {c.name: c for c in app.config.channels}
    notifier = AppriseNotifier()
    service = app.config.service
    # Round after round until one finds nothing due: a round may add alerts due at once (a dead letter's
    # announcement on the operator channel). One "now" for all: an alert that failed is due again only after
    # its back-off, so it is not retried within this command. Bounded: a round claims up to 50 alerts.
    now = app.clock()
    for _ in range(1000):
        report = deliver_due(app.store, notifier, channels, now, worker, rng, lease=service.delivery_lease,
                             operator_channel=service.operator_channel)  # fmt: skip
        for key in ("claimed", "sent", "retrying", "failed"):
            totals[key] += getattr(report, key)
        totals["errors"].extend(report.errors)
        if report.claimed == 0:
            break
    if totals["claimed"]:
        log.info("delivery.round worker=%s claimed=%d sent=%d retrying=%d failed=%d",
                 worker, totals["claimed"], totals["sent"], totals["retrying"], totals["failed"])  # fmt: skip


def list_alerts(
    app: App,
    *,
    status: str | None,
    as_json: bool,
    topic: str | None = None,
    since: datetime | None = None,
    limit: int | None = None,
) -> None:
    rows = app.store.alerts(status=status, topic=topic, since=since, limit=limit)
    if as_json:
        for a in rows:
            _echo_json(alert_json(a))
        return
    now = app.clock()
    grid = table(plural(len(rows), "alert"), ("id", "status", "channel", "story", "title", "tries", "sent at",
                                             "next try", "last error"), flexible=("title", "last error"))
    for a in rows:
        grid.add_row(str(a.id), status_cell(a.status), text(a.channel), f"#{a.story_id}" if a.story_id else a.kind,
                     text(a.payload.get("title", "")), str(a.attempts), short_time(a.sent_at, now),
                     ago(a.next_attempt_at, now) if a.status == "pending" else "", text(a.last_error or ""))
    console().print(grid)


def alert_json(a: AlertRow) -> dict[str, Any]:
    return {
        "id": a.id, "channel": a.channel, "topic": a.topic, "story": a.story_id, "kind": a.kind,
        "status": a.status, "attempts": a.attempts, "next_attempt": _iso(a.next_attempt_at),
        "last_error": a.last_error, "created": _iso(a.created_at), "sent": _iso(a.sent_at),
        "title": a.payload.get("title"),
    }  # fmt: skip


def retry_alerts(app: App, ids: Sequence[int]) -> None:
    """Re-queue failed alerts; ids that do not exist, or are not failed, are an error naming them (exit 1)."""
    problems: list[str] = []
    if not ids:
        count = app.store.retry_failed(None)
    else:
        found = {a.id: a for a in app.store.alerts(ids=list(ids))}
        missing = [i for i in ids if i not in found]
        not_failed = [f"alert {i} is {found[i].status}" for i in ids if i in found and found[i].status != "failed"]
        problems = ([f"no alert with id {', '.join(map(str, missing))}"] if missing else []) + not_failed
        failed = [i for i in ids if i in found and found[i].status == "failed"]
        count = app.store.retry_failed(failed) if failed else 0
    click.echo(f"{plural(count, 'alert')} re-queued" + ("; `monitor deliver` sends them now" if count else ""))
    if problems:
        click.echo("monitor: error: " + "; ".join(problems), err=True)
        raise SystemExit(1)


def notify_test(app: App, names: Sequence[str], *, as_json: bool) -> None:
    """Send a test message to each channel (or the named ones) now, and say per channel how it went."""
    from monitor.alerts.notify import AppriseNotifier
    from monitor.alerts.render import render

    channels = [c for c in app.config.channels if not names or c.name in names]
    unknown = sorted(set(names) - {c.name for c in app.config.channels})
    if unknown:
        raise click.BadParameter(f"unknown channel {', '.join(map(repr, unknown))}", param_hint="--channel")
    if not channels:
        raise click.UsageError("no channels are configured: add [[channels]] to the configuration")
    notifier = AppriseNotifier()
    failed = 0
    for channel in channels:
        message = render([{
            "title": f"monitor test message for channel {channel.name}", "event": "test",
            "url": "https://example.org/monitor-test", "outlet": "monitor", "published": _iso(app.clock()),
            "summary": "If you can read this, the channel works: story alerts will arrive here.",
            "topic": "test", "cues": [], "coverage": [],
        }], digest=False)  # fmt: skip
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
    from monitor.ingest.importers import read_paths

    exports = [p for p in paths if is_export_file(p)]
    paths = [p for p in paths if p not in exports]
    if exports:
        from monitor.store.exchange import import_export

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
    grid = table(f"Imported: {plural(len(rows), 'article')}", ("title", "outcome", "story", "event"))
    for row in rows:
        outcome = row["outcome"] + (f": {row['error']}" if row.get("error") else "")
        story = f"#{row['story']}" + (" (known)" if row.get("known_story") else "") if row.get("story") else ""
        grid.add_row(text(row["title"] or row.get("url") or ""), status_cell(outcome), story, text(row.get("event")))
    out = console()
    out.print(grid)
    out.print(text(", ".join(f"{n} {k}" for k, n in counts.items()) + " (imports never alert)"))


# ------------------------------------------------------------------------------------------------ lists


def list_articles(
    app: App,
    *,
    as_json: bool,
    limit: int | None,
    show_all: bool,
    topic: str | None = None,
    since: datetime | None = None,
) -> None:
    rows = app.store.articles(limit=limit, topic=topic, since=since, relevant=None if show_all else True)
    if as_json:
        for a in rows:
            _echo_json({
                "id": a.id, "url": a.url, "title": a.title, "outlet": a.outlet, "source": a.source,
                "published": _iso(a.published), "fetched": _iso(a.fetched_at), "topic": a.topic,
                "story": a.story_id, "event": a.event, "relevant": a.relevant, "language": a.language,
            })  # fmt: skip
        return
    now = app.clock()
    grid = table(plural(len(rows), "article"), ("id", "published", "outlet", "title", "story", "event"))
    for a in rows:
        grid.add_row(str(a.id), short_time(a.published, now, default="—"), text(a.outlet), text(a.title),
                     f"#{a.story_id}" if a.story_id else "", text(a.event or ""))  # fmt: skip
    console().print(grid)


def list_sources(app: App, *, as_json: bool) -> None:
    states = {s.name: s for s in app.store.source_states()}
    configured = [s.name for s in app.config.sources]
    if as_json:
        for name in configured:
            state = states.get(name)
            _echo_json({"source": name, **({k: v for k, v in asdict(state).items() if k != "name"}
                                            if state else {"status": "new"})})
        return
    now = app.clock()
    # The type column only when there is more than one type: most configurations are feeds only.
    typed = len({s.type for s in app.config.sources}) > 1
    columns = ("source", *(("type",) if typed else ()), "status", "fails", "last poll", "next poll", "last error")
    grid = table(plural(len(configured), "source"), columns, flexible=("last error",))
    for source in app.config.sources:
        s = states.get(source.name)
        kind = (source.type,) if typed else ()
        if s is None:
            grid.add_row(text(source.name), *kind, status_cell("new"), "0", "never", "now", "")
            continue
        due = "now" if s.next_due_at is None or s.next_due_at <= now else ago(s.next_due_at, now)
        grid.add_row(text(source.name), *kind, status_cell(s.status), str(s.failures), ago(s.last_polled_at, now),
                     due, text(reason(s.last_error)))  # fmt: skip
    console().print(grid)


def story_json(s: StoredStory) -> dict[str, Any]:
    return {
        "id": s.id, "topic": s.topic, "event": s.event, "title": s.title, "articles": s.article_count,
        "outlets": list(s.outlets), "first_published": _iso(s.first_published),
        "first_seen": _iso(s.first_seen), "last_seen": _iso(s.last_seen), "cues": list(s.cues),
    }  # fmt: skip


def list_stories(
    app: App, *, as_json: bool, topic: str | None, since: datetime | None = None, limit: int | None = None
) -> None:
    rows = app.store.stories(topic=topic, since=since, limit=limit)
    if as_json:
        for s in rows:
            _echo_json(story_json(s))
        return
    now = app.clock()
    # "published" is when the first article says it was published; "last seen" when monitor last stored coverage.
    grid = table(plural(len(rows), "story"), ("id", "event", "title", "arts", "outlets", "published", "last seen"))
    for s in rows:
        grid.add_row(str(s.id), text(s.event), text(s.title), str(s.article_count), str(len(s.outlets)),
                     short_time(s.first_published, now, default="—"), ago(s.last_seen, now))  # fmt: skip
    console().print(grid)


def show_story(app: App, story_id: int, *, as_json: bool) -> None:
    """One story in full: what it is, each article (outlet, time, language, link, why it joined), its alerts."""
    story = app.store.story(story_id)
    if story is None:
        raise click.BadParameter(f"no story with id {story_id} (see `monitor stories`)", param_hint="ID")
    articles = app.store.story_articles(story_id)
    alerts = app.store.alerts(story_id=story_id)
    deliveries = {a.id: app.store.deliveries(a.id) for a in alerts}
    if as_json:
        _echo_json({
            **story_json(story),
            "product": product_name(story.features) or None,
            "items": [{"id": a.id, "outlet": a.outlet, "title": a.title, "url": a.url, "published": _iso(a.published),
                       "fetched": _iso(a.fetched_at), "language": a.language, "why": _why(a, n)}
                      for n, a in enumerate(articles)],
            "alerts": [{**alert_json(a), "deliveries": [{"at": _iso(at), "ok": ok, "error": error}
                                                        for at, ok, error in deliveries[a.id]]} for a in alerts],
        })  # fmt: skip
        return
    for line in story_lines(app.clock(), story, articles, alerts, deliveries):
        click.echo(line)


def story_lines(
    now: datetime,
    story: StoredStory,
    articles: Sequence[StoredArticle],
    alerts: Sequence[AlertRow],
    deliveries: dict[int, list[tuple[datetime, bool, str | None]]],
) -> list[str]:
    product = product_name(story.features)
    named = date_ahead(story.cues)
    head = " · ".join(p for p in (f"Story #{story.id}", story.event, product, story.topic) if p)
    lines = [head, story.title, ""]
    lines.append(f"published  {_long(story.first_published, now)}" + (f" · names {named} ahead" if named else ""))
    lines.append(f"first seen {_long(story.first_seen, now)}")
    lines.append(f"last seen  {_long(story.last_seen, now)}")
    lines.append(f"coverage   {plural(story.article_count, 'article')} from {plural(len(story.outlets), 'outlet')}: "
                 + ", ".join(story.outlets))  # fmt: skip
    lines.append("cues       " + (", ".join(story.cues) or "none"))
    lines += ["", "Articles"]
    for n, a in enumerate(articles):
        meta = " · ".join(p for p in (a.outlet, _long(a.published or a.fetched_at, now), a.language or "") if p)
        lines += [f"  {n + 1}. {cut(a.title, 100)}", f"     {meta}", f"     {a.url}", f"     why: {_why(a, n)}"]
    lines += ["", "Alerts" if alerts else "Alerts: none" + ("" if story.alertable else " (its event does not alert)")]
    for alert in alerts:
        state = alert.status + (f", sent {_long(alert.sent_at, now)}" if alert.sent_at else "")
        if alert.status == "pending":
            state += f", next try {ago(alert.next_attempt_at, now)}"
        lines.append(f"  #{alert.id} to {alert.channel}: {state} ({plural(alert.attempts, 'attempt')})")
        lines += [f"     {_long(at, now)} {'ok' if ok else 'failed: ' + (error or '')}"
                  for at, ok, error in deliveries.get(alert.id, [])]  # fmt: skip
    return lines


def _why(article: StoredArticle, position: int) -> str:
    if article.join_reason:
        return article.join_reason
    return "started the story" if position == 0 else "joined (reason not recorded)"


def _long(when: datetime | None, now: datetime) -> str:
    if when is None:
        return "unknown"
    return f"{when.astimezone(UTC):%Y-%m-%d %H:%M} UTC ({ago(when, now)})"


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
    from monitor.ingest.importers import read_paths

    path = Path(target)
    if not path.exists():
        raise click.BadParameter(f"no such file, and not an http(s) URL: {target}", param_hint="TARGET")
    for doc in read_paths([path]):
        if isinstance(doc, ImportFileError):
            raise doc
        return doc
    raise ImportFileError(f"{target}: no article in it")


async def _fetch_document(app: App, url: str) -> Any:
    from monitor.ingest.extract import extract_html
    from monitor.ingest.fetch import Fetcher
    from monitor.ingest.urls import host_of
    from monitor.model import RawDocument, Response

    async with Fetcher(app.config.network) as fetcher:
        page = await fetcher.get(url)
    assert isinstance(page, Response)  # no validators sent, so no 304
    extracted = extract_html(page.body, page.url)
    return RawDocument(
        url=page.url, title=extracted.title, text=extracted.text, source="check",
        outlet=extracted.outlet or host_of(page.url), published=extracted.published,
        language=extracted.language, canonical_url=extracted.canonical_url,
    )
