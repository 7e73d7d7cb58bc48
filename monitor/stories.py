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
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from itertools import islice
from typing import TYPE_CHECKING, Any, Protocol

from monitor import dedup
from monitor.classify import folded, named_days
from monitor.model import Event

if TYPE_CHECKING:
    from monitor.judge import Judgement

WINDOW = timedelta(days=10)
NEAR_DUPLICATE = 0.5  # estimated Jaccard of 3-shingles: a syndicated copy or an excerpt scores well above
JOIN_SCORE = 0.5
# Without both dates the window cannot tell this year's teaser from last year's: ask for one more piece of
# evidence (a shared named day, headline words, the region) beyond the product generation.
UNDATED_EXTRA = 0.2
ANY_GENERATION = "*"  # the bucket of every story of one (topic, event), whatever its product
UNDATED_CANDIDATES = 50  # an undated article is compared with the most recent stories of its bucket only
# A dated article is compared with at most this many stories of its bucket whose first article is within the
# window, the nearest in time: real coverage has a handful; the bound keeps a flood from making lookups slow.
WINDOW_CANDIDATES = 50
LEAD_CHARS = 1500
TITLE_WEIGHT = 3

# Evidence weights (see module docstring); measured on ../shared/judgement-dev (docs/quality.md).
W_SAME_GENERATION = 0.5
W_SHARED_DAY = 0.3
W_TITLE_OVERLAP = 0.8  # times the Jaccard of headline keywords
W_SAME_REGION = 0.1
W_PARTNERSHIP = 0.5


# --- features ----------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class StoryFeatures:
    """What story identity looks at, computed once per article by the judge and stored with it."""

    models: tuple[str, ...] = ()  # normalised model keys, e.g. ("xiaomi 15", "xiaomi 15 ultra")
    generation: str | None = None  # the product line the article is mostly about, e.g. "15", "12s"
    region: str | None = None  # "china" | "global" | None when not said or mixed
    event: Event = Event.OTHER
    title_tokens: tuple[str, ...] = ()  # headline keywords, without brand and model words
    days: tuple[tuple[int, int], ...] = ()  # (month, day) named in title or lead
    published: date | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "models": list(self.models),
            "generation": self.generation,
            "region": self.region,
            "event": self.event.value,
            "title_tokens": list(self.title_tokens),
            "days": [list(d) for d in self.days],
            "published": self.published.isoformat() if self.published else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StoryFeatures:
        published = data.get("published")
        return cls(
            models=tuple(data.get("models", ())),
            generation=data.get("generation"),
            region=data.get("region"),
            event=Event(data.get("event", Event.OTHER.value)),
            title_tokens=tuple(data.get("title_tokens", ())),
            days=tuple((int(m), int(d)) for m, d in data.get("days", ())),
            published=date.fromisoformat(published) if published else None,
        )


# "Xiaomi 15 Ultra", "Xiaomi’s 14 Series", "小米 12S Pro", "Mi 11 Ultra", "Xiaomi 15-Serie".
_BRAND_MODEL = re.compile(
    r"(?<!\w)(?:xiaomi|mi|小米)(?:['’]s)?(?:\s+new)?\s*(\d{1,2})([stx])?(?![\w.,]\d)"
    r"(?:[\s-]*(pro\+|pro|ultra|lite|plus))?",
    re.IGNORECASE,
)
# A bare "12S Ultra" / "13 Pro" after a list separator or article, in a text that names Xiaomi ("Xiaomi 12S,
# 12S Pro und 12S Ultra", "the 15 Ultra"); not after another brand ("iPhone 13 Pro", "Galaxy S22 Ultra").
_BARE_MODEL = re.compile(
    r"(?:^|[,/&]\s*|\b(?:the|and|und|et|le|la|das|die|der|or|oder|vs\.?)\s+)(\d{1,2})([stx])?\s*"
    r"(pro\+|pro|ultra|lite)(?!\w)",
    re.IGNORECASE | re.MULTILINE,
)
_LEICA_EDITION = re.compile(r"leica\s+edition|by\s+leica|徕卡版|徠卡版", re.IGNORECASE)

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

