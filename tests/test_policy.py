"""alerting: who is told about a new story, and when."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from monitor.alerts.policy import (
    BACKOFF_CAP,
    Coverage,
    StoryView,
    alerts_for_new_story,
    backoff,
    due_time,
    in_quiet_hours,
)
from monitor.alerts.render import render_email
from monitor.config import ChannelConfig, TopicConfig
from monitor.model import Event

NOW = datetime(2025, 12, 25, 14, 20, 5, tzinfo=UTC)
TOPIC = TopicConfig(name="xiaomi-leica", query="xiaomi AND leica", channels=("mail", "slack"))
CHANNELS = {
    "mail": ChannelConfig(name="mail", url="mailto://x", mode="instant"),
    "slack": ChannelConfig(name="slack", url="slack://a/b/c", mode="hourly"),
}


def story(event: Event = Event.LAUNCH, summary: str = "Xiaomi and Leica unveil the 17 Ultra.") -> StoryView:
    return StoryView(
        title="Xiaomi 17 Ultra launches",
        event=event,
        url="https://example.com/a",
        outlet="GSMArena",
        published=datetime(2025, 12, 25, 9, 0, tzinfo=UTC),
        summary=summary,
        topic="xiaomi-leica",
        cues=("unveil",),
        coverage=(Coverage("The Verge", "Xiaomi's phone", "https://theverge.com/b"),),
    )


def test_alertable_story_gives_one_alert_per_channel_keyed_by_story() -> None:
    alerts = alerts_for_new_story(TOPIC, story(), silent=False, now=NOW, channels=CHANNELS)
    assert [(a.channel, a.dedup_key, a.kind, a.topic) for a in alerts] == [
        ("mail", "story:{story}", "story", "xiaomi-leica"),
        ("slack", "story:{story}", "story", "xiaomi-leica"),
    ]
    assert alerts[0].next_attempt_at == NOW  # instant
    assert alerts[1].next_attempt_at == datetime(2025, 12, 25, 15, 0, tzinfo=UTC)  # hourly digest


def test_payload_has_what_the_message_needs_and_renders() -> None:
    [alert, _] = alerts_for_new_story(TOPIC, story(), silent=False, now=NOW, channels=CHANNELS)
    assert alert.payload["published"] == "2025-12-25T09:00:00+00:00"
    assert alert.payload["coverage"] == [
        {"outlet": "The Verge", "title": "Xiaomi's phone", "url": "https://theverge.com/b"}
    ]
    subject = render_email([alert.payload], digest=False).subject
    assert subject == "[Launch] Xiaomi 17 Ultra launches · 2025-12-25 (2 outlets)"


def test_summary_is_capped_at_300_characters() -> None:
    [alert, _] = alerts_for_new_story(TOPIC, story(summary="word " * 200), silent=False, now=NOW, channels=CHANNELS)
    assert len(alert.payload["summary"]) <= 300 and alert.payload["summary"].endswith("…")


def test_silent_or_unlisted_event_gives_no_alert() -> None:
    assert alerts_for_new_story(TOPIC, story(), silent=True, now=NOW, channels=CHANNELS) == []
    assert alerts_for_new_story(TOPIC, story(Event.RUMOR), silent=False, now=NOW, channels=CHANNELS) == []


def test_unknown_channel_still_gets_a_row_due_now() -> None:
    topic = TopicConfig(name="t", query="x", channels=("gone",))
    [alert] = alerts_for_new_story(topic, story(), silent=False, now=NOW, channels=CHANNELS)
    assert alert.channel == "gone" and alert.next_attempt_at == NOW


def channel(mode: str = "instant", quiet: tuple[time, time] | None = None, tz: str = "UTC") -> ChannelConfig:
    return ChannelConfig(name="c", url="json://x", mode=mode, quiet_hours=quiet, timezone=tz)  # type: ignore[arg-type]


def test_quiet_hours_across_midnight_defer_to_the_window_end_in_the_channel_timezone() -> None:
    paris = ZoneInfo("Europe/Paris")
    night = channel(quiet=(time(22), time(7)), tz="Europe/Paris")
    at_23 = datetime(2025, 12, 25, 23, 30, tzinfo=paris)
    assert due_time(night, at_23) == datetime(2025, 12, 26, 7, 0, tzinfo=paris)
    at_3 = datetime(2025, 12, 26, 3, 0, tzinfo=paris)
    assert due_time(night, at_3) == datetime(2025, 12, 26, 7, 0, tzinfo=paris)
    at_noon = datetime(2025, 12, 26, 12, 0, tzinfo=paris)
    assert due_time(night, at_noon) == at_noon


def test_daily_digest_goes_at_local_midnight_then_respects_quiet_hours() -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    daily = channel(mode="daily", tz="Asia/Tokyo")
    assert due_time(daily, NOW) == datetime(2025, 12, 26, 0, 0, tzinfo=tokyo)
    daily_quiet = channel(mode="daily", quiet=(time(23), time(8)), tz="Asia/Tokyo")
    assert due_time(daily_quiet, NOW) == datetime(2025, 12, 26, 8, 0, tzinfo=tokyo)


def test_on_the_boundary_is_due_now_and_empty_window_is_never_quiet() -> None:
    on_hour = datetime(2025, 12, 25, 15, 0, tzinfo=UTC)
    assert due_time(channel(mode="hourly"), on_hour) == on_hour
    assert not in_quiet_hours(time(22), (time(22), time(22)))


@given(
    now=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)),
    mode=st.sampled_from(["instant", "hourly", "daily"]),
    start=st.times(),
    end=st.times(),
    tz=st.sampled_from(["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata", "Asia/Shanghai"]),
)
def test_due_time_never_drops_and_never_lands_in_quiet_hours(
    now: datetime, mode: str, start: time, end: time, tz: str
) -> None:
    ch = channel(mode=mode, quiet=(start, end), tz=tz)
    due = due_time(ch, now)
    assert now <= due <= now + timedelta(days=2)
    local = due.astimezone(ZoneInfo(tz))
    # a wall-clock time skipped by a DST jump may land a little inside; outside such gaps, never quiet
    if local.replace(tzinfo=None) == local.astimezone(UTC).astimezone(ZoneInfo(tz)).replace(tzinfo=None):
        assert not in_quiet_hours(local.time(), (start, end))


def test_backoff_grows_exponentially_with_full_jitter_and_a_cap() -> None:
    class Top:  # always draws the ceiling of the jitter range
        def uniform(self, a: float, b: float) -> float:
            return b

    top = Top()
    assert [backoff(n, top).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff(50, top) == BACKOFF_CAP
    rng = random.Random(7)
    delays = [backoff(5, rng) for _ in range(200)]
    assert all(timedelta(0) <= d <= timedelta(seconds=480) for d in delays)
    assert len(set(delays)) > 150  # jittered: alerts failing together do not retry together
