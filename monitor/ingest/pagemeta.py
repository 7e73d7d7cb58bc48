"""A page's metadata: what the page declares about itself, and the date and language rules shared by extraction.

Owns ``PageMeta`` (title, outlet, publication date, canonical link and language read from Open Graph, JSON-LD,
``<link rel=canonical>``, ``<html lang>`` and the like, first declaration wins), the headline clean-ups
(``strip_site_suffix``: "Headline | Site" → "Headline"; ``drop_leading_title``), ``parse_datetime`` (ISO 8601 to
aware UTC, or None), ``normalise_language`` (a tag's primary subtag) and ``guess_language`` (script and function
words, for pages that declare nothing).

Pure: a parsed lxml tree or strings in, values out; never raises for what a page declares badly (a broken
JSON-LD block or an unreadable date is skipped). Used by ``monitor.ingest.extract`` (HTML pages) and
``monitor.ingest.plaintext`` (page dumps); imports only ``monitor.ingest.urls`` from monitor.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html

from monitor.ingest.urls import canonical_url as _canonical
from monitor.ingest.urls import clean_url, host_of

# --------------------------------------------------------------------------------------------- metadata


class PageMeta:
    """The page's own declarations, read once from the parsed tree."""

    def __init__(self, tree: lxml.html.HtmlElement, url: str) -> None:
        self.tree = tree
        self.url = url
        self.metas: dict[str, str] = {}
        for element in tree.iter("meta"):
            key = (element.get("property") or element.get("name") or element.get("itemprop") or "").lower()
            content = (element.get("content") or "").strip()
            if key and content and key not in self.metas:
                self.metas[key] = content
        self.ld = list(_json_ld_objects(tree))

    def _first(self, *keys: str) -> str | None:
        return next((self.metas[k] for k in keys if k in self.metas), None)

    def outlet(self) -> str | None:
        declared = self._first("og:site_name", "application-name", "twitter:site:name")
        if declared:
            return declared
        publisher = next((o.get("publisher") for o in self.ld if isinstance(o.get("publisher"), dict)), None)
        name = publisher.get("name") if publisher else None
        return name.strip() if isinstance(name, str) and name.strip() else None

    def title(self) -> str:
        h1 = next((" ".join(e.text_content().split()) for e in self.tree.iter("h1")), "")
        title_tag = next((" ".join((e.text or "").split()) for e in self.tree.iter("title")), "")
        for candidate in (self._first("og:title", "twitter:title"), _ld_value(self.ld, "headline"), h1, title_tag):
            cleaned = strip_site_suffix(candidate or "", self.outlet(), self.url)
            if cleaned:
                return cleaned
        return ""

    def published(self) -> datetime | None:
        candidates = [
            self._first("article:published_time", "datepublished", "og:published_time", "pubdate",
                        "publishdate", "publish-date", "date", "dc.date", "dc.date.issued", "sailthru.date",
                        "parsely-pub-date"),
            _ld_value(self.ld, "datePublished"),
            *(e.get("content") or e.get("datetime") for e in self.tree.xpath('//*[@itemprop="datePublished"]')),
            *(e.get("datetime") for e in self.tree.iter("time")),
        ]  # fmt: skip
        return next((d for d in map(parse_datetime, candidates) if d is not None), None)

    def canonical(self) -> str | None:
        links = (e.get("href") for e in self.tree.iter("link") if "canonical" in (e.get("rel") or "").lower())
        href = next((h.strip() for h in links if h and h.strip()), None) or self._first("og:url")
        if not href:
            return None
        absolute = urljoin(self.url, href)
        if not absolute.startswith(("http://", "https://")):
            return None
        declared = clean_url(absolute)  # a link still: the pipeline derives the key from it (monitor.ingest.urls)
        # A CMS that declares its homepage as every page's canonical would make all its articles one key:
        # a canonical that is a site's root names no article unless the page itself is that root.
        if urlsplit(_canonical(declared)).path == "/" and urlsplit(_canonical(self.url)).path != "/":
            return None
        return declared

    def language(self) -> str | None:
        root = self.tree.getroottree().getroot()
        declared = root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang")
        http_equiv = next(
            (e.get("content") for e in self.tree.iter("meta")
             if (e.get("http-equiv") or "").lower() == "content-language"), None
        )  # fmt: skip
        return normalise_language(declared or http_equiv or self._first("og:locale"))


