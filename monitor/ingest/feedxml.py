"""The fast feed-parse path: lxml reads well-formed RSS 2.0 and Atom 1.0 and derives what feedparser would.

Why: feedparser with ``sanitize_html`` costs ~3.5 ms of CPU per full-content article (issue #8), most of it
in its pure-Python SAX handlers and its sgmllib-based sanitiser; lxml builds the same feed's tree 50-80 times
faster.
``monitor.ingest.parse.parse_feed`` tries this path first and falls back to feedparser for anything it declines.

The contract is equivalence, not a second interpretation of RSS: for every document this module accepts, the
``ParsedFeed`` that ``monitor.ingest.parse`` builds from it equals the one it builds from ``feedparser.parse`` (feed
title, link and language; entries in order with the same URL, title, GUID, date, summary_only and language;
``html_to_text(content_html)`` equal). So the code below is a port of the few feedparser 6.0 handlers those
fields depend on (``_FeedParserMixin.pop``, ``_start_link``, ``_end_guid``, ``_start_description`` and the
title-depth rule...), and it reuses feedparser's own helpers wherever they are cheap: the encoding detection
(``convert_to_utf8``), URL joining, the plain-text-or-HTML guess and the date parser (those without a public
name through ``monitor.ingest.fpinternals``, the one module that binds feedparser's private names). A document
is declined (``Declined``, then feedparser reads it) as soon as it holds anything that port does not cover: not
well-formed XML (feedparser would switch to its loose parser and report bozo), a DOCTYPE, ``xml:base``, an
encoding feedparser had to override, RSS 1.0/0.9 namespaces, a namespace prefix bound to two URIs or to a URI
other than the one feedparser gives that prefix, an element with a feedparser handler this port does not
emulate, nested markup where text is expected, content types other than text/html/xhtml... Every element of
the document is looked at: an element is either read here, a leaf or container known to feedparser to touch
none of the fields monitor uses, or the reason to decline.

HTML is where the time goes, and where the two paths differ on purpose. feedparser resolves relative URLs in
and sanitises every HTML value; monitor only ever turns ``FeedEntry.content_html`` into text, through
``monitor.ingest.extract.html_to_text`` (monitor/ingest/sources/feeds.py, checked with
``grep -rn content_html monitor``) and ``monitor.ingest.parse.is_teaser``, and titles through
``monitor.ingest.parse._plain``. So a value is kept raw when a strict scan (``_gate``) proves both steps would
leave its text untouched: only tags the sanitiser writes back
(``acceptable_elements`` but textarea, whose markup lxml reads as text), opened and closed as it does, no ``<``
that is not such a tag, no ``>`` inside a tag, only entities it keeps as they are, no charrefs it rewrites
(128-159), no text that its UTF-8/latin-1 repair could change. Its tags then differ from feedparser's only in
their attributes, so lxml builds the same tree and the regex in ``_plain`` removes the same tags (a property test
checks this against the sanitiser). The fast path's ``content_html`` is therefore NOT sanitised (attributes such
as ``onclick`` survive); nothing renders it. A value the scan rejects is run through feedparser's own
``resolve_relative_uris`` and sanitiser, exactly as feedparser would. Which of an entry's contents is
"the fullest" is decided on sanitised lengths, as ``monitor.ingest.parse._fullest`` does: from bounds when they decide
it (a 5,000-character article against a 300-character teaser), else by the caller's text key when the close
candidates give monitor the same text and teaser verdict anyway, else by sanitising them.

This module ports the behaviour of the pinned 6.0.x line and imports only feedparser's public names; the private
ones it needs come from ``fpinternals``, and when the installed feedparser lacks one, every document is declined
(feedparser then reads it). tests/test_feedxml.py compares both paths on real feeds, the benchmark corpus and
generated documents, and breaks if a feedparser upgrade changes them.

Why one module of ~900 lines (issue 17 asks for 500): its parts are one port read side by side with feedparser's
mixin, and each rule's guard sits next to the handler it protects. The seam to cut next is the HTML value scan
(``_repair`` to ``_escape``: the gate, the repair check, the xhtml serialiser), which the reader only calls.
"""

from __future__ import annotations

import contextlib
import html.entities
import re
import threading
import time
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from feedparser.encodings import convert_to_utf8
from feedparser.exceptions import NonXMLContentType
from feedparser.urls import make_safe_absolute_uri, resolve_relative_uris
from feedparser.util import FeedParserDict
from lxml import etree

from monitor.errors import MonitorError
from monitor.ingest import fpinternals

ATOM = "http://www.w3.org/2005/Atom"
XHTML_NS = "http://www.w3.org/1999/xhtml"
TEXT, HTML, XHTML = "text/plain", "text/html", "application/xhtml+xml"
# Elements whose HTML feedparser both resolves and sanitises (the same set in 6.0; a test checks).
_MARKUP_ELEMENTS = fpinternals.MARKUP_ELEMENTS


@dataclass(frozen=True, slots=True)
class FastEntry:
    """An entry as feedparser would have left the fields monitor reads (values before monitor's own clean-up)."""

    link: str | None  # entry.link
    guid: str | None  # entry.id
    title: str  # entry.title, or text with the same _plain() as feedparser's sanitised title
    title_html: bool  # entry.title_detail.type is HTML/XHTML (else the title is plain text as it is)
    stamp: time.struct_time | None  # entry.published_parsed or entry.updated_parsed
    content_html: str  # the fullest content/summary, text-equivalent to feedparser's
    language: str | None  # the first non-blank of entry.language, content[0], summary_detail, title_detail


