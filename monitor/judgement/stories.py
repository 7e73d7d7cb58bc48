"""Story identity: which stored story (if any) a new relevant article is more coverage of. Pure, in memory.

A story is one event for one product line: the Xiaomi 15 series' global launch date, the 14 series' China
launch, the May 2022 partnership. Twenty outlets covering it — in other words, in other languages, as an
excerpt — are one story and one alert; the next event (the launch after the teaser) is a new story.

An article joins a story only when every gate passes (each is a reason a person would give for "that is
different news"):

1. same topic;
2. same event, except that reviews never join by rules — every outlet's review is its own piece of work,
   joined only as a near-duplicate copy;
3. the product generations agree ("14 Ultra" vs "15 Ultra" are different stories); partnership stories are
   about the companies, so products do not gate them;
4. the regions agree (a China launch and a global launch are different stories);
5. the publication dates are within ``WINDOW`` of the story's first article, when both are known.

Then it needs positive evidence (``score`` ≥ ``JOIN_SCORE``): a near-duplicate text (MinHash), the same
product generation, the same named day ("March 2" / "2. März" / "3 月 2 日"), shared headline words; or, for a
partnership, the event itself. Model numbers, event and dates carry across languages, which is how a German
or Chinese article of the same launch joins the English coverage.

Lookup cost does not grow with stored articles: candidates come from the near-duplicate LSH and from a bucket
per (topic, event, generation) keyed by the day of a story's first article, never from a scan of every story;
the bucket gives only stories within the window (at most ``WINDOW_CANDIDATES``, the nearest in time; for an
undated article the ``UNDATED_CANDIDATES`` most recent), and the region gate runs before any score. Memory is a
few hundred bytes per story and about a kilobyte per article (mostly its MinHash, in ``dedup``'s arrays).
"""

from __future__ import annotations

import re
import sys
import unicodedata
from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from itertools import islice
from typing import TYPE_CHECKING, Any, Protocol

from monitor.judgement import dedup
from monitor.judgement.classify import folded, named_days
from monitor.judgement.products import Named, Products
from monitor.model import Event

if TYPE_CHECKING:
    from monitor.judgement.judge import Judgement

WINDOW = timedelta(days=10)
NEAR_DUPLICATE = 0.5  # estimated Jaccard of 3-shingles: a syndicated copy or an excerpt scores well above
JOIN_SCORE = 0.5
# An undated article needs no more evidence than a dated one: the product generation tells this year's teaser
# from last year's, and asking for more split a third of the coverage (replay, docs/quality.md).
ANY_GENERATION = "*"  # the bucket of every story of one (topic, event), whatever its product
FOLLOWERS = frozenset({Event.RUMOR, Event.OTHER})  # what may join a confirmed story of the same model ...
FOLLOWED = (Event.TEASER, Event.LAUNCH)  # ... which is one of these
UNDATED_CANDIDATES = 50  # an undated article is compared with the most recent stories of its bucket only
# A dated article is compared with at most this many stories of its bucket whose first article is within the
# window, the nearest in time: real coverage has a handful; the bound keeps a flood from making lookups slow.
WINDOW_CANDIDATES = 50
LEAD_CHARS = 1500
TARGET_DAYS = timedelta(days=75)  # a day named this far ahead of publication can be the day a teaser announces
TITLE_WEIGHT = 3

# Evidence weights (see module docstring); measured on ../shared/judgement-dev (docs/quality.md).
W_SAME_GENERATION = 0.5
W_SHARED_DAY = 0.3
W_TITLE_OVERLAP = 0.8  # times the Jaccard of headline keywords
W_SAME_REGION = 0.1
W_SAME_VARIANT = 0.2  # on top of the generation: "15 Ultra" and "15 Ultra", not "15" and "15 Ultra"
W_PARTNERSHIP = 0.5


