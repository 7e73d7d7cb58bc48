"""The fast lxml path against feedparser: wherever it reads a feed, monitor must get the same feed from it.

"The same" is what monitor uses downstream: feed title, link, language and bozo reason; entries in order with
the same URL, title, GUID, date, summary_only, language, and the same text from ``html_to_text(content_html)``
(the fast path does not sanitise the HTML it hands over; monitor only ever turns it into text). Documents come
from ../shared/real-feeds, the benchmark corpus, hand-written feeds around each rule the fast path ports from
feedparser, and generated ones; the fast path must also decline what it cannot read and never expand entities.
"""

from __future__ import annotations

import sys
import tracemalloc
from pathlib import Path
from typing import Any

import feedparser
import pytest
from feedparser.urls import resolve_relative_uris
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.ingest import feedxml, fpinternals
from monitor.ingest.extract import html_to_text
from monitor.ingest.parse import (
    _checked,
    _feedparser_headers,
    _plain,
    is_teaser,
    parse_feed,
    parse_feed_fast,
    parse_feed_with_feedparser,
)
from monitor.model import ParsedFeed

REPO = Path(__file__).resolve().parents[1]
REAL_FEEDS = REPO.parent / "shared" / "real-feeds"
RSS_TYPE = {"Content-Type": "application/rss+xml"}
URL = "https://news.example/feeds/main.xml"


def view(feed: ParsedFeed) -> tuple[Any, ...]:
    """Everything monitor derives from a parsed feed."""
    entries = [
        (e.url, e.title, e.guid, e.published, e.summary_only, e.language, html_to_text(e.content_html))
        for e in feed.entries
    ]
    return feed.title, feed.link, feed.language, feed.bozo_reason, entries


def both(body: bytes, headers: dict[str, str] | None = None, url: str = URL) -> tuple[ParsedFeed | None, ParsedFeed]:
    headers = RSS_TYPE if headers is None else headers
    return parse_feed_fast(body, headers, url), parse_feed_with_feedparser(body, headers, url)


def assert_fast_and_same(body: bytes, headers: dict[str, str] | None = None, url: str = URL) -> ParsedFeed:
    fast, reference = both(body, headers, url)
    assert fast is not None, declined(body, headers, url)
    assert view(fast) == view(reference)
    return fast


def assert_declined_and_same(body: bytes, headers: dict[str, str] | None = None, url: str = URL) -> None:
    fast, reference = both(body, headers, url)
    assert fast is None
    assert view(parse_feed(body, headers or RSS_TYPE, url)) == view(reference)


def declined(body: bytes, headers: dict[str, str] | None = None, url: str = URL) -> str | None:
    result = feedxml.read_feed(_checked(body, url), _feedparser_headers(headers or RSS_TYPE, url))
    return result.reason if isinstance(result, feedxml.Declined) else None


# -- real feeds --------------------------------------------------------------------------------------------------

# Each real feed with the Content-Type its outlet would send; TechCrunch's leading blank line makes it
# not well-formed, so feedparser's loose parser reads it (bozo) and the fast path must stay out of the way.
REAL = {
    "geekpark-cn.rss.xml": True,
    "golem-de-2017-12-09.rss.xml": True,
    "golem-de-2018-12-17.rss.xml": True,
    "heise-developer-2016-02-01.atom.xml": True,
    "lifehacker-2025-07-01.rss.xml": True,
    "theverge-2025-07-01.atom.xml": True,
    "techcrunch-2011-11-02.rss.xml": False,
}


def real_feed(name: str) -> bytes:
    path = REAL_FEEDS / name
    if not path.exists():
        pytest.skip(f"real feed fixtures absent: {path}")
    return path.read_bytes()