@dataclass(frozen=True, slots=True)
class FastFeed:
    title: str
    title_html: bool
    link: str | None
    language: str | None
    entries: tuple[FastEntry, ...]
    bozo_reason: str | None


@dataclass(frozen=True, slots=True)
class Declined:
    """Why the fast path left a document to feedparser (for tests and debugging; not an error)."""

    reason: str


class _Decline(MonitorError):
    """Raised anywhere in the reading to leave the document to feedparser; ``read_feed`` turns it into Declined."""


def read_feed(
    body: bytes, headers: Mapping[str, str], text_key: Callable[[str], Hashable] | None = None
) -> FastFeed | Declined:
    """Read ``body`` as feedparser would with these (lower-cased) response headers, or say why not.

    ``body`` must already be what parse_feed hands feedparser (entity declarations stripped, not HTML).
    ``text_key`` says when two contents are the same to the caller (see ``_Reader.fullest``); without it,
    close calls between an entry's contents are settled by sanitising them.
    """
    if fpinternals.MISSING:  # this feedparser lacks a rule the port needs: feedparser reads everything itself
        return Declined(fpinternals.MISSING[0])
    try:
        return _read(body, headers, text_key)
    except _Decline as exc:
        return Declined(str(exc))


# -- document level -------------------------------------------------------------------------------------------

_FIRST_ELEMENT = re.compile(rb"<\w")
_DECLARATION = re.compile(rb"<!(DOCTYPE|ENTITY)", re.I)
_XMLNS = re.compile(rb"""xmlns(?::([^\s=>/"']+))?\s*=\s*(?:"([^"]*)"|'([^']*)')""")
# Namespaces that make feedparser call the document RSS 1.0 / 0.90 (track_namespace), whatever its root.
_VERSION_NAMESPACES = frozenset(["http://purl.org/rss/1.0/", "http://my.netscape.com/rdf/simple/0.9/"])
_XLINK = "http://www.w3.org/1999/xlink"  # feedparser adds its declaration to the next element's attributes
_NS_PREFIX: dict[str, str] = {uri.lower(): prefix for uri, prefix in fpinternals.NAMESPACES.items()}
_STD_PREFIXES = frozenset(prefix.lower() for prefix in _NS_PREFIX.values() if prefix)
_local = threading.local()


def _parser() -> etree.XMLParser:
    """One hardened parser per thread (lxml parsers must not be shared between threads)."""
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
            remove_comments=True, remove_pis=True,
        )  # fmt: skip
        _local.parser = parser
    return parser


def _read(body: bytes, headers: Mapping[str, str], text_key: Callable[[str], Hashable] | None) -> FastFeed:
    encoding: dict[str, Any] = {}
    data = convert_to_utf8(headers, body, encoding)  # feedparser's own RFC 3023 rules, byte for byte
    bozo_reason = _encoding_bozo(encoding)
    first = _FIRST_ELEMENT.search(data)
    if first is None or _DECLARATION.search(data, 0, first.start()):
        raise _Decline("DOCTYPE or entity declaration")
    if b"xml:base" in data:
        raise _Decline("xml:base")
    _check_namespaces(data)
    parser = _parser()
    try:
        root = etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise _Decline(f"not well-formed for lxml: {exc}") from None
    if len(parser.error_log):
        raise _Decline(f"lxml reported {parser.error_log[0].message}")
    reader = _Reader(
        _base_uri(headers), headers.get("content-language"), atom=root.tag == f"{{{ATOM}}}feed", text_key=text_key
    )
    if root.tag == "rss":
        reader.rss(root)
    elif reader.atom:
        reader.atom_feed(root)
    else:
        raise _Decline(f"root element {root.tag}")
    return reader.result(bozo_reason)


def _encoding_bozo(result: Mapping[str, Any]) -> str | None:
    """feedparser's bozo reason when it is only about the Content-Type; any encoding doubt declines."""
    if not result.get("encoding"):
        raise _Decline("encoding unknown")
    if not result.get("bozo"):
        return None
    exc = result.get("bozo_exception")
    if not isinstance(exc, NonXMLContentType):
        raise _Decline(f"encoding: {exc}")
    return f"{type(exc).__name__}: {exc}"


def _check_namespaces(data: bytes) -> None:
    """Refuse declarations that would change how feedparser names elements (its prefix map is per document)."""
    bound: dict[str, str] = {}
    for match in _XMLNS.finditer(data):
        prefix = match.group(1).decode("utf-8", "replace") if match.group(1) else None
        raw = match.group(2) if match.group(2) is not None else match.group(3)
        if b"&" in raw:
            raise _Decline("namespace URI with a reference")
        uri = raw.decode("utf-8", "replace")
        if prefix is not None and bound.setdefault(prefix, uri) != uri:  # default namespaces never name elements
            raise _Decline(f"prefix {prefix} bound to two namespaces")
        lowered = uri.lower()
        if lowered in _VERSION_NAMESPACES or lowered == _XLINK:
            raise _Decline(f"namespace {uri}")
        # A known namespace under another known namespace's prefix: feedparser would rename that one's elements
        # (its namespacemap). Unknown namespaces under any prefix are safe: see _is_harmless_generic.
        std = _std_prefix(uri)
        if prefix is not None and prefix in _STD_PREFIXES and std is not None and std != prefix:
            raise _Decline(f"prefix {prefix} bound to {uri}")


