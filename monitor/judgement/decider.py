"""The story decider: whether one article is more coverage of one stored story, and why, in words. Pure.

``decide(story, probe, copy, window)`` checks the gates in order — each a difference a person would name: another
event, product, model, region, announced date, a launch date announced days after a teaser that had none, or a
date outside the window — and, when none fails, sums the evidence (same product and variant, a shared named day,
the region, headline words in common, the partnership itself, or its end told by both). It returns the score and
the reason: "join: …" with the evidence in words, or the gate that failed.
``StoryMemory`` is what a stored story accumulates from its articles; ``Probe`` is the article being looked up.
Weights and gates are set by hand and documented with their measured effect in docs/quality.md.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from datetime import timedelta

from monitor.judgement.features import StoryFeatures
from monitor.model import Event

NEAR_DUPLICATE = 0.5  # estimated Jaccard of 3-shingles: a syndicated copy or an excerpt scores well above
FOLLOWERS = frozenset({Event.RUMOR, Event.OTHER})  # what may join a confirmed story of the same model ...
FOLLOWED = (Event.TEASER, Event.LAUNCH)  # ... which is one of these

# Evidence weights (see module docstring); measured on ../shared/judgement-dev (docs/quality.md).
W_SAME_GENERATION = 0.5
W_SHARED_DAY = 0.3
W_TITLE_OVERLAP = 0.8  # times the Jaccard of headline keywords
W_SAME_REGION = 0.1
W_SAME_VARIANT = 0.2  # on top of the generation: "15 Ultra" and "15 Ultra", not "15" and "15 Ultra"
W_PARTNERSHIP = 0.5  # partnership news; or the partnership's end, told by the article and the story




# A (month, day) as one number (month * 32 + day), always the same int object: a story's evidence tuple and a
# probe's set hold these shared objects, so comparing them reads no memory of the story's own.
_DAY_CODES: tuple[int, ...] = tuple(range(16 * 32))
# A story's named days and headline words: a tuple while small (one object of a cache line or two, read in order),
# a frozenset once large (a probe's few items are then looked up in it rather than its many items in the probe:
# a story of fifty articles has a few hundred).
Evidence = tuple[int | str, ...] | frozenset[int | str]
EVIDENCE_TUPLE = 16


def day_codes(days: Iterable[tuple[int, int]]) -> set[int]:
    return {day_code(day) for day in days}


def day_code(day: tuple[int, int]) -> int:
    month, number = day
    return _DAY_CODES[(month & 15) * 32 + (number & 31)]


_MONTH_NAMES = ("", "January", "February", "March", "April", "May", "June", "July", "August", "September",
                "October", "November", "December")


def _day_name(code: int) -> str:
    month, day = divmod(code, 32)
    return f"{_MONTH_NAMES[month]} {day}" if 1 <= month <= 12 else str(code)


# A tally of values (generations, regions) as one story accumulates them: None, a single (value, count), or a
# dict once a second value arrives. Most stories have one generation and one region; a Counter each would be
# two dicts per story.
_Tally = tuple[str, int] | dict[str, int] | None


def _count(tally: _Tally, value: str) -> _Tally:
    if tally is None:
        return (value, 1)
    if isinstance(tally, tuple):
        return (value, tally[1] + 1) if tally[0] == value else {tally[0]: tally[1], value: 1}
    tally[value] = tally.get(value, 0) + 1
    return tally


def _majority(tally: _Tally) -> str | None:
    """The value counted most; None when two lead equally (as ``products._leader``)."""
    if tally is None or isinstance(tally, tuple):
        return tally[0] if tally else None
    best = max(tally.values())
    leaders = [value for value, n in tally.items() if n == best]
    return leaders[0] if len(leaders) == 1 else None


class StoryMemory:
    """Accumulated features of one stored story (internal, mutable while coverage arrives).

    Slots and plain values (a tally instead of a Counter; the named days and interned headline words in one
    ``evidence`` tuple): story memory is kept for every stored relevant article, a million of them in the
    benchmark, and an undated lookup compares about forty stories, each somewhere else in a large heap. What it
    reads of one is this object's first cache line and its evidence, a line or two read in order. A set of words
    (its table probed at random) and an int of day bits were three to five cache misses more per story: at a
    million stored articles, most of an undated lookup's time.
    """

    # What a lookup reads first, so that it shares the object's first cache line.
    __slots__ = ("region", "generation", "variant", "evidence", "targets", "story_id", "first", "seq", "topic",
                 "event", "size", "ends_partnership", "_generations", "_variants", "_regions")

    def __init__(self, story_id: int, topic: str, event: Event) -> None:
        self.story_id = story_id
        self.topic = topic
        self.event = event
        self.first: int | None = None  # ordinal of the earliest publication date among the members
        self.generation: str | None = None  # the members' majority generation, kept current by absorb
        self.region: str | None = None  # likewise the majority region (None on a tie)
        self.variant: str | None = None  # likewise the majority variant of the majority generation's articles
        self.targets: tuple[int, ...] = ()  # the announced days (day codes) its teasers name
        # Every day the members name (_DAY_CODES) and every headline word (interned), in no particular order.
        self.evidence: Evidence = ()
        self.size = 0
        self.ends_partnership = False  # a member tells of the partnership ending
        self.seq = 0  # when it was last filed under a new bucket or week: orders candidates of equal score
        self._generations: _Tally = None
        self._variants: _Tally = None
        self._regions: _Tally = None

    def absorb(self, features: StoryFeatures) -> None:
        self.size += 1
        self.ends_partnership = self.ends_partnership or features.ends_partnership
        if features.generation:
            self._generations = _count(self._generations, sys.intern(features.generation))
            self.generation = _majority(self._generations)
        if features.variant is not None and features.generation == self.generation:
            self._variants = _count(self._variants, sys.intern(features.variant))
            self.variant = _majority(self._variants)
        for code in day_codes(features.targets):
            if code not in self.targets:
                self.targets = (*self.targets, code)
        if features.region:
            self._regions = _count(self._regions, sys.intern(features.region))
            self.region = _majority(self._regions)
        if features.days or features.title_tokens:
            evidence: set[int | str] = set(self.evidence)
            known = len(evidence)
            evidence.update(day_codes(features.days))
            evidence.update(map(sys.intern, features.title_tokens))
            if len(evidence) != known:
                self.evidence = tuple(evidence) if len(evidence) <= EVIDENCE_TUPLE else frozenset(evidence)
        if features.published:
            day = features.published.toordinal()
            if self.first is None or day < self.first:
                self.first = day


class Probe:
    """The article being looked up, with what scoring compares precomputed once."""

    __slots__ = ("topic", "event", "generation", "variant", "region", "published", "day", "days", "targets",
                 "title_tokens", "ends_partnership")

    def __init__(self, topic: str, features: StoryFeatures) -> None:
        self.topic = topic
        self.event = features.event
        self.generation = features.generation
        self.variant = features.variant
        self.region = features.region
        self.published = features.published
        self.day = features.published.toordinal() if features.published else None
        self.days = frozenset(day_codes(features.days))
        self.targets = tuple(sorted(day_codes(features.targets)))
        self.title_tokens = frozenset(features.title_tokens)
        self.ends_partnership = features.ends_partnership


def decide(story: StoryMemory, f: Probe, copy: float, window: timedelta, *, explain: bool = True) -> tuple[float, str]:
    """(score, reason). Reasons starting with "join" passed every gate; others name the gate that failed.
    ``explain=False`` leaves a join's reason a bare "join" (a lookup words only its winner's).

    A near-duplicate text is the same story whatever its rewritten headline made the classifier say, so the
    event gate does not apply to it; products, region, dates and announced dates still do (templated spec
    sheets of two models are near-duplicates too)."""
    if story.topic != f.topic:
        return 0.0, "other topic"
    copied = copy >= NEAR_DUPLICATE
    gate = _gate(story, f, window, event=not copied)
    if gate is not None:
        return _evidence(story, f, copy), gate
    if copied:
        return 1.0 + copy, f"join: near-duplicate text ({copy:.2f})" if explain else "join"
    score = _evidence(story, f, copy)
    if f.event is Event.PARTNERSHIP and f.day is not None and story.first is not None and not _specific(story, f):
        # Every step of one partnership is "the partnership": a joint lab and an extension to tablets a week
        # apart are two stories unless a date, a product or headline words say they are one.
        return score, "another step of the partnership: no date, product or headline word in common"
    if f.event is Event.OTHER and story.event is Event.OTHER and not _beyond_product(story, f):
        # News of no event (an update, a sales figure, coverage in a language no cue reads) has no event to share:
        # the product alone does not make two such articles one story; a day, a headline word or the end of the
        # partnership does. Measured: realme-ricoh F1 0.575 -> 0.662, nokia-zeiss 0.778 -> 0.790, sony-zeiss
        # 0.790 -> 0.800, the 220 and the other sets unchanged, no alert added or lost (docs/quality.md).
        return score, "other news of the same product: no date or headline word in common"
    return score, "join: " + _why(story, f, score) if explain else "join"


def _day_or_headline_word(story: StoryMemory, f: Probe) -> bool:
    """A named day or a headline word in common."""
    return not f.days.isdisjoint(story.evidence) or not f.title_tokens.isdisjoint(story.evidence)


def _beyond_product(story: StoryMemory, f: Probe) -> bool:
    """A named day or a headline word in common, or both telling of the partnership's end."""
    return _day_or_headline_word(story, f) or (f.ends_partnership and story.ends_partnership)


