"""Plain-text page dumps: the headline, the article's date, a stated URL and the body text of a page saved as text.

A page dump is the page's visible text, line by line: header widgets (today's date, the weather), the
headline, a byline, the body with image captions, then "related" and comment boxes. ``analyse_plaintext``
finds, by heuristics a person would accept:

- the headline: the first of the top dozen lines that reads like one (not a date, a byline, a caption, a
  breadcrumb or a sentence);
- the date: from a byline or dateline near the headline, or failing that from a quoted tweet's signature. A
  date that starts a weather widget, or a bare date above the headline, is the day the page was saved, not the
  article's date, and is ignored: no date is better than a wrong one;
- the body: from the headline on, without captions, repeats of the headline, date lines, and everything from a
  footer marker ("Related Articles", "Leave a Reply") on.

Pure: a string in, a ``PlainPage`` out; never raises. ``monitor.ingest.extract.extract_plaintext`` turns it
into an ``Extracted``. Imports only ``monitor.ingest.pagemeta`` from monitor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from monitor.ingest.pagemeta import same_words

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
class PlainPage:
    """What a page dump says: its headline ("" when none reads like one), body, date and stated URL."""

    headline: str
    text: str
    published: datetime | None
    url: str | None


def analyse_plaintext(text: str) -> PlainPage:
    lines = [" ".join(line.split()) for line in text.splitlines()]
    url, url_index = _find_url_line(lines)
    headline_at = _find_headline(lines)
    published, date_lines = _find_published(lines, headline_at)
    skip = date_lines | ({url_index} if url_index is not None else set())
    headline = lines[headline_at] if headline_at is not None else ""
    start = headline_at + 1 if headline_at is not None else _first_real_line(lines)
    body = _body_lines(lines, start, skip, headline)
    return PlainPage(headline=headline, text="\n".join(body), published=published, url=url)


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
        if not line or i in skip or (headline and same_words(line, headline)) or _is_caption(line):
            continue
        body.append(line)
    return body
