"""A compiled topic query: its tree of terms, its evaluation over a prepared text, and the subject rule. Pure.

The language and the subject rule are described in ``monitor.judgement.match``, which parses a query into this
tree (``compile_query``). Evaluation reads a ``text.PreparedText`` once per document and costs microseconds per
topic: a term's positions are looked up only when every exact word of one of its variants occurs.
"""

from __future__ import annotations

import bisect
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Union

from monitor.judgement.text import PreparedText, prepare

MENTION_GAP = 5  # spans of one concept this close together are one mention

# --- the query tree -----------------------------------------------------------------------------------------

Span = tuple[int, int]  # first and last token position, inclusive


@dataclass(frozen=True, slots=True)
class Pattern:
    """One word of a term: an exact token or a prefix."""

    text: str
    prefix: bool = False

    def positions(self, doc: PreparedText) -> Sequence[int]:
        if not self.prefix:
            return doc.positions(self.text)
        vocab = doc.vocabulary()
        start = bisect.bisect_left(vocab, self.text)
        found: list[int] = []
        for token in vocab[start:]:
            if not token.startswith(self.text):
                break
            found.extend(doc.positions(token))
        found.sort()
        return found

    def accepts(self, token: str) -> bool:
        return token.startswith(self.text) if self.prefix else token == self.text


@dataclass(frozen=True, slots=True)
class Term:
    """A word, phrase or wildcard as written in the query; ``variants``: the token runs it matches."""

    written: str
    variants: tuple[tuple[Pattern, ...], ...]
    # Per variant, its exact (non-prefix) tokens: a variant with one of them absent from the document is skipped
    # by a set comparison done in C, before any position is looked at.
    needs: tuple[frozenset[str], ...] = field(init=False)

    def __post_init__(self) -> None:
        needs = tuple(frozenset(p.text for p in variant if not p.prefix) for variant in self.variants)
        object.__setattr__(self, "needs", needs)

    def spans(self, doc: PreparedText) -> list[Span]:
        found: list[Span] = []
        present = doc.present
        for variant, needs in zip(self.variants, self.needs, strict=True):
            if needs <= present:
                found.extend(_variant_spans(variant, doc))
        if len(self.variants) > 1:
            found.sort()
        return found


def _variant_spans(variant: tuple[Pattern, ...], doc: PreparedText) -> list[Span]:
    """Where a run of patterns occurs, anchored on its rarest word."""
    if len(variant) == 1:
        return [(p, p) for p in variant[0].positions(doc)]
    candidates = [pattern.positions(doc) for pattern in variant]
    anchor = min(range(len(variant)), key=lambda i: len(candidates[i]))
    tokens, last = doc.tokens, len(variant) - 1
    spans: list[Span] = []
    for p in candidates[anchor]:
        start = p - anchor
        if start >= 0 and start + last < len(tokens) and _run_at(variant, tokens, start):
            spans.append((start, start + last))
    return spans


def _run_at(variant: tuple[Pattern, ...], tokens: Sequence[str], start: int) -> bool:
    return all(pattern.accepts(tokens[start + i]) for i, pattern in enumerate(variant))


@dataclass(frozen=True, slots=True)
class Near:
    left: Node
    right: Node
    distance: int


