"""The alert policy: whether a new story alerts, on which channels, and when each alert is due. Pure.

The decision becomes outbox rows (``records.NewAlert``) that the store writes in the same transaction as the
story, one per (story, channel) — the unique key is what makes "once per story" hold across crashes and
workers. Nothing here sends anything, and nothing is ever dropped: quiet hours and digests only move
``next_attempt_at`` later.

Times: ``now`` is timezone-aware; channel rules (digest boundaries, quiet hours) are read in the channel's
own timezone, and the result is returned in UTC, as the store keeps it.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from monitor.config import ChannelConfig, TopicConfig
from monitor.model import Event
from monitor.records import STORY_PLACEHOLDER, NewAlert, StoredArticle, StoredStory

SUMMARY_MAX = 300
COVERAGE_MAX = 20
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Coverage:
    """Another outlet's article in the same story."""

    outlet: str
    title: str
    url: str


@dataclass(frozen=True, slots=True)
class StoryView:
    """What an alert says about a story: its representative article plus the other coverage so far."""

    title: str
    event: Event
    url: str
    outlet: str
    published: datetime | None
    summary: str
    topic: str
    cues: tuple[str, ...] = ()
    coverage: tuple[Coverage, ...] = ()


class Rng(Protocol):
    def uniform(self, a: float, b: float) -> float: ...


# --- the decision ----------------------------------------------------------------------------------------


def alerts_for_new_story(
    topic: TopicConfig,
    story: StoryView,
    *,
    silent: bool,
    now: datetime,
    channels: Mapping[str, ChannelConfig],
) -> list[NewAlert]:
    """One alert per channel of ``topic`` when the story's event is one the topic alerts on.

    ``silent`` (an import, or a new source's first poll) records the story without alerting: backfilling
    history must not page anyone. A channel name missing from ``channels`` still gets its row, due now, so
    delivery fails it visibly instead of the alert vanishing here.
    """
    if silent or story.event not in topic.alert_on:
        return []
    payload = payload_for(story)
    return [
        NewAlert(
            dedup_key=f"story:{STORY_PLACEHOLDER}",
            channel=name,
            topic=topic.name,
            kind="story",
            payload=payload,
            next_attempt_at=due_time(channels[name], now) if name in channels else _utc(now),
        )
        for name in dict.fromkeys(topic.channels)
    ]


def payload_for(story: StoryView) -> dict[str, Any]:
    """The JSON the outbox keeps and ``render`` reads. Plain values only: it outlives this code version."""
    return {
        "title": story.title,
        "event": str(story.event),
        "url": story.url,
        "outlet": story.outlet,
        "published": story.published.isoformat() if story.published else None,
        "summary": _shorten(story.summary, SUMMARY_MAX),
        "topic": story.topic,
        "cues": list(story.cues),
        "coverage": [{"outlet": c.outlet, "title": c.title, "url": c.url} for c in story.coverage[:COVERAGE_MAX]],
    }


def with_story(payload: Mapping[str, Any], story: StoredStory, articles: Sequence[StoredArticle]) -> dict[str, Any]:
    """The payload with what the story is *now*, read at delivery: its product, the date it names ahead, how many
    outlets cover it and the first article of each other outlet (up to ``COVERAGE_MAX``), in the order they came.

    Delivery happens after the crawl that created the alert, or at a digest's boundary, so by then more outlets
    may have picked the story up: the message says so, and no second alert is ever made for it.
    """
    shown = {payload.get("url"), payload.get("outlet")}
    coverage: list[dict[str, str]] = []
    for article in articles:
        if article.url in shown or article.outlet in shown or len(coverage) >= COVERAGE_MAX:
            continue
        shown |= {article.url, article.outlet}
        coverage.append({"outlet": article.outlet, "title": article.title, "url": article.url})
    updated = {**payload, "outlets": len(story.outlets), "articles": story.article_count}
    if coverage or not payload.get("coverage"):
        updated["coverage"] = coverage
    product = product_name(story.features)
    if product:
        updated["product"] = product
    named = date_ahead(story.cues)
    if named:
        updated["event_date"] = named
    return updated


