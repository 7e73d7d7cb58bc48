"""notify: real deliveries over loopback — SMTP (plain and STARTTLS+AUTH), Slack webhook, JSON webhook."""

from __future__ import annotations

import json
import logging
import re
import time

import pytest

from monitor.alerts.notify import AppriseNotifier
from monitor.alerts.render import ZWJ, render
from monitor.config import ChannelConfig
from tests.sinks import SLACK_TOKENS, SMTP_PASSWORD, HttpSink, SmtpSink, slack_url

HOSTILE = "<b>Xiaomi</b> <!channel> @here <https://evil.example|y> \r\nBcc: victim@x"


def payload(title: str = "Xiaomi 17 Ultra launches with Leica optics") -> dict:
    return {
        "title": title,
        "event": "launch",
        "url": "https://www.gsmarena.com/xiaomi_17_ultra-news-1.php",
        "outlet": "GSMArena",
        "published": "2025-12-25T09:30:00+00:00",
        "summary": "Co-engineered with Leica.",
        "topic": "xiaomi-leica",
        "cues": [],
        "coverage": [{"outlet": "The Verge", "title": "Another", "url": "https://www.theverge.com/x"}],
    }


MESSAGE = render([payload()], digest=False)


@pytest.fixture
def notifier() -> AppriseNotifier:
    return AppriseNotifier(timeout=10)


def ch(name: str, url: str) -> ChannelConfig:
    return ChannelConfig(name=name, url=url)


def test_email_arrives_as_html_with_text_alternative(notifier: AppriseNotifier, smtp_sink: SmtpSink) -> None:
    result = notifier.send(ch("mail", smtp_sink.url()), MESSAGE)
    assert result.ok and result.error is None
    [mail] = smtp_sink.messages
    assert mail["Subject"] == "[Launch] Xiaomi 17 Ultra launches with Leica optics · 2025-12-25 (2 outlets)"
    assert mail["To"] == "alerts@example.com"
    html_part = mail.get_body(("html",))
    text_part = mail.get_body(("plain",))
    assert html_part is not None and text_part is not None
    assert 'href="https://www.gsmarena.com/xiaomi_17_ultra-news-1.php"' in html_part.get_content()
    assert "Co-engineered with Leica." in text_part.get_content()
    # The plain-text part a text-only mail client shows has the article's link, and the coverage's.
    assert "https://www.gsmarena.com/xiaomi_17_ultra-news-1.php" in text_part.get_content()
    assert "https://www.theverge.com/x" in text_part.get_content()


def test_email_over_starttls_with_auth(notifier: AppriseNotifier, smtp_tls_sink: SmtpSink) -> None:
    assert notifier.send(ch("mail", smtp_tls_sink.url(secure=True)), MESSAGE).ok
    assert len(smtp_tls_sink.messages) == 1