@dataclass(frozen=True, slots=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    child: Node


Node = Union[Term, Near, And, Or, Not]  # noqa: UP007 - a runtime alias used in forward references


@dataclass(frozen=True, slots=True)
class Match:
    """The verdict on one document. ``terms``: the query terms found (as written), also when not relevant."""

    relevant: bool
    terms: tuple[str, ...]
    reason: str = ""
    # Not relevant only because a required concept is mentioned once, deep in the text: the caller may still
    # accept it when the article is about one of the topic's products (``Judge``: the partner in passing).
    in_passing: bool = False
    # Not relevant because a required concept is absent (the partner), while the others are central and no rival
    # is the subject: ``Judge`` accepts it when it names a product known to be the topic's.
    partner_missing: bool = False


@dataclass(slots=True)
class _Result:
    matched: bool
    spans: list[Span]


@dataclass(slots=True)
class _Evaluation:
    """Per-document scratch: term spans computed once, terms found in positive position."""

    doc: PreparedText
    spans: dict[int, list[Span]] = field(default_factory=dict)
    found: dict[str, None] = field(default_factory=dict)

    def term(self, term: Term, positive: bool) -> _Result:
        key = id(term)
        spans = self.spans.get(key)
        if spans is None:
            spans = self.spans[key] = term.spans(self.doc)
        if spans and positive:
            self.found.setdefault(term.written, None)
        return _Result(bool(spans), spans)

    def node(self, node: Node, positive: bool = True) -> _Result:
        if isinstance(node, Term):
            return self.term(node, positive)
        if isinstance(node, Or):
            results = [self.node(child, positive) for child in node.children]
            return _Result(any(r.matched for r in results), _union(r.spans for r in results if r.matched))
        if isinstance(node, And):
            results = [self.node(child, positive) for child in node.children]
            matched = all(r.matched for r in results)
            return _Result(matched, _union(r.spans for r in results) if matched else [])
        if isinstance(node, Not):
            inner = self.node(node.child, not positive)
            return _Result(not inner.matched, [])
        left, right = self.node(node.left, positive), self.node(node.right, positive)
        pairs = _near(left.spans, right.spans, node.distance)
        return _Result(bool(pairs), pairs)


def _union(groups: Iterable[list[Span]]) -> list[Span]:
    merged: list[Span] = []
    for group in groups:
        merged.extend(group)
    merged.sort()
    return merged


def _near(left: list[Span], right: list[Span], distance: int) -> list[Span]:
    """Pairs of non-overlapping spans with at most ``distance`` tokens between them, either order."""
    starts = [span[0] for span in right]
    longest = max((end - start for start, end in right), default=0)
    pairs: list[Span] = []
    for a_start, a_end in left:
        lo = bisect.bisect_left(starts, a_start - distance - 1 - longest)
        hi = bisect.bisect_right(starts, a_end + distance + 1)
        for b_start, b_end in right[lo:hi]:
            gap = b_start - a_end - 1 if b_start > a_end else a_start - b_end - 1
            if 0 <= gap <= distance:
                pairs.append((min(a_start, b_start), max(a_end, b_end)))
    pairs.sort()
    return pairs


# --- the compiled query and the subject rule ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Query:
    topic: str
    source: str
    root: Node
    subject: bool = True
    required: tuple[Node, ...] = ()
    excluded: tuple[Node, ...] = ()

    def evaluate(self, title: str, text: str) -> Match:
        return self.evaluate_prepared(prepare(title, text))

    def subject_names(self) -> tuple[str, ...]:
        """The names the topic is about, as written in its required concepts: words and phrases of letters
        only (no model numbers, no wildcards), e.g. ``("xiaomi", "leica", "mix flip")``. A topic configured with
        a query alone gets its product lines from these."""
        found: dict[str, None] = {}
        for concept in self.required:
            for term in _terms(concept):
                words = term.written.strip('"')
                if all(word.isalpha() for word in words.split()):
                    found.setdefault(words.casefold(), None)
        return tuple(found)

    def maker_first(self, lines: Collection[str]) -> Query:
        """This query with the maker's concept first among the required ones: the first that names one of
        ``lines`` (the topic's configured product lines), else the first as written. The maker's products are the
        topic's (``Judge``), and a headline that leads with the maker keeps the topic the subject."""
        wanted = {line.casefold() for line in lines}
        for i, concept in enumerate(self.required):
            if wanted.intersection(self._names((concept,))):
                return replace(self, required=(concept, *self.required[:i], *self.required[i + 1:]))
        return self

    def maker_names(self) -> tuple[str, ...]:
        """``subject_names`` of the first required concept, the maker's once ``maker_first`` has put it there
        (``xiaomi`` in ``xiaomi leica``, ``oppo`` and ``oneplus`` in ``(oppo OR oneplus) hasselblad``)."""
        return self._names(self.required[:1])

    def _names(self, concepts: tuple[Node, ...]) -> tuple[str, ...]:
        return replace(self, required=concepts).subject_names()

    def evaluate_prepared(self, prepared: PreparedText) -> Match:
        evaluation = _Evaluation(prepared)
        if not self.subject:
            matched = evaluation.node(self.root).matched
            return Match(matched, tuple(evaluation.found), "query matches" if matched else "query does not match")
        # With the subject rule, top-level NOTs are judged by prominence below, not as plain absence.
        concepts = [(concept, evaluation.node(concept)) for concept in self.required]
        if not all(result.matched for _, result in concepts):
            return Match(False, tuple(evaluation.found), "query does not match",
                         partner_missing=_subject_without_partner(concepts, self.excluded, evaluation))
        rival = _rival_subject(concepts, self.excluded, evaluation)
        found = tuple(evaluation.found)
        if rival is not None:
            return Match(False, found, rival)
        for concept, result in concepts:
            if not _central(result.spans, evaluation.doc):
                return Match(False, found, f"{_describe(concept)} is only mentioned in passing", in_passing=True)
        return Match(True, found, "query matches and is the subject")


def _subject_without_partner(
    concepts: list[tuple[Node, _Result]], excluded: tuple[Node, ...], evaluation: _Evaluation
) -> bool:
    """Whether some required concepts match, each of them central, the others are absent, and no rival outweighs
    the ones that match (an article about the maker's phone that never names the partner)."""
    matched = [(concept, result) for concept, result in concepts if result.matched]
    return (0 < len(matched) < len(concepts) and all(_central(r.spans, evaluation.doc) for _, r in matched)
            and _rival_subject(matched, excluded, evaluation) is None)


def _rival_subject(
    concepts: list[tuple[Node, _Result]], excluded: tuple[Node, ...], evaluation: _Evaluation
) -> str | None:
    """Why a rival, not the topic, is the article's subject; None when none is."""
    # Compared with the weakest required concept: rivals compete for one slot (Huawei for Xiaomi's), while a
    # shared concept (Leica, partner of both) can be prominent in the rival's coverage too.
    weakest = min(_prominence(result.spans) for _, result in concepts)
    headline = _headline_start(concepts, evaluation.doc)
    for concept in excluded:
        rival = evaluation.node(concept, positive=False).spans
        if headline is not None and not any(headline > start for start, _ in rival):
            continue  # the headline leads with the topic: a rival it names later is context, not the subject
        if rival and _prominence(rival) >= weakest:
            return f"{_describe(concept)} is the subject: named at least as often and as early as the topic"
    return None


def _headline_start(concepts: list[tuple[Node, _Result]], doc: PreparedText) -> int | None:
    """Where the headline first names the topic, when it names the first required concept (the maker); else
    None. ("Xiaomi announces partnership with Leica, ending the Huawei deal" leads with the topic, however much of
    the text is about Huawei; so does "OnePlus 13 launched", whose lead compares it with the Xiaomi 15.)"""
    firsts = [next((start for start, _ in result.spans if start < doc.title_end), None) for _, result in concepts]
    if firsts[0] is None:
        return None
    return min(first for first in firsts if first is not None)


def _mentions(spans: list[Span]) -> list[int]:
    """Where a concept is mentioned: spans less than MENTION_GAP tokens apart are one mention, so "Xiaomi 14
    with Leica" is one mention of (leica OR "xiaomi 14"), not two."""
    starts: list[int] = []
    last_end = -MENTION_GAP - 1
    for start, end in spans:
        if start - last_end > MENTION_GAP:
            starts.append(start)
        last_end = max(last_end, end)
    return starts


def _central(spans: list[Span], doc: PreparedText) -> bool:
    mentions = _mentions(spans)
    return len(mentions) >= 2 or mentions[0] < doc.lead_end


def _prominence(spans: list[Span]) -> tuple[int, int]:
    """More mentions, then an earlier first mention, is more prominent."""
    mentions = _mentions(spans)
    return (len(mentions), -mentions[0])


def _terms(node: Node) -> list[Term]:
    """The terms under ``node`` that count for it (not those under a NOT)."""
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Near):
        return _terms(node.left) + _terms(node.right)
    if isinstance(node, Not):
        return []
    return [term for child in node.children for term in _terms(child)]


def _describe(node: Node) -> str:
    if isinstance(node, Term):
        return node.written
    if isinstance(node, Near):
        return f"{_describe(node.left)} NEAR/{node.distance} {_describe(node.right)}"
    if isinstance(node, Not):
        return f"NOT {_describe(node.child)}"
    joiner = " OR " if isinstance(node, Or) else " AND "
    return "(" + joiner.join(_describe(child) for child in node.children) + ")"