@pytest.mark.parametrize("name", REAL)
@pytest.mark.parametrize(
    "headers",
    [
        {"Content-Type": "application/rss+xml"},
        {"Content-Type": "application/atom+xml", "Content-Language": "de_DE"},
        {"Content-Type": "text/xml; charset=utf-8"},  # a wrong charset for the latin-1 Golem feeds: declined
        {},  # no Content-Type: feedparser calls it bozo (NonXMLContentType), and so must the fast path
    ],
    ids=["rss+xml", "atom+xml-de", "text/xml-utf8", "none"],
)
def test_real_feeds_read_the_same_on_both_paths(name: str, headers: dict[str, str]) -> None:
    body = real_feed(name)
    fast, reference = both(body, headers, "https://outlet.example/feed")
    if fast is not None:
        assert view(fast) == view(reference)
    expect_fast = REAL[name] and not ("charset=utf-8" in headers.get("Content-Type", "") and "golem" in name)
    assert (fast is not None) == expect_fast, declined(body, headers, "https://outlet.example/feed")


def test_parse_feed_takes_the_fast_path_for_real_feeds() -> None:
    body = real_feed("lifehacker-2025-07-01.rss.xml")
    feed = parse_feed(body, RSS_TYPE, "https://lifehacker.com/feed/rss")
    reference = parse_feed_with_feedparser(body, RSS_TYPE, "https://lifehacker.com/feed/rss")
    assert len(feed.entries) == 100
    # Same text, but the HTML is the outlet's own, not feedparser's re-serialisation: the fast path ran.
    assert view(feed) == view(reference)
    assert sum(a.content_html != b.content_html for a, b in zip(feed.entries, reference.entries, strict=True)) > 50


# -- the benchmark corpus ----------------------------------------------------------------------------------------


def corpus_feeds(root: Path) -> list[Path]:
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        from corpus import write_feeds  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    for full in (True, False):
        write_feeds(root / ("full" if full else "summary"), "http://127.0.0.1:8080", 3, 20, full=full)
    return sorted(root.glob("*/feed*.xml"))


def test_benchmark_corpus_feeds_take_the_fast_path(tmp_path: Path) -> None:
    feeds = corpus_feeds(tmp_path)
    assert len(feeds) == 6
    for path in feeds:
        fast = assert_fast_and_same(path.read_bytes(), url=f"http://127.0.0.1:8080/{path.name}")
        assert len(fast.entries) == 21
        if path.parent.name == "summary":  # teasers ending in an ellipsis; the last item is the old full one
            assert all(entry.summary_only for entry in fast.entries[:-1])


# -- RSS rules ported from feedparser ----------------------------------------------------------------------------

NS = (
    'xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:atom="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/"'
)
LONG = "<p>" + "Leica optics in the Xiaomi flagship, with a one-inch sensor. " * 20 + "</p>"


def rss(items: str, channel: str = "<title>Feed</title><link>https://news.example/</link>", root: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0" {NS} {root}><channel>{channel}{items}'
        "</channel></rss>"
    ).encode()


