"""delivery: the outbox worker against a real store (SQLite and PostgreSQL, see conftest) and real loopback sinks,
with an injected clock."""

from __future__ import annotations

import logging
import random
from datetime import UTC, datetime, timedelta

import pytest

from monitor.alerts.delivery import deliver_due
from monitor.alerts.notify import AppriseNotifier
from monitor.alerts.policy import StoryView, alerts_for_new_story
from monitor.config import ChannelConfig, TopicConfig
from monitor.model import Event
from monitor.records import NewAlert, NewArticle, NewStory
from monitor.store import Store
from tests.sinks import SMTP_PASSWORD, HttpSink, SmtpSink, free_port, slack_url

NOW = datetime(2025, 12, 25, 14, 20, tzinfo=UTC)
LATER = NOW + timedelta(hours=2)  # past any back-off of the first attempts (≤ 1 h)


@pytest.fixture
def notifier() -> AppriseNotifier:
    return AppriseNotifier(timeout=10)


def save_story(store: Store, channels: dict[str, ChannelConfig], n: int = 1, title: str | None = None) -> None:
    """Store one new launch story the way the pipeline does, outbox rows in the same transaction."""
    topic = TopicConfig(name="xiaomi-leica", query="xiaomi", channels=tuple(channels))
    title = title or f"Xiaomi 17 Ultra story {n}"
    view = StoryView(
        title=title,
        event=Event.LAUNCH,
        url=f"https://example.com/{n}",
        outlet="GSMArena",
        published=NOW,
        summary="Xiaomi and Leica.",
        topic=topic.name,
    )
    article = NewArticle(
        source="gsmarena", outlet="GSMArena", url=view.url, canonical_url=view.url, guid=str(n),
        text_hash=f"hash{n}", title=title, text="Xiaomi and Leica.", published=NOW, language="en",
        fetched_at=NOW, relevant=True, topic=topic.name, event="launch",
    )  # fmt: skip
    story = NewStory(topic=topic.name, event="launch", title=title, features={}, first_published=NOW)
    alerts = alerts_for_new_story(topic, view, silent=False, now=NOW, channels=channels)
    store.save_article(article, story, alerts)


def deliver(store: Store, notifier: AppriseNotifier, channels: dict[str, ChannelConfig], now: datetime):
    return deliver_due(store, notifier, channels, now, "worker-1", random.Random(1))


def test_story_alert_is_sent_once(store: Store, notifier: AppriseNotifier, smtp_sink: SmtpSink) -> None:
    channels = {"mail": ChannelConfig(name="mail", url=smtp_sink.url())}
    save_story(store, channels)
    save_story(store, channels)  # the same article again: nothing new in the outbox
    report = deliver(store, notifier, channels, NOW)
    assert (report.claimed, report.sent, report.messages) == (1, 1, 1)
    assert deliver(store, notifier, channels, LATER).claimed == 0
    assert len(smtp_sink.messages) == 1
    [row] = store.alerts()
    assert row.status == "sent" and row.dedup_key == f"story:{row.story_id}"


def test_smtp_down_then_up_arrives_once_after_retry(
    store: Store, notifier: AppriseNotifier, smtp_tls_sink: SmtpSink
) -> None:
    channels = {"mail": ChannelConfig(name="mail", url=smtp_tls_sink.url(secure=True))}
    save_story(store, channels)
    smtp_tls_sink.stop()
    report = deliver(store, notifier, channels, NOW)
    assert (report.retrying, report.sent) == (1, 0)
    [row] = store.alerts()
    assert row.status == "pending" and row.attempts == 1 and row.next_attempt_at > NOW
    assert SMTP_PASSWORD not in (row.last_error or "") and row.last_error
    assert deliver(store, notifier, channels, NOW).claimed == 0  # not due yet: backing off
    smtp_tls_sink.start()  # same port
    assert deliver(store, notifier, channels, LATER).sent == 1
    assert len(smtp_tls_sink.messages) == 1
    assert store.alerts()[0].status == "sent"


@pytest.mark.parametrize("failure", [500, 429, "slow"])
def test_slack_failure_is_retried_and_arrives_once(
    store: Store, notifier: AppriseNotifier, slack_sink: HttpSink, failure: int | str
) -> None:
    channels = {"slack": ChannelConfig(name="slack", url=slack_url())}
    save_story(store, channels)
    slack_sink.fail(failure, failure)
    assert deliver(store, notifier, channels, NOW).retrying == 1
    assert deliver(store, notifier, channels, NOW + timedelta(hours=1)).retrying == 1
    assert deliver(store, notifier, channels, NOW + timedelta(hours=2)).sent == 1
    assert len(slack_sink.requests) == 1 and slack_sink.seen == 3
    [row] = store.alerts()
    assert (row.status, row.attempts) == ("sent", 3)
    assert [ok for _, ok, _ in store.deliveries(row.id)] == [False, False, True]


def test_gives_up_after_max_attempts_then_operator_retry_delivers(
    store: Store, notifier: AppriseNotifier, slack_sink: HttpSink
) -> None:
    channels = {"slack": ChannelConfig(name="slack", url=slack_url(), max_attempts=2)}
    save_story(store, channels)
    slack_sink.fail(500, 500)
    assert deliver(store, notifier, channels, NOW).retrying == 1
    report = deliver(store, notifier, channels, NOW + timedelta(hours=1))
    assert report.failed == 1 and "500" in report.errors[0]
    [row] = store.alerts()
    assert row.status == "failed" and "500" in (row.last_error or "")
    assert deliver(store, notifier, channels, NOW + timedelta(days=1)).claimed == 0  # dead letter stays
    store.retry_failed(now=NOW + timedelta(days=1))
    assert deliver(store, notifier, channels, NOW + timedelta(days=1)).sent == 1
    assert len(slack_sink.requests) == 1


