"""Feed entries whose page is fetched: fetched once however its link is spelt, dated by the page when the feed
gives no date (issues 15 item 3, 14 item 5). End to end through ``monitor crawl`` against loopback feeds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from monitor.cli import main
from tests.httpserver import LoopbackServer, Route

PAGE_PATH = "/news/Kamera-f%C3%BCr-alle.html"  # what the fetcher asks for: the link, percent-encoded
ARTICLE = (
    "Leica und Xiaomi haben eine neue Kamera vorgestellt, die sich an alle richtet, nicht nur an Profis. "
    "Das Modul nutzt einen Ein-Zoll-Sensor und Leica-Optiken, der Preis soll unter dem des Vorgängers liegen. "
)


def feed(base: str, *, second_entry: bool) -> bytes:
    """RSS without GUIDs or dates: a teaser linking the page with raw non-ASCII, and later a second entry."""
    items = [
        f"<item><title>Kamera für alle</title><link>{base}/news/Kamera-für-alle.html</link>"
        "<description>Leica und Xiaomi stellen eine Kamera für alle vor …</description></item>"
    ]
    if second_entry:
        items.append(
            f"<item><title>Noch eine Meldung</title><link>{base}/news/noch-eine-meldung.html</link>"
            "<description>Kurz gemeldet …</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Heise-artig</title>'
        f"<link>{base}/</link>{''.join(items)}</channel></rss>"
    ).encode()


OTHER = "Die Stadtwerke melden eine Baustelle an der Hauptstraße, der Verkehr wird bis Freitag umgeleitet. "


def page(title: str, published: str | None, text: str = ARTICLE) -> bytes:
    meta = f'<meta property="article:published_time" content="{published}">' if published else ""
    return (
        f'<!DOCTYPE html><html lang="de"><head>{meta}<title>{title}</title></head><body><article><h1>{title}</h1>'
        f"<p>{text * 4}</p></article></body></html>"
    ).encode()


def write_config(tmp_path: Path, storage_url: str, feed_url: str) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[storage]\nurl = "{storage_url}"\n[network]\nallow_private = true\ntimeout = 5.0\n'
        '[[topics]]\nname = "t"\nquery = "leica"\n'
        f'[[sources]]\nname = "outlet"\nurl = "{feed_url}"\ninterval = "15m"\n'
    )
    return config


def crawl(config: Path, *args: str) -> list[dict[str, Any]]:
    result = CliRunner().invoke(main, ["--config", str(config), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def test_a_page_linked_with_raw_non_ascii_is_fetched_once_and_dated_by_its_metadata(
    tmp_path: Path, http_server: LoopbackServer, storage_url: str
) -> None:
    base = http_server.url("").rstrip("/")
    html = {"Content-Type": "text/html; charset=utf-8"}
    http_server.route(
        "/feed", Route(body=feed(base, second_entry=False), headers={"Content-Type": "application/rss+xml"})
    )
    http_server.route(PAGE_PATH, Route(body=page("Kamera für alle", "2026-03-01T10:00:00+01:00"), headers=html))
    http_server.route("/news/noch-eine-meldung.html", Route(body=page("Noch eine Meldung", None, OTHER), headers=html))
    config = write_config(tmp_path, storage_url, http_server.url("/feed"))

    crawl(config, "crawl", "--json")
    # The feed changes: its first entry is the same article and must not cost another page fetch.
    http_server.route(
        "/feed", Route(body=feed(base, second_entry=True), headers={"Content-Type": "application/rss+xml"})
    )
    second = crawl(config, "crawl", "--json")

    assert [r.path for r in http_server.requests].count(PAGE_PATH) == 1
    outcomes = {line["title"]: line["outcome"] for line in second if line.get("type") == "item"}
    assert outcomes == {"Kamera für alle": "duplicate", "Noch eine Meldung": "irrelevant"}
    articles = {a["title"]: a for a in crawl(config, "articles", "--json", "--all")}
    assert articles["Kamera für alle"]["published"].startswith("2026-03-01T09:00:00")  # the page's date, in UTC
    assert articles["Noch eine Meldung"]["published"] is None  # no date anywhere: none is made up


def test_a_guidless_entry_whose_page_names_another_canonical_is_not_fetched_again(
    tmp_path: Path, http_server: LoopbackServer, storage_url: str
) -> None:
    # The feed links a redirecting hop; the page it ends on declares its own canonical URL, under which the
    # article is stored. The next changed poll must recognise the entry by its link all the same.
    base = http_server.url("").rstrip("/")
    rss = {"Content-Type": "application/rss+xml"}
    http_server.route("/r/8f2a", Route(status=302, headers={"Location": "/news/kamera-fuer-alle?utm_source=feed"}))
    canonical = f'<link rel="canonical" href="{base}/news/kamera-fuer-alle">'
    body = page("Kamera für alle", None).replace(b"<title>", canonical.encode() + b"<title>", 1)
    http_server.route("/news/kamera-fuer-alle?utm_source=feed", Route(body=body, headers={"Content-Type": "text/html"}))

    def feed_with(*titles: str) -> bytes:
        items = "".join(
            f"<item><title>{t}</title><link>{base}/r/{'8f2a' if i == 0 else 'other'}</link>"
            f"<description>{t} …</description></item>"
            for i, t in enumerate(titles)
        )
        return f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()

    http_server.route("/feed", Route(body=feed_with("Kamera für alle"), headers=rss))
    config = write_config(tmp_path, storage_url, http_server.url("/feed"))
    crawl(config, "crawl", "--json")
    http_server.route("/feed", Route(body=feed_with("Kamera für alle", "Eine andere Meldung"), headers=rss))
    second = crawl(config, "crawl", "--json")

    assert [r.path for r in http_server.requests].count("/r/8f2a") == 1
    assert {line["title"]: line["outcome"] for line in second if line.get("type") == "item"}["Kamera für alle"] == (
        "duplicate"
    )