def _specific(story: StoryMemory, f: Probe) -> bool:
    """Evidence beyond the event and the region: the product, a named day or a headline word in common."""
    return bool(f.generation and f.generation == story.generation) or _day_or_headline_word(story, f)


def _gate(story: StoryMemory, f: Probe, window: timedelta, *, event: bool) -> str | None:
    """The first difference that makes this other news, in words; None when there is none. (Straight-line
    checks, put in words by ``_other_*`` only when one fails: an undated lookup checks ~50 candidates.)"""
    if event and (story.event is not f.event or f.event is Event.REVIEW) and not _follows(story, f):
        return _other_event(story, f)
    if f.generation and story.generation and _products_matter(story, f):
        if f.generation != story.generation:
            return _other_product(story, f)
        if (f.variant is not None and story.variant is not None and f.variant != story.variant
                and not (_both_announce(story, f) and _same_announced_day(story, f))):
            return _other_model(story, f)
    if f.region and story.region and f.region != story.region:
        return _other_region(story, f)
    if _both_announce(story, f) and not _same_announced_day(story, f):
        return _other_date(story, f)
    if f.targets and _dates_what_was_undated(story, f):  # most probes announce no day: no call
        return "a launch date announced days after a story that had none: the date is the news"
    if f.day is not None and story.first is not None and abs(f.day - story.first) > window.days:
        return f"published outside the {window.days}-day window of the story"
    return None