def _std_prefix(uri: str) -> str | None:
    lowered = uri.lower()
    if "backend.userland.com/rss" in lowered:
        lowered = "http://backend.userland.com/rss"
    prefix = _NS_PREFIX.get(lowered)
    return prefix.lower() if prefix is not None else None


def _base_uri(headers: Mapping[str, str]) -> str:
    """feedparser's base URI: Content-Location, re-joined with itself at every element (a no-op we check)."""
    location = headers.get("content-location", "")
    base = make_safe_absolute_uri("", location) or make_safe_absolute_uri(location) or ""
    settled = (make_safe_absolute_uri(base, base) or base) if base else ""
    if settled and (make_safe_absolute_uri(settled, settled) or settled) != settled:
        raise _Decline("base URI does not settle")
    return settled


# -- element names, as feedparser's strict parser forms them ---------------------------------------------------

_HANDLERS = fpinternals.HANDLED_ELEMENTS
_HANDLER_SUFFIXES = frozenset(
    "_".join(parts[i:]) for parts in (name.split("_") for name in _HANDLERS) for i in range(len(parts))
)
# Keys monitor reads or feedparser keeps structures under: a generic element of that name would overwrite them.
_RESERVED = frozenset(
    ["title", "link", "id", "summary", "content", "language", "links", "tags", "authors", "contributors",
     "guidislink", "source", "image", "textinput", "entries", "feed", "published", "updated"]
    + list(FeedParserDict.keymap)
    + [key for value in FeedParserDict.keymap.values() for key in ([value] if isinstance(value, str) else value)]
)  # fmt: skip


def _name(el: etree._Element) -> str:
    """feedparser's handler name for an element ("title", "dc_date", "content_encoded"); "?local" if unknown."""
    tag = el.tag
    if not isinstance(tag, str):
        raise _Decline("entity reference in the tree")
    if tag[0] != "{":
        return tag.lower()
    namespace, local = tag[1:].split("}", 1)
    prefix = _std_prefix(namespace)
    if prefix is None:
        return "?" + local.lower()
    return f"{prefix}_{local.lower()}" if prefix else local.lower()


def _is_harmless_generic(name: str) -> bool:
    """An element feedparser files under its own name without a handler, colliding with nothing monitor reads."""
    if name.startswith("?"):
        local = name[1:]
        return (
            local not in _HANDLER_SUFFIXES
            and not any(key == local or key.endswith("_" + local) for key in _RESERVED)
            and not local.endswith(("_parsed", "_detail"))
        )
    return name not in _HANDLERS and name not in _RESERVED and not name.endswith(("_parsed", "_detail"))


def _attrs(el: etree._Element) -> dict[str, str]:
    """The attribute dict feedparser's handlers get: keys lower-cased, known namespaces by their prefix."""
    items = el.items()
    if not items:
        return {}
    out = {}
    for key, value in items:
        if key[0] == "{":
            namespace, local = key[1:].split("}", 1)
            prefix = _NS_PREFIX.get(namespace.lower(), "")
            key = f"{prefix}:{local}" if prefix else local
        key = key.lower()
        out[key] = value.lower() if key in ("rel", "type") else value
    if out.get("xml:base", out.get("base")):
        raise _Decline("base attribute")
    return out


def _lang(attrs: Mapping[str, str], inherited: str | None) -> str | None:
    """xml:lang (or lang) as feedparser tracks it: inherited, and "" meaning none."""
    value = attrs.get("xml:lang", attrs.get("lang"))
    if value is None:
        return inherited
    return value or None


def _content_lang(lang: str | None) -> str | None:
    return lang.replace("_", "-") if lang else lang


# -- values ------------------------------------------------------------------------------------------------------

_looks_like_html = fpinternals.looks_like_html
_map_type = fpinternals.map_content_type
# pop()'s last step maps C1 controls (U+0080-U+009F) to the characters cp1252 gives those bytes; the 5 bytes cp1252
# leaves undefined stay as they are. Built from the codec (feedparser's own table is private; a test compares).
_CP1252_TABLE = {
    byte: bytes([byte]).decode("cp1252") for byte in range(0x80, 0xA0) if byte not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
}
_CP1252 = re.compile("[\x80-\x9f]")
_NON_ASCII_RUN = re.compile("[\x80-\xff]+")


def _repair(output: str) -> str:
    """pop()'s last steps: undo UTF-8 read as latin-1, then map C1 controls to their cp1252 characters."""
    if output.isascii():
        return output
    with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
        output = output.encode("iso-8859-1").decode("utf-8")
    return output.translate(_CP1252_TABLE) if _CP1252.search(output) else output