_STOP_WORDS = (  # function words, and words every article of the topic shares
    "a an and are as at be by for from has have in is it its it’s of on or the this that to with will what "
    "new now just more all set his her their our your you we us vs via how why when who der die das und mit "
    "ein eine ist im am auf für von zu le la les des du et en un une est pour sur avec xiaomi xiaomis leica "
    "series serie smartphone smartphones phone phones flagship mi pro ultra lite"
)
_STOP = frozenset(_STOP_WORDS.split())


def story_features(title: str, text: str, event: Event, published: datetime | None) -> StoryFeatures:
    """Features of one article (title weighs ``TITLE_WEIGHT`` times its lead in generation and region)."""
    lead = text[:LEAD_CHARS]
    models, generations = _models(title, lead)
    return StoryFeatures(
        models=models,
        generation=_primary(generations),
        region=_region(title, lead),
        event=event,
        title_tokens=_title_tokens(title or text.split("\n", 1)[0]),
        days=_days(title + "\n" + lead, published),
        published=published.date() if published else None,
    )


def _days(text: str, published: datetime | None) -> tuple[tuple[int, int], ...]:
    """The days an article is about: those it names, and the day it was published — a report published on
    May 23 and another that says "announced on 23 May" describe the same day (seeds 001 and 004)."""
    days = set(named_days(text))
    if published is not None:
        days.add((published.month, published.day))
    return tuple(sorted(days))


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _models(title: str, lead: str) -> tuple[tuple[str, ...], Counter[str]]:
    keys: set[str] = set()
    generations: Counter[str] = Counter()
    for part, weight in ((_norm(title), TITLE_WEIGHT), (_norm(lead), 1)):
        names_brand = bool(re.search(r"xiaomi|小米|\bmi\s+\d", part, re.IGNORECASE))
        found = [m.groups() for m in _BRAND_MODEL.finditer(part)]
        if names_brand or found:
            found += [m.groups() for m in _BARE_MODEL.finditer(part)]
        edition = bool(_LEICA_EDITION.search(part))
        for number, letter, variant in found:
            generation = number + (letter or "").lower()
            generations[generation] += weight
            keys.add(_model_key(generation, variant, edition))
    return tuple(sorted(keys)), generations


def _model_key(generation: str, variant: str | None, edition: bool) -> str:
    key = f"xiaomi {generation}" + (f" {variant.lower()}" if variant else "")
    return key + (" leica" if edition and variant and variant.lower() == "ultra" else "")


def _primary(generations: Counter[str]) -> str | None:
    """The generation mentioned most (title weighted); None when two lead equally — the article is a
    comparison, and a comparison should not be barred from either story."""
    ranked = generations.most_common(2)
    if not ranked or (len(ranked) == 2 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]


def _region(title: str, lead: str) -> str | None:
    score = {region: 0.0 for region in _REGION_PATTERNS}
    for part, weight in ((title, TITLE_WEIGHT), (lead, 1)):
        for region, hits in _region_hits(part).items():
            score[region] += weight * hits
    china, world = score["china"], score["global"]
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


def _title_tokens(title: str) -> tuple[str, ...]:
    words = re.findall(r"[^\W\d_]{3,}", _norm(title).casefold())
    return tuple(sorted({w for w in words if w not in _STOP}))


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
    return {_DAY_CODES[(month & 15) * 32 + (day & 31)] for month, day in days}


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
    """The value counted most; None when two lead equally (as ``_primary``)."""
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
    __slots__ = ("region", "generation", "evidence", "story_id", "first", "seq", "topic", "event", "size",
                 "_generations", "_regions")

    def __init__(self, story_id: int, topic: str, event: Event) -> None:
        self.story_id = story_id
        self.topic = topic
        self.event = event
        self.first: int | None = None  # ordinal of the earliest publication date among the members
        self.generation: str | None = None  # the members' majority generation, kept current by absorb
        self.region: str | None = None  # likewise the majority region (None on a tie)
        # Every day the members name (_DAY_CODES) and every headline word (interned), in no particular order.
        self.evidence: _Evidence = ()
        self.size = 0
        self.seq = 0  # when it was last filed under a new bucket or week: orders candidates of equal score
        self._generations: _Tally = None
        self._regions: _Tally = None

    def absorb(self, features: StoryFeatures) -> None:
        self.size += 1
        if features.generation:
            self._generations = _count(self._generations, sys.intern(features.generation))
            self.generation = _majority(self._generations)
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
            held = by_day.get(day + offset)
            if held is None:
                continue
            if isinstance(held, list):
                out += held
            else:
                out.append(held)
            if len(out) >= WINDOW_CANDIDATES:
                break
        return out[:WINDOW_CANDIDATES]


