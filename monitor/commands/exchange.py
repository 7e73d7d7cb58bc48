"""Data in and out: ``monitor import`` (articles to judge, or a ``monitor export`` file to restore),
``monitor export`` (the whole database as JSON lines) and ``monitor feed`` (the Atom feed of alert-worthy stories).

Importing never alerts: the articles are judged and stored silently. An article that cannot be read or stored
is a row with outcome "error" and makes the command exit 1 once every other article is in. A path is a
``monitor export`` file when it is ``.jsonl`` and its first line is the export's meta line; it is restored as it
was (``--resume-pending`` keeps its pending alerts pending). ``export`` writes its counts to stderr, so its
stdout is the file alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, cast

import click

from monitor.commands.output import echo_json, item_json
from monitor.errors import ImportFileError, MonitorError
from monitor.terminal import console, plural, status_cell, table, text

if TYPE_CHECKING:
    from monitor.model import RawDocument
    from monitor.service.app import App


def is_export_file(path: Path) -> bool:
    """A `monitor export` file starts with its meta line; other JSON lines are articles to judge."""
    if not path.is_file() or path.suffix != ".jsonl":
        return False
    with path.open(encoding="utf-8", errors="replace") as f:
        return '"monitor-export"' in f.readline()


def run_import(app: App, paths: Sequence[Path], *, as_json: bool, resume_pending: bool = False) -> None:
    """Restore the ``monitor export`` files among ``paths``, then judge and store the articles of the others."""
    exports = [p for p in paths if is_export_file(p)]
    for path in exports:
        _restore(app, path, as_json=as_json, resume_pending=resume_pending)
    articles = [p for p in paths if p not in exports]
    if exports and not articles:
        return
    _import_articles(app, articles, as_json=as_json)


def _restore(app: App, path: Path, *, as_json: bool, resume_pending: bool) -> None:
    from monitor.store.exchange import import_export

    with path.open(encoding="utf-8") as lines:
        restored = import_export(app.store, lines, resume_pending=resume_pending)
    if as_json:
        echo_json({"type": "restore", "file": str(path), **restored})
    else:
        click.echo(f"{path}: " + ", ".join(f"{n} {kind}" for kind, n in restored.items()))


def _import_articles(app: App, paths: Sequence[Path], *, as_json: bool) -> None:
    from monitor.ingest.importers import read_paths

    counts = {"new": 0, "duplicate": 0, "irrelevant": 0, "error": 0}
    rows = []
    for doc in read_paths(list(paths)):
        item = _import_one(app, doc)
        counts[item["outcome"]] += 1
        if as_json:
            echo_json(item)
        else:
            rows.append(item)
    if as_json:
        echo_json({"type": "summary", **counts})
    else:
        _print_import(rows, counts)
    if counts["error"]:
        raise SystemExit(1)


def _import_one(app: App, doc: RawDocument | ImportFileError) -> dict[str, Any]:
    """One article judged and stored, silently, as its JSON item; or why it could not be."""
    if isinstance(doc, ImportFileError):
        return {"type": "item", "source": "import", "url": None, "title": "", "outcome": "error", "error": str(doc)}
    try:
        return item_json(app.pipeline.ingest(doc, silent=True))  # importing never alerts
    except MonitorError as exc:
        return {"type": "item", "source": "import", "url": doc.url, "title": doc.title,
                "outcome": "error", "error": str(exc)}  # fmt: skip


def _print_import(rows: list[dict[str, Any]], counts: dict[str, int]) -> None:
    grid = table(f"Imported: {plural(len(rows), 'article')}", ("title", "outcome", "story", "event"))
    for row in rows:
        outcome = row["outcome"] + (f": {row['error']}" if row.get("error") else "")
        story = f"#{row['story']}" + (" (known)" if row.get("known_story") else "") if row.get("story") else ""
        grid.add_row(text(row["title"] or row.get("url") or ""), status_cell(outcome), story, text(row.get("event")))
    out = console()
    out.print(grid)
    out.print(text(", ".join(f"{n} {k}" for k, n in counts.items()) + " (imports never alert)"))


def run_export(app: App, output: Path | None) -> None:
    """The whole database as JSON lines into ``output`` (stdout when None); what was written, counted, on stderr."""
    from monitor.store.exchange import export_jsonl

    with click.open_file(str(output) if output else "-", "w", encoding="utf-8") as out:
        counts = export_jsonl(app.store, cast(TextIO, out))
    click.echo(", ".join(plural(n, kind) for kind, n in counts.items()) + " exported", err=True)


def write_feed(
    app: App, output: Path | None, *, topic: str | None, limit: int, feed_id: str | None, link: str | None
) -> None:
    """The Atom feed of the stories worth an alert into ``output`` (stdout when None); the service's settings
    give the feed's id and link unless given here. A feed id that is no tag: URI is a ``ConfigError``."""
    from monitor.alerts.atom import topic_feed
    from monitor.config import check_tag_uri

    service = app.config.service
    stories = app.store.feed_stories(topic=topic, limit=limit)
    body = topic_feed(stories, topic, empty_updated=app.clock(), feed_id=check_tag_uri(feed_id or service.feed_id),
                      link=link or service.feed_link)  # fmt: skip
    with click.open_file(str(output) if output else "-", "wb") as out:
        out.write(body)
