"""parse_feed on real feeds from ../shared/real-feeds and on the broken and hostile documents feeds turn into."""

from __future__ import annotations

import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.errors import ParseError
from monitor.ingest.parse import is_teaser, parse_feed, strip_entity_declarations
from monitor.model import ParsedFeed

REAL_FEEDS = Path(__file__).resolve().parents[2] / "shared" / "real-feeds"
XML = {"Content-Type": "application/rss+xml; charset=utf-8"}


def real_feed(name: str) -> bytes:
    path = REAL_FEEDS / name
    if not path.exists():
        pytest.skip(f"real feed fixtures absent: {path}")
    return path.read_bytes()


def rss(items: str, *, prolog: str = '<?xml version="1.0" encoding="utf-8"?>', channel: str = "") -> bytes:
    return (
        f'{prolog}<rss version="2.0"><channel><title>Test feed</title><link>https://news.example/</link>'
        f"{channel}{items}</channel></rss>"
    ).encode()


def item(link: str = "https://news.example/a", title: str = "A", extra: str = "") -> str:
    return f"<item><title>{title}</title><link>{link}</link>{extra}</item>"


# -- real feeds --------------------------------------------------------------------------------------------------

REAL = [
    ("theverge-2025-07-01.atom.xml", 10, "https://www.theverge.com/rss/index.xml"),
    ("lifehacker-2025-07-01.rss.xml", 100, "https://lifehacker.com/feed/rss"),
    ("heise-developer-2016-02-01.atom.xml", 15, "https://www.heise.de/developer/rss/news-atom.xml"),
    ("techcrunch-2011-11-02.rss.xml", 20, "http://feeds.feedburner.com/TechCrunch"),
    ("golem-de-2017-12-09.rss.xml", 40, "https://rss.golem.de/rss.php?feed=RSS2.0"),
    ("golem-de-2018-12-17.rss.xml", 40, "https://rss.golem.de/rss.php?feed=RSS2.0"),
    ("geekpark-cn.rss.xml", 30, "http://www.geekpark.net/rss"),
]


@pytest.mark.parametrize(("name", "count", "url"), REAL, ids=[name for name, _, _ in REAL])
def test_real_feed_yields_complete_entries(name: str, count: int, url: str) -> None:
    feed = parse_feed(real_feed(name), XML, url)

    assert len(feed.entries) == count
    assert feed.title
    for entry in feed.entries:
        assert entry.url.startswith(("http://", "https://"))
        assert entry.title and "<" not in entry.title
        assert entry.published is not None and entry.published.tzinfo == UTC
        assert entry.content_html
        assert "<script" not in entry.content_html.lower()  # feedparser sanitised it, or the fast path kept none


def test_techcrunch_leading_blank_line_is_recovered() -> None:
    body = real_feed("techcrunch-2011-11-02.rss.xml")
    assert body.startswith(b"\n<?xml")
    feed = parse_feed(body, XML, "http://feeds.feedburner.com/TechCrunch")
    assert len(feed.entries) == 20 and feed.bozo_reason and "declaration" in feed.bozo_reason
    first = feed.entries[0]
    assert first.title == "Angie’s List Sets Price Range IPO At $11 To $13 Per Share; Valued At Over $600M"
    assert first.published == datetime(2011, 11, 2, 17, 25, 27, tzinfo=UTC)
    assert first.guid == "http://techcrunch.com/?p=446154"


def test_geekpark_chinese_titles_survive() -> None:
    feed = parse_feed(real_feed("geekpark-cn.rss.xml"), XML, "http://www.geekpark.net/rss")
    titles = [entry.title for entry in feed.entries]
    assert titles[0] == "充电桩 2020：大火一年，它依然没赚到钱（！）"
    assert sum("小米" in entry.title + entry.content_html for entry in feed.entries) >= 1
    assert feed.bozo_reason is None


def test_language_comes_from_the_feed() -> None:
    assert parse_feed(real_feed("golem-de-2017-12-09.rss.xml"), XML, "https://golem.de/").entries[0].language == "de"
    assert parse_feed(real_feed("theverge-2025-07-01.atom.xml"), XML, "https://theverge.com/").language == "en-us"


@pytest.mark.parametrize(
    ("name", "teasers"),
    [
        ("lifehacker-2025-07-01.rss.xml", 0),  # full articles in content:encoded
        ("geekpark-cn.rss.xml", 0),  # full articles in <description>
        ("golem-de-2017-12-09.rss.xml", 40),  # 180-350 characters in content:encoded
        ("heise-developer-2016-02-01.atom.xml", 15),  # one-paragraph atom:content
        ("theverge-2025-07-01.atom.xml", 4),  # the four entries cut with "… Read the full story at The Verge."
    ],
)
def test_summary_only_on_real_feeds(name: str, teasers: int) -> None:
    feed = parse_feed(real_feed(name), XML, "https://feeds.example/")
    assert sum(entry.summary_only for entry in feed.entries) == teasers


# -- not a feed ------------------------------------------------------------------------------------------------