def _follows(story: StoryMemory, f: Probe) -> bool:
    """An article that reads as a rumour or as neither may be coverage of a confirmed story (a teaser, a launch)
    of the same model: a leak never hides the news it follows. It shows that it is when it names one of the
    story's days or was published on one. Headline words in common are enough only for a dated article that
    reads as neither: a leak shares "Nokia 8", "camera" and "launch" with the news it precedes as much as with
    the news it follows, and without a date nothing shows that it came with the news rather than months
    before it (measured: an undated follower needing the day, the 220's held-out F1 0.889 -> 0.893; a leak
    needing it, nokia-zeiss F1 0.700 -> 0.742 and events 0.543 -> 0.652, the 220 and the other sets unchanged;
    docs/quality.md)."""
    if not (f.event in FOLLOWERS and story.event in FOLLOWED
            and f.generation is not None and f.generation == story.generation
            and f.variant is not None and f.variant == story.variant):
        return False
    if not f.days.isdisjoint(story.evidence):
        return True
    return f.event is Event.OTHER and f.day is not None and not f.title_tokens.isdisjoint(story.evidence)


def _other_event(story: StoryMemory, f: Probe) -> str:
    if f.event is Event.REVIEW and story.event is f.event:
        return "every review is its own story (joined only as a copy)"
    return f"other event ({f.event} here, {story.event} there)"


def _products_matter(story: StoryMemory, f: Probe) -> bool:
    """Partnership stories are about the companies, not a product."""
    return f.event is not Event.PARTNERSHIP or story.event is not Event.PARTNERSHIP