RSS_CASES = {
    "guid as link": "<item><title>G</title><guid>https://news.example/g</guid></item>",
    "guid not a permalink": '<item><title>G</title><guid isPermaLink="false">https://news.example/g</guid></item>',
    "relative guid": "<item><title>G</title><guid>g/1</guid></item>",
    "guid before link": "<item><guid>https://news.example/g</guid><link>https://news.example/l</link></item>",
    "empty link, guid": "<item><link></link><guid>https://news.example/g</guid></item>",
    "relative links": "<item><link>/2026/a?x=1&amp;y=2</link></item><item><link>b.html</link></item>",
    "no link at all": "<item><title>Nothing to follow</title><description>x</description></item>",
    "html in titles": "<item><title>Xiaomi &lt;b&gt;15&lt;/b&gt; &amp;amp; Leica</title><link>/a</link></item>"
    "<item><title><![CDATA[A <em>cdata</em> & title]]></title><link>/b</link></item>"
    "<item><title>5 &lt; 6 but 7 &gt; 3 &amp; AT&amp;T</title><link>/c</link></item>",
    "entities and charrefs": "<item><title>Caf&#233; &#8220;quoted&#8221; &#x2014; &#150;</title><link>/a</link>"
    "<description>&amp;nbsp;&amp;copy; &amp;#150; &amp;eacute; &amp;foo; AT&amp;T &amp;copy2</description></item>",
    "second description becomes content": "<item><link>/a</link><description>Short</description>"
    f"<description><![CDATA[{LONG}]]></description></item>",
    "content before description": f"<item><link>/a</link><content:encoded><![CDATA[{LONG}]]></content:encoded>"
    "<description>teaser …</description></item>",
    "close lengths": "<item><link>/a</link><description><![CDATA[<p>Same words here.</p>]]></description>"
    '<content:encoded><![CDATA[<img src="/i.png" alt="x"><p>Same words here.</p>]]></content:encoded></item>',
    "dates": "<item><link>/a</link><pubDate>Sun, 02 Mar 2026 10:00:00 +0100</pubDate>"
    "<dc:date>2026-01-01T00:00:00Z</dc:date></item>"
    "<item><link>/b</link><dc:date>2026-01-01T00:00:00Z</dc:date></item>"
    "<item><link>/c</link><pubDate>not a date</pubDate><dc:date>2025-12-31</dc:date></item>"
    "<item><link>/d</link><pubDate>32 Feb 2026</pubDate></item>",
    "languages": "<item><link>/a</link><dc:language>DE</dc:language></item><item><link>/b</link></item>",
    "titles by depth": '<item><media:content url="https://cdn/x.jpg"><media:title>Media title</media:title>'
    "</media:content><title>Item title</title><link>/a</link></item>"
    '<item><media:content url="https://cdn/y.jpg"><media:title>Only media</media:title></media:content>'
    "<link>/b</link></item>"
    "<item><title></title><title>Second</title><source url='https://s/'>Src</source><title>Third</title>"
    "<link>/c</link></item>",
    "unknown namespaces": '<item xmlns:x="urn:x"><x:score>5</x:score><x:total>3</x:total><link>/a</link></item>',
    "markup the sanitiser changes": '<item><link>/a</link><content:encoded><![CDATA[<p onclick="x()">Hi'
    '<script>alert(1)</script></p><iframe src="/v"></iframe><svg><use href="#i"/></svg><p/>'
    "<noscript>no script</noscript><o:p>word</o:p>]]></content:encoded></item>",
}


@pytest.mark.parametrize("items", RSS_CASES.values(), ids=RSS_CASES.keys())
def test_rss_rules_match_feedparser(items: str) -> None:
    assert_fast_and_same(rss(items))
    assert_fast_and_same(rss(items), {**RSS_TYPE, "Content-Location": "/elsewhere/", "Content-Language": "fr"})


CHANNEL_CASES = {
    "atom link alternate": '<atom:link href="/home" rel="alternate"/><title>T</title>',
    "atom self link and text link": '<atom:link href="/feed" rel="self"/><link>/home</link><title>T</title>',
    "image title first": "<image><title>Logo</title><url>/l.png</url><link>/</link></image><title>Feed</title>",
    "language element over xml:lang": "<title>T</title><language>en-GB</language>",
    "title after items": "<title>First</title>",
}


@pytest.mark.parametrize("channel", CHANNEL_CASES.values(), ids=CHANNEL_CASES.keys())
def test_channel_rules_match_feedparser(channel: str) -> None:
    items = "<item><title>A</title><link>/a</link></item>"
    tail = "<title>Late title</title>" if "after" in channel else ""
    assert_fast_and_same(rss(items + tail, channel, root='xml:lang="de_AT"'))


# -- Atom --------------------------------------------------------------------------------------------------------


def atom(entries: str, head: str = '<title type="html">Feed &amp;amp; co</title>', lang: str = "en-US") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{lang}">'
        f"<id>urn:feed</id>{head}<updated>2026-01-01T00:00:00Z</updated>{entries}</feed>"
    ).encode()