NOT_FEEDS = {
    "html": b"<!DOCTYPE html>\n<html><head><title>Home</title></head><body><a href='/a'>A</a></body></html>",
    "xhtml": b'<?xml version="1.0"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><body><p>x</p></body></html>',
    "empty": b"",
    "whitespace": b"  \n\t ",
    "json": b'{"items": [{"url": "https://news.example/a"}]}',
    "garbage": bytes(range(256)) * 4,
    "other-xml": b'<?xml version="1.0"?><sitemap><loc>https://news.example/</loc></sitemap>',
}


@pytest.mark.parametrize("body", NOT_FEEDS.values(), ids=NOT_FEEDS.keys())
def test_not_a_feed_is_a_parse_error_naming_the_url(body: bytes) -> None:
    with pytest.raises(ParseError, match=r"https://news\.example/feed: .*(not a feed|empty)"):
        parse_feed(body, {"Content-Type": "text/html"}, "https://news.example/feed")


def test_html_page_error_says_it_is_html() -> None:
    with pytest.raises(ParseError, match="HTML page"):
        parse_feed(NOT_FEEDS["html"], {}, "https://news.example/feed")


def test_feed_without_items_is_an_empty_feed_not_an_error() -> None:
    feed = parse_feed(rss(""), XML, "https://news.example/feed")
    assert feed == ParsedFeed("Test feed", "https://news.example/", None, (), None)


# -- recoverable breakage ----------------------------------------------------------------------------------------


def test_bare_ampersand_is_recovered_with_a_reason() -> None:
    body = rss(item(title="Xiaomi & Leica") + item("https://news.example/b", "B"))
    feed = parse_feed(body, XML, "https://news.example/feed")
    assert [entry.url for entry in feed.entries] == ["https://news.example/a", "https://news.example/b"]
    assert feed.bozo_reason and "not well-formed" in feed.bozo_reason
    assert feed.entries[0].title.startswith("Xiaomi &")


def test_undefined_html_entity_is_recovered() -> None:
    feed = parse_feed(rss(item(title="Leica&nbsp;Summilux &eacute;dition")), XML, "https://news.example/feed")
    assert feed.entries[0].title == "Leica Summilux édition"
    assert feed.bozo_reason and "undefined entity" in feed.bozo_reason


def test_encoding_mismatch_still_yields_entries() -> None:
    # Declared (and sent) as UTF-8, but the bytes are Latin-1: a classic CMS misconfiguration.
    body = rss(item(title="Müller über Kameras")).replace("ü".encode(), "ü".encode("latin-1"))
    feed = parse_feed(body, XML, "https://news.example/feed")
    assert len(feed.entries) == 1 and feed.bozo_reason
    assert feed.entries[0].title.startswith("M")


def test_unclosed_channel_is_recovered() -> None:
    body = rss(item()).replace(b"</channel></rss>", b"")
    feed = parse_feed(body, XML, "https://news.example/feed")
    assert len(feed.entries) == 1 and feed.bozo_reason


# -- entity expansion --------------------------------------------------------------------------------------------


def billion_laughs(levels: int = 10) -> bytes:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">' for level in range(1, levels)
    ]
    prolog = '<?xml version="1.0"?>\n<!DOCTYPE rss [\n' + "\n".join(entities) + "\n]>\n"
    return rss(item(title=f"&lol{levels - 1};", extra=f"<description>&lol{levels - 1};</description>"), prolog=prolog)


def test_billion_laughs_finishes_fast_in_bounded_memory() -> None:
    body = billion_laughs()  # fully expanded: 10**9 "lol"s, 3 GB per reference
    tracemalloc.start()
    started = time.monotonic()
    try:
        feed = parse_feed(body, XML, "https://news.example/feed")
        elapsed = time.monotonic() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert elapsed < 2 and peak < 20_000_000
    assert len(feed.entries) == 1 and len(feed.entries[0].title) < 100


def test_external_entity_is_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER")
    prolog = f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>'
    body = rss(item(title="&xxe;", extra="<description>&xxe;</description>"), prolog=prolog)
    feed = parse_feed(body, XML, "https://news.example/feed")
    assert "TOP-SECRET-MARKER" not in repr(feed)


def test_entity_declarations_are_stripped_but_the_rest_is_kept() -> None:
    body = billion_laughs(3)
    stripped = strip_entity_declarations(body)
    assert b"<!ENTITY" not in stripped and b"<!DOCTYPE" not in stripped
    assert stripped.startswith(b'<?xml version="1.0"?>') and stripped.endswith(b"</rss>")


def test_entity_declarations_are_stripped_from_utf16_documents() -> None:
    body = billion_laughs().decode().replace('version="1.0"?>', 'version="1.0" encoding="utf-16"?>', 1)
    encoded = body.encode("utf-16")  # with a byte-order mark
    stripped = strip_entity_declarations(encoded)
    assert "<!ENTITY" not in stripped.decode("utf-16")
    assert len(parse_feed(encoded, {}, "https://news.example/feed").entries) == 1


