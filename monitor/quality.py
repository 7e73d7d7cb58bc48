"""Measure the judgement stages against a labelled set: ``python -m monitor.quality [PATH.jsonl] [--json]``.

Every article goes through ``Judge`` (topic ``xiaomi-leica``, ``match.XIAOMI_LEICA_QUERY``) and a fresh
``StoryIndex`` in publication order (undated last, as a crawl of old pages would deliver them), exactly as the
pipeline would, and the result is compared with the hand labels:

- relevance precision / recall;
- story clustering, B-cubed precision / recall / F1 over the relevant-labelled articles (predicted cluster =
  assigned story; an article judged irrelevant is a cluster of its own);
- event accuracy per article: the event of the story it was put in (what the alert says), and, separately,
  the classifier's own event for the article.

Labelled dates may be partial ("2022-06"): those sort by what is known and count as undated for the index,
because a month is no day to measure a 10-day window from.

Each line of PATH is a JSON object with ``id``, ``title``, ``text``, ``published``, ``relevant``, ``story`` and
``event`` (the format of ``../shared/judgement-dev/articles.jsonl``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from monitor.model import RawDocument

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "shared" / "judgement-dev" / "articles.jsonl"
TOPIC = "xiaomi-leica"


@dataclass(frozen=True, slots=True)
class Labelled:
    id: str
    doc: RawDocument
    date_key: str  # ISO date as labelled, possibly partial; "" when unknown
    relevant: bool
    story: str
    event: str


@dataclass(frozen=True, slots=True)
class Row:
    """One article's outcome, for the report and for debugging a regression."""

    id: str
    relevant: bool
    predicted_relevant: bool
    story: str
    predicted_story: int | None
    event: str
    classified_event: str  # the classifier's own event (also computed for articles judged irrelevant)
    story_event: str | None  # the event of the story it joined (what the alert says)
    reason: str


@dataclass(frozen=True, slots=True)
class Report:
    articles: int
    relevance_precision: float
    relevance_recall: float
    story_precision: float
    story_recall: float
    story_f1: float
    event_accuracy: float  # story event vs label, relevant-labelled articles judged relevant
    classify_accuracy: float  # classifier's event vs label, every article
    stories_labelled: int
    stories_predicted: int


def load(path: Path) -> list[Labelled]:
    out = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if line.strip():
                out.append(_labelled(json.loads(line), f"{path}:{number}"))
    return out


def _labelled(raw: dict[str, Any], where: str) -> Labelled:
    published = raw.get("published") or ""
    doc = RawDocument(
        url=raw.get("url") or where,
        title=raw.get("title") or "",
        text=raw.get("text") or "",
        source="quality",
        outlet=raw.get("outlet") or "",
        published=_full_date(published),
        language=raw.get("language"),
    )
    return Labelled(raw["id"], doc, published, bool(raw["relevant"]), str(raw["story"]), str(raw["event"]))