ATOM_CASES = {
    "several links": '<entry><title>A</title><id>urn:1</id><link rel="enclosure" href="/a.mp3"/>'
    '<link href="/first"/><link rel="alternate" type="text/html" href="/second"/>'
    '<link rel="alternate" type="application/pdf" href="/pdf"/><link rel="related" href="/rel"/></entry>',
    "link from id": "<entry><title>A</title><id>https://news.example/by-id</id></entry>",
    "id after link": '<entry><link href="/l"/><id>https://news.example/by-id</id></entry>',
    "content types": '<entry><link href="/a"/><title type="text">1 &lt; 2</title>'
    f'<summary type="text">Plain &amp; &lt;b&gt;</summary><content type="html">{LONG.replace("<", "&lt;")}'
    "</content></entry>",
    "xhtml": '<entry xml:lang="de"><link href="/a"/><title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">'
    'X <em>Y</em></div></title><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">'
    '<p class="lead">Fully <a href="/r">linked</a> text &amp; more</p><p>Second</p></div></content></entry>',
    "xhtml with void elements": '<entry><link href="/a"/><content type="xhtml">'
    '<div xmlns="http://www.w3.org/1999/xhtml"><p>A<br/>B<img src="/i.png" alt=""/></p></div></content></entry>',
    "published and updated": '<entry><link href="/a"/><updated>2026-03-02T10:00:00+01:00</updated>'
    "<published>2026-03-01T10:00:00Z</published></entry>"
    '<entry><link href="/b"/><updated>2026-03-02T10:00:00+01:00</updated></entry>',
    "languages": '<entry xml:lang=""><link href="/a"/><content type="html" xml:lang="fr_CA">x</content></entry>'
    '<entry><link href="/b"/><summary xml:lang="it">y</summary></entry>',
    "authors and categories": '<entry><link href="/a"/><author><name>N</name><uri>/me</uri></author>'
    '<category term="phones"/><rights>r</rights></entry>',
}


@pytest.mark.parametrize("entries", ATOM_CASES.values(), ids=ATOM_CASES.keys())
def test_atom_rules_match_feedparser(entries: str) -> None:
    headers = {"Content-Type": "application/atom+xml"}
    assert_fast_and_same(atom(entries), headers)
    assert_fast_and_same(atom(entries, head='<link href="/home"/><title>T</title>', lang=""), headers)


# -- what the fast path leaves to feedparser -----------------------------------------------------------------------

DECLINED = {
    "bare ampersand": rss("<item><title>Xiaomi & Leica</title><link>/a</link></item>"),
    "undefined entity": rss("<item><title>Leica&nbsp;M</title><link>/a</link></item>"),
    "xml:base": rss('<item xml:base="https://other.example/"><link>a</link></item>'),
    "latin-1 bytes declared utf-8": rss("<item><title>Müller</title><link>/a</link></item>").replace(
        "ü".encode(), "ü".encode("latin-1")
    ),
    "doctype": b'<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
    b'"http://my.netscape.com/publish/formats/rss-0.91.dtd"><rss version="0.91"><channel><title>T</title>'
    b"<item><title>A</title><link>https://news.example/a</link></item></channel></rss>",
    "billion laughs": b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
    + rss("<item><title>&b;</title><link>/a</link></item>").split(b"?>", 1)[1],
    "rss 1.0": b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
    b'xmlns="http://purl.org/rss/1.0/"><channel rdf:about="https://news.example/"><title>T</title></channel>'
    b'<item rdf:about="https://news.example/a"><title>A</title><link>https://news.example/a</link></item>'
    b"</rdf:RDF>",
    "atom 0.3": b'<?xml version="1.0"?><feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>T</title>'
    b'<entry><title>A</title><link rel="alternate" type="text/html" href="https://news.example/a"/></entry></feed>',
    "prefix of a known namespace rebound": rss(
        '<item xmlns:x="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/dc/elements/1.1/">'
        "<link>/a</link></item>"
    ).replace(NS.split(" ")[0].encode(), b""),
    "item with an image": rss("<item><link>/a</link><image><title>x</title></image></item>"),
    "nested markup in a description": rss("<item><link>/a</link><description><p>x</p></description></item>"),
    "podcast summary on the channel": rss(
        "<item><link>/a</link></item>",
        channel='<title>T</title><itunes:summary xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">'
        "s</itunes:summary>",
    ),
    "content type feedparser would base64-decode": atom(
        '<entry><link href="/a"/><content type="image/png">AA==</content></entry>'
    ),
    "too deep for lxml": rss("<item><link>/a</link>" + "<x>" * 300 + "</x>" * 300 + "</item>"),
}