# --- features ----------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class StoryFeatures:
    """What story identity looks at, computed once per article by the judge and stored with it."""

    models: tuple[str, ...] = ()  # normalised model keys, e.g. ("xiaomi 15", "xiaomi 15 ultra")
    generation: str | None = None  # the product the article is mostly about: line and model, e.g. "xiaomi 15"
    variant: str | None = None  # its variant ("ultra"; "" for the plain model); None when mixed or unknown
    region: str | None = None  # "china" | "global" | None when not said or mixed
    event: Event = Event.OTHER
    title_tokens: tuple[str, ...] = ()  # headline keywords, without brand and model words
    days: tuple[tuple[int, int], ...] = ()  # (month, day) named in title or lead
    targets: tuple[tuple[int, int], ...] = ()  # the days a teaser may announce: (month, day) ahead of publication
    published: date | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "models": list(self.models),
            "generation": self.generation,
            "variant": self.variant,
            "region": self.region,
            "event": self.event.value,
            "title_tokens": list(self.title_tokens),
            "days": [list(d) for d in self.days],
            "targets": [list(d) for d in self.targets],
            "published": self.published.isoformat() if self.published else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StoryFeatures:
        published = data.get("published")
        return cls(
            models=tuple(data.get("models", ())),
            generation=data.get("generation"),
            variant=data.get("variant"),
            region=data.get("region"),
            event=Event(data.get("event", Event.OTHER.value)),
            title_tokens=tuple(data.get("title_tokens", ())),
            days=tuple((int(m), int(d)) for m, d in data.get("days", ())),
            targets=tuple((int(m), int(d)) for m, d in data.get("targets", ())),
            published=date.fromisoformat(published) if published else None,
        )



_REGION_CUES: dict[str, tuple[str, ...]] = {
    "china": (r"in china", r"china launch", r"chinese market", r"home market", r"home turf", r"china-only",
              r"in chine", r"en chine", r"国内", r"國內", r"国行"),
    "global": (r"global", r"globally", r"globalen?", r"international(?:ly)?", r"internationale?", r"worldwide",
               r"weltweit", r"mondial(?:e)?", r"in india", r"in europe", r"in europa", r"en europe",
               r"\bmwc\b", r"barcelona", r"全球", r"海外", r"国际", r"國際"),
}
_REGION_PATTERNS = {
    region: [re.compile(rf"(?<!\w){cue}(?!\w)" if cue.isascii() else cue, re.IGNORECASE) for cue in cues]
    for region, cues in _REGION_CUES.items()
}
# What each cue's matches must contain ("globalen?" -> "globale", "international(?:ly)?" -> "international"):
# a cue is searched only in a part whose folded text holds it (the same counts, much cheaper).
_REGION_LITERALS = {
    region: [re.sub(r"\(\?:[^)]*\)\?|.\?|\\b", "", cue) for cue in cues] for region, cues in _REGION_CUES.items()
}
REGION_MARGIN = 2.0  # one region must outweigh the other this many times to count

_STOP_WORDS = (  # function words, and words every article about phones shares; the topic's own words are added
    "a an and are as at be by for from has have in is it its it’s of on or the this that to with will what "
    "new now just more all set his her their our your you we us vs via how why when who der die das und mit "
    "ein eine ist im am auf für von zu le la les des du et en un une est pour sur avec "
    "series serie smartphone smartphones phone phones flagship pro ultra lite max plus mini"
)
_STOP = frozenset(_STOP_WORDS.split())


def story_features(title: str, text: str, event: Event, published: datetime | None,
                   products: Products | None = None) -> StoryFeatures:
    """Features of one article (the title weighs ``TITLE_WEIGHT`` times its lead in the product; the region is the
    headline's).
    ``products``: the topic's product vocabulary; without one, an article names no product."""
    lead = text[:LEAD_CHARS]
    named = products.named(title, lead, TITLE_WEIGHT) if products else Named()
    return StoryFeatures(
        models=named.models,
        generation=named.generation,
        variant=named.variant,
        region=_region(title or text.split("\n", 1)[0]),
        event=event,
        title_tokens=_title_tokens(title or text.split("\n", 1)[0], products.words if products else frozenset()),
        days=_days(title + "\n" + lead, published),
        targets=_targets(title, lead, published) if event is Event.TEASER else (),
        published=published.date() if published else None,
    )