class StoredArticle(Protocol):
    """What ``add_stored`` reads from a stored article (``records.StoryMemoryRow`` has these)."""

    article_id: int
    story_id: int | None
    topic: str | None
    event: str | None
    features: Mapping[str, Any]
    signature: bytes
    published: datetime | None


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

        The best-scoring candidate that passed every gate joins when its score is enough (``_needed``). Between
        equal scores the first candidate wins: near duplicates first, then the bucket order (undated stories
        most recent first, then by week of their first article, then in the order they were filed).
        """
        if not judgement.relevant:
            return StoryDecision(None, 0.0, "not relevant")
        probe = _Probe(judgement.topic or "", _with_date(judgement.features, published))
        stories = self._stories
        best: tuple[float, int, str | None] | None = None  # (score, story id, reason) of the best join
        nearest: tuple[float, int] | None = None

        copies: dict[int, float] = {}  # story -> best near-duplicate similarity
        for article_id, sim in self._near.similar(judgement.signature):
            story_id = self._article_story[article_id]
            copies[story_id] = max(copies.get(story_id, 0.0), sim)
        for story_id, copy in copies.items():
            score, reason = _score(stories[story_id], probe, copy, self.window)
            if nearest is None or score > nearest[0]:
                nearest = (score, story_id)
            if reason.startswith("join") and (best is None or score > best[0]):
                best = (score, story_id, reason)

        # Stories of the article's buckets: topic, event and product cannot differ (that is what a bucket is), and
        # the date is within the window (that is what the bucket gives); the region is gated before any score.
        # Scoring is _evidence(story, probe, 0.0), inlined: this loop is the lookup's cost. Only the winner's reason
        # is written. Between equal scores the earlier candidate wins, in the order documented above.
        top_score, top_id, top_dated = -1.0, 0, None  # top_dated: (bucket, week, seq) of a window winner
        generation, region, day = probe.generation, probe.region, probe.day
        partnership, either = probe.event is Event.PARTNERSHIP, probe.evidence
        days, mine = probe.days, probe.title_tokens
        size = len(mine)
        for b, bucket in enumerate(self._buckets_for(probe)):
            groups = ((False, bucket.most_recent()),) if day is None else (
                (False, bucket.undated_recent()), (True, bucket.near(day, self._span, self._offsets)))
            for dated, candidates in groups:
                for story in candidates:
                    theirs = story.region
                    if region and theirs and theirs != region:
                        continue
                    story_id = story.story_id
                    if copies and story_id in copies:
                        continue
                    score = W_SAME_GENERATION if generation and generation == story.generation else 0.0
                    if partnership:
                        score += W_PARTNERSHIP
                    evidence = story.evidence
                    shared = not either.isdisjoint(evidence)  # a day or a headline word in common: rare
                    if shared and not days.isdisjoint(evidence):
                        score += W_SHARED_DAY
                    if region and region == theirs:
                        score += W_SAME_REGION
                    if shared and (hits := len(mine.intersection(evidence))):
                        score = score + W_TITLE_OVERLAP * (hits / size)  # with no word in common, score + 0.0
                    if score < top_score:
                        continue
                    # Lists are walked in candidate order, except the window (nearest days first), which is
                    # ordered by week of the first article, then filing.
                    if score > top_score:
                        top_score, top_id = score, story_id
                        top_dated = (b, story.first // 7, story.seq) if dated else None  # type: ignore[operator]
                    elif dated and top_dated is not None and top_dated[0] == b:
                        order = (b, story.first // 7, story.seq)  # type: ignore[operator]
                        if order < top_dated:
                            top_id, top_dated = story_id, order
        if top_score >= 0.0:
            if nearest is None or top_score > nearest[0]:
                nearest = (top_score, top_id)
            if best is None or top_score > best[0]:
                best = (top_score, top_id, None)  # the reason is written only if it joins

        near_id, near_score = (nearest[1], nearest[0]) if nearest else (None, 0.0)
        if best is not None and best[0] >= self._needed(probe.published, stories[best[1]]):
            reason = best[2] if best[2] is not None else f"join: evidence {best[0]:.2f}"
            return StoryDecision(best[1], best[0], reason, near_id, near_score)
        return StoryDecision(None, 0.0, "new story", near_id, near_score)

    def _needed(self, published: date | None, story: _Story) -> float:
        dated = published is not None and story.first is not None
        return self.join_score if dated else self.join_score + UNDATED_EXTRA

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
        return [(topic, event, generation), (topic, event, None)]

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

    __slots__ = ("topic", "event", "generation", "region", "published", "day", "days", "title_tokens", "evidence")

    def __init__(self, topic: str, features: StoryFeatures) -> None:
        self.topic = topic
        self.event = features.event
        self.generation = features.generation
        self.region = features.region
        self.published = features.published
        self.day = features.published.toordinal() if features.published else None
        self.days = frozenset(_day_codes(features.days))
        self.title_tokens = frozenset(features.title_tokens)
        self.evidence = self.days | self.title_tokens  # whether a story shares either, in one look at its evidence


def _score(story: _Story, f: _Probe, copy: float, window: timedelta) -> tuple[float, str]:
    """(score, reason). Reasons starting with "join" passed every gate; others name the gate that failed."""
    if story.topic != f.topic:
        return 0.0, "other topic"
    score = _evidence(story, f, copy)
    if copy >= NEAR_DUPLICATE:
        # The same text is the same story whatever its rewritten headline made the classifier say, so the
        # event gate does not apply; products, region and dates still do (templated spec sheets of two
        # models are near-duplicates too).
        gate = _gate(story, f, window, event=False)
        return (1.0 + copy, f"join: near-duplicate text ({copy:.2f})") if gate is None else (score, gate)
    gate = _gate(story, f, window, event=True)
    return (score, gate) if gate else (score, f"join: evidence {score:.2f}")


def _gate(story: _Story, f: _Probe, window: timedelta, *, event: bool) -> str | None:
    if event and story.event is not f.event:
        return f"event differs ({f.event} vs {story.event})"
    if event and f.event is Event.REVIEW:
        return "reviews join only as copies"
    products_matter = f.event is not Event.PARTNERSHIP or story.event is not Event.PARTNERSHIP
    if products_matter and f.generation and story.generation and f.generation != story.generation:
        return f"product differs ({f.generation} vs {story.generation})"
    if f.region and story.region and f.region != story.region:
        return f"region differs ({f.region} vs {story.region})"
    if f.day is not None and story.first is not None and abs(f.day - story.first) > window.days:
        return f"outside the {window.days}-day window"
    return None


def _evidence(story: _Story, f: _Probe, copy: float) -> float:
    # The order of the additions is part of the result: scores are compared for equality and with thresholds.
    score = copy
    if f.generation and f.generation == story.generation:
        score += W_SAME_GENERATION
    if f.event is Event.PARTNERSHIP:
        score += W_PARTNERSHIP
    if not f.days.isdisjoint(story.evidence):
        score += W_SHARED_DAY
    if f.region and f.region == story.region:
        score += W_SAME_REGION
    return score + W_TITLE_OVERLAP * _overlap(story.evidence, f.title_tokens)


def _overlap(evidence: _Evidence, mine: frozenset[str]) -> float:
    """The share of the article's headline words that the story's headlines have too."""
    if not mine or not evidence:
        return 0.0
    return len(mine.intersection(evidence)) / len(mine)
