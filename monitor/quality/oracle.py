"""A diagnostic, never the product's figure: the replay with the labelled events in place of the classifier's.

``labelled_events(articles)`` is a context manager under which ``classify.classify_event`` answers each labelled
article with its label (found by the start of its text, as extraction returned it) and anything else as the
classifier would. Relevance, products, dates, stories and alerts are all the product's own, so the figures show
what the story and alert stages would give with a perfect event classifier: the part of the remaining error that
is the classifier's (``python -m monitor.quality --oracle-events``). The judge looks ``classify_event`` up at
each call, so replacing the module's attribute reaches it; it is restored on exit.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING

from monitor.model import Event

if TYPE_CHECKING:
    from monitor.judgement.classify import EventDecision
    from monitor.judgement.eventmodel import EventModel
    from monitor.quality.data import Labelled

KEY_CHARS = 80  # the start of a text that identifies a labelled article


@contextmanager
def labelled_events(articles: Sequence[Labelled]) -> Iterator[None]:
    from monitor.judgement import classify

    labels = {_key(item.doc.text): Event(item.event) for item in articles if _key(item.doc.text)}
    real = classify.classify_event

    def oracle(title: str, text: str, published: datetime | None,
               model: EventModel | None = None) -> EventDecision:
        decided = real(title, text, published, model)
        event = _label(labels, text)
        return decided if event is None else classify.EventDecision(event, (f'label:"{event}"',))

    classify.classify_event = oracle
    try:
        yield
    finally:
        classify.classify_event = real


def _key(text: str) -> str:
    return " ".join(re.findall(r"\w+", text))[:KEY_CHARS]


def _label(labels: dict[str, Event], text: str) -> Event | None:
    """The label of the article whose text starts ``text`` (extraction may drop or add a line around it)."""
    found = labels.get(_key(text))
    if found is not None:
        return found
    head = " ".join(re.findall(r"\w+", text[:1000]))
    return next((event for key, event in labels.items() if key in head), None)