def _days(text: str, published: datetime | None) -> tuple[tuple[int, int], ...]:
    """The days an article is about: those it names, and the day it was published — a report published on
    May 23 and another that says "announced on 23 May" describe the same day (seeds 001 and 004)."""
    days = set(named_days(text))
    if published is not None:
        days.add((published.month, published.day))
    return tuple(sorted(days))


def _targets(title: str, lead: str, published: datetime | None) -> tuple[tuple[int, int], ...]:
    """The days a teaser may announce: every day named in title and lead that lies ahead of publication (within
    ``TARGET_DAYS``); for an undated article, the days its title names."""
    if published is None:
        return tuple(sorted(named_days(title)))
    return tuple(day for day in sorted(named_days(title + "\n" + lead)) if _ahead(day, published.date()))


def _ahead(day: tuple[int, int], today: date) -> bool:
    for year in (today.year, today.year + 1):
        try:
            candidate = date(year, *day)
        except ValueError:
            continue
        if today < candidate <= today + TARGET_DAYS:
            return True
    return False


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _region(headline: str) -> str | None:
    """The region the headline names. Only the headline: a lead that recalls the China launch in a story about the
    European one is not a China story (measured: reading the lead too split five labelled stories in the replay)."""
    hits = _region_hits(headline)
    china, world = hits["china"], hits["global"]
    if china >= REGION_MARGIN * world and china > 0:
        return "china"
    if world >= REGION_MARGIN * china and world > 0:
        return "global"
    return None


def _region_hits(part: str) -> dict[str, int]:
    """How many of each region's cues the part names (each counts once)."""
    text = folded(part)
    return {region: sum(1 for p, literal in zip(patterns, _REGION_LITERALS[region], strict=True)
                        if literal in text and p.search(part))
            for region, patterns in _REGION_PATTERNS.items()}


def _title_tokens(title: str, topic_words: frozenset[str]) -> tuple[str, ...]:
    """Headline keywords: not function words, not the topic's own names (every headline of the topic has them)."""
    words = re.findall(r"[^\W\d_]{3,}", _norm(title).casefold())
    return tuple(sorted({w for w in words if w not in _STOP and w.removesuffix("s") not in topic_words
                         and w.removesuffix("’s") not in topic_words}))


# --- the index ---------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class StoryDecision:
    """Where an article belongs. ``story_id`` None means "start a new story" (or: not relevant).

    ``nearest_story``/``nearest_score`` name the best candidate even when it was rejected, so a wrong
    split can be explained from the log: a near-duplicate's story whatever gate it failed, or a story of the
    same topic, event and product that passed the region and date gates but lacked the evidence. (Stories that
    differ in product, region or date are not looked at unless their text is a near duplicate.)
    """

    story_id: int | None
    score: float
    reason: str
    nearest_story: int | None = None
    nearest_score: float = 0.0


# A (month, day) as one number (month * 32 + day), always the same int object: a story's evidence tuple and a
# probe's set hold these shared objects, so comparing them reads no memory of the story's own.
_DAY_CODES: tuple[int, ...] = tuple(range(16 * 32))
# A story's named days and headline words: a tuple while small (one object of a cache line or two, read in order),
# a frozenset once large (a probe's few items are then looked up in it rather than its many items in the probe:
# a story of fifty articles has a few hundred).
_Evidence = tuple[int | str, ...] | frozenset[int | str]
EVIDENCE_TUPLE = 16


def _day_codes(days: Iterable[tuple[int, int]]) -> set[int]:
    return {_day_code(day) for day in days}


def _day_code(day: tuple[int, int]) -> int:
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