@pytest.mark.parametrize("body", DECLINED.values(), ids=DECLINED.keys())
def test_fast_path_declines_and_feedparser_reads(body: bytes) -> None:
    assert_declined_and_same(body)


def test_entity_bomb_is_never_expanded() -> None:
    levels = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)]
    body = ('<?xml version="1.0"?>\n<!DOCTYPE rss [' + "".join(levels) + "]>").encode() + rss(
        "<item><title>&lol9;</title><link>/a</link><description>&lol9;</description></item>"
    ).split(b"?>", 1)[1]
    tracemalloc.start()
    try:
        reason = declined(body)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert reason is not None and "lol9" in reason  # the declarations are gone, the reference is undefined
    assert peak < 5_000_000  # an expansion would need gigabytes


def test_a_failure_inside_the_fast_path_costs_speed_not_the_feed(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    body = rss("<item><title>A</title><link>/a</link><description>Text</description></item>")

    def broken(*args: Any) -> Any:
        raise IndexError("a case the port did not foresee")

    monkeypatch.setattr(feedxml, "read_feed", broken)
    with caplog.at_level("WARNING", logger="monitor.ingest.parse"):
        parsed = parse_feed(body, RSS_TYPE, "http://127.0.0.1/feed.xml")

    assert parsed == parse_feed_with_feedparser(body, RSS_TYPE, "http://127.0.0.1/feed.xml")
    assert [entry.url for entry in parsed.entries] == ["http://127.0.0.1/a"]
    assert "parse.fast_path_failed" in caplog.text


def test_not_a_feed_is_still_an_error() -> None:
    from monitor.errors import ParseError

    with pytest.raises(ParseError, match="not a feed"):
        parse_feed(b'<?xml version="1.0"?><sitemap><loc>https://news.example/</loc></sitemap>', {}, URL)


# -- the HTML scan: kept markup has the text feedparser's sanitised markup has -------------------------------------

TAG_NAMES = ["p", "a", "em", "br", "img", "div", "span", "li", "ul", "figure", "h2", "table", "td", "blockquote",
             "BR", "P", "script", "noscript", "iframe", "svg", "o:p", "textarea", "source"]  # fmt: skip
CHARS = list("ab cé’€\u0096\n<>&;#x\"'") + ["&amp;", "&#39;", "&#150;", "Ã©"]
TEXT = st.lists(st.sampled_from(CHARS), max_size=12).map("".join)
ATTRS = st.sampled_from(['', ' href="/x?a=1&amp;b=2"', " class=lead", " title='q\"'", ' src="javascript:x"',
                         " onclick=\"alert('x')\"", ' style="color: red"', " hidden", ' title="a>b"', " href=/x/",
                         ' alt="&#34;q&#39;"', ' lang="de"'])  # fmt: skip
ODD = st.sampled_from(["<!-- c -->", "<!x>", "<?pi?>", "<![CDATA[x]]>", "< p>", "<>", "</>", "&copy2", "&#x9F;",
                       "&#0150;", "&#1500;", "&amp.x;", "\r\n"])  # fmt: skip


@st.composite
def fragments(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.integers(0, 4))
        name = draw(st.sampled_from(TAG_NAMES))
        if kind == 0:
            parts.append(draw(TEXT))
        elif kind == 1:
            parts.append(f"<{name}{draw(ATTRS)}{draw(st.sampled_from(['', '/', ' /']))}>")
        elif kind == 2:
            parts.append(f"</{name}>")
        elif kind == 3:
            parts.append(f"&{draw(st.sampled_from(['amp', 'nbsp', 'hellip', 'apos', 'NewLine', 'copy']))};")
        else:
            parts.append(draw(ODD))
    return "".join(parts).strip()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fragments())
