"""The reading lists: ``monitor articles``, ``monitor stories`` and ``monitor story ID``.

Lists are newest first, as a table that fits the console or, with ``--json``, one JSON line per row. A story in
full (``show_story``) names what it is (event, product, topic), when it was published and seen, each article
(outlet, time, language, link, why it joined the story) and each alert with its delivery attempts; an id that
does not exist is a usage error naming it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import click

from monitor.alerts.policy import date_ahead, product_name
from monitor.commands.alerts import alert_json
from monitor.commands.output import echo_json, iso
from monitor.terminal import ago, console, cut, plural, short_time, table, text

if TYPE_CHECKING:
    from monitor.records import AlertRow, StoredArticle, StoredStory
    from monitor.service.app import App


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
            echo_json({
                "id": a.id, "url": a.url, "title": a.title, "outlet": a.outlet, "source": a.source,
                "published": iso(a.published), "fetched": iso(a.fetched_at), "topic": a.topic,
                "story": a.story_id, "event": a.event, "relevant": a.relevant, "language": a.language,
            })  # fmt: skip
        return
    now = app.clock()
    grid = table(plural(len(rows), "article"), ("id", "published", "outlet", "title", "story", "event"))
    for a in rows:
        grid.add_row(str(a.id), short_time(a.published, now, default="—"), text(a.outlet), text(a.title),
                     f"#{a.story_id}" if a.story_id else "", text(a.event or ""))  # fmt: skip
    console().print(grid)


def story_json(s: StoredStory) -> dict[str, Any]:
    return {
        "id": s.id, "topic": s.topic, "event": s.event, "title": s.title, "articles": s.article_count,
        "outlets": list(s.outlets), "first_published": iso(s.first_published),
        "first_seen": iso(s.first_seen), "last_seen": iso(s.last_seen), "cues": list(s.cues),
    }  # fmt: skip


def list_stories(
    app: App, *, as_json: bool, topic: str | None, since: datetime | None = None, limit: int | None = None
) -> None:
    rows = app.store.stories(topic=topic, since=since, limit=limit)
    if as_json:
        for s in rows:
            echo_json(story_json(s))
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
        echo_json({
            **story_json(story),
            "product": product_name(story.features) or None,
            "items": [{"id": a.id, "outlet": a.outlet, "title": a.title, "url": a.url, "published": iso(a.published),
                       "fetched": iso(a.fetched_at), "language": a.language, "why": _why(a, n)}
                      for n, a in enumerate(articles)],
            "alerts": [{**alert_json(a), "deliveries": [{"at": iso(at), "ok": ok, "error": error}
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