# The shape of HTML the sanitiser passes through token for token: text without "<", tags whose "<" and ">" are
# their own (no angle brackets inside attribute values: sgmllib ends a tag at the first one), entities and
# charrefs written out with their ";", and "&" followed by no name (sgmllib would read "&copy2" as an entity).
_ATTR = r"""(?>\s+[A-Za-z_][-A-Za-z0-9_:.]*(?:\s*=\s*(?:"[^"<>]*"|'[^'<>]*'|[^\s"'<>=`]+))?)"""
_GATE = re.compile(
    "(?:"
    r"[^<&\r]++"
    rf"|(?><[A-Za-z][A-Za-z0-9]*+{_ATTR}*+\s*/?>)"
    r"|(?></[A-Za-z][A-Za-z0-9]*+\s*>)"
    r"|&[A-Za-z][A-Za-z0-9]*+;"
    r"|&#(?:\d++|[xX][0-9a-fA-F]++);"
    r"|&(?![A-Za-z0-9#])"
    ")*+"
)
_TAG_PARTS = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)([^>]*)>")
_ENTITY_NAMES = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")
_ENTITIES = frozenset(html.entities.name2codepoint) | {"apos"}  # what feedparser's HTML writer keeps as is
_C1_CHARREF = re.compile(r"&#(?:(?>0*)(?:12[89]|1[3-5]\d)|[xX](?>0*)[89][0-9a-fA-F]);")  # rewritten to cp1252
# Tags the sanitiser writes back (attributes filtered) with their content; it drops every other tag, and the
# content of script/style/applet, and treats svg/math apart. Not textarea: lxml reads the markup inside it as
# text, so its attributes, which the sanitiser rewrites, would become text.
_KEPT = fpinternals.SANITIZER_KEEPS - {"textarea"}
_VOID = _KEPT & fpinternals.VOID_ELEMENTS
_NON_VOID = _KEPT - _VOID
_TAGS = re.compile(r"<[^>]*>")


@dataclass(slots=True)
class _Markup:
    """An HTML value kept raw: same text as feedparser's sanitised value, length known within bounds."""

    source: str  # the value as pop() had it before resolving URLs and sanitising
    content_type: str
    text: str  # the raw value after pop()'s last repairs: what monitor gets
    low: int  # bounds on len(feedparser's value)
    high: int


Value = str | _Markup


