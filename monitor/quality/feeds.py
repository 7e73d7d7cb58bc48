"""The labelled articles as their outlets would publish them: one feed per outlet and one page per article.

Outlets take turns between RSS 2.0 and Atom 1.0, in the order of their first article. An entry carries the
article's full text as HTML (``content:encoded`` / Atom ``content``), a short plain summary, the labelled title
when there is one, a link to the article's page, a GUID, and a publication date only when the label gives a
day: an article labelled ``2022-06`` or with no date is served undated, as a page without a date is. Feeds list
their newest entries first. Every text is escaped for XML, and characters XML 1.0 forbids are dropped.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from html import escape as html_escape
from typing import Literal
from urllib.parse import quote
from xml.sax.saxutils import escape, quoteattr

from monitor.quality.data import Labelled, publication_order

FeedKind = Literal["rss", "atom"]
RSS_TYPE = "application/rss+xml; charset=utf-8"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"
SUMMARY_CHARS = 280
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True, slots=True)
class Outlet:
    slug: str  # unique; the source's name in the replay's config and its path on the server
    name: str
    kind: FeedKind
    language: str | None

    @property
    def feed_path(self) -> str:
        return f"/{self.slug}/{'feed.xml' if self.kind == 'rss' else 'atom.xml'}"

    @property
    def content_type(self) -> str:
        return RSS_TYPE if self.kind == "rss" else ATOM_TYPE

    def page_path(self, item: Labelled) -> str:
        return f"/{self.slug}/{quote(item.id, safe='')}"


def plan_outlets(articles: Sequence[Labelled]) -> dict[str, Outlet]:
    """Each article's outlet, by article id. Outlets are numbered and alternate RSS / Atom in the order of their
    first published article, so a replay's sources come in the order news reached them."""
    by_name: dict[str, list[Labelled]] = {}
    for item in publication_order(articles):
        by_name.setdefault(item.doc.outlet or "unnamed outlet", []).append(item)
    outlets: dict[str, Outlet] = {}
    for number, (name, items) in enumerate(by_name.items()):
        languages = Counter(i.doc.language for i in items if i.doc.language)
        outlet = Outlet(
            slug=f"o{number:03d}-{_SLUG.sub('-', name.lower()).strip('-')[:40]}".rstrip("-"),
            name=name,
            kind="rss" if number % 2 == 0 else "atom",
            language=languages.most_common(1)[0][0] if languages else None,
        )
        for item in items:
            outlets[item.id] = outlet
    return outlets


def guid(item: Labelled) -> str:
    """A permanent, non-URL identifier (Atom needs an IRI; RFC 4151 tag URIs are made for this)."""
    return f"tag:quality.invalid,2026:{quote(item.id, safe='')}"


def feed(outlet: Outlet, items: Iterable[Labelled], base: str) -> bytes:
    """The outlet's feed holding ``items``, newest first (undated entries after dated ones)."""
    newest_first = list(reversed(publication_order(list(items))))
    newest_first.sort(key=lambda i: not i.date_key)  # stable: undated ones stay in reverse order after the dated
    render = _rss if outlet.kind == "rss" else _atom
    return render(outlet, newest_first, base).encode("utf-8")


def page(outlet: Outlet, item: Labelled, base: str) -> bytes:
    """The article's page: title, text, canonical link and, when the label has a day, the publication time."""
    title = html_escape(clean(item.doc.title))
    lang = f' lang="{html_escape(item.doc.language)}"' if item.doc.language else ""
    published = item.doc.published
    meta = f'<meta property="article:published_time" content="{published.isoformat()}">' if published else ""
    return (
        f'<!DOCTYPE html>\n<html{lang}><head><meta charset="utf-8"><title>{title}</title>'
        f'<link rel="canonical" href="{html_escape(base + outlet.page_path(item))}">{meta}</head>\n'
        f"<body><header><p>{html_escape(clean(outlet.name))}</p></header>\n<article><h1>{title}</h1>\n"
        f"{_paragraphs(item.doc.text)}\n</article></body></html>\n"
    ).encode()


def clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def _paragraphs(text: str) -> str:
    return "\n".join(f"<p>{html_escape(line.strip())}</p>" for line in clean(text).splitlines() if line.strip())


def _summary(text: str) -> str:
    flat = " ".join(clean(text).split())
    return flat if len(flat) <= SUMMARY_CHARS else flat[: SUMMARY_CHARS - 1].rstrip() + "…"


def _rss(outlet: Outlet, items: Sequence[Labelled], base: str) -> str:
    language = f"<language>{escape(outlet.language)}</language>" if outlet.language else ""
    entries = "".join(_rss_item(outlet, item, base) for item in items)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        f"<title>{escape(clean(outlet.name))}</title><link>{escape(base)}/{outlet.slug}/</link>"
        f"<description>{escape(clean(outlet.name))}</description>{language}\n{entries}</channel></rss>\n"
    )


def _rss_item(outlet: Outlet, item: Labelled, base: str) -> str:
    title = f"<title>{escape(clean(item.doc.title))}</title>" if item.doc.title else ""
    date = f"<pubDate>{format_datetime(item.doc.published)}</pubDate>" if item.doc.published else ""
    return (
        f"<item>{title}<link>{escape(base + outlet.page_path(item))}</link>"
        f'<guid isPermaLink="false">{escape(guid(item))}</guid>{date}'
        f"<description>{escape(_summary(item.doc.text))}</description>"
        f"<content:encoded>{escape(_paragraphs(item.doc.text))}</content:encoded></item>\n"
    )


def _atom(outlet: Outlet, items: Sequence[Labelled], base: str) -> str:
    dates = [i.doc.published for i in items if i.doc.published]
    updated = _atom_time(max(dates)) if dates else "2000-01-01T00:00:00Z"
    lang = f" xml:lang={quoteattr(outlet.language)}" if outlet.language else ""
    entries = "".join(_atom_entry(outlet, item, base) for item in items)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<feed xmlns="http://www.w3.org/2005/Atom"{lang}><title>{escape(clean(outlet.name))}</title>'
        f"<id>tag:quality.invalid,2026:{outlet.slug}</id><updated>{updated}</updated>"
        f'<link rel="alternate" href={quoteattr(f"{base}/{outlet.slug}/")}/>\n{entries}</feed>\n'
    )


def _atom_entry(outlet: Outlet, item: Labelled, base: str) -> str:
    published = item.doc.published
    dates = f"<published>{_atom_time(published)}</published><updated>{_atom_time(published)}</updated>" \
        if published else ""
    lang = f" xml:lang={quoteattr(item.doc.language)}" if item.doc.language else ""
    return (
        f"<entry{lang}><title type=\"text\">{escape(clean(item.doc.title))}</title>"
        f"<id>{escape(guid(item))}</id><link rel=\"alternate\" href={quoteattr(base + outlet.page_path(item))}/>"
        f"{dates}<summary type=\"text\">{escape(_summary(item.doc.text))}</summary>"
        f"<content type=\"html\">{escape(_paragraphs(item.doc.text))}</content></entry>\n"
    )


def _atom_time(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")