def product_name(features: Mapping[str, Any]) -> str:
    """The story's first model key as a person writes it ("xiaomi 15 ultra" → "Xiaomi 15 Ultra"); "" if none.
    Read defensively: features are the judgement's JSON and change shape between versions."""
    models = features.get("models") if isinstance(features, Mapping) else None
    if not isinstance(models, list | tuple) or not models or not isinstance(models[0], str):
        return ""
    name = " ".join(models[0].split())
    return name.title() if name.islower() else name


_DATE_AHEAD = re.compile(r"date:\W*(\d{4}-\d\d-\d\d)\W*ahead")


def date_ahead(cues: Sequence[str]) -> str | None:
    """The first date a story's cues name as coming (a teaser's launch day), ISO, e.g. ``date:"2026-02-28" ahead``."""
    for cue in cues:
        found = _DATE_AHEAD.search(str(cue))
        if found:
            return found.group(1)
    return None


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    word_end = cut.rfind(" ")
    return (cut[:word_end] if word_end > limit // 2 else cut).rstrip(" ,.;:") + "…"


# --- when ------------------------------------------------------------------------------------------------


def due_time(channel: ChannelConfig, now: datetime) -> datetime:
    """When an alert created at ``now`` should go out on ``channel`` (UTC).

    instant → now; hourly → the next full hour; daily → the next midnight (both in the channel's timezone,
    ``now`` itself when it is exactly on the boundary). Then, if that moment falls in the channel's quiet
    hours, the end of the quiet window.
    """
    zone = ZoneInfo(channel.timezone)
    local = now.astimezone(zone)
    if channel.mode == "hourly":
        local = _ceil(local, timedelta(hours=1), zone)
    elif channel.mode == "daily":
        local = _ceil(local, timedelta(days=1), zone)
    if channel.quiet_hours is not None:
        local = _after_quiet(local, channel.quiet_hours, zone)
    return local.astimezone(UTC)


def _ceil(local: datetime, step: timedelta, zone: ZoneInfo) -> datetime:
    if step >= timedelta(days=1):
        floor = datetime.combine(local.date(), time(0))
    else:
        floor = local.replace(tzinfo=None, minute=0, second=0, microsecond=0)
    if floor == local.replace(tzinfo=None):
        return local
    # Wall-clock arithmetic, then back to aware: the boundary is "next 09:00", whatever DST did meanwhile.
    return (floor + step).replace(tzinfo=zone)


def in_quiet_hours(clock: time, window: tuple[time, time]) -> bool:
    start, end = window
    if start == end:  # an empty window: "22:00-22:00" would otherwise mean never deliver
        return False
    if start < end:
        return start <= clock < end
    return clock >= start or clock < end  # wraps midnight, e.g. 22:00-07:00


def _after_quiet(local: datetime, window: tuple[time, time], zone: ZoneInfo) -> datetime:
    wall = local.replace(tzinfo=None)
    if not in_quiet_hours(wall.time(), window):
        return local
    end = datetime.combine(wall.date(), window[1])
    if end <= wall:
        end = datetime.combine(wall.date() + timedelta(days=1), window[1])
    return end.replace(tzinfo=zone)


def _utc(now: datetime) -> datetime:
    return now.astimezone(UTC)


# --- retry -----------------------------------------------------------------------------------------------


def backoff(attempts: int, rng: Rng | None = None) -> timedelta:
    """Delay before the next try after ``attempts`` failed ones: exponential (30 s, 60 s, 120 s, …, capped
    at 1 h) with full jitter (uniform in [0, that]), so many alerts failing together do not retry in step
    (AWS Architecture Blog, "Exponential Backoff And Jitter", 2015)."""
    rng = rng or random.Random()
    exponent = min(max(attempts, 1) - 1, 20)  # 2**20 * 30 s is far past the cap; keeps the float finite
    ceiling = min(BACKOFF_CAP.total_seconds(), BACKOFF_BASE.total_seconds() * 2**exponent)
    return timedelta(seconds=rng.uniform(0.0, ceiling))