class _Story:
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
                 "event", "size", "_generations", "_variants", "_regions")

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
        self.evidence: _Evidence = ()
        self.size = 0
        self.seq = 0  # when it was last filed under a new bucket or week: orders candidates of equal score
        self._generations: _Tally = None
        self._variants: _Tally = None
        self._regions: _Tally = None

    def absorb(self, features: StoryFeatures) -> None:
        self.size += 1
        if features.generation:
            self._generations = _count(self._generations, sys.intern(features.generation))
            self.generation = _majority(self._generations)
        if features.variant is not None and features.generation == self.generation:
            self._variants = _count(self._variants, sys.intern(features.variant))
            self.variant = _majority(self._variants)
        for code in _day_codes(features.targets):
            if code not in self.targets:
                self.targets = (*self.targets, code)
        if features.region:
            self._regions = _count(self._regions, sys.intern(features.region))
            self.region = _majority(self._regions)
        if features.days or features.title_tokens:
            evidence: set[int | str] = set(self.evidence)
            known = len(evidence)
            evidence.update(_day_codes(features.days))
            evidence.update(map(sys.intern, features.title_tokens))
            if len(evidence) != known:
                self.evidence = tuple(evidence) if len(evidence) <= EVIDENCE_TUPLE else frozenset(evidence)
        if features.published:
            day = features.published.toordinal()
            if self.first is None or day < self.first:
                self.first = day


_BucketKey = tuple[str, Event, str | None]


class _Bucket:
    """The stories of one (topic, event, generation): by the day of their first article, the undated ones, and
    all of them in the order they were filed (an undated article is compared with the most recent only).
    Stories are held directly (not by id): a lookup touches each candidate once."""

    __slots__ = ("by_day", "days", "undated", "recent", "_latest")

    def __init__(self) -> None:
        self.by_day: dict[int, _Story | list[_Story]] = {}  # one story on a day is itself, more a list
        self.days: list[int] = []  # the keys of by_day, sorted: a window is two bisections away
        self.undated: dict[int, _Story] = {}  # by story id; dicts keep insertion order: most recently filed last
        self.recent: dict[int, _Story] = {}  # likewise every story; changed only through file/unfile
        # most_recent() as a list, until the order changes: reading the end of a large dict is a few dozen cache
        # misses, a list of fifty stories a handful; coverage that joins a story changes no order.
        self._latest: list[_Story] | None = None

    def put(self, story: _Story, first: int | None) -> None:
        if first is None:
            self.undated[story.story_id] = story
            return
        held = self.by_day.get(first)
        if held is None:
            self.by_day[first] = story
            insort(self.days, first)
        elif isinstance(held, list):
            held.append(story)
        elif held is not story:
            self.by_day[first] = [held, story]

    def take(self, story: _Story, first: int | None) -> None:
        if first is None:
            self.undated.pop(story.story_id, None)
            return
        held = self.by_day.get(first)
        if held is story:
            del self.by_day[first]
            del self.days[bisect_left(self.days, first)]
        elif isinstance(held, list) and story in held:
            held.remove(story)
            if len(held) == 1:
                self.by_day[first] = held[0]

    def file(self, story: _Story) -> None:
        """Most recently filed, unless it is filed already (then its place does not change)."""
        if story.story_id not in self.recent:
            self.recent[story.story_id] = story
            self._latest = None

    def unfile(self, story_id: int) -> None:
        if self.recent.pop(story_id, None) is not None:
            self._latest = None

    def undated_recent(self) -> Iterable[_Story]:
        return islice(reversed(self.undated.values()), UNDATED_CANDIDATES) if self.undated else ()

    def most_recent(self) -> list[_Story]:
        latest = self._latest
        if latest is None:
            latest = self._latest = list(islice(reversed(self.recent.values()), UNDATED_CANDIDATES))
        return latest

    def near(self, day: int, span: int, offsets: tuple[int, ...]) -> list[_Story]:
        """Stories whose first article is within ``span`` days of ``day``, at most ``WINDOW_CANDIDATES``: when
        there are more, those of the nearest days (``offsets``, nearest first). Otherwise in no particular order
        (``assign`` orders a window's candidates itself)."""
        days = self.days
        lo = bisect_left(days, day - span)
        hi = bisect_right(days, day + span, lo)
        if lo == hi:
            return []
        by_day = self.by_day
        out: list[_Story] = []
        for first in days[lo:hi]:
            held = by_day[first]
            if isinstance(held, list):
                out += held
            else:
                out.append(held)
        if len(out) <= WINDOW_CANDIDATES:
            return out
        out = []
        for offset in offsets:
            near = by_day.get(day + offset)
            if near is None:
                continue
            held = near
            if isinstance(held, list):
                out += held
            else:
                out.append(held)
            if len(out) >= WINDOW_CANDIDATES:
                break
        return out[:WINDOW_CANDIDATES]


