"""The one item the spiders yield: the fields of ``monitor.model.RawDocument``, JSON-ready.

``published`` is an ISO 8601 string (or None) because the item travels as a JSON line to the parent process,
which parses it back into a ``datetime``. ``summary_only`` is not carried: a spider always sends the page's
extracted main text.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ArticleItem:
    url: str
    title: str
    text: str
    source: str
    outlet: str
    published: str | None = None
    language: str | None = None
    guid: str | None = None
    canonical_url: str | None = None
