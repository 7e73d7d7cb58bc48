"""Issue 15, parse level: each input that once escaped as a raw exception, or was refused, or lost text.

Every input here goes through ``parse_feed`` (the path a poll takes) and through each path on its own where both
read it, so the lxml fast path and the feedparser path still agree. End-to-end runs of the same inputs (crawl and
service) are in tests/test_bad_sources.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.errors import ParseError
from monitor.ingest.parse import (
    advertised_feeds,
    parse_feed,
    parse_feed_fast,
    parse_feed_with_feedparser,
    repair_character_references,
)

URL = "http://news.test/feed"
LINK = "http://news.test/a"


def rss(title: str, *, before_root: str = "", extra_ns: str = "", extra: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>{before_root}<rss version="2.0"{extra_ns}><channel><title>T</title>'
        f"<link>http://news.test/</link><item><title>{title}</title><link>{LINK}</link>{extra}</item>"
        "</channel></rss>"
    ).encode()


GEORSS = rss(
    "Point",
    extra_ns=' xmlns:georss="http://www.georss.org/georss" xmlns:gml="http://www.opengis.net/gml"',
    extra='<georss:where><gml:Point srsName="EPSG:abc"><gml:pos>45.2 -71.9</gml:pos></gml:Point></georss:where>',
)


# -- bad character references: read, with the impossible references repaired -------------------------------------


def test_an_emoji_written_as_two_surrogate_references_is_read_as_the_emoji() -> None:
    feed = parse_feed(rss("Launch day &#55357;&#56832; at last"), {}, URL)
    assert [e.title for e in feed.entries] == ["Launch day \U0001f600 at last"]


@pytest.mark.parametrize("reference", ["&#x110000;", "&#xFFFFFFFF;", "&#55357;", "&#99999999999999999999;"])
def test_a_reference_past_unicode_or_a_lone_surrogate_becomes_a_replacement_character(reference: str) -> None:
    feed = parse_feed(rss(f"Odd {reference} title"), {}, URL)
    assert [(e.title, e.url) for e in feed.entries] == [("Odd \ufffd title", LINK)]


def test_valid_references_are_left_exactly_as_written() -> None:
    body = rss("Caf&#233; &#x1F600; &#38; more")
    assert repair_character_references(body) is body
    assert parse_feed(body, {}, URL).entries[0].title == "Café \U0001f600 & more"


def test_a_feed_that_parses_is_never_rewritten_even_with_odd_references_in_cdata() -> None:
    # Inside CDATA the references are text that feedparser reads without failing: the document stays as it is.
    body = rss("Fine", extra="<description><![CDATA[<p>odd &#55357;&#56832;</p>]]></description>")
    assert parse_feed(body, {}, URL) == parse_feed_with_feedparser(body, {}, URL)


# -- what cannot be read is this feed's ParseError, named ----------------------------------------------------------


def test_a_non_numeric_georss_srs_name_is_a_parse_error_naming_it() -> None:
    with pytest.raises(ParseError) as raised:
        parse_feed(GEORSS, {}, URL)
    message = str(raised.value)
    assert message.startswith(URL) and 'srsName="EPSG:abc"' in message and "line 1" in message


def test_the_feedparser_path_alone_raises_only_parse_errors() -> None:
    with pytest.raises(ParseError):
        parse_feed_with_feedparser(GEORSS, {}, URL)
    with pytest.raises(ParseError, match="names no character"):
        parse_feed_with_feedparser(rss("x &#x110000;"), {}, URL)


# -- comments and processing instructions before the root ----------------------------------------------------------

BEFORE_ROOT = {
    "comment mentioning a DOCTYPE": "<!--\nDescription: the text <!DOCTYPE is not a declaration\n-->",
    "comment with an unbalanced quote after <!DOCTYPE": "<!-- it's a <!DOCTYPE that isn't -->",
    "comment holding html": "<!-- generated from <html><head><body> templates -->",
    "processing instructions": '<?xml-stylesheet type="text/xsl" href="rss.xsl"?><?php echo "<html>"; ?>',
}


@pytest.mark.parametrize("before", list(BEFORE_ROOT.values()), ids=list(BEFORE_ROOT))
def test_comments_and_processing_instructions_before_the_root_are_skipped(before: str) -> None:
    body = rss("Headline", before_root=before)
    expected = parse_feed_with_feedparser(body, {}, URL)
    assert [(e.title, e.url) for e in expected.entries] == [("Headline", LINK)]
    assert parse_feed(body, {}, URL) == expected
    fast = parse_feed_fast(body, {}, URL)
    assert fast is None or fast == expected  # the fast path may decline; it never disagrees


def test_an_html_page_after_a_comment_is_still_refused() -> None:
    page = b"<!-- cached --><!DOCTYPE html><html><head><title>Home</title></head><body>hi</body></html>"
    with pytest.raises(ParseError, match="an HTML page, not a feed"):
        parse_feed(page, {}, URL)


def test_an_html_page_names_the_feed_it_advertises() -> None:
    page = (
        b'<!DOCTYPE html><html><head><title>Outlet</title><link rel="stylesheet" href="/s.css">'
        b'<link rel="alternate" type="application/rss+xml" title="News" href="/rss/news.xml">'
        b'<link rel="alternate" type="application/atom+xml" href="https://news.test/atom"></head>'
        b"<body><h1>Outlet</h1></body></html>"
    )
    assert advertised_feeds(page, "http://news.test/") == ["http://news.test/rss/news.xml", "https://news.test/atom"]
    with pytest.raises(ParseError) as raised:
        parse_feed(page, {}, "http://news.test/")
    assert "advertises http://news.test/rss/news.xml (set the source's url to it)" in str(raised.value)


def test_an_html_page_without_a_feed_link_says_what_to_configure() -> None:
    with pytest.raises(ParseError, match="set the source's url to the outlet's RSS or Atom feed"):
        parse_feed(b"<html><body><p>Login</p></body></html>", {}, URL)


# -- titles: entity-decoded text is kept as text ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "title"),
    [
        ("Using std::vector&lt;int&gt; in C++", "Using std::vector<int> in C++"),
        ("Using std::vector&amp;lt;int&amp;gt; in C++", "Using std::vector<int> in C++"),  # escaped twice: HTML
        ("a &lt; b and c &gt; d", "a < b and c > d"),
        ("AT&amp;T &lt;3 you", "AT&T <3 you"),
        ("iPhone&lt;sup&gt;2&lt;/sup&gt; review", "iPhone2 review"),  # real markup still loses its tags
        ("<![CDATA[A <b>bold</b> move]]>", "A bold move"),
    ],
)
def test_rss_titles_keep_text_in_angle_brackets_and_lose_real_markup(raw: str, title: str) -> None:
    body = rss(raw)
    assert parse_feed(body, {}, URL).entries[0].title == title
    assert parse_feed_with_feedparser(body, {}, URL).entries[0].title == title
    fast = parse_feed_fast(body, {}, URL)
    assert fast is not None and fast.entries[0].title == title


@pytest.mark.parametrize(
    ("element", "title"),
    [
        ('<title type="text">vector&lt;int&gt; explained</title>', "vector<int> explained"),
        ('<title type="html">vector&amp;lt;int&amp;gt; <b>explained</b></title>', "vector<int> explained"),
    ],
)
def test_atom_titles_follow_their_declared_type(element: str, title: str) -> None:
    body = (
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>urn:t</id>'
        f'<entry><id>urn:1</id>{element}<link href="{LINK}"/><updated>2024-01-01T00:00:00Z</updated></entry></feed>'
    ).encode()
    assert parse_feed(body, {}, URL).entries[0].title == title
    assert parse_feed_with_feedparser(body, {}, URL).entries[0].title == title


# -- whatever the bytes, the only exception is ParseError ------------------------------------------------------

REAL_FEEDS = Path(__file__).resolve().parents[2] / "shared" / "real-feeds"
# Pieces the inputs and feedparser's own test suite are made of, spliced into real feeds at random.
SPLICES = [
    b"&#55357;", b"&#56832;", b"&#x110000;", b"&#xFFFFFFFF;", b"<!--", b"-->", b"<!DOCTYPE", b"<?", b"?>",
    b"<html>", b"]]>", b"<![CDATA[", b"&", b"<", b"\x00", b"\xff\xfe", b'srsName="EPSG:x"', b"&#0;", b"&#x;",
    b"<gml:pos>a b</gml:pos>", b"<entry>", b"</item>", b'xml:base="::"', b'<link href="http://[::1"/>',
    b"<pubDate>Mon, 99 Foo 99999 99:99:99</pubDate>", b"<guid>http://[x</guid>", b"<link>http://[::1</link>",
]  # fmt: skip


@pytest.mark.skipif(not REAL_FEEDS.is_dir(), reason=f"{REAL_FEEDS} is absent (shared test data)")
@settings(max_examples=150, deadline=None)
@given(st.data())
def test_a_mutated_real_feed_parses_or_raises_parse_error(data: st.DataObject) -> None:
    feeds = sorted(REAL_FEEDS.glob("*.xml"))
    body = bytearray(data.draw(st.sampled_from(feeds)).read_bytes()[:20_000])
    for _ in range(data.draw(st.integers(1, 6))):
        at = data.draw(st.integers(0, len(body)))
        if data.draw(st.booleans()):
            body[at:at] = data.draw(st.sampled_from(SPLICES))
        else:
            del body[at : at + data.draw(st.integers(1, 50))]
    try:
        parse_feed(bytes(body), {}, URL)
    except ParseError as exc:
        assert str(exc).startswith(URL)  # named where it comes from