class StoredArticle(Protocol):
    """What ``add_stored`` reads from a stored article (``records.StoryMemoryRow`` has these), read-only."""

    @property
    def article_id(self) -> int: ...
    @property
    def story_id(self) -> int | None: ...
    @property
    def topic(self) -> str | None: ...
    @property
    def event(self) -> str | None: ...
    @property
    def features(self) -> Mapping[str, Any]: ...
    @property
    def signature(self) -> bytes: ...
    @property
    def published(self) -> datetime | None: ...


class StoryIndex:
    """In-memory story memory: near-duplicate LSH over articles plus story buckets. Rebuilt at start-up by
    calling ``add`` for every stored relevant article (``Store.story_memory()``).

    A lookup scores the stories of near-duplicate articles, and the stories of its (topic, event, generation)
    buckets whose first article is within the window (or, for an undated article, the most recent ones) and
    whose region does not differ. Its cost depends on how much coverage falls in the window (bounded), not on
    how much is stored. Decisions are those of scoring every candidate of the earlier, week-keyed index in its
    order; only ``nearest_story`` no longer names a bucket story that failed the region or date gate, and more
    than ``WINDOW_CANDIDATES`` stories of one bucket within the window are cut to the nearest in time.
    """

    def __init__(self, *, window: timedelta = WINDOW, join_score: float = JOIN_SCORE) -> None:
        self.window = window
        self.join_score = join_score
        self._near = dedup.NearDuplicateIndex(NEAR_DUPLICATE)
        self._article_story: dict[int, int] = {}
        self._stories: dict[int, _Story] = {}
        self._buckets: dict[_BucketKey, _Bucket] = {}
        self._filed = 0  # filings so far: the next _Story.seq
        self._span = span = max(window.days, 0)  # |Δ| > window ⇔ |Δ| > window.days, for dates (whole days)
        self._offsets = (0, *(d for n in range(1, span + 1) for d in (-n, n)))  # the window, nearest days first

    def __len__(self) -> int:
        return len(self._article_story)

    @property
    def story_count(self) -> int:
        return len(self._stories)

    def add(self, article_id: int, story_id: int | None, judgement: Judgement, published: datetime | None) -> None:
        """Remember a stored article. Irrelevant articles (no story) are not story memory. Idempotent."""
        if story_id is None or not judgement.relevant:
            return
        self._remember(article_id, story_id, judgement.topic or "", judgement.features, judgement.signature,
                       published)

    def add_stored(self, row: StoredArticle) -> None:
        """Remember an article read back from the store (``Store.story_memory()`` rows)."""
        if row.story_id is None or row.topic is None:
            return
        features = StoryFeatures.from_json(row.features)
        if row.event:
            features = replace(features, event=Event(row.event))
        self._remember(row.article_id, row.story_id, row.topic, features, row.signature, row.published)

    def _remember(self, article_id: int, story_id: int, topic: str, features: StoryFeatures, signature: bytes,
                  published: datetime | None) -> None:
        if article_id in self._article_story:
            return
        features = _with_date(features, published)
        story = self._stories.get(story_id)
        if story is None:
            story = self._stories[story_id] = _Story(story_id, topic, features.event)
        old = (self._bucket_key(story), story.first)
        story.absorb(features)
        self._file(story, *old)
        self._article_story[article_id] = story.story_id  # one int object per story, not per article
        self._near.add(article_id, signature)

    def assign(self, judgement: Judgement, published: datetime | None) -> StoryDecision:
        """The story this article is more coverage of, or ``story_id=None`` for a new story.

        Candidates are the stories of near-duplicate articles, then the stories of the article's buckets (same
        topic, event and product; first article within the window, or for an undated article the most recent).
        Each is judged by ``_score``: a gate that fails names the difference; otherwise the evidence is summed.
        The best-scoring candidate that passed every gate joins when its score reaches ``join_score``; between
        equal scores the first candidate wins.
        """
        if not judgement.relevant:
            return StoryDecision(None, 0.0, "not relevant")
        probe = _Probe(judgement.topic or "", _with_date(judgement.features, published))
        copies: dict[int, float] = {}  # story -> best near-duplicate similarity
        for article_id, sim in self._near.similar(judgement.signature):
            story_id = self._article_story[article_id]
            copies[story_id] = max(copies.get(story_id, 0.0), sim)
        best: tuple[float, _Story, float] | None = None  # (score, story, near-duplicate similarity)
        nearest: tuple[float, int, str] | None = None
        for story, copy in self._candidates(probe, copies):
            score, reason = _score(story, probe, copy, self.window, explain=False)
            if nearest is None or score > nearest[0]:
                nearest = (score, story.story_id, reason)
            if reason == "join" and (best is None or score > best[0]):
                best = (score, story, copy)
        if nearest is None:
            return StoryDecision(None, 0.0, "new story")
        near_score, near_id, near_reason = nearest
        if best is not None and best[0] >= self.join_score:
            reason = _score(best[1], probe, best[2], self.window)[1]  # words for the winner only
            return StoryDecision(best[1].story_id, best[0], reason, near_id, near_score)
        if near_reason == "join":  # passed every gate, but too little in common
            near_reason = f"too little in common (evidence {near_score:.2f}, {self.join_score:.2f} needed)"
        return StoryDecision(None, 0.0, f"new story: nearest is story {near_id}, {near_reason}", near_id, near_score)

    def _candidates(self, probe: _Probe, copies: Mapping[int, float]) -> Iterable[tuple[_Story, float]]:
        """Near-duplicates' stories first, then each bucket story once; the region gate is checked by the
        caller's ``_score`` like every other gate."""
        seen = set(copies)
        for story_id, copy in copies.items():
            yield self._stories[story_id], copy
        for bucket in self._buckets_for(probe):
            lists = (bucket.most_recent(),) if probe.day is None else (
                bucket.undated_recent(), bucket.near(probe.day, self._span, self._offsets))
            for candidates in lists:
                for story in candidates:
                    if story.story_id not in seen:
                        seen.add(story.story_id)
                        yield story, 0.0

    # -- candidates ------------------------------------------------------------------------------------------

    def _buckets_for(self, probe: _Probe) -> list[_Bucket]:
        found = (self._buckets.get(key) for key in self._query_buckets(probe.topic, probe.event, probe.generation))
        return [bucket for bucket in found if bucket is not None]

    @staticmethod
    def _query_buckets(topic: str, event: Event, generation: str | None) -> list[_BucketKey]:
        if event is Event.REVIEW:
            return []  # reviews join only as near duplicates
        if event is Event.PARTNERSHIP or generation is None:
            return [(topic, event, ANY_GENERATION)]  # no product to narrow by
        followed = FOLLOWED if event in FOLLOWERS else ()  # a leak may be coverage of the news it follows
        return [(topic, event, generation), (topic, event, None), *((topic, e, generation) for e in followed)]

    def _bucket_key(self, story: _Story) -> _BucketKey:
        # Partnership stories are about the companies: filed without a product.
        generation = None if story.event is Event.PARTNERSHIP else story.generation
        return story.topic, story.event, generation

    def _bucket(self, key: _BucketKey) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket()
        return bucket

    def _file(self, story: _Story, old_key: _BucketKey, old_first: int | None) -> None:
        """(Re-)file the story under its bucket and first day, and under the event's all-generations bucket (for
        articles that name no product); bucket and first day can move as coverage arrives. A move to another
        bucket or week counts as a new filing (``seq``, and the bucket's recent order)."""
        key, first, sid = self._bucket_key(story), story.first, story.story_id
        everything = self._bucket((story.topic, story.event, ANY_GENERATION))
        new = self._bucket(key)
        moved = (key, _week(first)) != (old_key, _week(old_first))
        if moved or story.size == 1:
            self._filed += 1
            story.seq = self._filed
        if (key, first) != (old_key, old_first):
            old = self._buckets.get(old_key)
            if old is not None:
                old.take(story, old_first)
                if moved:
                    old.unfile(sid)
            everything.take(story, old_first)
            new.put(story, first)
            everything.put(story, first)
        elif story.size == 1:
            new.put(story, first)
            everything.put(story, first)
        new.file(story)  # filing again keeps the order of first filing
        everything.file(story)


