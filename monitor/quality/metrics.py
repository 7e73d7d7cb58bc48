"""From what a replay stored and sent to the figures: relevance, stories (B-cubed), events, alerts.

Pure functions of ``Outcomes``: one row per labelled article (its label beside what the product did with it),
the stored stories an alert was sent for, and the messages each channel received. Outcomes of several replays
(the held-out folds) are pooled by concatenation; their story ids carry the fold as a prefix, so two folds'
story #3 stay two stories.

Definitions:

- relevance: an article counts as judged relevant when it was stored as relevant; a labelled article the
  product never stored (reported duplicate, or lost) counts as judged irrelevant.
- stories, B-cubed (Bagga & Baldwin 1998) over the relevant-labelled articles: per article, the share of its
  predicted cluster that truly belongs with it (precision) and the share of its true story put with it (recall);
  the predicted cluster is the stored story, and an article judged irrelevant or missing is a cluster of its own.
- events, over the relevant-labelled articles: the event of the stored story the article is in (what the alert
  says) against its label; "none" when it is in no story. Per-event recall is by labelled event.
- alerts: a labelled story is alert-worthy when it is relevant, its labelled event is one of the topic's
  ``alert_on``, and the seeds do not already hold it (``known_stories``: stored before the replay, it is no news
  to the user, and an alert for it is an alert for no wanted story); it got an alert when an alert was sent for
  a stored story holding one of its articles. Alerts per alerted story counts the stored stories alerted for it
  (more than one: the user was told twice).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

NONE = "none"  # the predicted event of an article in no story


@dataclass(frozen=True, slots=True)
class Row:
    """One labelled article: its label, and what the product did with it."""

    id: str
    story: str  # labelled story
    event: str  # labelled event
    relevant: bool  # labelled relevance
    outcome: str  # new, irrelevant, duplicate, error, missing
    predicted_relevant: bool
    cluster: str | None  # the stored story, fold-prefixed ("f2#17"); None when in no story
    predicted_event: str  # the stored story's event, NONE when in no story
    article_event: str | None = None  # the event judged for the article alone
    reason: str = ""  # why it joined or started its story, when the store keeps it
    flags: tuple[str, ...] = ()  # the labeller's doubts: event-ambiguous, story-grouping-ambiguous, ...


@dataclass(frozen=True, slots=True)
class Outcomes:
    rows: tuple[Row, ...]
    alerted: Mapping[str, int]  # cluster -> alerts sent for it, every channel together
    messages: Mapping[str, int]  # channel -> messages received
    alert_on: tuple[str, ...]
    seed_clusters: frozenset[str] = frozenset()  # stories holding an article stored before the replay (seeds)
    known_stories: frozenset[str] = frozenset()  # labelled stories the seeds hold: known, so not alert-worthy


@dataclass(frozen=True, slots=True)
class Missed:
    story: str
    articles: int
    why: str


@dataclass(frozen=True, slots=True)
class Figures:
    articles: int
    relevance_precision: float
    relevance_recall: float
    story_precision: float
    story_recall: float
    story_f1: float
    stories_labelled: int  # distinct labelled stories among the relevant-labelled articles
    stories_predicted: int  # distinct predicted clusters among them
    event_accuracy: float
    event_recall: dict[str, float]
    confusion: dict[str, dict[str, int]]  # labelled event -> predicted event -> articles
    alerts_per_channel: dict[str, int]
    alert_worthy_stories: int
    alerted_stories: int
    missed: list[Missed] = field(default_factory=list)
    alerts_per_alerted_story: float = 0.0
    stories_alerted_twice: int = 0  # alert-worthy stories told in more than one alert
    told_twice: list[Missed] = field(default_factory=list)  # those stories, with where their articles went
    alerts_unwanted: int = 0  # stored stories alerted that hold no alert-worthy labelled article
    alerts_shared: int = 0  # stored stories alerted that hold several alert-worthy labelled stories
    stories_known: int = 0  # labelled stories that would be alert-worthy but the seeds already hold


def pool(parts: Iterable[Outcomes]) -> Outcomes:
    """Several replays as one (their clusters already carry distinct prefixes)."""
    parts = list(parts)
    alert_on = {part.alert_on for part in parts}
    if len(alert_on) > 1:
        raise ValueError(f"cannot pool replays of different alert_on: {sorted(alert_on)}")
    messages: Counter[str] = Counter()
    alerted: dict[str, int] = {}
    for part in parts:
        messages.update(part.messages)
        alerted.update(part.alerted)
    return Outcomes(
        rows=tuple(row for part in parts for row in part.rows),
        alerted=alerted,
        messages=dict(messages),
        alert_on=parts[0].alert_on if parts else (),
        seed_clusters=frozenset().union(*(part.seed_clusters for part in parts)),
        known_stories=frozenset().union(*(part.known_stories for part in parts)),
    )


def figures(outcomes: Outcomes) -> Figures:
    rows = outcomes.rows
    labelled = [r for r in rows if r.relevant]
    precision, recall = bcubed(labelled)
    alerts = alert_figures(outcomes)
    return Figures(
        articles=len(rows),
        relevance_precision=_ratio(sum(r.relevant and r.predicted_relevant for r in rows),
                                   sum(r.predicted_relevant for r in rows)),
        relevance_recall=_ratio(sum(r.predicted_relevant for r in labelled), len(labelled)),
        story_precision=precision,
        story_recall=recall,
        story_f1=_ratio(2 * precision * recall, precision + recall),
        stories_labelled=len({r.story for r in labelled}),
        stories_predicted=len({predicted_cluster(r) for r in labelled}),
        event_accuracy=_ratio(sum(r.predicted_event == r.event for r in labelled), len(labelled)),
        event_recall=event_recall(labelled),
        confusion=confusion(labelled),
        alerts_per_channel=dict(sorted(outcomes.messages.items())),
        **alerts,
    )


def predicted_cluster(row: Row) -> str:
    """The stored story of a relevant article; an article judged irrelevant or missing is its own cluster."""
    return row.cluster if row.predicted_relevant and row.cluster else f"alone:{row.id}"


def bcubed(rows: Sequence[Row]) -> tuple[float, float]:
    """B-cubed precision and recall of the predicted clusters against the labelled stories."""
    if not rows:
        return 0.0, 0.0
    predicted: dict[str, list[Row]] = defaultdict(list)
    gold: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        predicted[predicted_cluster(row)].append(row)
        gold[row.story].append(row)
    precision = sum(
        sum(other.story == row.story for other in predicted[predicted_cluster(row)])
        / len(predicted[predicted_cluster(row)])
        for row in rows
    )
    recall = sum(
        sum(predicted_cluster(other) == predicted_cluster(row) for other in gold[row.story]) / len(gold[row.story])
        for row in rows
    )
    return precision / len(rows), recall / len(rows)


def event_recall(rows: Sequence[Row]) -> dict[str, float]:
    by_event: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by_event[row.event].append(row)
    return {event: _ratio(sum(r.predicted_event == event for r in group), len(group))
            for event, group in sorted(by_event.items())}


def confusion(rows: Sequence[Row]) -> dict[str, dict[str, int]]:
    table: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        table[row.event][row.predicted_event] += 1
    return {event: dict(sorted(counts.items())) for event, counts in sorted(table.items())}


def splits(rows: Iterable[Row]) -> list[tuple[str, dict[str, int]]]:
    """Relevant-labelled stories spread over several clusters: story -> {cluster: articles}, most spread first.
    Articles in no story are counted under "none"."""
    spread: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        if row.relevant:
            spread[row.story][row.cluster if row.predicted_relevant and row.cluster else NONE] += 1
    found = [(story, dict(counts.most_common())) for story, counts in spread.items()
             if len(counts) > 1 or NONE in counts]
    return sorted(found, key=lambda item: (-len(item[1]), item[0]))


def merges(rows: Iterable[Row]) -> list[tuple[str, list[str]]]:
    """Stored stories holding articles of several labelled stories (relevant or not): cluster -> stories."""
    members: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        if row.cluster and row.predicted_relevant:
            members[row.cluster].add(row.story)
    return sorted((cluster, sorted(stories)) for cluster, stories in members.items() if len(stories) > 1)


# ------------------------------------------------------------------------------------------- alerts


def alert_worthy(rows: Iterable[Row], alert_on: Sequence[str]) -> dict[str, list[Row]]:
    """Labelled story -> its articles, for every story relevant and labelled with an event in ``alert_on``."""
    stories: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        stories[row.story].append(row)
    return {story: group for story, group in sorted(stories.items())
            if any(r.relevant and r.event in alert_on for r in group)}


def alert_figures(outcomes: Outcomes) -> dict[str, Any]:
    """The alert measures over the alert-worthy stories the seeds do not already hold (``known_stories``: stored
    before the replay, the user has them)."""
    candidates = alert_worthy(outcomes.rows, outcomes.alert_on)
    worthy = {story: group for story, group in candidates.items() if story not in outcomes.known_stories}
    alerted_for: dict[str, set[str]] = {}  # labelled story -> stored stories alerted for it
    for story, group in worthy.items():
        alerted_for[story] = {r.cluster for r in group if r.cluster and r.cluster in outcomes.alerted}
    told = [clusters for clusters in alerted_for.values() if clusters]
    stories_in: dict[str, set[str]] = defaultdict(set)  # alerted stored story -> alert-worthy stories in it
    for story, clusters in alerted_for.items():
        for cluster in clusters:
            stories_in[cluster].add(story)
    return {
        "alert_worthy_stories": len(worthy),
        "stories_known": len(candidates) - len(worthy),
        "alerted_stories": len(told),
        "missed": [Missed(story, len(worthy[story]), why_missed(worthy[story], outcomes))
                   for story, clusters in alerted_for.items() if not clusters],
        "alerts_per_alerted_story": _ratio(sum(len(c) for c in told), len(told)),
        "stories_alerted_twice": sum(len(c) > 1 for c in told),
        "told_twice": [Missed(story, len(worthy[story]), why_missed(worthy[story], outcomes))
                       for story, clusters in alerted_for.items() if len(clusters) > 1],
        "alerts_unwanted": sum(cluster not in stories_in for cluster in outcomes.alerted),
        "alerts_shared": sum(len(stories) > 1 for stories in stories_in.values()),
    }


def why_missed(group: Sequence[Row], outcomes: Outcomes) -> str:
    """In words: where the story's articles went. E.g. ``f1#4 rumor; f1#9 teaser (seed story); 2 irrelevant``."""
    members: dict[str, set[str]] = defaultdict(set)
    for row in outcomes.rows:
        if row.cluster:
            members[row.cluster].add(row.story)
    story = group[0].story
    parts = []
    for cluster in dict.fromkeys(r.cluster for r in group if r.cluster and r.predicted_relevant):
        event = next(r.predicted_event for r in group if r.cluster == cluster)
        notes = ["seed story"] if cluster in outcomes.seed_clusters else []
        others = sorted(members[cluster] - {story})
        if others:
            notes.append("with " + ", ".join(others))
        parts.append(f"{cluster} {event}" + (f" ({'; '.join(notes)})" if notes else ""))
    elsewhere = Counter(r.outcome for r in group if not (r.cluster and r.predicted_relevant))
    parts += [f"{n} {outcome}" for outcome, n in sorted(elsewhere.items())]
    return "; ".join(parts)


def _ratio(a: float, b: float) -> float:
    return a / b if b else 0.0