class _Reader:
    """Walks the tree in document order with the state feedparser keeps across elements."""

    def __init__(
        self, base: str, header_lang: str | None, *, atom: bool, text_key: Callable[[str], Hashable] | None
    ) -> None:
        self.base = base
        self.text_key = text_key
        self.header_lang = header_lang or None
        self.atom = atom
        self.title_depth = -1
        self.has_content = False
        self.guid_is_link = False
        self.feed: dict[str, Value] = {}
        if self.header_lang:
            self.feed["language"] = self.header_lang.replace("_", "-")
        self.entries: list[FastEntry] = []

    def result(self, bozo_reason: str | None) -> FastFeed:
        return FastFeed(
            title=_text(self.feed.get("title", "")),
            title_html=bool(self.feed.get("title_html", False)),
            link=_optional_text(self.feed.get("link")),
            language=_optional_text(self.feed.get("language")),
            entries=tuple(self.entries),
            bozo_reason=bozo_reason,
        )

    # -- feed level --------------------------------------------------------------------------------------------

    def rss(self, root: etree._Element) -> None:
        lang = self._root_lang(root)
        channels = list(root)
        if len(channels) != 1 or _name(channels[0]) != "channel":
            raise _Decline("rss without exactly one channel")
        channel = channels[0]
        attrs = _attrs(channel)
        if "href" in attrs or "lastmod" in attrs:
            raise _Decline("channel href/lastmod")
        self.feed_children(channel, 3, _lang(attrs, lang), "item")

    def atom_feed(self, root: etree._Element) -> None:
        self.feed_children(root, 2, self._root_lang(root), "entry")

    def _root_lang(self, root: etree._Element) -> str | None:
        lang = _lang(_attrs(root), self.header_lang)
        if lang:
            self.feed["language"] = lang.replace("_", "-")
        return lang

    def feed_children(self, parent: etree._Element, depth: int, lang: str | None, entry_name: str) -> None:
        for child in parent:
            name = _name(child)
            if name == entry_name:
                self.entry(child, depth, lang)
            elif name in _TITLES:
                self.title(self.feed, None, child, depth, lang)
            elif name == "link":
                self.link(self.feed, child, entry=False)
            elif name in _LANGUAGES:
                self.feed["language"] = self.simple(child, "language")
            elif name in _GUIDS:
                self.guid(self.feed, None, child, depth)
            elif name == "image":
                self.image_or_textinput(child, depth, lang, _IMAGE_CHILDREN)
            elif name == "textinput":
                self.image_or_textinput(child, depth, lang, _TEXTINPUT_CHILDREN)
            elif name in _HARMLESS_FEED or _is_harmless_generic(name):
                _check_inert(child, name)
            else:
                raise _Decline(f"feed-level <{child.tag}>")

    def image_or_textinput(self, el: etree._Element, depth: int, lang: str | None, allowed: frozenset[str]) -> None:
        """Their children go to feed.image / feed.textinput; only the title-depth reset reaches further."""
        self.title_depth = -1
        lang = _lang(_attrs(el), lang)
        scratch: dict[str, Value] = {}
        for child in el:
            name = _name(child)
            if name not in allowed or len(child):
                raise _Decline(f"<{el.tag}> child <{child.tag}>")
            if name == "title":
                self.title(scratch, None, child, depth + 1, lang)

    # -- entries -----------------------------------------------------------------------------------------------

    def entry(self, el: etree._Element, parent_depth: int, parent_lang: str | None) -> None:
        attrs = _attrs(el)
        if {"href", "lastmod", "rdf:about"} & attrs.keys():
            raise _Decline("entry href/lastmod/rdf:about")
        lang = _lang(attrs, parent_lang)
        self.title_depth = -1
        self.guid_is_link = False
        state = _EntryState()
        depth = parent_depth + 1
        for child in el:
            self.entry_child(state, child, _name(child), depth, lang)
        self.has_content = False
        self.entries.append(state.build_with(self))

    def entry_child(self, state: _EntryState, child: etree._Element, name: str, depth: int, lang: str | None) -> None:
        if name in _TITLES:
            self.title(state.fields, state, child, depth, lang)
        elif name == "media_title":
            self.media_title(state, child, depth, lang)
        elif name == "link":
            self.link(state.fields, child, entry=True)
        elif name in _GUIDS:
            self.guid(state.fields, state, child, depth)
        elif name in _DESCRIPTIONS or name in _SUMMARIES:
            self.summary(state, child, depth, lang, description=name in _DESCRIPTIONS)
        elif name == "content":
            self.content(state, child, lang, TEXT)
        elif name in _ENCODED:
            self.content(state, child, lang, HTML)
        elif name in _PUBLISHED:
            state.fields["published_parsed"] = fpinternals.parse_date(_text(self.simple(child, "published")))
        elif name in _UPDATED:
            state.fields["updated_parsed"] = fpinternals.parse_date(_text(self.simple(child, "updated")))
        elif name in _LANGUAGES:
            state.store("language", self.simple(child, "language"), depth)
        elif name == "source":
            if len(child):
                raise _Decline("entry <source> with children")
            self.title_depth = -1
        elif name in _CONTAINERS:
            self.container(state, child, name, depth, lang)
        elif name in _HARMLESS_ENTRY or _is_harmless_generic(name):
            _check_inert(child, name)
        else:
            raise _Decline(f"entry <{child.tag}>")

    def container(self, state: _EntryState, el: etree._Element, name: str, depth: int, lang: str | None) -> None:
        """author, media:group and the like: children are inert, except a media:title inside media elements."""
        allowed = _CONTAINERS[name]
        lang = _lang(_attrs(el), lang) if name.startswith("media_") else lang
        for child in el:
            child_name = _name(child)
            if child_name == "media_title" and "media_title" in allowed:
                self.media_title(state, child, depth + 1, lang)
            elif child_name in _CONTAINERS and child_name in allowed:
                self.container(state, child, child_name, depth + 1, lang)
            elif child_name in allowed or _is_harmless_generic(child_name):
                _check_inert(child, child_name)
            else:
                raise _Decline(f"<{el.tag}> child <{child.tag}>")

    # -- element handlers (ports of feedparser's _start_*/_end_* pairs) ------------------------------------------

    def title(
        self,
        fields: dict[str, Value],
        state: _EntryState | None,
        el: etree._Element,
        depth: int,
        lang: str | None,
    ) -> None:
        """_start_title/_end_title: the first non-empty title at the shallowest depth wins (title_depth)."""
        attrs = _attrs(el)
        lang = _lang(attrs, lang)
        value, content_type = self.typed_value(el, "title", self.content_type(attrs, TEXT))
        html = content_type in (HTML, XHTML)  # title_detail.type: plain text is kept as text (issue 15)
        if not -1 < self.title_depth <= depth:
            if state is not None:
                state.store("title", value, depth)
                state.store("title_html", html, depth)  # type: ignore[arg-type]  # stored with its title
                state.title_lang = _content_lang(lang)
            else:
                fields["title"] = value
                fields["title_html"] = html  # type: ignore[assignment]
        if _non_empty(value):
            self.title_depth = depth

    def media_title(self, state: _EntryState, el: etree._Element, depth: int, lang: str | None) -> None:
        """_end_media_title: a title like any other, except that it leaves title_depth as it found it."""
        saved = self.title_depth
        self.title(state.fields, state, el, depth, lang)
        self.title_depth = saved

    def link(self, fields: dict[str, Value], el: etree._Element, *, entry: bool) -> None:
        """_start_link: an href sets the link when rel is alternate and the type HTML; else the element's text."""
        attrs = _attrs(el)
        attrs.setdefault("rel", "alternate")
        attrs.setdefault("type", "application/atom+xml" if attrs["rel"] == "self" else "text/html")
        href = attrs.get("url", attrs.get("uri", attrs.get("href")))  # _enforce_href
        if href:
            attrs["href"] = href
        if "href" in attrs:
            if len(el):
                raise _Decline("<link href> with children")
            if attrs["rel"] == "alternate" and _map_type(attrs["type"]) in (HTML, XHTML):
                fields["link"] = fpinternals.urljoin(self.base, attrs["href"])
            return
        output = _text(self.simple(el, "link"))
        if entry:
            output = output.replace("&amp;", "&")
        fields["link"] = re.sub("&([A-Za-z0-9_]+);", r"&\g<1>", output)

    def guid(self, fields: dict[str, Value], state: _EntryState | None, el: etree._Element, depth: int) -> None:
        """_start_guid/_end_guid: isPermaLink (default true) resolves the id and makes it the default link."""
        self.guid_is_link = _attrs(el).get("ispermalink", "true") == "true"
        value = self.simple(el, "id")
        if state is not None:
            state.store("id", value, depth)
        else:
            fields["id"] = value
        if self.guid_is_link:
            fields.setdefault("link", value)

    def summary(
        self, state: _EntryState, el: etree._Element, depth: int, lang: str | None, *, description: bool
    ) -> None:
        """_start_description/_start_summary: a second one before any content becomes content (as text/plain)."""
        if "summary" in state.fields and not self.has_content:
            self.content(state, el, lang, TEXT)
            return
        attrs = _attrs(el)
        lang = _lang(attrs, lang)
        value = self.text_value(el, "description" if description else "summary",
                                self.content_type(attrs, HTML if description else TEXT))  # fmt: skip
        state.store("summary", value, depth)
        state.summary_lang = _content_lang(lang)

    def content(self, state: _EntryState, el: etree._Element, lang: str | None, default_type: str) -> None:
        """_start_content / _start_content_encoded and _end_content (which copies text/HTML to the summary)."""
        self.has_content = True
        attrs = _attrs(el)
        lang = _lang(attrs, lang)
        content_type = self.content_type(attrs, default_type)
        value = self.text_value(el, "content", content_type)
        state.contents.append((value, _content_lang(lang)))
        state.fields.setdefault("summary", value)  # copyToSummary: every type content_type() lets through

    def content_type(self, attrs: Mapping[str, str], default: str) -> str:
        """push_content's type; the ones feedparser would base64-decode, or modes, are declined."""
        if "mode" in attrs:
            raise _Decline("content mode attribute")
        content_type: str = _map_type(attrs.get("type", default))
        if content_type not in (TEXT, HTML, XHTML):
            raise _Decline(f"content type {content_type}")
        return content_type

    def simple(self, el: etree._Element, element: str) -> Value:
        """A text element outside any content (link, id, dates, language): pop() without markup handling."""
        return self.text_value(el, element, None)

    def text_value(self, el: etree._Element, element: str, content_type: str | None) -> Value:
        """pop(): strip, resolve link/id, guess HTML in RSS text, resolve and sanitise markup, repair."""
        return self.typed_value(el, element, content_type)[0]

    def typed_value(self, el: etree._Element, element: str, content_type: str | None) -> tuple[Value, str | None]:
        """``text_value`` and the type feedparser ends with (its ``*_detail.type``: RSS text may turn HTML)."""
        if content_type == XHTML:
            if not self.atom:
                raise _Decline("xhtml content outside Atom")
            output = _xhtml_value(el)
        else:
            if len(el):
                raise _Decline(f"markup inside <{el.tag}>")
            output = (el.text or "").strip()
        if element in ("link", "id") and output and (element == "link" or self.guid_is_link):
            output = fpinternals.urljoin(self.base, output)
        if not self.atom and content_type == TEXT and _looks_like_html(output):
            content_type = HTML
        if element in _MARKUP_ELEMENTS and (content_type or HTML) in (HTML, XHTML):
            return self.markup(output, content_type or HTML), content_type or HTML
        return _repair(output), content_type

    def markup(self, output: str, content_type: str) -> Value:
        kept = _gate(output, len(self.base))
        if kept is None:
            return self.sanitised(output, content_type)
        text, low, high = kept
        return _Markup(output, content_type, text, low, high)

    def sanitised(self, output: str, content_type: str) -> str:
        """Exactly what feedparser's pop() makes of an HTML value."""
        output = resolve_relative_uris(output, self.base, "utf-8", content_type)
        return _repair(fpinternals.sanitize_html(output, "utf-8", content_type))

    def exact(self, value: Value) -> str:
        return self.sanitised(value.source, value.content_type) if isinstance(value, _Markup) else value

    def fullest(self, candidates: list[Value]) -> str:
        """The text of max(candidates, key=len) over feedparser's values, sanitising only when it must.

        Bounds rule out every candidate that cannot be the longest; if several remain and the caller's
        ``text_key`` (what monitor derives from content: its text and teaser verdict) is the same for all of
        them, which one feedparser picks does not matter. Otherwise they are sanitised and measured.
        """
        if not any(isinstance(value, _Markup) for value in candidates):
            return max(candidates, key=len)  # type: ignore[arg-type,return-value]
        floor = max(_low(value) for value in candidates)
        contenders = [value for value in candidates if _high(value) >= floor]
        texts = list(dict.fromkeys(_text(value) for value in contenders))
        if len(texts) == 1 or (self.text_key is not None and len({self.text_key(text) for text in texts}) == 1):
            return texts[0]
        return max((self.exact(value) for value in candidates), key=len)


