"""Feed bytes -> ParsedFeed: a fast lxml path for well-formed RSS 2.0 / Atom 1.0, feedparser for everything else.

feedparser does the format work for any feed (RSS 0.9x/1.0/2.0, Atom, CDATA, encodings, broken markup). It only
ever gets bytes plus the response headers (never a URL or a path, which it would open itself), and keeps
``sanitize_html`` on. It costs ~3.5 ms of CPU per full-content article, though (issue #8), so ``parse_feed`` first
offers the document to ``monitor.ingest.feedxml``, which reads the common well-formed cases with lxml and declines
whatever it is not sure to read exactly as feedparser would; see that module for the contract (same
``ParsedFeed``; ``content_html`` text-equivalent but unsanitised, since monitor only turns it into text).
``parse_feed_fast`` and ``parse_feed_with_feedparser`` run one path each, for tests and benchmarks.

Before either path sees a document, a DOCTYPE whose internal subset declares entities is removed. feedparser
already drops most such declarations, and expat >= 2.4 limits amplification, but the document is untrusted
input and this check costs one scan of the prolog; without it a "billion laughs" feed is one library
regression away from eating the service's memory. References to the removed entities then stay unexpanded
(the fast path declines any DOCTYPE and never expands entities either).

What is not a feed raises ParseError (an HTML page, JSON, an empty body, garbage), so a source that starts
serving its homepage shows up as failing instead of as a feed that went quiet.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser

from monitor.errors import ParseError
from monitor.ingest import feedxml
from monitor.ingest.extract import html_to_text
from monitor.ingest.feedrepair import crash_message, markup_codec, repair_character_references
from monitor.logs import get_logger
from monitor.model import FeedEntry, ParsedFeed

log = get_logger(__name__)

SUMMARY_ONLY_CHARS = 600  # text shorter than this, with no full content beside it, is a teaser
_TAG = re.compile(r"<[^>]*>")
# Teaser endings: an ellipsis, or a "read more" link (WordPress, Drupal, German, French, Chinese outlets),
# possibly followed by WordPress's "The post ... appeared first on ..." footer.
_WP_FOOTER = re.compile(r"\s*The post .{1,300} appeared first on .{1,200}$", re.I | re.S)
_FOOTER_REACH = 600
_CUT_END = re.compile(r"(\.\.\.|…|\[…\]|\[\.\.\.\]|\(…\)|»|→)\W*$", re.S)
_READ_MORE_END = re.compile(
    r"(read more|continue reading|read the full (story|article)|weiterlesen|mehr lesen|lire la suite"
    r"|阅读全文|查看全文|继续阅读|閱讀全文).{0,160}$",
    re.I | re.S,
)
# A "read more" link after this much text is the article's footer ("Read more in our phones section"), not a cut:
# the text already holds all the judgement reads (``features.LEAD_CHARS``), so no page is fetched for it.
FULL_TEXT_CHARS = 1500
# What can stand before the root element: comments and processing instructions (skipped whatever they hold),
# the DOCTYPE, then the root element's start tag.
_PROLOG = re.compile(r"<!--.*?-->|<\?.*?\?>|(?P<doctype><!DOCTYPE)|(?P<element><[A-Za-z_][\w:.-]*)", re.S | re.I)
HTML_SNIFF_BYTES = 4096  # the root element of a page is within its first few KiB, after any comments
ADVERTISED_SNIFF_BYTES = 256 * 1024  # a page's <head> (where it advertises its feeds) is in its first bytes


def parse_feed(body: bytes, headers: Mapping[str, str], url: str, *, source: str | None = None) -> ParsedFeed:
    """Parse one fetched feed. ``url`` is the final URL, the base for relative links.

    Raises ``ParseError`` and nothing else: whatever goes wrong inside feedparser becomes this feed's error,
    named (see ``feedrepair.crash_message``), so one outlet's odd bytes can never stop a crawl. The error's ``url`` is
    ``url``, its ``source`` is ``source`` (the configured source's name, when the caller has one). A document
    that crashes feedparser only because of character references that name no character (UTF-16 surrogates
    written as two references, code points past U+10FFFF: feedparser #599) is read again with them repaired
    (``repair_character_references``); documents that parse are never rewritten.
    """
    try:
        return _parse(body, headers, url)
    except ParseError as exc:
        exc.source = exc.source or source  # the raising code knows the URL only; the caller knows the source
        raise


def _parse(body: bytes, headers: Mapping[str, str], url: str) -> ParsedFeed:
    body = _checked(body, url)
    try:
        return _fast(body, headers, url) or _with_feedparser(body, headers, url)
    except _FeedparserCrash as crash:
        repaired = repair_character_references(body)
        if repaired == body:
            raise
        try:
            feed = _fast(repaired, headers, url) or _with_feedparser(repaired, headers, url)
        except _FeedparserCrash:
            raise crash from crash.__cause__
        log.info("parse.charrefs_repaired", url=url, was=crash.reason)
        return feed


def parse_feed_fast(body: bytes, headers: Mapping[str, str], url: str) -> ParsedFeed | None:
    """The lxml path alone: the feed, or None where it declines (then parse_feed asks feedparser)."""
    return _fast(_checked(body, url), headers, url)


def parse_feed_with_feedparser(body: bytes, headers: Mapping[str, str], url: str) -> ParsedFeed:
    """The feedparser path alone: the reference the fast path must agree with."""
    return _with_feedparser(_checked(body, url), headers, url)


def _checked(body: bytes, url: str) -> bytes:
    """The safety steps both paths rely on: not empty, entity declarations gone, not an HTML page."""
    if not body.strip():
        raise ParseError("empty body, not a feed", url=url)
    body = strip_entity_declarations(body, url)
    _refuse_html(body, url)
    return body


def _fast(body: bytes, headers: Mapping[str, str], url: str) -> ParsedFeed | None:
    try:
        feed = feedxml.read_feed(body, _feedparser_headers(headers, url), _content_key)
    except Exception as exc:  # a gap in the port must cost a feed its speed, never the feed: feedparser reads it
        log.warning("parse.fast_path_failed", url=url, error=f"{type(exc).__name__}: {exc}")
        return None
    if isinstance(feed, feedxml.Declined):
        return None
    language = _language(feed.language)
    entries = (
        _feed_entry(e.link, e.guid, _title_text(e.title, html=e.title_html), e.stamp, e.content_html, e.language,
                    url, language)
        for e in feed.entries
    )  # fmt: skip
    return ParsedFeed(
        title=_title_text(feed.title, html=feed.title_html),
        link=_absolute(feed.link, url),
        language=language,
        entries=tuple(entry for entry in entries if entry is not None),
        bozo_reason=feed.bozo_reason,
    )


def _content_key(content_html: str) -> tuple[str, bool]:
    """All monitor takes from an entry's content: its text and whether it is a teaser."""
    return html_to_text(content_html), is_teaser(content_html)


class _FeedparserCrash(ParseError):
    """feedparser raised instead of reporting bozo: a library bug, this feed's error all the same."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"not readable as a feed: {reason}", url=url)
        self.reason = reason


def _with_feedparser(body: bytes, headers: Mapping[str, str], url: str) -> ParsedFeed:
    try:
        result = feedparser.parse(body, response_headers=_feedparser_headers(headers, url), sanitize_html=True)
        if not result.get("version") and not result.entries:
            said = _bozo_reason(result)
            raise ParseError("not a feed: no RSS, RDF or Atom root element" + (f" ({said})" if said else ""), url=url)
        return _from_feedparser(result, url)
    except ParseError:
        raise
    except Exception as exc:  # noqa: BLE001 - any library failure is this feed's error, named (issue 15)
        raise _FeedparserCrash(url, crash_message(body, exc)) from exc


def _from_feedparser(result: Any, url: str) -> ParsedFeed:
    feed = result.feed
    return ParsedFeed(
        title=_title(feed.get("title", ""), feed.get("title_detail")),
        link=_absolute(feed.get("link"), url),
        language=_language(feed.get("language")),
        entries=tuple(_entries(result.entries, url, _language(feed.get("language")))),
        bozo_reason=_bozo_reason(result),
    )


# -- safety and sniffing before feedparser -------------------------------------------------------------------------


def strip_entity_declarations(body: bytes, url: str = "<feed>") -> bytes:
    """Remove a prolog DOCTYPE whose internal subset declares entities; other documents come back unchanged.

    Works on the raw bytes of ASCII-compatible encodings (through latin-1, which round-trips every byte) and
    on UTF-16/32 documents (detected by their byte-order mark or their ``<?`` pattern).
    """
    codec = markup_codec(body)
    try:
        text = body.decode(codec)
    except UnicodeDecodeError as exc:
        raise ParseError(f"undecodable {codec} document: {exc}", url=url) from exc
    span = _doctype_span(text, url)
    if span is None or "<!entity" not in text[span[0] : span[1]].lower():
        return body
    stripped = text[: span[0]] + text[span[1] :]
    return stripped.encode(codec)


def _doctype_span(text: str, url: str) -> tuple[int, int] | None:
    """Start and end of the DOCTYPE declaration before the root element, if there is one.

    Comments and processing instructions before the root are skipped, whatever they hold: a comment that
    mentions ``<!DOCTYPE`` or ``<html>`` is not a declaration (feedparser reads such documents).
    """
    for match in _PROLOG.finditer(text):
        if match.group("doctype"):
            end = _declaration_end(text, match.end())
            if end is None:
                raise ParseError("unterminated DOCTYPE declaration", url=url)
            return match.start(), end
        if match.group("element"):
            return None
    return None


def _root_name(text: str) -> str | None:
    """The lower-cased name of the root element: the first element outside comments, PIs and the DOCTYPE."""
    position = 0
    while (match := _PROLOG.search(text, position)) is not None:
        if match.group("element"):
            return match.group("element")[1:].lower()
        position = match.end()
        if match.group("doctype"):
            position = _declaration_end(text, match.end()) or len(text)
    return None


def _declaration_end(text: str, index: int) -> int | None:
    """Index after the ``>`` closing a DOCTYPE, skipping quoted strings, comments and the ``[...]`` subset."""
    quote: str | None = None
    in_subset = False
    while index < len(text):
        char = text[index]
        if quote:
            quote = None if char == quote else quote
        elif char in "\"'":
            quote = char
        elif in_subset and text.startswith("<!--", index):
            close = text.find("-->", index + 4)
            if close < 0:
                return None
            index = close + 2
        elif char in "[]":
            in_subset = char == "["
        elif char == ">" and not in_subset:
            return index + 1
        index += 1
    return None


def _refuse_html(body: bytes, url: str) -> None:
    """An HTML page (a homepage, a login wall, an error page) is not a feed, even if it parses as XML.

    The error names the feed the page advertises (``<link rel=alternate type=application/rss+xml>``), if
    any: that is the URL the source should have.
    """
    head = body[:HTML_SNIFF_BYTES].decode("latin-1")
    if _root_name(head) not in ("html", "head", "body"):
        return
    advertised = advertised_feeds(body, url)
    hint = (
        f"; it advertises {advertised[0]} (set the source's url to it)"
        if advertised
        else "; set the source's url to the outlet's RSS or Atom feed"
    )
    raise ParseError(f"an HTML page, not a feed{hint}", url=url)


_ALTERNATE_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+json")


def advertised_feeds(html: bytes, url: str) -> list[str]:
    """Absolute URLs of the feeds an HTML page links as ``rel=alternate`` (in page order)."""
    import lxml.html  # only on this error path

    try:
        tree = lxml.html.document_fromstring(html[:ADVERTISED_SNIFF_BYTES])
    except (ValueError, lxml.etree.LxmlError):  # an empty or undecodable page advertises nothing
        return []
    feeds = []
    for link in tree.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower().strip()
        href = (link.get("href") or "").strip()
        if "alternate" in rel and kind in _ALTERNATE_FEED_TYPES and href:
            absolute = _absolute(href, url)
            if absolute and absolute not in feeds:
                feeds.append(absolute)
    return feeds


def _feedparser_headers(headers: Mapping[str, str], url: str) -> dict[str, str]:
    """Lower-case keys (feedparser looks them up so); Content-Location is the base for relative links."""
    lowered = {key.lower(): value for key, value in headers.items()}
    lowered["content-location"] = urljoin(url, lowered.get("content-location", ""))
    return lowered


def _bozo_reason(result: Any) -> str | None:
    if not result.get("bozo"):
        return None
    exc = result.get("bozo_exception")
    return f"{type(exc).__name__}: {exc}" if exc is not None else "malformed feed"


# -- entries -----------------------------------------------------------------------------------------------------


def _entries(raw: list[Any], base: str, feed_language: str | None) -> list[FeedEntry]:
    entries = []
    for item in raw:
        entry = _entry(item, base, feed_language)
        if entry is not None:
            entries.append(entry)
    return entries


def _entry(item: Any, base: str, feed_language: str | None) -> FeedEntry | None:
    stamp = item.get("published_parsed") or item.get("updated_parsed")
    title = _title(item.get("title", ""), item.get("title_detail"))
    return _feed_entry(
        item.get("link"), item.get("id"), title, stamp, _fullest(item), _entry_language(item), base, feed_language,
    )  # fmt: skip


def _feed_entry(
    link: str | None,
    guid: str | None,
    title: str,
    stamp: time.struct_time | None,
    content_html: str,
    language: str | None,
    base: str,
    feed_language: str | None,
) -> FeedEntry | None:
    """One FeedEntry from feedparser's values (or the fast path's), or None when it has no link to follow.

    ``title`` is already text (``_title``)."""
    guid = guid or None
    url = _absolute(link, base) or _absolute(guid, base, relative_ok=False)
    if url is None:
        return None
    return FeedEntry(
        url=url,
        title=title,
        guid=guid,
        published=_published(stamp),
        content_html=content_html,
        summary_only=is_teaser(content_html),
        language=_language(language) or feed_language,
    )


def _absolute(link: str | None, base: str, *, relative_ok: bool = True) -> str | None:
    """An absolute http(s) URL, or None. A guid is only a link if it already is an absolute URL."""
    if not link or not link.strip():
        return None
    link = link.strip()
    absolute = urljoin(base, link) if relative_ok else link
    parts = urlsplit(absolute)
    return absolute if parts.scheme in ("http", "https") and parts.netloc else None


def _fullest(item: Any) -> str:
    """The fullest HTML the entry carries; whether even that is only a teaser is ``is_teaser``'s call.

    The teaser test looks at the fullest text, not only at entries without ``content``: Golem.de and heise
    put 150-350 characters into content:encoded / atom:content (../shared/real-feeds), and an article
    judged on that would miss most of its terms.
    """
    contents = [part.get("value", "") or "" for part in item.get("content", []) or []]
    return max([*contents, item.get("summary", "") or ""], key=len)


def is_teaser(content_html: str) -> bool:
    """Short, cut off with an ellipsis, or a short text ending in a "read more" link: the article itself must be
    fetched."""
    text = _plain(content_html, separator=" ")
    # A footer match is at most ~530 characters (single spaces after _plain), so only the tail is searched.
    text = text[:-_FOOTER_REACH] + _WP_FOOTER.sub("", text[-_FOOTER_REACH:])
    tail = text[-200:]
    if len(text) < SUMMARY_ONLY_CHARS or _CUT_END.search(tail):
        return True
    return len(text) < FULL_TEXT_CHARS and _READ_MORE_END.search(tail) is not None


def _published(stamp: time.struct_time | None) -> datetime | None:
    """feedparser normalises dates to UTC struct_time (published, else updated); an impossible date is None."""
    if stamp is None:
        return None
    try:
        return datetime(*stamp[:6], tzinfo=UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def _entry_language(item: Any) -> str | None:
    for key in ("language", "content", "summary_detail", "title_detail"):
        value = item.get(key)
        if isinstance(value, list):
            value = value[0] if value else None
        language = value.get("language") if isinstance(value, Mapping) else value
        if language := _language(language):
            return language
    return None


def _language(value: Any) -> str | None:
    """BCP 47 tags compare case-insensitively; lower-case once here so later stages can compare plainly."""
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip().lower()


_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


def _title(value: str, detail: Any) -> str:
    """A feedparser title as text: its ``title_detail.type`` says whether it is markup or plain text."""
    kind = detail.get("type") if isinstance(detail, Mapping) else None
    return _title_text(value or "", html=kind in _HTML_TYPES)


def _title_text(value: str, *, html: bool) -> str:
    """Markup loses its tags and entities; plain text is kept as it is ("std::vector<int>" stays whole)."""
    return _plain(value) if html else " ".join(value.split())


def _plain(fragment: str, separator: str = "") -> str:
    """Text of an HTML fragment on one line: tags removed, entities decoded, whitespace collapsed.

    Titles join tags with nothing ("iPhone<sup>2</sup>"); bodies with a space, so paragraphs do not fuse.
    """
    return " ".join(html.unescape(_TAG.sub(separator, fragment or "")).split())  # split(): the same whitespace as \s