def test_unknown_channel_fails_with_a_clear_error(store: Store, notifier: AppriseNotifier) -> None:
    store.enqueue_alerts(
        [NewAlert("test:1", "removed-channel", None, "test", {"title": "hello", "event": "other"}, NOW)]
    )
    report = deliver(store, notifier, {}, NOW)
    assert report.failed == 1
    [row] = store.alerts()
    assert row.status == "failed" and "unknown channel 'removed-channel'" in (row.last_error or "")


def test_hourly_digest_sends_one_message_at_the_boundary(
    store: Store, notifier: AppriseNotifier, smtp_sink: SmtpSink
) -> None:
    channels = {"digest": ChannelConfig(name="digest", url=smtp_sink.url(), mode="hourly")}
    for n in range(3):
        save_story(store, channels, n)
    assert deliver(store, notifier, channels, NOW).claimed == 0  # 14:20: waits for 15:00
    report = deliver(store, notifier, channels, NOW.replace(hour=15, minute=0))
    assert (report.claimed, report.messages, report.sent) == (3, 1, 3)
    [mail] = smtp_sink.messages
    assert mail["Subject"].startswith("[Digest] 3 stories")
    body = mail.get_body(("plain",)).get_content()
    assert all(f"story {n}" in body for n in range(3))


def test_instant_and_digest_channels_in_one_round(
    store: Store, notifier: AppriseNotifier, smtp_sink: SmtpSink, slack_sink: HttpSink
) -> None:
    channels = {
        "mail": ChannelConfig(name="mail", url=smtp_sink.url()),
        "slack": ChannelConfig(name="slack", url=slack_url(), mode="daily"),
    }
    for n in range(2):
        save_story(store, channels, n, title=f"<!channel> story {n} @here")
    first = deliver(store, notifier, channels, NOW)
    assert (first.messages, first.sent) == (2, 2) and len(smtp_sink.messages) == 2
    second = deliver(store, notifier, channels, datetime(2025, 12, 26, tzinfo=UTC))
    assert (second.messages, second.sent) == (1, 2)
    [request] = slack_sink.requests
    text = request.json()["attachments"][0]["text"]
    assert "<!channel>" not in text and "@here" not in text and "story 0" in text and "story 1" in text


def test_each_failed_attempt_is_logged_with_channel_alert_and_the_server_s_reason(
    store: Store, notifier: AppriseNotifier, smtp_sink: SmtpSink, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"mailto://user:Passw0rd-xyz@example.com:{smtp_sink.port}/a@example.com?smtp=127.0.0.1&mode=insecure&cto=2"
    channels = {"mail": ChannelConfig(name="mail", url=url)}
    save_story(store, channels)
    caplog.set_level(logging.WARNING, logger="monitor.alerts.delivery")
    assert deliver(store, notifier, channels, NOW).retrying == 1
    [record] = [r for r in caplog.records if r.name == "monitor.alerts.delivery"]
    assert record.levelno == logging.WARNING
    line = record.getMessage()
    assert "channel=mail" in line and "alert=1" in line and "SMTP AUTH extension not supported by server" in line


def test_a_dead_letter_is_announced_once_on_the_operator_channel(
    store: Store, notifier: AppriseNotifier, json_sink: HttpSink
) -> None:
    channels = {
        "mail": ChannelConfig(name="mail", url=f"json://127.0.0.1:{free_port()}/x?cto=1", max_attempts=1),
        "ops": ChannelConfig(name="ops", url=f"json://127.0.0.1:{json_sink.port}/hook?rto=2"),
    }
    save_story(store, {"mail": channels["mail"]})
    report = deliver_due(store, notifier, channels, NOW, "w", random.Random(1), operator_channel="ops")
    assert report.failed == 1
    [ops] = [a for a in store.alerts() if a.channel == "ops"]
    assert ops.kind == "operator" and "failed for good" in ops.payload["title"]
    assert deliver_due(store, notifier, channels, NOW, "w", random.Random(1), operator_channel="ops").sent == 1
    assert "Alert 1 to mail failed" in json_sink.requests[0].json()["title"]


def test_the_message_shows_coverage_that_came_after_the_alert_was_written(
    store: Store, notifier: AppriseNotifier, smtp_sink: SmtpSink
) -> None:
    channels = {"mail": ChannelConfig(name="mail", url=smtp_sink.url())}
    save_story(store, channels)
    [story] = store.stories()
    later = NewArticle(
        source="verge", outlet="The Verge", url="https://theverge.example/x17", canonical_url="https://theverge.example/x17",
        guid="v1", text_hash="hash-v1", title="The Verge on the 17 Ultra", text="Xiaomi and Leica.", published=NOW,
        language="en", fetched_at=NOW, relevant=True, topic="xiaomi-leica", event="launch",
    )  # fmt: skip
    store.save_article(later, story.id, [])
    assert deliver(store, notifier, channels, NOW).sent == 1
    [mail] = smtp_sink.messages
    assert str(mail["Subject"]).endswith("(2 outlets)")
    assert "https://theverge.example/x17" in mail.get_body(("plain",)).get_content()
