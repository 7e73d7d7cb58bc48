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

Lookup is sub-linear in stored articles: candidates come from the near-duplicate LSH and from a bucket per
(topic, event, generation) keyed by week, never from a scan of every story.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from itertools import islice
from typing import TYPE_CHECKING, Any, Protocol

from monitor import dedup
from monitor.classify import named_days
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
        for region, patterns in _REGION_PATTERNS.items():
            score[region] += weight * sum(1 for p in patterns if p.search(part))
    china, world = score["china"], score["global"]
    if china >= REGION_MARGIN * world and china > 0:
        return "china"
    if world >= REGION_MARGIN * china and world > 0:
        return "global"
    return None


def _title_tokens(title: str) -> tuple[str, ...]:
    words = re.findall(r"[^\W\d_]{3,}", _norm(title).casefold())
    return tuple(sorted({w for w in words if w not in _STOP}))


# --- the index ---------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class StoryDecision:
    """Where an article belongs. ``story_id`` None means "start a new story" (or: not relevant).

    ``nearest_story``/``nearest_score`` name the best candidate even when it was rejected, so a wrong
    split can be explained from the log.
    """

    story_id: int | None
    score: float
    reason: str
    nearest_story: int | None = None
    nearest_score: float = 0.0


@dataclass(slots=True)
class _Story:
    """Accumulated features of one stored story (internal, mutable while coverage arrives)."""

    story_id: int
    topic: str
    event: Event
    first: date | None = None
    generations: Counter[str] = field(default_factory=Counter)
    regions: Counter[str] = field(default_factory=Counter)
    models: set[str] = field(default_factory=set)
    days: set[tuple[int, int]] = field(default_factory=set)
    title_tokens: Counter[str] = field(default_factory=Counter)
    size: int = 0
    generation: str | None = None  # the members' majority generation, kept current by absorb
    region: str | None = None  # likewise the majority region (None on a tie)

    def absorb(self, features: StoryFeatures) -> None:
        self.size += 1
        if features.generation:
            self.generations[features.generation] += 1
        if features.region:
            self.regions[features.region] += 1
        self.models.update(features.models)
        self.days.update(features.days)
        self.title_tokens.update(features.title_tokens)
        if features.published and (self.first is None or features.published < self.first):
            self.first = features.published
        self.generation = _primary(self.generations)
        self.region = _primary(self.regions)