def test_wrong_smtp_password_is_a_failure_without_the_password(
    notifier: AppriseNotifier, smtp_tls_sink: SmtpSink, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    url = smtp_tls_sink.url(secure=True).replace(SMTP_PASSWORD, "Wr0ngPassw0rd-xyz")
    result = notifier.send(ch("mail", url), MESSAGE)
    assert not result.ok and result.error
    assert smtp_tls_sink.messages == []
    assert "Wr0ngPassw0rd-xyz" not in result.error + caplog.text
    assert "mailtos://" in result.error  # names the target, privately


def test_burst_of_emails_is_not_throttled(notifier: AppriseNotifier, smtp_sink: SmtpSink) -> None:
    # apprise waits 5.5 s between two sends through one object by default; we turn that off.
    channel = ch("mail", smtp_sink.url())
    started = time.perf_counter()
    results = [notifier.send(channel, MESSAGE) for _ in range(10)]
    elapsed = time.perf_counter() - started
    assert all(r.ok for r in results) and len(smtp_sink.messages) == 10
    assert elapsed < 3.0, f"10 e-mails took {elapsed:.1f} s"


def test_smtp_down_is_a_failure_with_a_reason(notifier: AppriseNotifier, smtp_sink: SmtpSink) -> None:
    smtp_sink.stop()
    result = notifier.send(ch("mail", smtp_sink.url()), MESSAGE)
    assert not result.ok and "FAILURE" in (result.error or "")


def test_slack_gets_the_message_and_secrets_stay_out_of_logs(
    notifier: AppriseNotifier, slack_sink: HttpSink, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    logging.getLogger("apprise").setLevel(logging.DEBUG)
    try:
        assert notifier.send(ch("slack", slack_url()), MESSAGE).ok
        slack_sink.fail(500)
        failed = notifier.send(ch("slack", slack_url()), MESSAGE)
    finally:
        logging.getLogger("apprise").setLevel(logging.NOTSET)
    [request] = slack_sink.requests
    assert request.path == "/services/" + "/".join(SLACK_TOKENS)
    text = request.json()["attachments"][0]["text"]
    assert "<https://www.gsmarena.com/xiaomi_17_ultra-news-1.php|[Launch] Xiaomi 17 Ultra" in text
    assert "<https://www.theverge.com/x|The Verge: Another>" in text
    assert not failed.ok and "500" in (failed.error or "")
    assert "POST" in caplog.text  # the DEBUG lines that used to carry the token were emitted...
    for token in SLACK_TOKENS:  # ...with the token scrubbed
        assert token not in caplog.text and token not in (failed.error or "")


@pytest.mark.parametrize("failure", [500, 429, "slow"])
def test_slack_failures_are_reported_not_sent(notifier: AppriseNotifier, slack_sink: HttpSink, failure) -> None:
    slack_sink.fail(failure)
    started = time.perf_counter()
    result = notifier.send(ch("slack", slack_url()), MESSAGE)
    assert not result.ok and result.error
    assert time.perf_counter() - started < 2.0  # rto=0.3 in the URL bounds a slow webhook
    assert slack_sink.requests == []
    assert notifier.send(ch("slack", slack_url()), MESSAGE).ok  # recovered
    assert len(slack_sink.requests) == 1


def test_hostile_title_arrives_inert_in_email_and_slack(
    notifier: AppriseNotifier, smtp_sink: SmtpSink, slack_sink: HttpSink
) -> None:
    message = render([payload(HOSTILE)], digest=False)
    assert notifier.send(ch("mail", smtp_sink.url()), message).ok
    assert notifier.send(ch("slack", slack_url()), message).ok
    [mail] = smtp_sink.messages
    assert mail["Bcc"] is None and "\n" not in mail["Subject"]
    assert smtp_sink.handler.envelopes[0][1] == ["alerts@example.com"]  # no extra recipient
    html_body = mail.get_body(("html",)).get_content()
    assert "<b>" not in html_body and "&lt;b&gt;Xiaomi&lt;/b&gt;" in html_body
    body = slack_sink.requests[0].json()["attachments"][0]["text"]
    for active in ("<!channel>", "<https://evil.example|y>", "<b>"):
        assert active not in body
    assert "&lt;!channel&gt;" in body and f"@{ZWJ}here" in body
    assert not re.search(r"@here", body)


def test_generic_json_webhook_gets_plain_text(notifier: AppriseNotifier, json_sink: HttpSink) -> None:
    url = f"json://127.0.0.1:{json_sink.port}/hook?rto=0.3"
    assert notifier.send(ch("hook", url), MESSAGE).ok
    body = json_sink.requests[0].json()
    assert json_sink.requests[0].path == "/hook"
    assert body["title"] == MESSAGE.subject and "https://www.gsmarena.com/" in body["message"]


def test_unusable_url_is_a_configuration_error_never_sent(notifier: AppriseNotifier) -> None:
    result = notifier.send(ch("bad", "nosuchscheme://user:Sup3rSecret99@host/x"), MESSAGE)
    assert not result.ok and "apprise does not accept" in (result.error or "")
    assert "Sup3rSecret99" not in (result.error or "")


def test_apprise_object_is_built_once_per_channel(notifier: AppriseNotifier, json_sink: HttpSink) -> None:
    url = f"json://127.0.0.1:{json_sink.port}/hook?rto=0.3"
    notifier.send(ch("hook", url), MESSAGE)
    first = notifier._targets["hook"].apobj
    notifier.send(ch("hook", url), MESSAGE)
    assert notifier._targets["hook"].apobj is first
    notifier.send(ch("hook", url + "&cto=1"), MESSAGE)  # a reloaded config with a new URL rebuilds
    assert notifier._targets["hook"].apobj is not first
    assert len(json_sink.requests) == 3


def test_slack_messages_carry_no_apprise_footer(notifier: AppriseNotifier, slack_sink: HttpSink) -> None:
    url = "slack://{}/{}/{}?image=no&rto=0.3".format(*SLACK_TOKENS)  # no footer= in the URL: apprise's default is on
    assert notifier.send(ch("slack", url), MESSAGE).ok
    [request] = slack_sink.requests
    attachment = request.json()["attachments"][0]
    assert "footer" not in attachment and "Apprise" not in json.dumps(attachment)


def test_an_smtp_failure_gives_the_server_s_own_reason(notifier: AppriseNotifier, smtp_sink: SmtpSink) -> None:
    # Credentials for a server that offers no AUTH: apprise says only "Connection error" at WARNING level.
    url = f"mailto://user:Passw0rd-xyz@example.com:{smtp_sink.port}/a@example.com?smtp=127.0.0.1&mode=insecure&cto=2"
    result = notifier.send(ch("mail", url), MESSAGE)
    assert not result.ok and "SMTP AUTH extension not supported by server" in (result.error or "")
    assert "Passw0rd-xyz" not in (result.error or "")