def _full_date(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if len(value) >= 10 else None
    except ValueError:
        return None


def run(articles: Sequence[Labelled], *, oracle_relevance: bool = False) -> tuple[Report, list[Row]]:
    """Judge and cluster every article. ``oracle_relevance`` takes relevance from the labels, to measure the
    story and event stages apart from the topic query."""
    from monitor.judge import Judge
    from monitor.match import XIAOMI_LEICA_QUERY
    from monitor.stories import StoryIndex

    judge = Judge([_Topic(TOPIC, XIAOMI_LEICA_QUERY)])
    index = StoryIndex()
    story_events: dict[int, str] = {}
    rows: list[Row] = []
    ordered = sorted(articles, key=lambda a: (a.date_key == "", a.date_key))  # stable: file order breaks ties
    for number, item in enumerate(ordered, 1):
        judgement = judge.judge(item.doc)
        if oracle_relevance and judgement.relevant != item.relevant:
            judgement = _as_relevant(judgement, item) if item.relevant else replace(judgement, relevant=False)
        story_id, reason = None, "not relevant"
        if judgement.relevant:
            decision = index.assign(judgement, item.doc.published)
            story_id = decision.story_id if decision.story_id is not None else number
            story_events.setdefault(story_id, judgement.event.value)
            index.add(number, story_id, judgement, item.doc.published)
            reason = decision.reason
        rows.append(_row(item, judgement, story_id, story_events.get(story_id) if story_id else None, reason))
    return _report(rows), rows


def _as_relevant(judgement: Any, item: Labelled) -> Any:
    from monitor.classify import classify_event
    from monitor.stories import story_features

    doc = item.doc
    decision = classify_event(doc.title, doc.text, doc.published)
    features = story_features(doc.title, doc.text, decision.event, doc.published)
    return replace(judgement, relevant=True, topic=TOPIC, event=decision.event, cues=decision.cues,
                   features=features)


@dataclass(frozen=True, slots=True)
class _Topic:
    name: str
    query: str


def _row(item: Labelled, judgement: Any, story_id: int | None, story_event: str | None, reason: str) -> Row:
    from monitor.classify import classify_event

    # The pipeline classifies relevant articles only; the classifier is measured on every article.
    classified = judgement.event if judgement.relevant else classify_event(
        item.doc.title, item.doc.text, item.doc.published).event
    return Row(item.id, item.relevant, judgement.relevant, item.story, story_id, item.event, classified.value,
               story_event, reason)


def _report(rows: Sequence[Row]) -> Report:
    tp = sum(r.relevant and r.predicted_relevant for r in rows)
    fp = sum(not r.relevant and r.predicted_relevant for r in rows)
    fn = sum(r.relevant and not r.predicted_relevant for r in rows)
    labelled = [r for r in rows if r.relevant]
    precision, recall = _bcubed(labelled)
    judged = [r for r in labelled if r.predicted_relevant]
    return Report(
        articles=len(rows),
        relevance_precision=_ratio(tp, tp + fp),
        relevance_recall=_ratio(tp, tp + fn),
        story_precision=precision,
        story_recall=recall,
        story_f1=_ratio(2 * precision * recall, precision + recall),
        event_accuracy=_ratio(sum(r.story_event == r.event for r in labelled), len(labelled)),
        classify_accuracy=_ratio(sum(r.classified_event == r.event for r in rows), len(rows)),
        stories_labelled=len({r.story for r in labelled}),
        stories_predicted=len({_cluster(r) for r in judged}) + (len(labelled) - len(judged)),
    )


def _cluster(row: Row) -> str:
    return f"s{row.predicted_story}" if row.predicted_story is not None else f"a{row.id}"


def _bcubed(rows: Sequence[Row]) -> tuple[float, float]:
    """B-cubed precision and recall (Bagga & Baldwin 1998): per article, the share of its predicted cluster
    that truly belongs with it, and the share of its true cluster that was put with it."""
    if not rows:
        return 0.0, 0.0
    pred: dict[str, list[Row]] = defaultdict(list)
    gold: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        pred[_cluster(r)].append(r)
        gold[r.story].append(r)
    precision = sum(
        sum(o.story == r.story for o in pred[_cluster(r)]) / len(pred[_cluster(r)]) for r in rows
    ) / len(rows)
    recall = sum(sum(_cluster(o) == _cluster(r) for o in gold[r.story]) / len(gold[r.story]) for r in rows)
    return precision, recall / len(rows)


def _ratio(a: float, b: float) -> float:
    return a / b if b else 0.0


def measure(path: Path, *, oracle_relevance: bool = False) -> tuple[Report, list[Row]]:
    return run(load(path), oracle_relevance=oracle_relevance)


def _print(report: Report, rows: Sequence[Row], verbose: bool) -> None:
    print(f"articles                 {report.articles}")
    print(f"relevance  precision     {report.relevance_precision:.3f}   recall {report.relevance_recall:.3f}")
    print(f"stories    B3 precision  {report.story_precision:.3f}   recall {report.story_recall:.3f}   "
          f"F1 {report.story_f1:.3f}   ({report.stories_predicted} predicted / {report.stories_labelled} labelled)")
    print(f"events     story event accuracy {report.event_accuracy:.3f}   "
          f"per-article classify accuracy {report.classify_accuracy:.3f}")
    if verbose:
        _print_rows(rows)


def _print_rows(rows: Sequence[Row]) -> None:
    by_story = Counter(r.story for r in rows)
    for r in sorted(rows, key=lambda r: (r.story, r.id)):
        marks = "" if r.relevant == r.predicted_relevant else " RELEVANCE"
        if r.relevant and r.story_event != r.event:
            marks += " EVENT"
        print(f"  {r.id} {r.story[:48]:48} n={by_story[r.story]} -> story {r.predicted_story} "
              f"{r.classified_event}/{r.story_event} ({r.event}) {r.reason}{marks}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m monitor.quality", description=__doc__.split("\n")[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    parser.add_argument("--oracle-relevance", action="store_true",
                        help="take relevance from the labels (measures stories and events apart from matching)")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every article's outcome")
    args = parser.parse_args(argv)
    if not args.path.is_file():
        print(f"no such file: {args.path}", file=sys.stderr)
        return 2
    report, rows = measure(args.path, oracle_relevance=args.oracle_relevance)
    if args.json:
        print(json.dumps(asdict(report), indent=2))
    else:
        _print(report, rows, args.verbose)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