def _other_product(story: StoryMemory, f: Probe) -> str:
    return f"other product ({f.generation} here, {story.generation} there)"


def _other_model(story: StoryMemory, f: Probe) -> str:
    """"18 Pro" and "18 Ultra" are launched and teased apart; an article naming several has no variant."""
    return f"other model ({_shown_variant(f)} here, {_shown_variant(story)} there)"


def _shown_variant(item: StoryMemory | Probe) -> str:
    return f"{item.generation} {item.variant}".strip() if item.variant else f"plain {item.generation}"


def _other_region(story: StoryMemory, f: Probe) -> str:
    return f"other region ({f.region} here, {story.region} there)"


def _both_announce(story: StoryMemory, f: Probe) -> bool:
    """A teaser that names the day it announces, and a story whose teasers named theirs."""
    return f.event is Event.TEASER and bool(f.targets) and bool(story.targets)


# A day named this many days or more after an undated teaser story began is a new announcement, not its coverage.
# Measured (docs/quality.md): the 220's dense replay F1 0.768 -> 0.777, its held-out folds 0.887 -> 0.883.
DATE_NEWS_AFTER = 3  # days


def _dates_what_was_undated(story: StoryMemory, f: Probe) -> bool:
    """A teaser that names the day, published days after the first article of a teaser story that named none
    ("launching in April", then a week later "launches April 18")."""
    return (f.event is Event.TEASER and bool(f.targets) and story.event is Event.TEASER and not story.targets
            and f.day is not None and story.first is not None and f.day - story.first > DATE_NEWS_AFTER)


def _same_announced_day(story: StoryMemory, f: Probe) -> bool:
    """One launch event, whichever model of the series a headline leads with ("13 Pro launches December 11" is
    coverage of "13 series on December 11"); a teaser of other days is other news: the date moved, or it is
    another launch. (A day apart is the same date told from another time zone.)"""
    return any(abs(mine - known) <= 1 for mine in f.targets for known in story.targets)


def _other_date(story: StoryMemory, f: Probe) -> str:
    return f"other announced date ({_day_name(f.targets[0])} here, {_day_name(story.targets[0])} there)"


def _evidence(story: StoryMemory, f: Probe, copy: float) -> float:
    # The order of the additions is part of the result: scores are compared for equality and with thresholds.
    score = copy
    if f.generation and f.generation == story.generation:
        score += W_SAME_GENERATION
        if f.variant is not None and f.variant == story.variant:
            score += W_SAME_VARIANT
    if f.event is Event.PARTNERSHIP or (f.ends_partnership and story.ends_partnership):
        score += W_PARTNERSHIP
    if not f.days.isdisjoint(story.evidence):
        score += W_SHARED_DAY
    if f.region and f.region == story.region:
        score += W_SAME_REGION
    return score + W_TITLE_OVERLAP * _overlap(story.evidence, f.title_tokens)


def _why(story: StoryMemory, f: Probe, score: float) -> str:
    """The evidence that joined, in words a user can follow."""
    said = []
    if f.generation and f.generation == story.generation:
        said.append(f"same model ({_shown_variant(f)})" if f.variant is not None and f.variant == story.variant
                    else f"same product ({f.generation})")
    if f.event is Event.PARTNERSHIP:
        said.append("the same partnership")
    elif f.ends_partnership and story.ends_partnership:
        said.append("the end of the partnership")
    shared_days = sorted(code for code in f.days if code in story.evidence)
    if shared_days:
        said.append("the same date (" + ", ".join(_day_name(code) for code in shared_days[:2]) + ")")
    if f.region and f.region == story.region:
        said.append(f"the same region ({f.region})")
    words = sorted(f.title_tokens.intersection(story.evidence))
    if words:
        said.append("headline words in common (" + ", ".join(words[:4]) + ")")
    return "; ".join(said) + f" (evidence {score:.2f})" if said else f"evidence {score:.2f}"


def _overlap(evidence: Evidence, mine: frozenset[str]) -> float:
    """The share of the article's headline words that the story's headlines have too."""
    if not mine or not evidence:
        return 0.0
    return len(mine.intersection(evidence)) / len(mine)
