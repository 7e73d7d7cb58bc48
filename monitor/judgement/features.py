"""Story features: what story identity reads of one article, computed once by the judge and stored with it. Pure.

The product (line, model, variant) comes from the topic's vocabulary (``products``); the region from the headline;
the days it names (in any of the languages ``classify.named_days`` reads) and, for a teaser, the days it announces;
its headline keywords without the topic's own names. ``StoryFeatures`` round-trips through JSON (the store keeps
it), so a story index can be rebuilt from the database at start-up.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from monitor.judgement.classify import day_ahead, day_spans, guessed_days
from monitor.judgement.cues import folded
from monitor.judgement.products import Named, Products, stored_key
from monitor.model import Event

LEAD_CHARS = 1500
TITLE_WEIGHT = 3


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
    ends_partnership: bool = False  # it tells of the topic's partnership ending (or of a rumour that it ends)

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
            "ends_partnership": self.ends_partnership,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StoryFeatures:
        published = data.get("published")
        return cls(
            models=tuple(data.get("models", ())),
            generation=_stored_generation(data.get("generation")),
            variant=data.get("variant"),
            region=data.get("region"),
            event=Event(data.get("event", Event.OTHER.value)),
            title_tokens=tuple(data.get("title_tokens", ())),
            days=tuple((int(m), int(d)) for m, d in data.get("days", ())),
            targets=tuple((int(m), int(d)) for m, d in data.get("targets", ())),
            published=date.fromisoformat(published) if published else None,
            ends_partnership=bool(data.get("ends_partnership", False)),
        )


def _stored_generation(key: str | None) -> str | None:
    return stored_key(key) if key else key


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
                   products: Products | None = None, *, ends_partnership: bool = False) -> StoryFeatures:
    """Features of one article (the title weighs ``TITLE_WEIGHT`` times its lead in the product; the region is the
    headline's).
    ``products``: the topic's product vocabulary; without one, an article names no product. ``ends_partnership``:
    what the event classifier read (``classify.EventDecision``)."""
    lead = text[:LEAD_CHARS]
    named = products.named(title, lead, TITLE_WEIGHT) if products else Named()
    headline = title or text.split("\n", 1)[0]
    head = title + "\n" + lead
    spans = day_spans(head)  # once: the days, and a teaser's targets and the guessed ones, read them
    return StoryFeatures(
        models=named.models,
        generation=named.generation,
        variant=named.variant,
        region=_region(headline),
        event=event,
        title_tokens=_title_tokens(headline, products.words if products else frozenset()),
        days=_days(frozenset(day for _, _, day in spans), published),
        targets=_targets(title, head, spans, published) if event is Event.TEASER else (),
        published=published.date() if published else None,
        ends_partnership=ends_partnership,
    )


def _days(mentioned: frozenset[tuple[int, int]], published: datetime | None) -> tuple[tuple[int, int], ...]:
    """The days an article is about: those it names, and the day it was published — a report published on
    May 23 and another that says "announced on 23 May" describe the same day (seeds 001 and 004)."""
    days = set(mentioned)
    if published is not None:
        days.add((published.month, published.day))
    return tuple(sorted(days))


def _targets(title: str, head: str, spans: list[tuple[int, int, tuple[int, int]]],
             published: datetime | None) -> tuple[tuple[int, int], ...]:
    """The days a teaser may announce: every day named in ``head`` (title and lead, whose ``day_spans`` are
    ``spans``) that lies ahead of publication (``classify.day_ahead``); for an undated article, the days its
    title names. A day only guessed at ("may be between April 17-21") is announced by no one."""
    if published is None:
        in_title = [span for span in spans if span[1] <= len(title)]
        return tuple(sorted({day for _, _, day in in_title} - guessed_days(title, in_title)))
    ahead = sorted({day for _, _, day in spans if day_ahead(day, published.date()) is not None})
    guessed = guessed_days(head, spans) if ahead else frozenset()  # read sentence by sentence: only if needed
    return tuple(day for day in ahead if day not in guessed)


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