def test_tricky_doctype_subset_is_scanned_to_its_real_end() -> None:
    # "]>" inside a quoted value and inside a comment must not end the subset early.
    prolog = '<?xml version="1.0"?><!DOCTYPE rss [<!-- ]> --><!ENTITY a \'x]>y\'><!ENTITY b "&a;&a;">]>'
    body = rss(item(title="&b;"), prolog=prolog)
    assert b"ENTITY" not in strip_entity_declarations(body)
    assert len(parse_feed(body, XML, "https://news.example/feed").entries) == 1


def test_unterminated_doctype_is_refused() -> None:
    with pytest.raises(ParseError, match="unterminated DOCTYPE"):
        parse_feed(b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "b">', XML, "https://news.example/feed")


def test_plain_doctype_without_entities_is_left_alone() -> None:
    prolog = '<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "x.dtd">'
    body = rss(item(), prolog=prolog)
    assert strip_entity_declarations(body) == body


# -- entries -----------------------------------------------------------------------------------------------------


def test_relative_links_resolve_against_the_final_feed_url() -> None:
    body = rss(item("/2026/xiaomi-leica") + item("story?id=2", "B") + item("//cdn.news.example/c", "C"))
    feed = parse_feed(body, XML, "https://news.example/feeds/main.xml")
    assert [entry.url for entry in feed.entries] == [
        "https://news.example/2026/xiaomi-leica",
        "https://news.example/feeds/story?id=2",
        "https://cdn.news.example/c",
    ]


def test_content_location_header_is_the_base_when_sent() -> None:
    headers = {**XML, "Content-Location": "/other/feed.xml"}
    feed = parse_feed(rss(item("a.html")), headers, "https://news.example/feeds/main.xml")
    assert feed.entries[0].url == "https://news.example/other/a.html"


def test_guid_url_is_the_fallback_link_and_linkless_entries_are_skipped() -> None:
    items = (
        '<item><title>Guid only</title><guid isPermaLink="true">https://news.example/g</guid></item>'
        '<item><title>Neither</title><guid isPermaLink="false">tag:news.example,2026:1</guid></item>'
        "<item><title>Bad scheme</title><link>javascript:alert(1)</link></item>"
    )
    feed = parse_feed(rss(items), XML, "https://news.example/feed")
    assert [(entry.url, entry.title) for entry in feed.entries] == [("https://news.example/g", "Guid only")]


def test_title_is_plain_text() -> None:
    atom = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr"><title>t</title><id>urn:x</id>
<updated>2026-01-01T00:00:00Z</updated>
<entry><title type="html">Xiaomi 15 &lt;em&gt;Ultra&lt;/em&gt; &amp;amp; Leica</title><id>urn:1</id>
<link href="https://news.example/1"/><updated>2026-03-02T10:00:00+01:00</updated>
<content type="html">&lt;p&gt;Full text&lt;/p&gt;</content></entry></feed>"""
    entry = parse_feed(atom, {"Content-Type": "application/atom+xml"}, "https://news.example/feed").entries[0]
    assert entry.title == "Xiaomi 15 Ultra & Leica"
    assert entry.published == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert entry.guid == "urn:1"
    assert entry.language == "fr"


def test_missing_or_impossible_dates_are_none() -> None:
    items = item() + item("https://news.example/b", "B", "<pubDate>not a date</pubDate>")
    assert [entry.published for entry in parse_feed(rss(items), XML, "https://news.example/").entries] == [None, None]


def test_fullest_content_is_kept() -> None:
    full = "<p>" + "Leica optics in the Xiaomi flagship. " * 40 + "</p>"
    extra = f"<description>Short teaser</description><content:encoded><![CDATA[{full}]]></content:encoded>"
    body = rss(item(extra=extra)).replace(
        b'<rss version="2.0">', b'<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
    )
    entry = parse_feed(body, XML, "https://news.example/feed").entries[0]
    assert "Leica optics" in entry.content_html and entry.summary_only is False


@pytest.mark.parametrize(
    ("html", "teaser"),
    [
        ("<p>Xiaomi and Leica announce a new phone.</p>", True),  # short
        ("<p>" + "word " * 200 + "</p>", False),  # long and complete
        ("<p>" + "word " * 200 + "…</p>", True),
        ("<p>" + "word " * 200 + "[…]</p>", True),
        ("<p>" + "word " * 200 + "[&#8230;]</p>", True),
        ("<p>" + "word " * 200 + '</p><p><a href="/x">Read more</a></p>', True),
        ("<p>" + "word " * 200 + ' <a href="/x">Continue reading <span>Xiaomi 15</span></a></p>', True),
        ("<p>" + "Wort " * 200 + "</p><a>Weiterlesen</a>", True),
        ("<p>" + "word " * 200 + "[…]</p><p>The post Xiaomi appeared first on The Verge.</p>", True),
        ("<p>" + "word " * 200 + "</p><p>The post Xiaomi appeared first on The Verge.</p>", False),
        # A whole article whose last line links on is complete; the same article cut with an ellipsis is not.
        ("<p>" + "word " * 400 + '</p><p>Read more in our <a href="/phones">phones section</a>.</p>', False),
        ("<p>" + "word " * 400 + "…</p>", True),
    ],
)
def test_is_teaser(html: str, teaser: bool) -> None:
    assert is_teaser(html) is teaser