def _week(day: int | None) -> int | None:
    return None if day is None else day // 7


def _with_date(features: StoryFeatures, published: datetime | None) -> StoryFeatures:
    if published is None or features.published is not None:
        return features
    return replace(features, published=published.date())


class _Probe:
    """The article being looked up, with what scoring compares precomputed once."""

    __slots__ = ("topic", "event", "generation", "variant", "region", "published", "day", "days", "targets",
                 "title_tokens")

    def __init__(self, topic: str, features: StoryFeatures) -> None:
        self.topic = topic
        self.event = features.event
        self.generation = features.generation
        self.variant = features.variant
        self.region = features.region
        self.published = features.published
        self.day = features.published.toordinal() if features.published else None
        self.days = frozenset(_day_codes(features.days))
        self.targets = tuple(sorted(_day_codes(features.targets)))
        self.title_tokens = frozenset(features.title_tokens)


def _score(story: _Story, f: _Probe, copy: float, window: timedelta, *, explain: bool = True) -> tuple[float, str]:
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
    return score, "join: " + _why(story, f, score) if explain else "join"


def _specific(story: _Story, f: _Probe) -> bool:
    """Evidence beyond the event and the region: the product, a named day or a headline word in common."""
    return bool((f.generation and f.generation == story.generation) or not f.days.isdisjoint(story.evidence)
                or not f.title_tokens.isdisjoint(story.evidence))


