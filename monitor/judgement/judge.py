"""The judgement of one document: relevance (match), event (classify), story features and text signature.

Pure and deterministic. Topic queries are compiled once, in ``Judge.__init__``; ``judge`` is then a function
of the document alone, so the same document always gets the same judgement (and a dry run says what a real
run would do). One judgement also depends on what is stored: an article whose maker is the subject but whose
partner goes unnamed is left ``unconfirmed``, and ``confirm`` (given what the story memory knows of the topic's
products) judges it relevant at store time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from monitor.errors import ConfigError
from monitor.model import Event, RawDocument

if TYPE_CHECKING:
    from monitor.judgement.eventmodel import EventModel
    from monitor.judgement.features import StoryFeatures
    from monitor.judgement.query import Query


class TopicLike(Protocol):
    """What the judge needs of a topic (``config.TopicConfig`` has these)."""

    @property
    def name(self) -> str: ...

    @property
    def query(self) -> str: ...

    @property
    def aliases(self) -> Sequence[Sequence[str]]: ...

    @property
    def lines(self) -> Sequence[str]: ...

    @property
    def product_aliases(self) -> Sequence[Sequence[str]]: ...

    @property
    def product_lines(self) -> Sequence[Sequence[str]]: ...


@dataclass(frozen=True, slots=True)
class Judgement:
    relevant: bool
    topic: str | None  # the first topic (in config order) whose query matched; None when irrelevant
    terms: tuple[str, ...]  # query terms found
    event: Event
    cues: tuple[str, ...]  # why this event, e.g. ('title:"launches"',)
    features: StoryFeatures
    signature: bytes  # MinHash of the text; irrelevant documents get one too (near-duplicate memory)
    # Irrelevant, but about this (topic, product) with the topic's partner unnamed: ``Judge.confirm``.
    unconfirmed: tuple[str, str] | None = None
    relevance: str = ""  # why relevant or not, in words (``monitor check``)


class Judge:
    """``event_model``: a model file for the event classifier (``[judgement] event_model``); None, the shipped one.
    A file that is not a model raises ``ModelError`` here, at start-up, naming the file."""

    def __init__(self, topics: Sequence[TopicLike], event_model: Path | None = None) -> None:
        from monitor.judgement.match import compile_query
        from monitor.judgement.products import Products

        self._event_model = _load_event_model(event_model) if event_model is not None else None

        self._queries: tuple[tuple[str, Query], ...] = tuple(
            (t.name, compile_query(t.query, topic=t.name, aliases=t.aliases).maker_first(_configured_lines(t)))
            for t in topics
        )
        # A topic's product lines: those it configures and its subjects, else the names its query is about. A topic
        # that configures none also reads capitalised models (``Products(unlisted=...)``): any, for coverage that
        # never names the partner (known products decide), and only those right after a name, for the maker's own.
        self._products: dict[str, Products] = {
            t.name: Products((*t.lines, *query.subject_names()), t.product_aliases,
                             unlisted=None if t.product_lines else "any")
            for t, (_, query) in zip(topics, self._queries, strict=True)
        }
        # The products of the topic's maker alone (its configured lines and the maker's names, ``_maker_lines``),
        # not of its partner: "OnePlus 12" is a Hasselblad-topic product, "Hasselblad X2D" is not.
        self._own_products: dict[str, Products] = {
            t.name: Products(_maker_lines(t, query), t.product_aliases, unlisted=None if t.product_lines else "led")
            for t, (_, query) in zip(topics, self._queries, strict=True)
        }

    @property
    def topics(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self._queries)

    @staticmethod
    def prepare() -> None:
        """Import now what ``judge`` imports at its first call (see there), and read the shipped event model."""
        from monitor.judgement import classify, dedup, stories  # noqa: F401
        from monitor.judgement.eventmodel import default_model

        default_model()

    def judge(self, doc: RawDocument) -> Judgement:
        # Imported at the first judgement, not with this module: they bring numpy and a few hundred regexes
        # (~0.2 s), which a crawl whose feeds are all unchanged never needs. Later calls find them loaded.
        from monitor.judgement import dedup
        from monitor.judgement.features import StoryFeatures

        title, text = doc.title or "", doc.text or ""
        signature = dedup.signature(text or title)
        found = self._topic(title, text)
        if found.topic is None:
            features = StoryFeatures(published=doc.published.date() if doc.published else None)
            return Judgement(False, None, found.terms, Event.OTHER, (), features, signature, found.unconfirmed,
                             found.reason)
        return self._relevant(doc, found.topic, found.terms, signature, found.reason)

    def confirm(self, doc: RawDocument, judgement: Judgement, known: Callable[[str, str], bool]) -> Judgement:
        """``judgement``, or the document judged relevant to its ``unconfirmed`` topic when ``known(topic,
        product)`` says that product is the topic's: coverage of a co-engineered phone often never names the
        partner ("Xiaomi 15 series is coming on October 29"), and what tells it from the maker's other phones is
        that stored coverage of the same product named the partner. ``known`` is ``StoryIndex.knows_product``."""
        if judgement.relevant or judgement.unconfirmed is None or not known(*judgement.unconfirmed):
            return judgement
        topic, product = judgement.unconfirmed
        return self._relevant(doc, topic, judgement.terms, judgement.signature,
                              f"the partner is not named, but {product} is a product of the topic's stored "
                              "coverage (or a later generation of one)")

    def _relevant(self, doc: RawDocument, topic: str, terms: tuple[str, ...], signature: bytes,
                  reason: str) -> Judgement:
        from monitor.judgement.classify import classify_event
        from monitor.judgement.features import LEAD_CHARS, story_features

        title, text = doc.title or "", doc.text or ""
        decision = classify_event(title, text, doc.published, self._event_model)
        features = story_features(title, text, decision.event, doc.published, self._products[topic],
                                  ends_partnership=decision.ends_partnership)
        if (decision.unspoken and decision.event is Event.LAUNCH
                and self._products[topic].primary(title, text[:LEAD_CHARS]) is None):
            # No word of any event reads as the product as it is, but this names none of the topic's products:
            # other news ("… opens a store"), not a launch. (Any capitalised model, as ``features.models`` reads
            # them, gave the 220 one alert more, held out and dense.)
            decision = replace(decision, event=Event.OTHER, cues=())
            features = replace(features, event=Event.OTHER)
        return Judgement(True, topic, terms, decision.event, decision.cues, features, signature, None, reason)

    def _topic(self, title: str, text: str) -> _Found:
        """The first matching topic in config order; for an irrelevant document the terms and reason of the first
        query, and the first (topic, product) it might be unconfirmed coverage of (``confirm``).
        The document is tokenised once for all of them: tokenising is two thirds of what matching one topic costs.

        A partner named once, deep in the text, is still the subject when the headline or lead names one of the
        topic's own products ("OnePlus 12 renders leak", Hasselblad in the fifth paragraph): an article about a
        co-engineered phone often names the partner once. Without that product it is a passing mention (a Leica
        M11 review that recalls Leica's Xiaomi deal). Measured with topics written only in config: a subjects-only
        Xiaomi–Leica topic's recall on ../shared/judgement-dev rose from 0.75 to 0.89, precision unchanged
        (docs/quality.md). A partner not named at all leaves the product unconfirmed (``confirm``)."""
        from monitor.judgement.text import lead, prepare

        prepared = prepare(title, text)
        head = lead(text)  # a slice: what the product look-ups below read, when a query leaves them any doubt
        first: _Found | None = None
        unconfirmed: tuple[str, str] | None = None
        for name, query in self._queries:
            match = query.evaluate_prepared(prepared)
            if match.relevant:
                return _Found(name, tuple(match.terms), match.reason)
            own = self._own_products[name].primary(title, head) if match.in_passing else None
            if own is not None:
                return _Found(name, tuple(match.terms), f"{match.reason}, but the article is about {own}, a "
                                                        "product of the topic's maker")
            product = None
            if (match.in_passing or match.partner_missing) and unconfirmed is None:
                product = self._products[name].primary(title, head)
            if product is not None:
                unconfirmed = (name, product)
            if first is None:
                first = _Found(None, tuple(match.terms), match.reason + (
                    f"; it is about {product}, not yet a product of the topic's stored coverage" if product else ""))
        found = first or _Found(None, (), "no topic")
        return _Found(None, found.terms, found.reason, unconfirmed)


@dataclass(frozen=True, slots=True)
class _Found:
    """What the topic queries say of one document (``Judge._topic``)."""

    topic: str | None
    terms: tuple[str, ...]
    reason: str
    unconfirmed: tuple[str, str] | None = None


def _configured_lines(topic: TopicLike) -> list[str]:
    return [word for group in topic.product_lines for word in group]


def _maker_lines(topic: TopicLike, query: Query) -> tuple[str, ...]:
    """The configured product lines and the maker's names with their aliases."""
    makers = set(query.maker_names())
    named = [word for group in topic.aliases if makers.intersection(group) for word in group]
    return tuple(dict.fromkeys([*_configured_lines(topic), *makers, *named]))


def _load_event_model(path: Path) -> EventModel:
    from monitor.judgement.eventmodel import ModelError, load

    try:
        return load(path)
    except ModelError as exc:
        raise ConfigError(str(exc), key="judgement.event_model") from exc