_TITLES = frozenset(["title", "dc_title"])
_LANGUAGES = frozenset(["language", "dc_language"])
_GUIDS = frozenset(["guid", "id"])
_DESCRIPTIONS = frozenset(["description", "dc_description", "media_description"])
_SUMMARIES = frozenset(["summary", "itunes_summary"])
_ENCODED = frozenset(["content_encoded", "fullitem"])
_PUBLISHED = frozenset(["published", "issued", "pubdate", "dcterms_issued"])
_UPDATED = frozenset(["updated", "modified", "lastbuilddate", "dc_date", "dcterms_modified"])
_IMAGE_CHILDREN = frozenset(["title", "link", "url", "width", "height", "description"])
_TEXTINPUT_CHILDREN = frozenset(["title", "link", "description", "name"])
# Handlers that only file things monitor does not read (authors, tags, enclosures, media, rights...), and change
# none of the state the handlers above share (title_depth, hasContent, guidislink, the language, the base URI).
_HARMLESS_COMMON = frozenset(
    ["author", "managingeditor", "dc_author", "dc_creator", "itunes_author", "dc_contributor", "webmaster",
     "dc_publisher", "category", "keywords", "dc_subject", "media_category", "media_keywords", "itunes_keywords",
     "itunes_category", "tags", "created", "dcterms_created", "expirationdate", "dcterms_valid", "rights",
     "copyright", "dc_rights", "subtitle", "tagline", "itunes_subtitle", "info", "feedburner_browserfriendly",
     "media_thumbnail", "media_credit", "media_rating", "media_restriction", "media_license", "itunes_image",
     "itunes_link", "itunes_block", "itunes_explicit", "generator", "cloud", "cc_license", "creativecommons_license",
     "name", "email", "url", "uri", "homepage", "width", "height"]
)  # fmt: skip
_HARMLESS_ENTRY = _HARMLESS_COMMON | {"enclosure", "media_content", "media_player"}
# Feed level: no summary/content producer is let through, so <description> is never turned into content there.
_HARMLESS_FEED = _HARMLESS_COMMON | _PUBLISHED | _UPDATED | {
    "description", "dc_description", "contributor", "itunes_owner", "admin_generatoragent", "admin_errorreportsto",
    "newlocation", "skiphours", "skipdays",
}  # fmt: skip
_AUTHOR_CHILDREN = frozenset(["name", "email", "uri", "url", "homepage"])
_MEDIA_CHILDREN = frozenset(
    ["media_title", "media_thumbnail", "media_credit", "media_category", "media_keywords", "media_rating",
     "media_restriction", "media_license", "media_player"]
)  # fmt: skip
_CONTAINERS: dict[str, frozenset[str]] = {
    "author": _AUTHOR_CHILDREN,
    "contributor": _AUTHOR_CHILDREN,
    "media_content": _MEDIA_CHILDREN,
    "media_group": _MEDIA_CHILDREN | {"media_content"},
}
_INERT_CHILDREN: dict[str, frozenset[str]] = {
    "author": _AUTHOR_CHILDREN,
    "contributor": _AUTHOR_CHILDREN,
    "itunes_owner": frozenset(["itunes_name", "itunes_email"]),
    "itunes_category": frozenset(["itunes_category"]),
    "skiphours": frozenset(["hour"]),
    "skipdays": frozenset(["day"]),
}


