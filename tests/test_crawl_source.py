"""monitor.ingest.sources.crawl: a spider source run as a real ``scrapy crawl`` subprocess against the loopback fixture
site, and the child's failures (hang, crash, bad output, refused start URL) coming back as values.

Stand-in interpreters (tiny shell scripts passed as ``python=``) play children that misbehave in ways a real
spider rarely does on demand: garbage on stdout, a grandchild left running.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.config import NetworkConfig, SourceConfig
from monitor.ingest.sources.crawl import KILL_GRACE, parse_items, run_spider, spider_arguments
from tests.helpers import FAST, serve_site
from tests.httpserver import LoopbackServer, Route

LOOPBACK = NetworkConfig(allow_private=True, timeout=10.0)
QUICK = {key: value for key, value in FAST.items() if key != "ALLOW_PRIVATE"}  # that one comes from network


@pytest.fixture
def site() -> Iterator[LoopbackServer]:
    with LoopbackServer() as server:
        serve_site(server)
        yield server


def source(url: str, **options: object) -> SourceConfig:
    fields: dict[str, object] = {"spider": "sitemap", **options}
    return SourceConfig(name="gadget-ledger", url=url, type="spider", **fields)  # type: ignore[arg-type]


def test_run_spider_returns_documents(site: LoopbackServer) -> None:
    listing = source(
        site.url("/tag/xiaomi/"),
        spider="listing",
        outlet="Gadget Ledger",
        link_selector="h2.card-title a",
        next_selector="a.next",
        max_pages=2,
        max_age=timedelta(days=1),
    )

    run = run_spider(listing, LOOPBACK, deadline=30, settings=QUICK)

    assert run.error is None, run.stderr_tail
    assert run.returncode == 0
    assert sorted(doc.url.rsplit("/", 1)[1] for doc in run.documents) == [
        "leica-xiaomi-partnership-renewed.html",
        "xiaomi-14-ultra-teaser.html",
        "xiaomi-15-ultra-leica-launch.html",
    ]  # page 3 not read (max_pages=2); the video-only page dropped for want of text
    doc = run.documents[0]
    assert doc.source == "gadget-ledger" and doc.outlet == "Gadget Ledger"
    assert doc.published is not None and datetime.now(UTC) - doc.published < timedelta(hours=2)
    assert len(doc.text) > 200 and doc.language == "en"
    assert "Spider closed (finished)" in run.stderr_tail
    assert 0 < run.duration < 30


def test_a_hung_crawl_is_killed_at_the_deadline_and_keeps_what_it_had(site: LoopbackServer) -> None:
    # The news sitemap lists two articles; one of them never answers (and the download timeout is long).
    site.route("/news/leica-xiaomi-partnership-renewed.html", Route(delay=30))
    slow_network = NetworkConfig(allow_private=True, timeout=120.0)
    deadline = 4.0

    started = time.monotonic()
    run = run_spider(source(site.url("/sitemaps/news.xml")), slow_network, deadline=deadline, settings=QUICK)
    elapsed = time.monotonic() - started

    assert run.error is not None and "timed out" in run.error
    assert run.returncode is None
    assert elapsed < deadline + KILL_GRACE + 1.0
    assert [doc.url.rsplit("/", 1)[1] for doc in run.documents] == ["xiaomi-15-ultra-leica-launch.html"]


def test_a_crash_is_an_error_with_the_log_tail() -> None:
    run = run_spider(source("http://127.0.0.1:9/", spider="no-such-spider"), LOOPBACK, deadline=30)

    assert run.returncode not in (0, None)
    assert run.error is not None and run.error.startswith("spider exited with status")
    assert "Spider not found: no-such-spider" in run.stderr_tail
    assert run.documents == []


def test_a_start_url_that_fails_is_the_sources_error(site: LoopbackServer) -> None:
    run = run_spider(source(site.url("/gone-sitemap.xml")), LOOPBACK, deadline=30, settings=QUICK)

    assert run.returncode == 0  # Scrapy itself finished normally...
    assert run.error is not None and "HTTP 404" in run.error  # ...but the source yielded nothing, and why


def test_private_target_is_refused_unless_allowed(site: LoopbackServer) -> None:
    guarded = NetworkConfig(allow_private=False)
    by_name = site.url("/sitemaps/news.xml", host="localhost")  # resolved, then refused (test_spiders: literal)

    run = run_spider(source(by_name), guarded, deadline=30, settings=QUICK)

    assert run.error is not None and "private address" in run.error
    assert site.requests == []


# ----------------------------------------------------------------------- children that misbehave


def stand_in(tmp_path: Path, script: str) -> str:
    """An executable that takes the place of the Python interpreter and ignores the scrapy arguments."""
    path = tmp_path / "python"
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(0o755)
    return str(path)


def test_unparsable_output_is_an_error_and_earlier_items_are_kept(tmp_path: Path) -> None:
    item = '{"url": "https://example.com/a", "title": "A", "text": "Body", "published": null}'
    python = stand_in(tmp_path, f"echo '{item}'\necho 'Traceback (most recent call last):'\n")

    run = run_spider(source("https://example.com/sitemap.xml"), LOOPBACK, deadline=10, python=python)

    assert run.error == "spider output line 2 is not an item"
    assert [doc.url for doc in run.documents] == ["https://example.com/a"]
    assert run.documents[0].source == "gadget-ledger"  # the source's name, whatever the item said


def test_a_missing_interpreter_is_an_error(tmp_path: Path) -> None:
    run = run_spider(source("https://example.com/s.xml"), LOOPBACK, deadline=5, python=str(tmp_path / "nope"))
    assert run.error is not None and run.error.startswith("spider could not start")


def test_the_whole_process_group_is_killed(tmp_path: Path) -> None:
    pid_file = tmp_path / "grandchild.pid"
    python = stand_in(tmp_path, f"sleep 30 &\necho $! > {pid_file}\nwait\n")

    run = run_spider(source("https://example.com/sitemap.xml"), LOOPBACK, deadline=0.5, python=python)

    assert run.error is not None and "timed out" in run.error
    grandchild = int(pid_file.read_text())
    assert wait_until_gone(grandchild), "the grandchild survived the kill"


def wait_until_gone(pid: int, within: float = 2.0) -> bool:
    """True once ``pid`` no longer exists (an orphaned zombie is reaped by init shortly after the kill)."""
    for _ in range(int(within / 0.05)):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        if _is_zombie(pid):
            return True
        time.sleep(0.05)
    return False


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except (OSError, IndexError):
        return False


# ----------------------------------------------------------------------------------- pure parts


def test_spider_arguments_carry_the_source_options() -> None:
    listing = source(
        "https://example.com/tag/x",
        spider="listing",
        url_patterns=("/news/", r"/20\d\d/"),
        link_selector="h2 a",
        max_pages=3,
        max_age=timedelta(hours=6),
    )
    args = spider_arguments(listing)
    assert args["url_patterns"] == '["/news/", "/20\\\\d\\\\d/"]'
    assert args["max_age"] == "21600.0"
    assert (args["link_selector"], args["next_selector"], args["max_pages"]) == ("h2 a", "", "3")
    assert "link_selector" not in spider_arguments(source("https://example.com/sitemap.xml"))


def test_parse_items_reads_dates_and_rejects_wrong_types() -> None:
    lines = (
        b'{"url": "https://e.com/a", "title": "A", "text": "T", "outlet": "E", "published": "2025-07-01T08:00:00"}\n'
        b"\n"
        b'{"url": "https://e.com/b", "title": null, "text": "T"}\n'
    )
    documents, bad_line = parse_items(lines, source="s")
    assert documents[0].published == datetime(2025, 7, 1, 8, tzinfo=UTC)  # naive read as UTC
    assert bad_line == 3
