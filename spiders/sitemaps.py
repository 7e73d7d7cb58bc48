"""Sitemap parsing (sitemaps.org 0.9 and Google News sitemaps), pure: bytes in, entries out.

Scrapy's own ``scrapy.utils.sitemap.Sitemap`` keeps only the direct children of ``<url>`` as text, so a Google
News entry's ``<news:news><news:publication_date>`` (a grandchild) is lost; that date is the one a news
sitemap is about, hence this small parser. lxml parses with entity resolution and network access off.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from lxml import etree

SitemapKind = Literal["index", "urlset"]

_PARSER = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, remove_comments=True, remove_pis=True)


@dataclass(frozen=True, slots=True)
class SitemapEntry:
    loc: str
    modified: datetime | None  # news publication_date when present, else lastmod; always timezone-aware
    title: str | None = None  # news:title


@dataclass(frozen=True, slots=True)
class Sitemap:
    kind: SitemapKind
    entries: tuple[SitemapEntry, ...]


def parse_sitemap(body: bytes) -> Sitemap | None:
    """The sitemap in ``body``, or None when it is not a sitemap index or urlset."""
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError:
        return None
    if root is None:
        return None
    kind = {"sitemapindex": "index", "urlset": "urlset"}.get(_local(root.tag))
    if kind is None:
        return None
    child = "sitemap" if kind == "index" else "url"
    entries = (_entry(node) for node in root if _local(node.tag) == child)
    return Sitemap(kind, tuple(entry for entry in entries if entry is not None))  # type: ignore[arg-type]


def parse_w3c_datetime(text: str | None) -> datetime | None:
    """A W3C datetime (the ISO 8601 profile sitemaps use), as an aware datetime; naive values are UTC."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _entry(node: etree._Element) -> SitemapEntry | None:
    # loc from a direct child only: image and video extensions nest their own <image:loc> inside <url>.
    loc = next(((el.text or "").strip() for el in node if _local(el.tag) == "loc"), "")
    fields: dict[str, str] = {}
    for el in node.iter():
        fields.setdefault(_local(el.tag), (el.text or "").strip())
    if not loc:
        return None
    published = parse_w3c_datetime(fields.get("publication_date"))
    modified = published or parse_w3c_datetime(fields.get("lastmod"))
    return SitemapEntry(loc=loc, modified=modified, title=fields.get("title") or None)


def _local(tag: object) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""
