"""`monitor notify-test`, `monitor alerts` and `monitor alerts retry` through the command line."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import run, write_config
from tests.sinks import HttpSink, free_port


def test_notify_test_reports_each_channel(tmp_path: Path, json_sink: HttpSink) -> None:
    config = write_config(tmp_path, {}, channels={
        "good": f"json://127.0.0.1:{json_sink.port}/hook?rto=2",
        "down": f"json://127.0.0.1:{free_port()}/hook?cto=1&rto=1",
    })

    code, lines, _ = run(config, "notify-test", "--json")

    assert code == 1  # one channel failed
    by_channel = {line["channel"]: line for line in lines}
    assert by_channel["good"]["ok"] is True and by_channel["down"]["ok"] is False
    assert by_channel["down"]["error"]
    assert len(json_sink.requests) == 1 and "test message" in json_sink.requests[0].body.decode()

    code, lines, _ = run(config, "notify-test", "--json", "--channel", "good")
    assert code == 0 and [line["channel"] for line in lines] == ["good"]


def test_failed_alerts_are_listed_and_requeued(tmp_path: Path, storage_url: str) -> None:
    from datetime import UTC, datetime

    from monitor.records import NewAlert
    from monitor.store import Store

    config = write_config(tmp_path, {}, storage=storage_url)
    with Store.open(storage_url) as store:
        store.enqueue_alerts([NewAlert("test:1", "hook", None, "test", {"title": "Hello"}, datetime.now(UTC))])
        [alert] = store.claim_alerts(datetime.now(UTC), "w")
        store.record_delivery(alert.id, False, "HTTP 500 from hook", datetime.now(UTC), None, True)

    _, lines, _ = run(config, "alerts", "--json", "--status", "failed")
    assert [(a["title"], a["last_error"]) for a in lines] == [("Hello", "HTTP 500 from hook")]
    code, _, output = run(config, "alerts", "retry")
    assert code == 0 and "1 alert re-queued" in output
    _, lines, _ = run(config, "alerts", "--json")
    assert [a["status"] for a in lines] == ["pending"]