def _check_inert(el: etree._Element, name: str) -> None:
    """A harmless element must be a leaf, or a known container of harmless leaves."""
    if not len(el):
        return
    allowed = _INERT_CHILDREN.get(name)
    if allowed is None:
        raise _Decline(f"<{el.tag}> with children")
    for child in el:
        child_name = _name(child)
        if child_name not in allowed and not _is_harmless_generic(child_name):
            raise _Decline(f"<{el.tag}> child <{child.tag}>")
        _check_inert(child, child_name)


class _EntryState:
    """One entry's fields with feedparser's rule that a deeper element never overwrites a shallower one."""

    __slots__ = ("fields", "depths", "contents", "title_lang", "summary_lang")

    def __init__(self) -> None:
        self.fields: dict[str, Any] = {}
        self.depths: dict[str, int] = {}
        self.contents: list[tuple[Value, str | None]] = []
        self.title_lang: str | None = None
        self.summary_lang: str | None = None

    def store(self, key: str, value: Value, depth: int) -> None:
        old = self.depths.get(key)
        if old is None or depth <= old:
            self.depths[key] = depth
            self.fields[key] = value

    def build_with(self, reader: _Reader) -> FastEntry:
        fields = self.fields
        candidates = [value for value, _ in self.contents] + [fields.get("summary", "")]
        languages = [fields.get("language"), self.contents[0][1] if self.contents else None, self.summary_lang,
                     self.title_lang]  # fmt: skip
        language = next((lang for lang in languages if isinstance(lang, str) and lang.strip()), None)
        return FastEntry(
            link=_optional_text(fields.get("link")),
            guid=_optional_text(fields.get("id")),
            title=_text(fields.get("title", "")),
            title_html=bool(fields.get("title_html", False)),
            stamp=fields.get("published_parsed") or fields.get("updated_parsed"),
            content_html=reader.fullest(candidates),
            language=language,
        )


# -- helpers on values ---------------------------------------------------------------------------------------------


def _text(value: Value) -> str:
    return value.text if isinstance(value, _Markup) else value


def _optional_text(value: Value | None) -> str | None:
    return None if value is None else _text(value)