def test_markup_kept_raw_has_the_text_of_the_sanitised_markup(fragment: str) -> None:
    kept = feedxml._gate(fragment, len(URL))
    if kept is None:
        return
    text, low, high = kept
    base = "https://news.example/feeds/main.xml"
    sanitised = feedxml._repair(fpinternals.sanitize_html(resolve_relative_uris(fragment, base, "utf-8", "text/html"),
                                                          "utf-8", "text/html"))  # fmt: skip
    assert html_to_text(text) == html_to_text(sanitised)
    assert _plain(text) == _plain(sanitised) and _plain(text, " ") == _plain(sanitised, " ")
    assert is_teaser(text) == is_teaser(sanitised)
    assert low <= len(sanitised) <= high


def test_feedparser_resolves_and_sanitises_the_same_elements() -> None:
    """The fast path treats the two sets as one; a feedparser upgrade that splits them must be noticed."""
    assert fpinternals.RELATIVE_URI_ELEMENTS == fpinternals.MARKUP_ELEMENTS


# -- the feedparser names without a public spelling (monitor.ingest.fpinternals) ------------------------------


def test_feedparser_still_has_every_private_name_the_fast_path_binds() -> None:
    """A feedparser release that drops or renames one turns the fast path off (slower, not wrong): say which."""
    assert not fpinternals.MISSING, (
        "monitor.ingest.fpinternals cannot bind what the fast feed path needs, so every feed now goes through "
        "feedparser.parse; port the fast path to this feedparser or pin the previous one:\n  "
        + "\n  ".join(fpinternals.MISSING)
    )


def test_a_name_feedparser_lacks_is_reported_with_the_version_and_the_name() -> None:
    value, problem = fpinternals.find("feedparser.urls", ("urljoin_gone", "_urljoin_gone"))
    assert value is None
    assert problem == (f"feedparser {feedparser.__version__} has no feedparser.urls.urljoin_gone or "
                       "feedparser.urls._urljoin_gone")  # fmt: skip
    assert fpinternals.find("feedparser.no_such_module", ("x",))[1] is not None
    assert fpinternals.find("feedparser.urls", ("urljoin_gone", "make_safe_absolute_uri"))[1] is None


def test_the_bound_feedparser_rules_behave_as_the_port_expects() -> None:
    """What feedxml assumes of each bound name, so a changed meaning fails here by name, not as a diff of feeds."""
    rfc822, rfc3339 = (
        fpinternals.parse_date("Mon, 07 Dec 2026 03:39:25 +0100"),
        fpinternals.parse_date("2026-12-07T03:39:25Z"),
    )
    assert rfc822 is not None and tuple(rfc822)[:6] == (2026, 12, 7, 2, 39, 25)  # normalised to UTC
    assert rfc3339 is not None and tuple(rfc3339)[:6] == (2026, 12, 7, 3, 39, 25)
    assert fpinternals.parse_date("not a date") is None
    assert fpinternals.urljoin("https://news.example/feeds/", "../a/1") == "https://news.example/a/1"
    assert fpinternals.urljoin("https://news.example/", "https:///x.example/2") == "https://x.example/2"
    clean = fpinternals.sanitize_html('<p onclick="x()">a<script>b()</script></p>', "utf-8", "text/html")
    assert clean == "<p>a</p>"
    assert fpinternals.looks_like_html("<b>bold</b> text") and not fpinternals.looks_like_html("a < b")
    assert fpinternals.map_content_type("html") == "text/html"
    assert {"p", "a", "img", "br"} <= fpinternals.SANITIZER_KEEPS and "script" not in fpinternals.SANITIZER_KEEPS
    assert {"br", "img", "hr"} <= fpinternals.VOID_ELEMENTS and "p" not in fpinternals.VOID_ELEMENTS
    assert {"title", "link", "guid", "description", "content_encoded"} <= fpinternals.HANDLED_ELEMENTS
    assert fpinternals.NAMESPACES["http://purl.org/dc/elements/1.1/"] == "dc"
    assert {"content", "summary", "title"} <= fpinternals.MARKUP_ELEMENTS


