"""Article extraction: main text and metadata from an HTML page, a plain-text page dump or a feed fragment.

The three entry points the rest of monitor (and ``spiders``) call, and what they own:

- ``extract_html(html, url) -> Extracted``: an article page. The main text comes from trafilatura (comments off,
  precision favoured, so sidebars, "related" boxes, comment threads, navigation and cookie banners stay out);
  the metadata comes from the page's own declarations first (``monitor.ingest.pagemeta``: Open Graph, JSON-LD,
  ``<link rel=canonical>``, ``<html lang>``), because a publisher's declaration beats a guess, and from
  trafilatura/htmldate second. Raises ``ParseError`` (with the URL) when the page has no main text. The page's
  bytes are decoded here (``decode_html``: BOM, ``<meta>`` charset, UTF-8, cp1252).
- ``extract_plaintext(text) -> Extracted``: a plain-text page dump (the seeds); no markup at all, so its
  headline and date are found by heuristics a person would accept (``monitor.ingest.plaintext``).
- ``html_to_text(fragment) -> str``: a feed entry's content HTML as plain text, one paragraph per line.

Pure: strings and bytes in, values out; trafilatura is imported on the first page only (~0.3 s).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import lxml.etree
import lxml.html

from monitor.errors import ParseError
from monitor.ingest.pagemeta import (
    PageMeta,
    drop_leading_title,
    guess_language,
    normalise_language,
    parse_datetime,
    strip_site_suffix,
)
from monitor.ingest.plaintext import analyse_plaintext
from monitor.ingest.urls import clean_url

# Below this many letters and digits what trafilatura found is a menu or an error notice ("Home",
# "Page not found"), not an article; the shortest real news briefs run to a few hundred.
MIN_TEXT_CHARS = 25


@dataclass(frozen=True, slots=True)
class Extracted:
    title: str
    text: str  # plain, one paragraph per line
    published: datetime | None  # tz-aware UTC
    # the page's own canonical URL, absolute, cleaned (monitor.ingest.urls.clean_url): a link,
    canonical_url: str | None
    # and what the article's key is derived from (monitor.ingest.urls.canonical_url)
    language: str | None  # primary subtag, lower case: "en", "de", "zh"
    outlet: str | None  # the site's own name ("The Verge"), when it declares one


def extract_html(html: str | bytes, url: str) -> Extracted:
    """Extract the article in ``html`` (fetched from ``url``); raise ``ParseError`` when it has no main text."""
    text_html = decode_html(html) if isinstance(html, bytes) else html
    tree = _parse_document(text_html, url)
    meta = PageMeta(tree, url)
    # metadata first: trafilatura prunes the tree it is given
    title, published, canonical, language, outlet = (
        meta.title(), meta.published(), meta.canonical(), meta.language(), meta.outlet()
    )  # fmt: skip
    document = _trafilatura(tree, url)
    text = (document.text or "").strip() if document is not None else ""
    if sum(c.isalnum() for c in text) < MIN_TEXT_CHARS:
        raise ParseError("no main text found", url=url)
    title = title or strip_site_suffix(document.title or "", outlet, url)
    return Extracted(
        title=title,
        text=drop_leading_title(text, title),
        published=published or parse_datetime(document.date),
        canonical_url=canonical,
        language=language or normalise_language(document.language) or guess_language(text),
        outlet=outlet or (document.sitename or None),
    )


def extract_plaintext(text: str, *, name: str = "") -> Extracted:
    """Headline, date and clean text of a plain-text page dump; ``name`` is the title when none is found."""
    page = analyse_plaintext(text)
    return Extracted(
        title=page.headline or name,
        text=page.text,
        published=page.published,
        canonical_url=clean_url(page.url) if page.url else None,
        language=guess_language(page.text),
        outlet=None,
    )


# ------------------------------------------------------------------------------------------ feed fragments

_BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tr",
        "ul",
    ]
)
_BREAK = "\u2029"  # a marker no feed text uses; source newlines are only whitespace in HTML
_DROPPED_TAGS = ("script", "style", "noscript", "template", "iframe", "object", "svg", "form", "button")


def html_to_text(fragment: str) -> str:
    """Feed content HTML as plain text, one paragraph per line; text without tags passes through."""
    if not fragment or not fragment.strip():
        return ""
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return " ".join(fragment.split())
    for element in list(root.iter(*_DROPPED_TAGS)):
        element.drop_tree()
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.lower() in _BLOCK_TAGS:
            element.tail = _BREAK + (element.tail or "")
            element.text = _BREAK + (element.text or "")
    lines = (" ".join(line.split()) for line in root.text_content().split(_BREAK))
    return "\n".join(line for line in lines if line)


# ---------------------------------------------------------------------------------------------- decoding

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
# WHATWG Encoding: gb2312/gbk labels decode as GBK, of which gb18030 is a superset; latin-1 labels as cp1252.
_ENCODING_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "iso-8859-1": "cp1252",
                     "latin1": "cp1252", "latin-1": "cp1252", "us-ascii": "cp1252", "ascii": "cp1252"}  # fmt: skip
_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))


def decode_html(body: bytes) -> str:
    """Decode a page: BOM, then the ``<meta>`` charset in the first 4 KiB, then UTF-8, then cp1252."""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(encoding, errors="replace")
    declared = _META_CHARSET.search(body[:4096])
    if declared:
        label = declared.group(1).decode("ascii").lower()
        try:
            return body.decode(_ENCODING_ALIASES.get(label, label), errors="replace")
        except LookupError:  # an unknown label: fall through to sniffing
            pass
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("cp1252", errors="replace")


def _parse_document(html: str, url: str) -> lxml.html.HtmlElement:
    # Parsing encoded bytes with an explicit encoding accepts pages that carry an XML declaration, which
    # lxml refuses in a str.
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True)
    try:
        tree = lxml.html.document_fromstring(html.encode("utf-8", errors="replace"), parser=parser)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise ParseError(f"not an HTML page ({exc})", url=url) from exc
    if tree is None:
        raise ParseError("empty page", url=url)
    return tree


def _trafilatura(tree: lxml.html.HtmlElement, url: str) -> Any:
    import trafilatura  # imported here: ~0.3 s, and only extraction needs it

    try:
        return trafilatura.bare_extraction(
            tree, url=url, include_comments=False, favor_precision=True, include_tables=False,
            with_metadata=True, deduplicate=False, date_extraction_params=_date_params(),
        )  # fmt: skip
    except (ValueError, TypeError, lxml.etree.LxmlError) as exc:  # malformed trees deep inside lxml
        raise ParseError(f"extraction failed ({exc})", url=url) from exc


def _date_params() -> dict[str, Any]:
    """How htmldate (through trafilatura) looks for a page's date when the page declares none we read.

    ``extensive_search`` off: the page's markup (meta tags, JSON-LD, ``<time>``/``<abbr>``, date classes) and its
    URL only. The extensive search also guesses from free text, and then a footer's "© 2019" became an article's
    date (measured: tests/test_extract.py); it is also the slow part. ``original_date``: publication, not update.
    """
    return {
        "extensive_search": False,
        "original_date": True,
        "outputformat": "%Y-%m-%dT%H:%M:%S%z",
        "max_date": datetime.now(UTC).strftime("%Y-%m-%d"),
    }