def _gate(story: _Story, f: _Probe, window: timedelta, *, event: bool) -> str | None:
    """The first difference that makes this other news, in words; None when there is none. (Straight-line
    checks, each in words in its own function only when it fails: an undated lookup scores ~50 candidates.)"""
    if event and (story.event is not f.event or f.event is Event.REVIEW) and not _follows(story, f):
        return _event_gate(story, f)
    if f.generation and story.generation and _products_matter(story, f):
        if f.generation != story.generation:
            return _product_gate(story, f)
        if f.variant is not None and story.variant is not None and f.variant != story.variant:
            return _variant_gate(story, f)
    if f.region and story.region and f.region != story.region:
        return _region_gate(story, f)
    if f.targets and story.targets and f.event is Event.TEASER:
        reason = _target_gate(story, f)
        if reason is not None:
            return reason
    if f.day is not None and story.first is not None and abs(f.day - story.first) > window.days:
        return f"published outside the {window.days}-day window of the story"
    return None


def _follows(story: _Story, f: _Probe) -> bool:
    """An article that reads as a rumour or as neither may be coverage of a confirmed story (a teaser, a launch)
    of the same model, when it shares a day or headline words with it: a leak never hides the news it follows."""
    return (f.event in FOLLOWERS and story.event in FOLLOWED
            and f.generation is not None and f.generation == story.generation
            and f.variant is not None and f.variant == story.variant
            and not (f.days.isdisjoint(story.evidence) and f.title_tokens.isdisjoint(story.evidence)))


