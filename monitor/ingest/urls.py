"""URL identity: one key per article address, so the same page reached by different links is one key.

Pure and total: any string goes in, a string comes out, and ``canonical_url`` is idempotent (a hypothesis
property test holds it to that). It is built on two well-kept libraries rather than on a list of our own:
w3lib (Scrapy's URL library) for the encoding, courlan (trafilatura's) for which query parameters track and
which name content. The rules, for http(s) URLs:

- **encoding** (``w3lib.url.canonicalize_url``): non-ASCII and spaces percent-encoded as UTF-8, escapes of
  unreserved characters decoded and hex upper-cased, the query sorted, ``+`` and ``%20`` in the query one
  spelling; IDN hosts to punycode. A link written ``/Kamera-für-alle.html`` and the percent-encoded URL the
  fetcher ends on are one key.
- **one site, one spelling**: ``http`` and ``https`` are one scheme, and ``www.``, ``m.`` and ``amp.`` host
  prefixes are dropped (when a registrable host remains), so http/https and www/bare spellings of one path
  are one article. Default ports go; another port is another server, and keeps its scheme.
- **AMP**: an ``amp`` first or last path segment, a ``.amp`` before the extension, ``?amp``/``?amp=1`` and any
  parameter whose value is ``amp`` (``?outputType=amp``) are dropped; an AMP-cache address
  (``<host>.cdn.ampproject.org/c/s/<host>/<path>``) is unwrapped to the publisher's URL.
- **path**: ``.``/``..`` resolved, ``//`` collapsed, a trailing ``/`` and a final ``index.html`` (or
  ``.htm``/``.php``/``.asp``/``.aspx``/``.jsp``/``.shtml``) dropped, session ids in path parameters
  (``;jsessionid=...``) dropped; case kept (paths are case-sensitive on most servers).
- **query**: tracking parameters go, parameters that name a different page stay. Which is which depends on
  whether the path already names the page (``names_page``: a slug of words, or a long number):
  - on such an article path only courlan's content parameters (``courlan.settings.ALLOWED_PARAMS``: ``id``,
    ``p``, ``page``, ``article_id``... and ``lang``) are kept: everything else on an article's URL (``CMP``,
    ``smid``, ``mod``, ``ftag``, ``ref``, ``share``, ``s``/``t``...) is a campaign or share tag;
  - on any other path (``/index.php``, ``/watch``, ``/``) the parameters are what names the page, so only
    those that courlan's ``TRACKERS_RE`` marks as trackers in every use (``utm_*``, ``fbclid``, ``gclid``,
    ``mc_eid``, ``campaign``, ``xtor``...), and a few analytics systems' names it misses (``_MORE_TRACKERS``), are
    dropped, and ``ref``/``source``/``uid``/``keyword``, which courlan
    also drops, are kept here because they name pages too (``?ref=v2``).
- **fragment**: dropped (never sent to the server, RFC 3986 §3.5), except a route (``#!/...``, ``#/...``),
  which single-page sites use to name pages.

Other schemes (``file:``, ``mailto:``) and URLs without a host only lose their fragment and have their scheme
lower-cased. The page's own
``<link rel=canonical>`` / ``og:url``, once fetched, is keyed with the same function (``monitor.ingest.extract``), and
the pipeline keys a document on it before its fetched URL. Measured on a table of real URL spellings in
tests/test_url_identity.py; figures in docs/quality.md ("URL identity").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import NamedTuple
from urllib.parse import SplitResult, unquote_plus, urlsplit, urlunsplit

WEB_SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}
# Host labels in front of a site's own name that do not change the page: the web, mobile and AMP editions.
EDITION_PREFIXES = ("www.", "m.", "amp.")
# courlan drops these everywhere; they name pages too (``?ref=<branch>``, ``?source=<file>``), so they count
# as trackers only on an article path, where every parameter but content ones does.
_AMBIGUOUS_TRACKERS = frozenset({"ref", "referer", "referrer", "source", "uid", "keyword", "kwd"})
# Session ids: servers' own names (Java, PHP, classic ASP, ColdFusion), never part of a page's identity.
_SESSION_IDS = frozenset({"jsessionid", "phpsessid", "aspsessionid", "cfid", "cftoken"})
class _Libraries(NamedTuple):
    trackers: re.Pattern[str]
    content_params: frozenset[str]
    canonicalize: Callable[..., str]


@functools.cache
def _courlan() -> _Libraries:
    """courlan's and w3lib's rules, imported at the first key: courlan alone costs ~125 ms to import, which a crawl
    whose feeds are all unchanged never needs (it keys no entry)."""
    from courlan.clean import TRACKERS_RE
    from courlan.settings import ALLOWED_PARAMS, LANG_PARAMS
    from w3lib.url import canonicalize_url

    return _Libraries(TRACKERS_RE, frozenset(ALLOWED_PARAMS | LANG_PARAMS), canonicalize_url)


# Trackers in every use that courlan's pattern misses: the own names of marketing-automation, web-analytics,
# ad-click and consent-wall systems and of campaign ids, never a publisher's or a page's.
_MORE_TRACKERS = frozenset(
    {"_hsenc", "_hsmi", "hsctatracking", "s_cid", "wt_mc", "spm", "guccounter", "guce_referrer",
     "guce_referrer_sig", "ncid", "cmpid", "icid", "ocid", "ttclid", "li_fat_id", "gclsrc", "at_medium",
     "at_campaign", "sr_share", "soc_src", "soc_trk"}
)  # fmt: skip
_INDEX_PAGE = re.compile(r"index\.(?:html?|php|aspx?|jsp|shtml)", re.I)
_AMP_SUFFIX = re.compile(r"\.amp(?=\.[A-Za-z0-9]+$|$)", re.I)
_AMP_CACHE = re.compile(r"[^/]+\.cdn\.ampproject\.org$", re.I)
_AMP_CACHE_PATH = re.compile(r"^/[a-z](?:/s)?/([^/]+)(/.*)?$", re.I)
_LONG_NUMBER = re.compile(r"\d{5,}")
_WORD = re.compile(r"[^\W\d_]{2,}")  # letters only, any script


@functools.lru_cache(maxsize=8192)
def canonical_url(url: str) -> str:
    """The one spelling of ``url`` used as the article's key (see the module docstring for the rules).

    Cached: a feed lists the same entries poll after poll, and each is keyed before its page is fetched and
    again when it is judged; one key costs ~80 µs (w3lib's encoding is most of it), a cached one ~0.1 µs.
    """
    return _normalised(url, fold=True)


def clean_url(url: str) -> str:
    """``url`` as a link to show and follow: the key's rules except the folds of scheme and host.

    Tracking parameters, AMP spellings, session ids and non-route fragments go and the encoding is the key's,
    but ``http``/``https`` and ``www.``/``m.``/``amp.`` hosts stay as written: a bare host or https may not be
    served. ``canonical_url(clean_url(u)) == canonical_url(u)``, so a clean URL can stand wherever the key is
    derived later (``monitor.ingest.extract`` keeps a page's declared canonical URL this way).
    """
    return _normalised(url, fold=False)


def _normalised(url: str, *, fold: bool) -> str:
    text = url.strip()
    try:
        parts = urlsplit(text)
        if parts.scheme.lower() not in WEB_SCHEMES or not parts.hostname:
            return _other_scheme(text, parts)
        key = _web_key(text, parts, fold=fold)
        for _ in range(3):  # w3lib reads ";params" of odd shapes differently the second time: settle them
            if ";" not in key:
                break
            again = _web_key(key, urlsplit(key), fold=fold)
            if again == key:
                break
            key = again
        return key
    except ValueError:  # e.g. an unbalanced "[" in the host or a port that is not a number: keep the text
        return text


def host_of(url: str) -> str:
    """The host of ``url``, lower-case punycode without ``www.``/``m.``/``amp.`` or port; "" when there is none."""
    try:
        return urlsplit(canonical_url(url)).hostname or ""
    except ValueError:
        return ""


def names_page(path: str) -> bool:
    """Whether a URL path already names one page: its last segment is a slug of words or holds a long number.

    ``/2024/05/leica-m11-review``, ``/news/Kamera-f%C3%BCr-alle.html``, ``/a/12345678`` do; ``/index.php``,
    ``/watch``, ``/article``, ``/`` do not (there the query names the page).
    """
    segment = unquote_plus(path.rstrip("/").rpartition("/")[2])
    stem = segment.rsplit(".", 1)[0] if "." in segment else segment
    if _LONG_NUMBER.search(stem):
        return True
    return len(_WORD.findall(stem)) >= 2 and bool(re.search(r"[-_+ ]", stem))


def is_tracking_param(name: str, *, article_path: bool) -> bool:
    """Whether the query parameter ``name`` tracks a visit rather than naming content (see the module docstring)."""
    key = unquote_plus(name).strip().lower()
    if key in _SESSION_IDS:
        return True
    if article_path:
        return key not in _courlan().content_params
    if key in _AMBIGUOUS_TRACKERS:
        return False
    if key in _MORE_TRACKERS:
        return True
    found = _courlan().trackers.search(key)
    # courlan's pattern also matches inside longer words ("ga" in "gallery"): only a whole name, a name's
    # "_"-separated part or one of its prefix families ("utm_") counts.
    return found is not None and (found.end() == len(key) or key[found.end() - 1] == "_" or key[found.end()] == "_")


# -- web URLs ---------------------------------------------------------------------------------------------------


def _web_key(text: str, parts: SplitResult, *, fold: bool) -> str:
    fragment = parts.fragment if parts.fragment.startswith(("!", "/")) else ""
    safe = urlsplit(_courlan().canonicalize(text, keep_blank_values=True, keep_fragments=False))
    host, port = _host(safe, fold=fold)
    path = safe.path
    cached = _AMP_CACHE.fullmatch(host) and _AMP_CACHE_PATH.match(path)
    if cached:  # the AMP cache serves the publisher's page under its own host: key the publisher's URL
        publisher = f"https://{cached.group(1)}{cached.group(2) or '/'}" + (f"?{safe.query}" if safe.query else "")
        return _normalised(publisher, fold=fold)
    path = _path(path)
    query = _query(safe.query, article_path=names_page(path))
    scheme = safe.scheme.lower()
    if port is None:  # http and https are one site...
        return urlunsplit(("https" if fold else scheme, host, path, query, _fragment(fragment)))
    # ...but a port of its own is a server of its own: keep its scheme
    return urlunsplit((scheme, f"{host}:{port}", path, query, _fragment(fragment)))


def _host(parts: SplitResult, *, fold: bool) -> tuple[str, int | None]:
    host = (parts.hostname or "").rstrip(".")
    port = parts.port  # raises ValueError on a non-numeric or out-of-range port
    if port == DEFAULT_PORTS.get(parts.scheme.lower()):
        port = None
    changed = fold
    while changed:  # "www.m.example.com" loses both: the key must be a fixed point
        changed = False
        for prefix in EDITION_PREFIXES:
            rest = host[len(prefix) :]
            if host.startswith(prefix) and "." in rest:
                host, changed = rest, True
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    userinfo = parts.netloc.rpartition("@")[0]
    return (f"{userinfo}@{host}" if userinfo else host), port


def _path(path: str) -> str:
    segments = [_without_session(segment) for segment in path.split("/")]
    path = _remove_dot_segments(re.sub(r"/{2,}", "/", "/".join(segments))) or "/"
    previous = None
    while previous != path:  # every rule below only shortens the path: repeat until none applies
        previous = path
        path = path.rstrip("/") or "/"
        head, _, last = path.rpartition("/")
        if _INDEX_PAGE.fullmatch(last) or last.lower() == "amp":
            path = head or "/"
        elif _AMP_SUFFIX.search(last):
            path = f"{head}/{_AMP_SUFFIX.sub('', last)}"
        if path.lower().startswith("/amp/"):
            path = path[4:]
    return path if path.startswith("/") else "/" + path


def _without_session(segment: str) -> str:
    """A path segment without its session-id parameters (``story.html;jsessionid=A1`` -> ``story.html``)."""
    if ";" not in segment:
        return segment
    name, *params = segment.split(";")
    kept = [p for p in params if p and p.partition("=")[0].lower() not in _SESSION_IDS]
    return ";".join([name, *kept])


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4, for paths without ``//`` (already collapsed)."""
    if "." not in path:
        return path
    out: list[str] = []
    segments = path.split("/")
    for segment in segments:
        if segment == "..":
            if len(out) > 1:
                out.pop()
        elif segment != ".":
            out.append(segment)
    result = "/".join(out)
    if path.startswith("/") and not result.startswith("/"):
        result = "/" + result
    return result


def _query(query: str, *, article_path: bool) -> str:
    """Tracking and AMP parameters dropped; the rest kept as w3lib wrote them (sorted, escapes normalised)."""
    kept = []
    for pair in query.split("&"):
        if not pair:
            continue
        name, _, value = pair.partition("=")
        if name.lower() == "amp" or unquote_plus(value).lower() == "amp":
            continue
        if not is_tracking_param(name, article_path=article_path):
            kept.append(pair)
    return "&".join(kept)


def _fragment(fragment: str) -> str:
    """A route fragment, its escapes normalised as the path's are; "" for any other fragment."""
    if not fragment:
        return ""
    return urlsplit(_courlan().canonicalize(f"http://h/#{fragment}", keep_fragments=True)).fragment


def _other_scheme(text: str, parts: SplitResult) -> str:
    """A URL that is not http(s), or has no host: only its scheme lower-cased and its fragment cut."""
    body = text.split("#", 1)[0].strip()
    return parts.scheme.lower() + body[len(parts.scheme) :] if parts.scheme else body
