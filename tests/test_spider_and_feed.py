"""A spider source and a feed source that report the same article store one article and send one alert."""

from __future__ import annotations

import asyncio
import functools
import random
from pathlib import Path

from monitor.alerts.delivery import deliver_due
from monitor.alerts.notify import AppriseNotifier
from monitor.config import load_config
from monitor.ingest.fetch import Fetcher
from monitor.ingest.sources.crawl import run_spider
from monitor.service.app import open_app
from monitor.service.cycle import Cycle
from tests.helpers import FAST, serve_site, write_config
from tests.httpserver import LoopbackServer, Route
from tests.sinks import HttpSink

LAUNCH_PAGE = "/news/xiaomi-15-ultra-leica-launch.html"


def test_the_same_article_from_a_spider_and_a_feed_is_stored_and_alerted_once(
    tmp_path: Path, http_server: LoopbackServer, json_sink: HttpSink, storage_url: str
) -> None:
    serve_site(http_server)
    link = http_server.url(LAUNCH_PAGE)
    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Gadget Ledger</title><link>http://x/</link>'
        f"<item><title>Xiaomi 15 Ultra launches with Leica optics</title><link>{link}?utm_source=rss</link>"
        "<guid>gl-15u</guid><description>Xiaomi's new flagship is here…</description></item></channel></rss>"
    ).encode()
    http_server.route("/feed.xml", Route(body=feed, headers={"Content-Type": "application/rss+xml"}))
    path = write_config(tmp_path, {"ledger-feed": http_server.url("/feed.xml")},
                        channels={"hook": f"json://127.0.0.1:{json_sink.port}/hook?rto=2"}, first_run_silent=False,
                        storage=storage_url)
    path.write_text(path.read_text() + "\n".join([
        "[[sources]]", 'name = "ledger-sitemap"', 'type = "spider"', 'spider = "sitemap"',
        f'url = "{http_server.url("/robots.txt")}"', 'interval = "1h"', "url_patterns = ['/news/']", "",
    ]))
    config = load_config(path, env={})
    app = open_app(config)

    async def crawl() -> None:
        async with Fetcher(config.network) as fetcher:
            cycle = Cycle(config, app.store, app.pipeline, fetcher, app.clock,
                          spider_runner=functools.partial(run_spider, settings=FAST))
            report = await cycle.run(config.sources)
        assert {s.source: s.error for s in report.sources} == {"ledger-feed": None, "ledger-sitemap": None}

    try:
        asyncio.run(crawl())
        deliver_due(app.store, AppriseNotifier(), {c.name: c for c in config.channels}, app.clock(), "t",
                    random.Random(1))
        launch_copies = [a for a in app.store.articles() if a.url.split("?")[0] == link]
        assert len(launch_copies) == 1
        titles = [r.json()["title"] + r.json()["message"] for r in json_sink.requests]
        assert sum("15 Ultra" in t for t in titles) == 1
        stories = app.store.stories()
        assert any(s.article_count == 1 and s.event == "launch" for s in stories)
        assert len(json_sink.requests) == len(stories)  # one alert per story, none per copy
    finally:
        app.close()