def _event_gate(story: _Story, f: _Probe) -> str | None:
    if story.event is not f.event:
        return f"other event ({f.event} here, {story.event} there)"
    if f.event is Event.REVIEW:
        return "every review is its own story (joined only as a copy)"
    return None


def _products_matter(story: _Story, f: _Probe) -> bool:
    """Partnership stories are about the companies, not a product."""
    return f.event is not Event.PARTNERSHIP or story.event is not Event.PARTNERSHIP


def _product_gate(story: _Story, f: _Probe) -> str | None:
    if _products_matter(story, f) and f.generation and story.generation and f.generation != story.generation:
        return f"other product ({f.generation} here, {story.generation} there)"
    return None


def _variant_gate(story: _Story, f: _Probe) -> str | None:
    """"18 Pro" and "18 Ultra" are launched and teased apart; an article naming several has no variant."""
    if not _products_matter(story, f) or f.variant is None or story.variant is None or f.variant == story.variant:
        return None
    return f"other model ({_shown_variant(f)} here, {_shown_variant(story)} there)"


def _shown_variant(item: _Story | _Probe) -> str:
    return f"{item.generation} {item.variant}".strip() if item.variant else f"plain {item.generation}"


def _region_gate(story: _Story, f: _Probe) -> str | None:
    if f.region and story.region and f.region != story.region:
        return f"other region ({f.region} here, {story.region} there)"
    return None


def _target_gate(story: _Story, f: _Probe) -> str | None:
    """A teaser of other dates is other news: the date moved, or it is another launch. (A day apart is the same
    date told from another time zone.)"""
    if f.event is not Event.TEASER or not f.targets or not story.targets:
        return None
    if any(abs(mine - known) <= 1 for mine in f.targets for known in story.targets):
        return None
    return f"other announced date ({_day_name(f.targets[0])} here, {_day_name(story.targets[0])} there)"


def _evidence(story: _Story, f: _Probe, copy: float) -> float:
    # The order of the additions is part of the result: scores are compared for equality and with thresholds.
    score = copy
    if f.generation and f.generation == story.generation:
        score += W_SAME_GENERATION
        if f.variant is not None and f.variant == story.variant:
            score += W_SAME_VARIANT
    if f.event is Event.PARTNERSHIP:
        score += W_PARTNERSHIP
    if not f.days.isdisjoint(story.evidence):
        score += W_SHARED_DAY
    if f.region and f.region == story.region:
        score += W_SAME_REGION
    return score + W_TITLE_OVERLAP * _overlap(story.evidence, f.title_tokens)


def _why(story: _Story, f: _Probe, score: float) -> str:
    """The evidence that joined, in words a user can follow."""
    said = []
    if f.generation and f.generation == story.generation:
        said.append(f"same model ({_shown_variant(f)})" if f.variant is not None and f.variant == story.variant
                    else f"same product ({f.generation})")
    if f.event is Event.PARTNERSHIP:
        said.append("the same partnership")
    shared_days = sorted(code for code in f.days if code in story.evidence)
    if shared_days:
        said.append("the same date (" + ", ".join(_day_name(code) for code in shared_days[:2]) + ")")
    if f.region and f.region == story.region:
        said.append(f"the same region ({f.region})")
    words = sorted(f.title_tokens.intersection(story.evidence))
    if words:
        said.append("headline words in common (" + ", ".join(words[:4]) + ")")
    return "; ".join(said) + f" (evidence {score:.2f})" if said else f"evidence {score:.2f}"


def _overlap(evidence: _Evidence, mine: frozenset[str]) -> float:
    """The share of the article's headline words that the story's headlines have too."""
    if not mine or not evidence:
        return 0.0
    return len(mine.intersection(evidence)) / len(mine)