def test_c1_controls_become_the_cp1252_characters_feedparser_gives_them() -> None:
    """feedxml builds feedparser's cp1252 table from the codec; the values are compared through feedparser.parse."""
    c1 = "".join(map(chr, range(0x80, 0xA0)))
    body = (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title><item>'
        f"<title>x{c1}y</title><link>https://news.example/a/1</link></item></channel></rss>"
    ).encode()
    expected = feedparser.parse(body, response_headers={"content-type": "application/rss+xml"}).entries[0].title
    assert expected != f"x{c1}y"  # the mapping did something
    assert feedxml._repair(f"x{c1}y") == expected
    fast, slow = both(body, {"content-type": "application/rss+xml"})
    assert fast is not None and view(fast) == view(slow)


def test_without_a_bound_name_every_feed_is_read_by_feedparser(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fallback when feedparser changes: the fast path declines, parse_feed still returns feedparser's feed."""
    body = rss("<item><title>One</title><link>https://news.example/a/1</link><description>Text</description></item>")
    headers = {"content-type": "application/rss+xml"}
    assert parse_feed_fast(body, headers, URL) is not None  # read fast while everything is bound
    monkeypatch.setattr(fpinternals, "MISSING", ("feedparser 9.9 has no feedparser.urls._urljoin",))
    assert feedxml.read_feed(body, headers) == feedxml.Declined("feedparser 9.9 has no feedparser.urls._urljoin")
    assert parse_feed_fast(body, headers, URL) is None
    assert parse_feed(body, headers, URL) == parse_feed_with_feedparser(body, headers, URL)


# -- generated feeds -----------------------------------------------------------------------------------------------

WORDS = st.sampled_from(["Xiaomi", "Leica", "&amp;", "&lt;b&gt;", "<![CDATA[<i>c</i> & d]]>", "&#8230;", "é", " ",
                         "&#x27;", "AT&amp;T", "&lt;/p&gt;", "\n", "Read more", "…", "Ã©", "\u0096", "&#150;",
                         "&lt;script&gt;x&lt;/script&gt;", "&lt;img src=/i.png&gt;"])  # fmt: skip
HEADERS = st.sampled_from([
    RSS_TYPE, {}, {"Content-Type": "text/xml", "Content-Language": "en_US"},
    {"Content-Type": "application/xml", "Content-Location": "https://other.example/x/"},
])  # fmt: skip
DATES = st.sampled_from(["Sun, 02 Mar 2026 10:00:00 +0100", "2026-03-02T10:00:00Z", "2026-03-02", "yesterday",
                         "Mon, 31 Feb 2026 10:00:00 GMT", "", "Tue, 3 Mar 2026 25:61:00 EST"])  # fmt: skip
LINKS = st.sampled_from(["", "https://news.example/a", "/b", "c?d=1&amp;e=2", "javascript:alert(1)", " /d "])


@st.composite
def generated_rss(draw: st.DrawFn) -> bytes:
    items = []
    for n in range(draw(st.integers(1, 3))):
        parts = []
        if draw(st.booleans()):
            parts.append(f"<title>{''.join(draw(st.lists(WORDS, max_size=4)))}</title>")
        if draw(st.booleans()):
            parts.append(f"<link>{draw(LINKS)}</link>")
        if draw(st.booleans()):
            permalink = draw(st.sampled_from(["", ' isPermaLink="false"', ' isPermaLink="true"']))
            parts.append(f"<guid{permalink}>{draw(LINKS) or f'id-{n}'}</guid>")
        for tag in draw(st.lists(st.sampled_from(["description", "content:encoded", "dc:description"]), max_size=3)):
            body = "".join(draw(st.lists(WORDS, max_size=6))) + draw(st.sampled_from(["", LONG.replace("<", "&lt;")]))
            parts.append(f"<{tag}>{body}</{tag}>")
        for tag in draw(st.lists(st.sampled_from(["pubDate", "dc:date"]), max_size=2)):
            parts.append(f"<{tag}>{draw(DATES)}</{tag}>")
        if draw(st.booleans()):
            parts.append(f"<dc:language>{draw(st.sampled_from(['en', 'DE', '', ' fr ']))}</dc:language>")
        items.append("<item>" + "".join(draw(st.permutations(parts))) + "</item>")
    return rss("".join(items), root=draw(st.sampled_from(["", 'xml:lang="pt_BR"'])))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(generated_rss(), HEADERS)
def test_generated_rss_reads_the_same_on_both_paths(body: bytes, headers: dict[str, str]) -> None:
    fast, reference = both(body, headers)
    assert fast is not None or "text/xml" in str(headers), declined(body, headers)  # us-ascii: "é" is declined
    if fast is not None:
        assert view(fast) == view(reference)


ATOM_LINKS = st.sampled_from(['<link href="/a"/>', '<link rel="alternate" href="https://news.example/b"/>',
                              '<link rel="alternate" type="text/html" href="c.html"/>', '<link rel="self" href="/s"/>',
                              '<link rel="enclosure" href="/e.mp3"/>', '<link type="application/pdf" href="/p"/>',
                              '<link href=""/>', "<link>/text-link</link>"])  # fmt: skip
TYPES = st.sampled_from(["", ' type="text"', ' type="html"', ' type="xhtml"', ' type="text/html"'])
LANGS = st.sampled_from(["", ' xml:lang="de"', ' xml:lang=""', ' xml:lang="en_GB"'])
FEED_HEADS = st.sampled_from(
    [
        '<link href="/home"/>',
        "<title>T</title>",
        "<id>https://f/</id>",
        '<title type="html">&lt;i&gt;T&lt;/i&gt;</title>',
    ]
)


@st.composite
def atom_value(draw: st.DrawFn, tag: str) -> str:
    kind = draw(TYPES)
    words = "".join(draw(st.lists(WORDS, max_size=5)))
    if "xhtml" in kind:
        inner = words.replace("<![CDATA[<i>c</i> & d]]>", "<i>c</i> &amp; d").replace("&lt;b&gt;", "<b>x</b>")
        wrapped = draw(st.sampled_from([f"<div>{inner}</div>", f" <div> {inner} </div> ", f"{inner}<p>tail</p>"]))
        words = (
            f'<div xmlns="http://www.w3.org/1999/xhtml">{wrapped}</div>'
            if wrapped.startswith("<div>")
            else (f'<span xmlns="http://www.w3.org/1999/xhtml">{wrapped}</span>')
        )
    return f"<{tag}{kind}{draw(LANGS)}>{words}</{tag}>"


@st.composite
def generated_atom(draw: st.DrawFn) -> bytes:
    entries = []
    for _ in range(draw(st.integers(1, 3))):
        parts = draw(st.lists(ATOM_LINKS, max_size=3))
        if draw(st.booleans()):
            parts.append(f"<id>{draw(st.sampled_from(['urn:x:1', 'https://news.example/id', 'rel/id', '']))}</id>")
        for tag in draw(st.lists(st.sampled_from(["title", "summary", "content"]), max_size=3)):
            parts.append(draw(atom_value(tag)))
        for tag in draw(st.lists(st.sampled_from(["published", "updated"]), max_size=2)):
            parts.append(f"<{tag}>{draw(DATES)}</{tag}>")
        entries.append(f"<entry{draw(LANGS)}>" + "".join(draw(st.permutations(parts))) + "</entry>")
    head = "".join(draw(st.lists(FEED_HEADS, max_size=3)))
    return atom("".join(entries), head=head, lang=draw(st.sampled_from(["", "en-US", "pt_BR"])))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(generated_atom())
def test_generated_atom_reads_the_same_on_both_paths(body: bytes) -> None:
    headers = {"Content-Type": "application/atom+xml", "Content-Location": "https://news.example/x/"}
    fast, reference = both(body, headers)
    assert fast is not None, declined(body, headers)
    assert view(fast) == view(reference)
