"""Article extraction: main text and metadata from an HTML page, a plain-text page dump or a feed fragment.

Pure: strings and bytes in, an ``Extracted`` value out. The main text comes from trafilatura (comments off,
precision favoured, so sidebars, "related" boxes, comment threads, navigation and cookie banners stay out);
the metadata comes from the page's own declarations first (Open Graph, JSON-LD, ``<link rel=canonical>``,
``<html lang>``), because a publisher's declaration beats a guess, and from trafilatura/htmldate second.

Plain-text dumps (``extract_plaintext``) have no markup at all; their headline and date are found by
heuristics a person would accept (see "plain-text page dumps" below).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html

from monitor.errors import ParseError
from monitor.ingest.urls import canonical_url as _canonical
from monitor.ingest.urls import clean_url, host_of

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
    meta = _PageMeta(tree, url)
    # metadata first: trafilatura prunes the tree it is given
    title, published, canonical, language, outlet = (
        meta.title(), meta.published(), meta.canonical(), meta.language(), meta.outlet()
    )  # fmt: skip
    document = _trafilatura(tree, url)
    text = (document.text or "").strip() if document is not None else ""
    if sum(c.isalnum() for c in text) < MIN_TEXT_CHARS:
        raise ParseError("no main text found", url=url)
    title = title or _strip_site_suffix(document.title or "", outlet, url)
    return Extracted(
        title=title,
        text=_drop_leading_title(text, title),
        published=published or _parse_datetime(document.date),
        canonical_url=canonical,
        language=language or _normalise_language(document.language) or guess_language(text),
        outlet=outlet or (document.sitename or None),
    )


def extract_plaintext(text: str, *, name: str = "") -> Extracted:
    """Headline, date and clean text of a plain-text page dump; ``name`` is the title when none is found."""
    page = _analyse_plaintext(text)
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


# --------------------------------------------------------------------------------------------- metadata


class _PageMeta:
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
            cleaned = _strip_site_suffix(candidate or "", self.outlet(), self.url)
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
        return next((d for d in map(_parse_datetime, candidates) if d is not None), None)

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
        return _normalise_language(declared or http_equiv or self._first("og:locale"))


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


def _strip_site_suffix(title: str, outlet: str | None, url: str) -> str:
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
        return _strip_site_suffix(head, outlet, url)
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


def _drop_leading_title(text: str, title: str) -> str:
    first, _, rest = text.partition("\n")
    return rest.strip() if title and _same_words(first, title) and rest.strip() else text


def _same_words(a: str, b: str) -> bool:
    return re.sub(r"\W+", " ", a).strip().lower() == re.sub(r"\W+", " ", b).strip().lower()


# ------------------------------------------------------------------------------------ dates and languages


def _parse_datetime(value: str | None) -> datetime | None:
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


def _normalise_language(tag: str | None) -> str | None:
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


# ---------------------------------------------------------------------------------- plain-text page dumps
#
# A page dump is the page's visible text, line by line: header widgets (today's date, the weather), the
# headline, a byline, the body with image captions, then "related" and comment boxes. The headline is the
# first line that reads like one; the date comes from a byline or dateline near it, or failing that from a
# quoted tweet's signature. A date that starts a weather widget is the day the page was saved, not the
# article's date, and is ignored: no date is better than a wrong one.

_MONTH = (
    r"(?P<month>jan(?:uary|uar)?|feb(?:ruary|ruar)?|m(?:arch|ar|ärz|aerz|ars)|apr(?:il)?|ma[iy]|june?|juni|"
    r"july?|juli|aug(?:ust)?|sep(?:t(?:ember)?)?|o[ck]t(?:ober)?|nov(?:ember)?|de[cz](?:ember)?)\.?"
)
_TIME = r"(?:\D{0,4}(?P<H>\d{1,2}):(?P<M>\d{2})\s*(?P<ampm>[ap]\.?m\.?)?\s*(?P<tz>(?-i:[A-Z]{2,4}\b))?)?"
_DATE_PATTERNS = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        r"(?<!\d)(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?:[T ](?P<H>\d{1,2}):(?P<M>\d{2}))?",
        rf"\b{_MONTH}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}}){_TIME}",
        rf"(?<!\d)(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\.?\s+(?:of\s+)?{_MONTH}\s+(?P<y>\d{{4}}){_TIME}",
        r"(?<!\d)(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})",
        r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日",
    )
)
_MONTH_NUMBERS = {"jan": 1, "feb": 2, "mar": 3, "mär": 3, "mae": 3, "apr": 4, "mai": 5, "may": 5, "jun": 6,
                  "jul": 7, "aug": 8, "sep": 9, "oct": 10, "okt": 10, "nov": 11, "dec": 12, "dez": 12}  # fmt: skip
_TZ_HOURS = {"UTC": 0, "GMT": 0, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8,
             "PDT": -7, "CET": 1, "CEST": 2, "BST": 1, "IST": 5.5, "JST": 9, "KST": 9, "SGT": 8}  # fmt: skip
_WEEKDAYS = re.compile(
    r"\b(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|urday|rsday)?\b\.?|"
    r"\b(?:montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag)\b",
    re.IGNORECASE,
)
_TEMPERATURE = re.compile(r"^-?\d{1,3}(?:[.,]\d)?\s*°?\s*[CF]$")
_BYLINE = re.compile(r"^(?:by|written by|posted|published|von|par|date|on)\b|\bby\s+\w", re.IGNORECASE)
_TWEET_SIGNATURE = re.compile(r"^[—–-]\s*.{1,80}\(@\w{1,30}\)")
_BOILERPLATE = re.compile(
    r"^(?:skip to (?:main )?content|advertisement|-\s*advertisement\s*-|home|menu|search|subscribe|sign in|"
    r"log in|share|share this(?: article)?|table of contents|key takeaways|highlights|introduction|tl;dr)\b",
    re.IGNORECASE,
)
_FOOTER = re.compile(
    r"^(?:hot this week|related articles?|related posts?|related stories|you may also like|more from|"
    r"popular categories|leave a (?:reply|comment)|comments?(?:\s+comments)?\s*\d*|read more|read next|"
    r"das könnte sie auch interessieren|weitere artikel|articles similaires|相关阅读|相关文章)\s*:?$",
    re.IGNORECASE,
)
_CAPTION_CREDIT = re.compile(
    r"^\(?(?:featured |top |header )?(?:image|photo|picture|bild|foto)?\s*(?:source|credits?|courtesy|quelle)\b",
    re.IGNORECASE,
)
_URL_LINE = re.compile(r"^(?:(?:url|source|link|canonical|original)\s*:\s*)?(https?://\S+)$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _PlainPage:
    headline: str
    text: str
    published: datetime | None
    url: str | None


def _analyse_plaintext(text: str) -> _PlainPage:
    lines = [" ".join(line.split()) for line in text.splitlines()]
    url, url_index = _find_url_line(lines)
    headline_at = _find_headline(lines)
    published, date_lines = _find_published(lines, headline_at)
    skip = date_lines | ({url_index} if url_index is not None else set())
    headline = lines[headline_at] if headline_at is not None else ""
    start = headline_at + 1 if headline_at is not None else _first_real_line(lines)
    body = _body_lines(lines, start, skip, headline)
    return _PlainPage(headline=headline, text="\n".join(body), published=published, url=url)


def _find_url_line(lines: list[str]) -> tuple[str | None, int | None]:
    filled = [i for i, line in enumerate(lines) if line]
    for i in filled[:5] + filled[-5:]:
        match = _URL_LINE.match(lines[i])
        if match:
            return match.group(1), i
    return None, None


def _find_headline(lines: list[str]) -> int | None:
    """The first of the top dozen lines that reads like a headline; the search stops at the first paragraph."""
    filled = [i for i, line in enumerate(lines) if line][:12]
    for position, i in enumerate(filled):
        line = lines[i]
        if _is_paragraph(line):
            return None
        following = [lines[j] for j in filled[position + 1 : position + 4]]
        if _headline_score(line, following) >= 1.5:
            return i
    return None


def _headline_score(line: str, following: list[str]) -> float:
    """0 for lines that cannot be a headline; otherwise higher the more headline-like.

    Rejected outright: dates, temperatures, navigation words, bylines, list items, sentences and truncated
    breadcrumbs (ending in '.', ':' or '…'), all-lower-case image captions, breadcrumbs that end with the
    next line ("Home News <headline>"), and lines too short or too long to be a headline.
    """
    if (_is_date_line(line) or _TEMPERATURE.match(line) or _BOILERPLATE.match(line) or _BYLINE.match(line)
            or re.match(r"^(?:[-•*·]\s|\d+\.\s)", line) or line.endswith((".", ":", "…", ","))
            or _is_caption(line) or "://" in line
            or any(len(nxt) < len(line) and line.endswith(nxt) for nxt in following)):  # fmt: skip
        return 0.0
    if _cjk_share(line) > 0.5:
        if not 6 <= len(line) <= 60 or "。" in line or line.endswith(("！", "!")):
            return 0.0
        return 2.0
    words = line.split()
    if not 4 <= len(words) <= 30:
        return 0.0
    long_words = [w for w in words if len(w) > 3 and w[0].isalpha()]
    title_case = sum(w[0].isupper() for w in long_words) / len(long_words) if long_words else 0.0
    body_follows = any(_is_paragraph(nxt) or _BYLINE.match(nxt) for nxt in following)
    return 1.0 + (0.5 if 5 <= len(words) <= 20 else 0.0) + title_case + (0.5 if body_follows else 0.0)


def _is_paragraph(line: str) -> bool:
    """Body prose: long, or a sentence of some length (a truncated "…Leica..." breadcrumb is not one)."""
    if _cjk_share(line) > 0.5:
        return len(line) >= 60 or line.endswith(("。", "！", "!"))
    words = len(line.split())
    sentence_end = line.endswith((".", '."', ".”", '!"')) and not line.endswith("..")
    return words >= 35 or (words >= 8 and sentence_end)


def _is_caption(line: str) -> bool:
    """Image alt text ('xiaomi leica') and credits ('Source: Xiaomi', 'Featured Image Courtesy: ...')."""
    words = line.split()
    if len(words) <= 8 and _CAPTION_CREDIT.match(line):
        return True
    return len(words) <= 6 and any(c.isalpha() for c in line) and line == line.lower() and _cjk_share(line) == 0


def _cjk_share(line: str) -> float:
    letters = [c for c in line if c.isalpha()]
    return sum("\u3040" <= c <= "\u9fff" for c in letters) / len(letters) if letters else 0.0


def _first_real_line(lines: list[str]) -> int:
    """Where the body starts when no headline was found: after leading widgets, dates and short labels."""
    for i, line in enumerate(lines[:15]):
        if line and (_is_paragraph(line) or len(line.split()) >= 6):
            return i
    return 0


def _find_published(lines: list[str], headline_at: int | None) -> tuple[datetime | None, set[int]]:
    """The article's date and the line numbers of date/byline lines near the top (dropped from the text).

    Preference: a byline or labelled dateline ("by … May 23, 2022", "date 2022-05-23"), then a bare date
    line below the headline, then the signature of a tweet quoted in the body.
    """
    top_end = (headline_at if headline_at is not None else 0) + 4
    found: list[tuple[int, datetime]] = []
    date_lines: set[int] = set()
    for i, line in enumerate(lines[: top_end + 1]):
        date = _date_in(line)
        if date is None or re.match(r"^(?:last )?updated|^aktualisiert", line, re.IGNORECASE):
            continue
        if _BYLINE.search(line):
            found.append((0, date))
            date_lines.add(i)
        elif _is_date_line(line):
            date_lines.add(i)
            # A bare date ABOVE the headline is the site header's "today" (seed 003 shows "Fri. Dec 9th, 2022"
            # above a May 2022 article), like the weather widget's; below the headline it is a dateline.
            above_headline = headline_at is None or i < headline_at
            if not above_headline and not any(_TEMPERATURE.match(nxt) for nxt in lines[i + 1 : i + 4]):
                found.append((1, date))
    for line in lines:
        if _TWEET_SIGNATURE.match(line) and (date := _date_in(line)):
            found.append((2, date))
            break
    # among equals, a date with a time of day is the more precise one ("by X, May 23, 2022, 01:01 PM EDT")
    best = min(found, key=lambda f: (f[0], f[1].hour == f[1].minute == 0), default=None)
    return (best[1] if best else None), date_lines


def _is_date_line(line: str) -> bool:
    """A line that is a date and little else ('Fri. Dec 9th, 2022', 'Tuesday, 4 November 2025')."""
    match = _date_match(line)
    if match is None:
        return False
    rest = _WEEKDAYS.sub(" ", line[: match.start()] + " " + line[match.end() :])
    return len(re.findall(r"[^\W\d_]{2,}", rest)) <= 1


def _date_match(line: str) -> re.Match[str] | None:
    matches = [m for p in _DATE_PATTERNS if (m := p.search(line)) and _match_to_datetime(m)]
    return min(matches, key=lambda m: m.start()) if matches else None


def _date_in(line: str) -> datetime | None:
    match = _date_match(line)
    return _match_to_datetime(match) if match else None


def _match_to_datetime(match: re.Match[str]) -> datetime | None:
    groups = match.groupdict()
    month = int(groups["m"]) if groups.get("m") else _MONTH_NUMBERS.get(groups["month"].lower()[:3])
    hour, minute = int(groups.get("H") or 0), int(groups.get("M") or 0)
    ampm = (groups.get("ampm") or "").lower()
    if ampm.startswith("p") and hour < 12:
        hour += 12
    elif ampm.startswith("a") and hour == 12:
        hour = 0
    try:
        local = datetime(int(groups["y"]), month or 0, int(groups["d"]), hour, minute, tzinfo=UTC)
    except (ValueError, TypeError):
        return None
    if not 1990 <= local.year <= 2100:
        return None
    offset = _TZ_HOURS.get(groups.get("tz") or "", 0)
    return local - timedelta(hours=offset)


def _body_lines(lines: list[str], start: int, skip: set[int], headline: str) -> list[str]:
    """The article text: junk before ``start`` is gone; captions, repeats of the headline and everything
    from a footer marker ("Related Articles", "Leave a Reply") on are dropped once some body is kept."""
    body: list[str] = []
    for i in range(start, len(lines)):
        line = lines[i]
        if _FOOTER.match(line) and sum(len(kept.split()) for kept in body) >= 40:
            break
        if not line or i in skip or (headline and _same_words(line, headline)) or _is_caption(line):
            continue
        body.append(line)
    return body