def _json_ld_objects(tree: lxml.html.HtmlElement) -> Iterator[dict[str, Any]]:
    """Every JSON-LD object on the page, ``@graph`` and lists flattened; broken blocks skipped."""
    for script in tree.iter("script"):
        if (script.get("type") or "").lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text)
        except ValueError:  # publishers ship broken JSON-LD often enough; the other sources remain
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(reversed(item))
            elif isinstance(item, dict):
                yield item
                if isinstance(item.get("@graph"), list):
                    stack.extend(reversed(item["@graph"]))


def _ld_value(objects: list[dict[str, Any]], key: str) -> str | None:
    return next((o[key].strip() for o in objects if isinstance(o.get(key), str) and o[key].strip()), None)


_SUFFIX = re.compile(r"^(?P<head>.+?)\s+(?P<sep>[|\-–—·:»_]|::)\s+(?P<tail>[^|\-–—·»_]+)$")


def strip_site_suffix(title: str, outlet: str | None, url: str) -> str:
    """'Headline | Site' → 'Headline'. A tail is cut when it names the site, or after '|' when it is short.

    A plain ' - ' or ' – ' tail is only cut when it is the site's name: headlines use dashes themselves
    ("Xiaomi 14 Series with Leica – What to Expect").
    """
    title = " ".join(title.split())
    match = _SUFFIX.match(title)
    if not match:
        return title
    head, sep, tail = match.group("head"), match.group("sep"), match.group("tail")
    if _names_site(tail, outlet, url) or (sep in "|·»_" and len(tail.split()) <= 4):
        return strip_site_suffix(head, outlet, url)
    return title


def _names_site(tail: str, outlet: str | None, url: str) -> bool:
    squashed = re.sub(r"\W+", "", tail.lower())
    if not squashed:
        return False
    if outlet and squashed == re.sub(r"\W+", "", outlet.lower()):
        return True
    host = host_of(url)
    site = host.split(".")[-2] if host.count(".") >= 1 else host
    return bool(site) and (squashed == site or squashed == re.sub(r"\W+", "", host))


def drop_leading_title(text: str, title: str) -> str:
    first, _, rest = text.partition("\n")
    return rest.strip() if title and same_words(first, title) and rest.strip() else text


def same_words(a: str, b: str) -> bool:
    return re.sub(r"\W+", " ", a).strip().lower() == re.sub(r"\W+", " ", b).strip().lower()


# ------------------------------------------------------------------------------------ dates and languages


def parse_datetime(value: str | None) -> datetime | None:
    """An ISO 8601 date or date-time as aware UTC; naive values are taken as UTC; anything else is None."""
    if not value or not isinstance(value, str):
        return None
    text = value.strip().replace(" ", "T", 1) if re.match(r"^\d{4}-\d{2}-\d{2} \d", value.strip()) else value.strip()
    text = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", text)  # +0800 → +08:00 (3.11 accepts both, 3.10 not)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if not 1990 <= parsed.year <= 2100:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def normalise_language(tag: str | None) -> str | None:
    if not tag:
        return None
    primary = re.split(r"[-_]", tag.strip())[0].lower()
    return primary if re.fullmatch(r"[a-z]{2,3}", primary) else None


_STOPWORDS = {
    "en": {"the", "and", "of", "to", "is", "in", "that", "with", "for", "its", "will", "has", "this", "are"},
    "de": {"der", "die", "das", "und", "ist", "mit", "nicht", "ein", "eine", "auch", "sich", "von", "dem", "für"},
    "fr": {"le", "la", "les", "et", "est", "des", "une", "du", "pour", "dans", "sur", "qui", "pas", "avec"},
    "es": {"el", "los", "las", "y", "es", "del", "una", "para", "con", "por", "que", "se", "su", "como"},
    "it": {"il", "gli", "della", "che", "è", "una", "per", "con", "del", "sono", "anche", "alla", "più", "di"},
}


def guess_language(text: str) -> str | None:
    """A cheap guess for undeclared pages: script for CJK, function words for five European languages."""
    sample = text[:3000]
    letters = [c for c in sample if c.isalpha()]
    if not letters:
        return None
    if sum("\u3040" <= c <= "\u30ff" for c in letters) > len(letters) * 0.05:
        return "ja"
    if sum("\uac00" <= c <= "\ud7af" for c in letters) > len(letters) * 0.2:
        return "ko"
    if sum("\u4e00" <= c <= "\u9fff" for c in letters) > len(letters) * 0.2:
        return "zh"
    words = re.findall(r"[^\W\d_]+", sample.lower())
    scores = {lang: sum(w in stop for w in words) for lang, stop in _STOPWORDS.items()}
    best = max(scores, key=lambda lang: scores[lang])
    # a handful of hits is noise (names, loan words); ask for a real share of the words
    return best if scores[best] >= max(3, len(words) // 20) else None