def _non_empty(value: Value) -> bool:
    """Whether feedparser's value is non-empty: sanitising keeps every tag and text a kept value has."""
    return bool(value.text if isinstance(value, _Markup) else value)


def _high(value: Value) -> int:
    return value.high if isinstance(value, _Markup) else len(value)


def _low(value: Value) -> int:
    return value.low if isinstance(value, _Markup) else len(value)


def _gate(value: str, base_length: int) -> tuple[str, int, int] | None:
    """The raw value, if resolving URLs and sanitising would leave its text as it is; with length bounds.

    Returns (text for monitor, lower bound, upper bound on the length of feedparser's value), or None.
    Sanitised text keeps every character of the raw text except ``&#39;``/``&#34;`` (which the sanitiser's
    feed() turns into one character each); tags come back re-serialised: at most six times as long (``&`` ->
    ``&amp;``, valueless attributes), plus a base URL per tag for resolved links.
    """
    if _GATE.fullmatch(value) is None:
        return None
    ascii = value.isascii()
    if not ascii and not _repair_spares_text(value):
        return None
    refs = 0
    if "&" in value:
        if _C1_CHARREF.search(value) or not _ENTITIES.issuperset(_ENTITY_NAMES.findall(value)):
            return None
        refs = value.count("&#39;") + value.count("&#34;")
    for slash, name, self_closed in {(s, n.lower(), r[-1:] == "/") for s, n, r in _TAG_PARTS.findall(value)}:
        if name not in (_NON_VOID if slash else _KEPT) or (self_closed and name not in _VOID):
            return None  # dropped by the sanitiser (</br> too, which lxml reads as <br>), or <p/> (written <p></p>)
    tags = _TAGS.findall(value)
    tags_length = sum(map(len, tags))
    text_length = len(value) - tags_length
    low = text_length - 4 * refs
    high = text_length + 6 * tags_length + len(tags) * (6 * base_length + 32)
    text = value.translate(_CP1252_TABLE) if not ascii and _CP1252.search(value) else value
    return text, low, high


def _repair_spares_text(value: str) -> bool:
    """True when pop()'s latin-1/UTF-8 repair cannot change the text, whatever the sanitiser does to tags.

    The repair applies to a whole value or not at all: it fails on both the raw and the sanitised value when
    their common text has a character above U+00FF or a run of latin-1 letters that is not UTF-8 (runs of
    non-ASCII never span a tag, whose delimiters are ASCII). ASCII text it leaves alone either way.
    """
    if value.isascii():
        return True
    text = _TAGS.sub("<", value)
    if text.isascii():
        return True
    try:
        text.encode("iso-8859-1")
    except UnicodeEncodeError:
        return True
    return not all(_is_utf8(run) for run in _NON_ASCII_RUN.findall(text))


def _is_utf8(run: str) -> bool:
    try:
        run.encode("iso-8859-1").decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _xhtml_value(el: etree._Element) -> str:
    """What feedparser's pop() collects for Atom type="xhtml": the markup re-serialised, the wrapping div cut.

    Text is XML-escaped, every element written as ``<tag attr="value">`` and closed with ``</tag>`` (void ones
    too), names lower-cased and without prefix; then, as pop() does for atom10, leading/trailing whitespace
    pieces are dropped and one enclosing <div> around everything removed.
    """
    pieces: list[str] = []
    _xhtml_inside(el, pieces)
    while len(pieces) > 1 and not pieces[-1].strip():
        del pieces[-1]
    while len(pieces) > 1 and not pieces[0].strip():
        del pieces[0]
    if pieces and (pieces[0] == "<div>" or pieces[0].startswith("<div ")) and pieces[-1] == "</div>":
        depth = 0
        for piece in pieces[:-1]:
            if piece.startswith("</"):
                depth -= 1
                if depth == 0:
                    break
            elif piece.startswith("<") and not piece.endswith("/>"):
                depth += 1
        else:
            pieces = pieces[1:-1]
    return "".join(pieces).strip()


def _xhtml_element(el: etree._Element, pieces: list[str]) -> None:
    tag = el.tag
    if not isinstance(tag, str) or not tag.startswith(f"{{{XHTML_NS}}}"):
        raise _Decline(f"non-XHTML element {tag!r} in xhtml content")
    local = tag.split("}", 1)[1].lower()
    if local in ("body", "svg", "math"):
        raise _Decline(f"<{local}> in xhtml content")  # _end_xhtml_body ends the content; svg/math get xmlns
    attrs = "".join(f' {key}="{_escape(value, _QUOTE)}"' for key, value in _attrs(el).items())
    pieces.append(f"<{local}{attrs}>")
    _xhtml_inside(el, pieces)
    pieces.append(f"</{local}>")


def _xhtml_inside(el: etree._Element, pieces: list[str]) -> None:
    if el.text:
        pieces.append(_escape(el.text))
    for child in el:
        _xhtml_element(child, pieces)
        if child.tail:
            pieces.append(_escape(child.tail))


_QUOTE = {'"': "&quot;"}


def _escape(text: str, extra: Mapping[str, str] | None = None) -> str:
    """xml.sax.saxutils.escape, which feedparser uses for xhtml text and attribute values."""
    text = text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
    for char, entity in (extra or {}).items():
        text = text.replace(char, entity)
    return text
