"""The feedparser rules the fast feed path needs that feedparser does not publish, bound in this one module.

``monitor.ingest.feedxml`` must read a feed exactly as ``feedparser.parse`` does, and some of what that takes has
no public name in feedparser 6.0: its date parser (which also runs the handlers users add with the public
``feedparser.registerDateHandler``), its URL join, its HTML sanitiser and the element, namespace and
content-type tables of its parser. Each is looked up here by the public spelling first, where feedparser's
development line has one (``sanitize_html``, ``HTMLSanitizer``, ``BaseHTMLProcessor``), then by the 6.0 private
spelling. Nothing else in monitor imports a feedparser name that starts with an underscore.

Contract: ``MISSING`` lists, one line each, every name the installed feedparser lacks, naming its version and
the name. When it is not empty, ``feedxml.read_feed`` declines every document, so every feed is read by
``feedparser.parse`` itself: slower, never different. tests/test_feedxml.py fails with those lines when it is
not empty, checks the behaviour of each name bound here, and compares both paths on real feeds, so a feedparser
release that renames or changes one of them breaks the build, not the alerts.

What feedparser publishes or the standard library has is not bound here: ``convert_to_utf8``,
``make_safe_absolute_uri``, ``resolve_relative_uris``, ``FeedParserDict`` and ``NonXMLContentType`` are public
names of feedparser's modules; its cp1252 table is the ``cp1252`` codec (feedxml builds it, a test compares).
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Mapping
from typing import Any

import feedparser

from monitor.logs import get_logger

log = get_logger(__name__)

VERSION: str = getattr(feedparser, "__version__", "(unknown version)")


def find(module: str, names: tuple[str, ...]) -> tuple[Any, str | None]:
    """The first of ``names`` that feedparser's ``module`` defines, else (None, a line naming what is missing)."""
    try:
        namespace: object = importlib.import_module(module)
    except ImportError:
        namespace = None
    for name in names:
        value = getattr(namespace, name, None)
        if value is not None:
            return value, None
    return None, f"feedparser {VERSION} has no {' or '.join(f'{module}.{name}' for name in names)}"


def member(owner: Any, owner_name: str, attribute: str) -> tuple[Any, str | None]:
    """``owner.attribute``, else (None, a line naming what is missing). A missing owner is reported once, by find."""
    if owner is None:
        return None, None
    value = getattr(owner, attribute, None)
    if value is None:
        return None, f"feedparser {VERSION}: {owner_name} has no attribute {attribute!r}"
    return value, None


_problems: list[str] = []


def _bound(found: tuple[Any, str | None], default: Any) -> Any:
    value, problem = found
    if problem:
        _problems.append(problem)
    return default if value is None else value


def _unavailable(*_args: object) -> Any:
    raise RuntimeError(f"feedparser {VERSION} lacks a name feedxml needs; see fpinternals.MISSING")


_MIXIN = "feedparser.mixin.FeedParserMixin"
_mixin = _bound(find("feedparser.mixin", ("FeedParserMixin", "_FeedParserMixin")), None)
_sanitizer = _bound(find("feedparser.sanitizer", ("HTMLSanitizer", "_HTMLSanitizer")), None)
_processor = _bound(find("feedparser.html", ("BaseHTMLProcessor", "_BaseHTMLProcessor")), None)

# feedparser's date parser: every handler it has, in its order, including any registered by the user.
parse_date: Callable[[str], time.struct_time | None] = _bound(
    find("feedparser.datetimes", ("parse_date", "_parse_date")), _unavailable
)
# urljoin after feedparser's repair of "http:///path"; "" for what urljoin rejects. Used for link hrefs.
urljoin: Callable[[str, str], str] = _bound(find("feedparser.urls", ("urljoin", "_urljoin")), _unavailable)
# (html, encoding, content type) -> the sanitised HTML feedparser stores with sanitize_html on.
sanitize_html: Callable[[str, str, str], str] = _bound(
    find("feedparser.sanitizer", ("sanitize_html", "_sanitize_html")), _unavailable
)
# Whether a text/plain value is really HTML (RSS descriptions), and the MIME type of an Atom type attribute.
looks_like_html: Callable[[str], bool] = _bound(member(_mixin, _MIXIN, "looks_like_html"), _unavailable)
map_content_type: Callable[[str], str] = _bound(member(_mixin, _MIXIN, "map_content_type"), _unavailable)

# Elements whose HTML feedparser sanitises, and those whose relative URLs it resolves (the same set in 6.0).
MARKUP_ELEMENTS: frozenset[str] = frozenset(_bound(member(_mixin, _MIXIN, "can_contain_dangerous_markup"), ()))
RELATIVE_URI_ELEMENTS: frozenset[str] = frozenset(_bound(member(_mixin, _MIXIN, "can_contain_relative_uris"), ()))
# Namespace URI -> the prefix feedparser names its elements with ("" for RSS/Atom themselves).
NAMESPACES: Mapping[str, str] = dict(_bound(member(_mixin, _MIXIN, "namespaces"), {}))
# Element names ("title", "dc_date") feedparser has a _start_ or _end_ handler for.
HANDLED_ELEMENTS: frozenset[str] = frozenset(
    name.split("_", 2)[2].lower() for name in dir(_mixin or object) if name.startswith(("_start_", "_end_"))
)
# Tags the sanitiser writes back, and the tags its HTML writer treats as void (no end tag).
SANITIZER_KEEPS: frozenset[str] = frozenset(
    _bound(member(_sanitizer, "feedparser.sanitizer.HTMLSanitizer", "acceptable_elements"), ())
)
VOID_ELEMENTS: frozenset[str] = frozenset(
    _bound(member(_processor, "feedparser.html.BaseHTMLProcessor", "elements_no_end_tag"), ())
)
if _mixin is not None and not HANDLED_ELEMENTS:
    _problems.append(f"feedparser {VERSION}: {_MIXIN} has no _start_*/_end_* element handlers")

MISSING: tuple[str, ...] = tuple(_problems)
if MISSING:
    log.warning(
        "feedparser.internals_missing",
        version=VERSION,
        missing=list(MISSING),
        effect="the fast feed path is off: every feed is read by feedparser.parse",
    )