_Bucket = tuple[str, Event, str | None]


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
    calling ``add`` for every stored relevant article (``Store.story_memory()``)."""

    def __init__(self, *, window: timedelta = WINDOW, join_score: float = JOIN_SCORE) -> None:
        self.window = window
        self.join_score = join_score
        self._near = dedup.NearDuplicateIndex(NEAR_DUPLICATE)
        self._article_story: dict[int, int] = {}
        self._signatures: dict[int, bytes] = {}
        self._stories: dict[int, _Story] = {}
        # bucket -> week of the story's first article (None: undated) -> story ids; dicts keep insertion order
        self._by_week: dict[_Bucket, dict[int | None, dict[int, None]]] = defaultdict(lambda: defaultdict(dict))
        self._recent: dict[_Bucket, dict[int, None]] = defaultdict(dict)  # bucket -> story ids, oldest first

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
        old_keys = self._keys(story)
        story.absorb(features)
        self._file(story, old_keys)
        self._article_story[article_id] = story_id
        self._signatures[article_id] = signature
        self._near.add(article_id, signature)

    def assign(self, judgement: Judgement, published: datetime | None) -> StoryDecision:
        """The story this article is more coverage of, or ``story_id=None`` for a new story."""
        if not judgement.relevant:
            return StoryDecision(None, 0.0, "not relevant")
        features = _with_date(judgement.features, published)
        best: tuple[float, str, int] | None = None
        nearest: tuple[float, int] | None = None
        for story_id, copy_score in self._candidates(judgement, features).items():
            story = self._stories[story_id]
            score, reason = _score(story, judgement.topic or "", features, copy_score, self.window)
            if nearest is None or score > nearest[0]:
                nearest = (score, story_id)
            if reason.startswith("join") and (best is None or score > best[0]):
                best = (score, reason, story_id)
        near_id, near_score = (nearest[1], nearest[0]) if nearest else (None, 0.0)
        if best is not None and best[0] >= self._needed(features, self._stories[best[2]]):
            return StoryDecision(best[2], best[0], best[1], near_id, near_score)
        return StoryDecision(None, 0.0, "new story", near_id, near_score)

    def _needed(self, features: StoryFeatures, story: _Story) -> float:
        dated = features.published is not None and story.first is not None
        return self.join_score if dated else self.join_score + UNDATED_EXTRA

    # -- candidates ------------------------------------------------------------------------------------------

    def _candidates(self, judgement: Judgement, features: StoryFeatures) -> dict[int, float]:
        """Story id -> best near-duplicate similarity (0.0 for bucket candidates)."""
        found: dict[int, float] = {}
        for article_id in self._near.query(judgement.signature):
            sim = dedup.similarity(judgement.signature, self._signatures[article_id])
            story_id = self._article_story[article_id]
            found[story_id] = max(found.get(story_id, 0.0), sim)
        for bucket in self._query_buckets(judgement.topic or "", features):
            for story_id in self._in_window(bucket, features.published):
                found.setdefault(story_id, 0.0)
        return found

    def _query_buckets(self, topic: str, features: StoryFeatures) -> list[_Bucket]:
        if features.event is Event.REVIEW:
            return []  # reviews join only as near duplicates
        if features.event is Event.PARTNERSHIP or features.generation is None:
            return [(topic, features.event, ANY_GENERATION)]  # no product to narrow by
        return [(topic, features.event, features.generation), (topic, features.event, None)]

    def _in_window(self, bucket: _Bucket, published: date | None) -> list[int]:
        weeks = self._by_week.get(bucket)
        if not weeks:
            return []
        if published is None:
            return list(islice(reversed(self._recent[bucket]), UNDATED_CANDIDATES))
        out = list(islice(reversed(weeks.get(None, {})), UNDATED_CANDIDATES))
        span = self.window.days // 7 + 1
        week = _week(published)
        for w in range(week - span, week + span + 1):
            out.extend(weeks.get(w, ()))
        return out

    def _keys(self, story: _Story) -> tuple[_Bucket, int | None]:
        # Partnership stories are about the companies: filed without a product.
        generation = None if story.event is Event.PARTNERSHIP else story.generation
        return (story.topic, story.event, generation), _week(story.first) if story.first else None

    def _file(self, story: _Story, old: tuple[_Bucket, int | None]) -> None:
        """(Re-)file the story under its bucket and week, and under the event's all-generations bucket (for
        articles that name no product); bucket and week can move as coverage arrives."""
        new = self._keys(story)
        everything = (story.topic, story.event, ANY_GENERATION)
        if new != old:
            self._by_week[old[0]][old[1]].pop(story.story_id, None)
            self._recent[old[0]].pop(story.story_id, None)
            self._by_week[everything][old[1]].pop(story.story_id, None)
        for bucket in (new[0], everything):
            self._by_week[bucket][new[1]][story.story_id] = None
            self._recent[bucket][story.story_id] = None  # re-inserting keeps the order of first filing


def _week(day: date) -> int:
    return day.toordinal() // 7


def _with_date(features: StoryFeatures, published: datetime | None) -> StoryFeatures:
    if published is None or features.published is not None:
        return features
    return replace(features, published=published.date())


def _score(story: _Story, topic: str, f: StoryFeatures, copy: float, window: timedelta) -> tuple[float, str]:
    """(score, reason). Reasons starting with "join" passed every gate; others name the gate that failed."""
    if story.topic != topic:
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


def _gate(story: _Story, f: StoryFeatures, window: timedelta, *, event: bool) -> str | None:
    if event and story.event is not f.event:
        return f"event differs ({f.event} vs {story.event})"
    if event and f.event is Event.REVIEW:
        return "reviews join only as copies"
    products_matter = f.event is not Event.PARTNERSHIP or story.event is not Event.PARTNERSHIP
    if products_matter and f.generation and story.generation and f.generation != story.generation:
        return f"product differs ({f.generation} vs {story.generation})"
    if f.region and story.region and f.region != story.region:
        return f"region differs ({f.region} vs {story.region})"
    if f.published and story.first and abs(f.published - story.first) > window:
        return f"outside the {window.days}-day window"
    return None


def _evidence(story: _Story, f: StoryFeatures, copy: float) -> float:
    score = copy
    if f.generation and f.generation == story.generation:
        score += W_SAME_GENERATION
    if f.event is Event.PARTNERSHIP:
        score += W_PARTNERSHIP
    if story.days.intersection(f.days):
        score += W_SHARED_DAY
    if f.region and f.region == story.region:
        score += W_SAME_REGION
    return score + W_TITLE_OVERLAP * _overlap(story.title_tokens, f.title_tokens)


def _overlap(story_tokens: Counter[str], tokens: Iterable[str]) -> float:
    mine = set(tokens)
    if not mine or not story_tokens:
        return 0.0
    return len(mine.intersection(story_tokens)) / len(mine)
