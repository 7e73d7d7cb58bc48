"""`monitor sources`, `sources add`, `sources import` and `sources export` through the command line, as a
Miniflux/FreshRSS/urlwatch user would use them: the page's feed found, the TOML file edited in place with its
comments kept, OPML in and out."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from lxml import etree

from monitor.config import load_config
from tests.helpers import DATE, LAUNCH, rss, run, write_config
from tests.httpserver import LoopbackServer, Route

REPO = Path(__file__).resolve().parents[1]

PAGE = b"""<!doctype html><html><head><title>News</title>
<link rel="stylesheet" href="/s.css">
<link rel="alternate" type="application/rss+xml" title="All news" href="/feeds/all.rss">
<link rel="alternate" type="application/atom+xml" href="/feeds/all.atom">
</head><body><h1>News</h1></body></html>"""

OPML = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>Miniflux</title></head><body>
  <outline text="Phones">
    <outline title="GSM Arena News" text="GSM Arena News" xmlUrl="{a}" htmlUrl="http://a.test/" type="rss"/>
    <outline text="Already here" xmlUrl="{b}" type="rss"/>
  </outline>
  <outline text="no feed here" htmlUrl="http://c.test/"/>
</body></opml>"""


def commented_config(tmp_path: Path, sources: dict[str, str]) -> Path:
    """A config with a comment and a channel after the sources, as the shipped one has."""
    path = write_config(tmp_path, sources)
    text = path.read_text()
    path.write_text("# my monitor: keep this comment\n" + text + "\n# channels below\n")
    return path


def test_add_finds_the_feed_of_a_page_and_keeps_the_file_as_it_was(
    tmp_path: Path, http_server: LoopbackServer
) -> None:
    http_server.route("/", Route(body=PAGE, headers={"Content-Type": "text/html; charset=utf-8"}))
    http_server.route("/feeds/all.rss", Route(body=rss([("g1", LAUNCH[0], LAUNCH[1], DATE)]),
                                              headers={"Content-Type": "application/rss+xml"}))  # fmt: skip
    config = commented_config(tmp_path, {"first": "http://127.0.0.1:9/first.rss"})
    before = config.read_text()

    code, _, output = run(config, "sources", "add", http_server.url("/"), "--name", "news", "--interval", "30m")

    assert code == 0, output
    after = config.read_text()
    assert after.startswith(before.rstrip("\n").rsplit("# channels below", 1)[0].rstrip("\n"))  # nothing rewritten
    assert "# my monitor: keep this comment" in after and "# channels below" in after
    added = {s.name: s for s in load_config(config, env={}).sources}["news"]
    assert added.url == http_server.url("/feeds/all.rss") and added.interval.total_seconds() == 1800
    # The new source is polled like any other.
    code, lines, _ = run(config, "crawl", "--json", "--source", "news")
    assert code == 0 and any(line.get("title") == LAUNCH[0] for line in lines)


def test_add_refuses_a_page_without_feed_a_duplicate_and_a_bad_interval(
    tmp_path: Path, http_server: LoopbackServer
) -> None:
    http_server.route("/plain", Route(body=b"<html><head></head><body>hi</body></html>",
                                      headers={"Content-Type": "text/html"}))  # fmt: skip
    feed_url = http_server.route("/f.rss", Route(body=rss([]), headers={"Content-Type": "application/rss+xml"}))
    config = write_config(tmp_path, {"mine": feed_url})
    before = config.read_text()

    code, _, output = run(config, "sources", "add", http_server.url("/plain"))
    assert code == 1 and "neither a feed nor a page that links one" in output
    code, _, output = run(config, "sources", "add", feed_url)
    assert code == 2 and "already configured as source 'mine'" in output
    code, _, output = run(config, "sources", "add", feed_url, "--interval", "soon")
    assert code == 2 and "bad interval 'soon'" in output
    assert config.read_text() == before


def test_opml_import_adds_new_feeds_and_export_gives_them_back(tmp_path: Path) -> None:
    config = write_config(tmp_path, {"b": "http://b.test/feed"})
    opml = tmp_path / "miniflux.opml"
    opml.write_text(OPML.format(a="http://a.test/rss", b="http://b.test/feed"))

    code, _, output = run(config, "sources", "import", str(opml))

    assert code == 0 and "added 1 source, 1 already configured" in output
    names = {s.name: s.url for s in load_config(config, env={}).sources}
    assert names == {"b": "http://b.test/feed", "gsm-arena-news": "http://a.test/rss"}
    code, _, output = run(config, "sources", "import", str(opml))
    assert "added 0 sources, 2 already configured" in output  # importing again adds nothing

    exported = tmp_path / "out.opml"
    code, _, _ = run(config, "sources", "export", "-o", str(exported))
    root = etree.fromstring(exported.read_bytes())
    assert root.get("version") == "2.0"
    assert {o.get("xmlUrl") for o in root.iter("outline")} == {"http://a.test/rss", "http://b.test/feed"}


def test_a_file_that_is_not_opml_is_a_clear_error(tmp_path: Path) -> None:
    config = write_config(tmp_path, {})
    bad = tmp_path / "feeds.opml"
    bad.write_text("<html><body>not opml</body></html>")
    code, _, output = run(config, "sources", "import", str(bad))
    assert code == 2 and "feeds.opml" in output and "not an OPML file" in output


def test_sources_table_fits_80_columns(tmp_path: Path) -> None:
    long_error_source = "a-source-with-a-rather-long-name-indeed"
    config = write_config(tmp_path, {long_error_source: "http://127.0.0.1:9/feed", "short": "http://127.0.0.1:9/x"})
    run(config, "crawl")  # both fail to connect: a long error each
    env = {**os.environ, "COLUMNS": "80"}
    done = subprocess.run([sys.executable, "-m", "monitor", "--config", str(config), "sources"], env=env,
                          capture_output=True, text=True, cwd=REPO, check=True)  # fmt: skip
    lines = done.stdout.splitlines()
    assert lines[0].startswith("2 sources")
    assert max(len(line) for line in lines) <= 80
    assert any(line.startswith("a-source-with") and "error" in line for line in lines)
