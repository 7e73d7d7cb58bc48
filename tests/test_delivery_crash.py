"""A delivery process killed between "sent" and "recorded", again and again: no alert is lost, and each kill
repeats at most the one alert it interrupted (the only duplicate the outbox design allows).

The webhook receiver itself SIGKILLs the delivery process right after accepting a message, before the answer
reaches it, so the kill lands exactly in the window between send and record.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from monitor.records import NewAlert
from monitor.store import Store

REPO = Path(__file__).resolve().parents[1]
BASE = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
DELIVER = """
import random, sys
from datetime import datetime
from monitor.config import ChannelConfig
from monitor.alerts.delivery import deliver_due
from monitor.alerts.notify import AppriseNotifier
from monitor.store import Store

store = Store.open(sys.argv[1])
channels = {"hook": ChannelConfig(name="hook", url=sys.argv[2])}
now = datetime.fromisoformat(sys.argv[3])
notifier = AppriseNotifier()
for _ in range(100):  # one alert per round, so each is recorded before the next is sent
    if deliver_due(store, notifier, channels, now, "worker", random.Random(), limit=1).claimed == 0:
        break
"""


class KillingReceiver:
    """A JSON webhook that records every message and kills the sender after the messages numbered in ``kill_at``."""

    def __init__(self, kill_at: set[int]) -> None:
        self.received: list[str] = []
        self.kill_at = kill_at
        self.sender: int | None = None
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server API
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                receiver.received.append(body["title"].removeprefix("[Launch] ").split(" · ")[0])
                if len(receiver.received) in receiver.kill_at and receiver.sender:
                    os.kill(receiver.sender, signal.SIGKILL)  # sent, not yet recorded
                try:
                    self.send_response(200)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"{}")
                except OSError:
                    pass

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> KillingReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[KillingReceiver]:
    with KillingReceiver(kill_at={1, 3, 5}) as r:
        yield r


def payload(title: str) -> dict[str, object]:
    return {"title": title, "event": "launch", "url": "https://example.test/" + title, "outlet": "Outlet",
            "published": BASE.isoformat(), "summary": "", "topic": "t", "cues": [], "coverage": []}


def test_kills_between_send_and_record_lose_nothing_and_repeat_at_most_once_each(
    storage_url: str, receiver: KillingReceiver
) -> None:
    url = storage_url
    titles = [f"alert-{n}" for n in range(6)]
    with Store.open(url) as store:
        store.enqueue_alerts([NewAlert(f"test:{t}", "hook", "t", "story", payload(t), BASE) for t in titles])
    hook = f"json://127.0.0.1:{receiver.server.server_address[1]}/hook"
    kills = 0
    for run in range(10):  # bounded: 3 kills, then one run that finishes
        # Each restart comes after the killed worker's 5-minute lease has expired.
        now = (BASE + timedelta(minutes=10 * run)).isoformat()
        child = subprocess.Popen([sys.executable, "-c", DELIVER, url, hook, now], cwd=REPO)
        receiver.sender = child.pid
        code = child.wait(timeout=60)
        if code == -signal.SIGKILL:
            kills += 1
            continue
        assert code == 0
        break

    assert kills == 3
    assert set(receiver.received) == set(titles)  # nothing lost
    assert len(receiver.received) <= len(titles) + kills  # at most one repeat per kill
    with Store.open(url) as store:
        assert {a.status for a in store.alerts()} == {"sent"}
