"""The seeds are the memory; new coverage of a known story is silent, a new event alerts once per channel.

Real everything: the seed files from ../shared/seeds, a loopback feed server, an SMTP server and a Slack-style
webhook started here, SQLite.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import LAUNCH, items, rss, run, write_config
from tests.httpserver import LoopbackServer, Route
from tests.sinks import HttpSink, SmtpSink, slack_url

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason=f"seed articles not found at {SEEDS}")


def syndicated_copy() -> tuple[str, str]:
    """Another outlet's copy of seed 001 (the May 2022 partnership): new headline, reworded opening."""
    text = (SEEDS / "001_e184c388e6a71916.txt").read_text(encoding="utf-8")
    body = text.split("begins in July", 1)[1].strip()
    body = body.replace("share the same ideas", "have the same ideas", 1)
    return "Leica and Xiaomi sign long-term deal on smartphone cameras", body


@needs_seeds
def test_seeds_then_a_copy_then_a_launch(
    tmp_path: Path, http_server: LoopbackServer, smtp_sink: SmtpSink, slack_sink: HttpSink, storage_url: str
) -> None:
    feed: list[tuple[str, str, str, str]] = []
    http_server.route("/feed", lambda request: Route(body=rss(feed, title="New Outlet")))
    config = write_config(
        tmp_path,
        {"new-outlet": http_server.url("/feed")},
        channels={"mail": smtp_sink.url(), "slack": slack_url()},
        first_run_silent=False,
        storage=storage_url,
    )
    code, imported, _ = run(config, "import", "--json", str(SEEDS))
    assert code == 0
    assert sum(1 for line in imported if line.get("outcome") == "new") == 5
    _, stories, _ = run(config, "stories", "--json")
    assert sorted(s["event"] for s in stories) == ["partnership", "teaser"]

    feed.append(("copy-1", *syndicated_copy(), "Tue, 24 May 2022 08:00:00 GMT"))
    _, lines, _ = run(config, "crawl", "--json")
    [copy] = items(lines)
    assert copy["outcome"] == "new" and copy["known_story"] is True
    assert smtp_sink.messages == [] and slack_sink.requests == []

    feed.append(("launch-1", *LAUNCH, "Mon, 04 Jul 2022 12:00:00 GMT"))
    _, lines, _ = run(config, "crawl", "--json")
    [launch] = [i for i in items(lines) if i["outcome"] != "duplicate"]
    assert launch["event"] == "launch" and launch["known_story"] is False
    assert len(smtp_sink.messages) == 1 and len(slack_sink.requests) == 1
    assert smtp_sink.messages[0]["Subject"].startswith("[Launch]")
    assert "12S Ultra" in slack_sink.requests[0].body.decode()

    run(config, "crawl", "--json")  # nothing new: nothing more is sent
    assert len(smtp_sink.messages) == 1 and len(slack_sink.requests) == 1
