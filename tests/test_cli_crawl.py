"""End to end through the command line: config file → crawl of loopback feeds → SQLite → JSON lines out.

Everything is real (HTTP server, SQLite, the judgement); only the outlets are local.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.service import cycle
from tests.helpers import (
    DATE,
    LAUNCH,
    OTHER,
    PARTNERSHIP,
    alerting_config,
    items,
    rss,
    run,
    sources,
    write_config,
)
from tests.httpserver import LoopbackServer, Route
from tests.sinks import HttpSink


def test_crawl_stores_relevant_news_and_reports_each_item(
    tmp_path: Path, http_server: LoopbackServer, storage_url: str
) -> None:
    http_server.route(
        "/feed",
        Route(
            body=rss([("p1", *PARTNERSHIP, DATE), ("o1", *OTHER, DATE)]),
            headers={"Content-Type": "application/rss+xml"},
        ),
    )
    config = write_config(tmp_path, {"outlet": http_server.url("/feed")}, storage=storage_url)

    code, lines, _ = run(config, "crawl", "--json")

    assert code == 0
    by_title = {i["title"]: i for i in items(lines)}
    assert by_title[PARTNERSHIP[0]]["outcome"] == "new"
    assert by_title[PARTNERSHIP[0]]["event"] == "partnership"
    assert isinstance(by_title[PARTNERSHIP[0]]["story"], int)
    assert by_title[OTHER[0]]["outcome"] == "irrelevant"
    assert sources(lines)["outlet"]["status"] == "ok"
    _, articles, _ = run(config, "articles", "--json")
    assert [a["title"] for a in articles] == [PARTNERSHIP[0]]
    assert articles[0]["published"].startswith("2022-05-23")


def test_unchanged_feed_costs_one_conditional_request_and_adds_nothing(
    tmp_path: Path, http_server: LoopbackServer, storage_url: str
) -> None:
    http_server.route(
        "/feed",
        Route(
            body=rss([("p1", *PARTNERSHIP, DATE)]),
            etag='"v1"',
            last_modified="Mon, 23 May 2022 10:00:00 GMT",
            headers={"Content-Type": "application/rss+xml"},
        ),
    )
    config = write_config(tmp_path, {"outlet": http_server.url("/feed")}, storage=storage_url)
    run(config, "crawl", "--json")

    code, lines, _ = run(config, "crawl", "--json")

    assert code == 0
    assert items(lines) == []
    assert sources(lines)["outlet"]["status"] == "not_modified"
    second = http_server.requests[1:]
    assert len(second) == 1
    assert second[0].header("If-None-Match") == '"v1"'
    assert second[0].header("If-Modified-Since") == "Mon, 23 May 2022 10:00:00 GMT"


def test_polling_the_same_feed_twice_without_validators_adds_nothing(
    tmp_path: Path, http_server: LoopbackServer, storage_url: str
) -> None:
    http_server.route(
        "/feed",
        Route(
            body=rss([("p1", *PARTNERSHIP, DATE), ("o1", *OTHER, DATE)]),
            headers={"Content-Type": "application/rss+xml"},
        ),
    )
    config = write_config(tmp_path, {"outlet": http_server.url("/feed")}, storage=storage_url)
    run(config, "crawl", "--json")

    _, lines, _ = run(config, "crawl", "--json")

    assert {i["outcome"] for i in items(lines)} == {"duplicate"}
    _, articles, _ = run(config, "articles", "--json", "--all")
    assert len(articles) == 2


def test_a_failing_source_is_reported_and_does_not_hide_the_others(
    tmp_path: Path, http_server: LoopbackServer, storage_url: str
) -> None:
    http_server.route("/good", Route(body=rss([("p1", *PARTNERSHIP, DATE)])))
    http_server.route("/broken", Route(status=500, body=b"oops"))
    http_server.route(
        "/html", Route(body=b"<html><body><h1>Not a feed</h1></body></html>", headers={"Content-Type": "text/html"})
    )
    config = write_config(
        tmp_path,
        {"good": http_server.url("/good"), "broken": http_server.url("/broken"), "html": http_server.url("/html")},
        storage=storage_url,
    )

    code, lines, _ = run(config, "crawl", "--json")

    assert code == 0
    by_source = sources(lines)
    assert by_source["good"]["status"] == "ok" and by_source["good"]["new"] == 1
    assert by_source["broken"]["status"] == "error" and "500" in by_source["broken"]["error"]
    assert by_source["html"]["status"] == "error" and by_source["html"]["error"]
    _, states, _ = run(config, "sources", "--json")
    broken = next(s for s in states if s["source"] == "broken")
    assert broken["failures"] == 1 and "500" in broken["last_error"]


def test_summary_only_entries_get_their_page_fetched_and_extracted(
    tmp_path: Path, http_server: LoopbackServer, storage_url: str
) -> None:
    page = (
        "<html lang='en'><head><title>Launch | Outlet</title></head><body><nav>Home · Phones · Cameras</nav>"
        f"<article><h1>{LAUNCH[0]}</h1>"
        + "".join(f"<p>{s}.</p>" for s in LAUNCH[1].split(". "))
        + "</article><aside><h3>Related</h3><p>Best budget phones of the year</p></aside></body></html>"
    ).encode()
    http_server.route("/story.html", Route(body=page, headers={"Content-Type": "text/html; charset=utf-8"}))
    link = http_server.url("/story.html")
    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>http://x/</link>'
        f"<item><title>{LAUNCH[0]}</title><link>{link}</link><guid>l1</guid>"
        "<pubDate>Mon, 04 Jul 2022 12:00:00 GMT</pubDate><description>Xiaomi's new phone is here…</description>"
        "</item></channel></rss>"
    ).encode()
    http_server.route("/feed", Route(body=feed))
    config = write_config(tmp_path, {"outlet": http_server.url("/feed")}, storage=storage_url)

    _, lines, _ = run(config, "crawl", "--json")

    [item] = items(lines)
    assert item["outcome"] == "new" and item["event"] == "launch"
    assert [r.path for r in http_server.requests] == ["/feed", "/story.html"]


def test_dry_run_judges_but_stores_nothing(tmp_path: Path, http_server: LoopbackServer, storage_url: str) -> None:
    http_server.route("/feed", Route(body=rss([("p1", *PARTNERSHIP, DATE)])))
    config = write_config(tmp_path, {"outlet": http_server.url("/feed")}, storage=storage_url)

    _, lines, _ = run(config, "crawl", "--json", "--dry-run")

    assert [i["outcome"] for i in items(lines)] == ["new"]
    _, articles, _ = run(config, "articles", "--json", "--all")
    assert articles == []
    _, states, _ = run(config, "sources", "--json")
    assert states[0]["polls"] == 0


def test_crawl_of_one_named_source_and_an_unknown_name(
    tmp_path: Path, http_server: LoopbackServer, storage_url: str
) -> None:
    http_server.route("/a", Route(body=rss([("p1", *PARTNERSHIP, DATE)])))
    http_server.route("/b", Route(body=rss([("o1", *OTHER, DATE)])))
    config = write_config(tmp_path, {"a": http_server.url("/a"), "b": http_server.url("/b")}, storage=storage_url)

    _, lines, _ = run(config, "crawl", "--json", "--source", "b")
    assert set(sources(lines)) == {"b"}
    assert [r.path for r in http_server.requests] == ["/b"]

    code, _, output = run(config, "crawl", "--source", "nope")
    assert code == 2 and "nope" in output


def test_human_output_has_a_table_of_items_and_a_line_per_source(
    tmp_path: Path, http_server: LoopbackServer, storage_url: str
) -> None:
    http_server.route("/feed", Route(body=rss([("p1", *PARTNERSHIP, DATE)])))
    config = write_config(tmp_path, {"outlet": http_server.url("/feed")}, storage=storage_url)

    code, _, output = run(config, "crawl")

    assert code == 0
    assert "partnership" in output and "outlet" in output
    assert "1 source polled, 0 failed" in output


def test_a_config_error_names_the_key_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    config = write_config(tmp_path, {"a": "http://127.0.0.1:9/feed"})
    config.write_text(config.read_text().replace('interval = "15m"', 'intervall = "15m"'))

    code, _, output = run(config, "crawl")

    assert code == 2
    assert "intervall" in output and "config.toml" in output
    assert not (tmp_path / "monitor.db").exists()


def test_new_story_alerts_once_and_known_coverage_does_not(
    tmp_path: Path, http_server: LoopbackServer, json_sink: HttpSink, storage_url: str
) -> None:
    feed = [("p1", *PARTNERSHIP, DATE)]
    http_server.route("/feed", lambda request: Route(body=rss(feed)))
    config = alerting_config(tmp_path, {"outlet": http_server.url("/feed")}, json_sink, storage_url)
    run(config, "crawl", "--json")
    assert len(json_sink.requests) == 1
    assert PARTNERSHIP[0] in json_sink.requests[0].json()["message"]

    copy_title = "Leica and Xiaomi confirm a strategic cooperation for mobile imaging"
    feed.append(("p2", copy_title, PARTNERSHIP[1].replace("today announced", "have announced"), DATE))
    _, lines, _ = run(config, "crawl", "--json")

    [copy] = [i for i in items(lines) if i["outcome"] != "duplicate"]
    assert copy["known_story"] is True
    assert len(json_sink.requests) == 1  # coverage of a known story never alerts again
    _, alerts, _ = run(config, "alerts", "--json")
    assert [a["status"] for a in alerts] == ["sent"]


def test_every_poll_of_a_crawl_bigger_than_one_batch_is_recorded(
    tmp_path: Path, http_server: LoopbackServer, storage_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # More unchanged sources than Cycle.run writes in one batch of poll records, plus one with news and one failing.
    monkeypatch.setattr(cycle, "RECORD_BATCH", 8)  # the real batch (200) works the same, only slower to test
    count = 2 * cycle.RECORD_BATCH + 3
    feeds = {}
    for n in range(count):
        feeds[f"s{n:03}"] = http_server.route(f"/f{n}", Route(body=rss([]), etag=f'"e{n}"'))
    feeds["news"] = http_server.route("/news", lambda request: Route(body=rss(news)))
    feeds["broken"] = http_server.route("/broken", Route(status=503, body=b"busy"))
    news = [("p1", *PARTNERSHIP, DATE)]
    config = write_config(tmp_path, feeds, storage=storage_url)
    run(config, "crawl", "--json")
    news.append(("l1", *LAUNCH, DATE))

    code, lines, _ = run(config, "crawl", "--json")

    assert code == 0
    assert sources(lines)["news"]["new"] == 1
    _, states, _ = run(config, "sources", "--json")
    by_name = {s["source"]: s for s in states}
    assert {by_name[f"s{n:03}"]["status"] for n in range(count)} == {"not_modified"}
    assert {by_name[name]["polls"] for name in feeds} == {2}
    assert by_name["broken"]["failures"] == 2
    third = len(http_server.requests)
    run(config, "crawl", "--json")
    revalidated = [r for r in http_server.requests[third:] if r.path.startswith("/f")]
    assert len(revalidated) == count
    assert all(r.header("If-None-Match") == f'"e{r.path[2:]}"' for r in revalidated)  # validators were stored


def test_the_same_text_under_another_url_is_a_duplicate_and_alerts_nothing(
    tmp_path: Path, http_server: LoopbackServer, json_sink: HttpSink, storage_url: str
) -> None:
    http_server.route("/wire", Route(body=rss([("wire-1", *PARTNERSHIP, DATE)])))
    copy = [("copy-9", "Syndicated: " + PARTNERSHIP[0], PARTNERSHIP[1], DATE)]  # new GUID and link, same text
    http_server.route("/copy", Route(body=rss(copy)))
    config = alerting_config(tmp_path, {"wire": http_server.url("/wire")}, json_sink, storage_url)
    run(config, "crawl", "--json")
    config.write_text(config.read_text() + f'[[sources]]\nname = "copy"\nurl = "{http_server.url("/copy")}"\n')

    _, dry, _ = run(config, "crawl", "--json", "--dry-run", "--source", "copy")
    _, lines, _ = run(config, "crawl", "--json", "--source", "copy")

    assert [i["outcome"] for i in items(dry)] == ["duplicate"]
    assert [i["outcome"] for i in items(lines)] == ["duplicate"]
    _, articles, _ = run(config, "articles", "--json", "--all")
    assert [a["source"] for a in articles] == ["wire"]
    assert len(json_sink.requests) == 1  # the wire's story alerted once; the copy added nothing
