"""The evaluation as a text report (held-out beside fit and each fold) or as one JSON object."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import Any

from monitor.quality.cv import Evaluation, Run
from monitor.quality.metrics import Figures, Missed, Outcomes, Row, figures, merges, splits

EVENT_ORDER = ("launch", "teaser", "partnership", "rumor", "review", "other", "none")


def as_json(evaluation: Evaluation, header: dict[str, Any], *, verbose: bool) -> str:
    held_out = evaluation.held_out
    data: dict[str, Any] = {
        **header,
        "learned": evaluation.learned,
        "held_out": asdict(figures(held_out)) if held_out else None,
        "fit": asdict(figures(evaluation.fit.outcomes)),
        "per_fold": [{"fold": run.fold, "articles": len(run.outcomes.rows), **asdict(figures(run.outcomes))}
                  for run in evaluation.folds],
        "replay": [_replay_facts(run) for run in (evaluation.fit, *evaluation.folds)],
        "seconds": round(evaluation.seconds, 1),
    }
    if verbose:
        data["rows"] = [asdict(row) for row in (held_out or evaluation.fit.outcomes).rows]
    return json.dumps(data, indent=2, ensure_ascii=False)


def _replay_facts(run: Run) -> dict[str, Any]:
    result = run.result
    return {
        "run": run.name, "articles": len(result.articles), "trained_on": run.trained_on,
        "overrides": sorted(run.overrides), "seeds_stored": result.seeds_stored,
        "first_crawl_messages": result.first_crawl_messages, "feed_requests": result.feed_requests,
        "not_modified": result.not_modified, "page_requests": result.page_requests, "unmatched": result.unmatched,
        "source_errors": result.source_errors,
        "seconds": round(run.seconds, 1),
    }


ORACLE_NOTE = ("DIAGNOSTIC (--oracle-events): every article's event is its label, not the classifier's; "
               "these are not the product's figures")


def as_text(evaluation: Evaluation, header: dict[str, Any], *, verbose: bool) -> str:
    held_out = evaluation.held_out
    columns: list[tuple[str, Figures]] = []
    if held_out:
        columns.append(("held-out", figures(held_out)))
    columns.append(("fit", figures(evaluation.fit.outcomes)))
    columns += [(run.name.replace("fold ", "fold"), figures(run.outcomes)) for run in evaluation.folds]
    lines = [
        f"monitor quality: {header['articles']} labelled articles from {header['path']}",
        f"topic {header['topic']!r} of {header['config']}; seeds: {header['seeds'] or 'none'}; "
        + (f"{len(evaluation.folds)}-fold cross-validation by story" if evaluation.folds else "fit only"),
        f"learned parts: {evaluation.learned}" + (
            f" (sets [judgement] {', '.join(sorted(evaluation.fit.overrides))})" if evaluation.fit.overrides else ""),
        *([ORACLE_NOTE] if header.get("oracle_events") else []),
        *([f"relevant: the articles of the stories {header['relevant_stories']} (--relevant-stories)"]
          if header.get("relevant_stories") else []),
        "",
        *table(columns),
        "",
    ]
    main = held_out or evaluation.fit.outcomes
    label = "held-out" if held_out else "fit"
    lines += _confusion(figures(main), label)
    lines += _missed(figures(main), label)
    lines += _told_twice(figures(main), label)
    lines += _stories(main, label)
    lines += _replays(evaluation)
    if verbose:
        lines += ["", f"every article ({label}): id  labelled story / event  ->  stored story, its event "
                      "(the article's own event), outcome, join reason"]
        lines += [_row(row) for row in sorted(main.rows, key=lambda r: (r.story, r.id))]
    return "\n".join(lines)


_Getter = Callable[[Figures], str]


def table(columns: Sequence[tuple[str, Figures]]) -> list[str]:
    """The measures, one column per named figures, each column as wide as its name needs (ten at least)."""
    shown = [f for _, f in columns]
    rows = measures(shown)
    width = max(len(name) for name, _ in rows) + 2
    sizes = [max(10, len(name) + 2) for name, _ in columns]
    head = " " * width + "".join(f"{name:>{size}}" for (name, _), size in zip(columns, sizes, strict=True))
    return [head, *(f"{name:<{width}}" + "".join(f"{get(f):>{size}}" for f, size in zip(shown, sizes, strict=True))
                    for name, get in rows)]


def measures(shown: Sequence[Figures]) -> list[tuple[str, _Getter]]:
    events = sorted({e for f in shown for e in f.event_recall}, key=_event_rank)
    channels = sorted({c for f in shown for c in f.alerts_per_channel})
    return [
        ("articles", lambda f: str(f.articles)),
        ("relevance precision", lambda f: f"{f.relevance_precision:.3f}"),
        ("relevance recall", lambda f: f"{f.relevance_recall:.3f}"),
        ("story B3 precision", lambda f: f"{f.story_precision:.3f}"),
        ("story B3 recall", lambda f: f"{f.story_recall:.3f}"),
        ("story B3 F1", lambda f: f"{f.story_f1:.3f}"),
        ("stories predicted/labelled", lambda f: f"{f.stories_predicted}/{f.stories_labelled}"),
        ("event accuracy", lambda f: f"{f.event_accuracy:.3f}"),
        *((f"  recall {e}", _recall(e)) for e in events),
        *((f"alerts on {c}", _channel(c)) for c in channels),
        ("alert-worthy stories", lambda f: str(f.alert_worthy_stories)),
        ("  left out: the seeds hold them", lambda f: str(f.stories_known)),
        ("  alerts per channel / them", _per_story),
        ("  alerted", lambda f: str(f.alerted_stories)),
        ("  without an alert", lambda f: str(len(f.missed))),
        ("alerts per alerted story", lambda f: f"{f.alerts_per_alerted_story:.2f}"),
        ("  stories alerted twice+", lambda f: str(f.stories_alerted_twice)),
        ("alerts for no wanted story", lambda f: str(f.alerts_unwanted)),
        ("alerts shared by stories", lambda f: str(f.alerts_shared)),
    ]


def _per_story(f: Figures) -> str:
    most = max(f.alerts_per_channel.values(), default=0)
    return f"{most / f.alert_worthy_stories:.2f}" if f.alert_worthy_stories else "-"


def _recall(event: str) -> _Getter:
    return lambda f: f"{f.event_recall[event]:.3f}" if event in f.event_recall else "-"


def _channel(name: str) -> _Getter:
    return lambda f: str(f.alerts_per_channel.get(name, 0))


def _event_rank(event: str) -> tuple[int, str]:
    return (EVENT_ORDER.index(event) if event in EVENT_ORDER else len(EVENT_ORDER), event)


def _confusion(f: Figures, label: str) -> list[str]:
    predicted = sorted({p for row in f.confusion.values() for p in row}, key=_event_rank)
    lines = [f"events ({label}): labelled (rows) x the event of the stored story (columns); none = in no story",
             " " * 13 + "".join(f"{p:>12}" for p in predicted)]
    for event in sorted(f.confusion, key=_event_rank):
        row = f.confusion[event]
        lines.append(f"{event:<13}" + "".join(f"{row.get(p, 0) or '.':>12}" for p in predicted))
    return [*lines, ""]


def _told_twice(f: Figures, label: str) -> list[str]:
    if not f.told_twice:
        return []
    return _where_they_went(f"alert-worthy stories told in several alerts ({label})", f.told_twice)


def _missed(f: Figures, label: str) -> list[str]:
    if not f.missed:
        return [f"every alert-worthy story ({label}) got an alert", ""]
    return _where_they_went(f"alert-worthy stories without an alert ({label})", f.missed)


def _where_they_went(heading: str, stories: list[Missed]) -> list[str]:
    return [f"{heading}: where their articles went",
            *(f"  {m.story} ({_articles(m.articles)}): {m.why}" for m in stories), ""]


def _stories(outcomes: Outcomes, label: str) -> list[str]:
    def name(cluster: str) -> str:
        return cluster + (" (seed story)" if cluster in outcomes.seed_clusters else "")

    lines = [f"labelled stories split ({label}): stored story (or none) x articles"]
    for story, where in splits(outcomes.rows):
        lines.append(f"  {story}: " + ", ".join(f"{name(cluster)} x{n}" for cluster, n in where.items()))
    lines.append(f"stored stories holding several labelled stories ({label})")
    lines += [f"  {name(cluster)}: " + ", ".join(stories) for cluster, stories in merges(outcomes.rows)]
    return [*lines, ""]


def _articles(count: int) -> str:
    return f"{count} article" + ("" if count == 1 else "s")


def _replays(evaluation: Evaluation) -> list[str]:
    lines = ["replays: run, articles, trained on, seeds stored, messages after the first (empty) crawl, feed "
             "requests (304s), pages fetched, source errors, seconds"]
    for run in (evaluation.fit, *evaluation.folds):
        r = run.result
        lines.append(f"  {run.name:<7} {len(r.articles):>4} {run.trained_on:>4} {r.seeds_stored:>3} "
                     f"{r.first_crawl_messages:>3} {r.feed_requests:>5} ({r.not_modified}) {r.page_requests:>4} "
                     f"{len(r.source_errors):>3} {run.seconds:>6.1f}")
        lines += [f"      {error}" for error in r.source_errors[:5]]
        if r.unmatched:
            lines.append(f"      {r.unmatched} stored articles match no labelled URL (counted as not stored)")
    lines.append(f"total {evaluation.seconds:.1f} s")
    return lines


def _row(row: Row) -> str:
    marks = ""
    if row.relevant != row.predicted_relevant:
        marks += " RELEVANCE"
    if row.relevant and row.predicted_event != row.event:
        marks += " EVENT"
    where = row.cluster or "-"
    return (f"  {row.id} {row.story[:44]:44} {row.event:>11} -> {where:>7} {row.predicted_event:>11} "
            f"({row.article_event or '-'}) {row.outcome} {row.reason}{marks}"
            + (f" [{', '.join(row.flags)}]" if row.flags else ""))



# --------------------------------------------------------------------------------------------- markdown

TARGETS = {  # issue 14, "Done when": held-out figures
    "relevance precision": "≥ 0.97", "relevance recall": "≥ 0.97", "story B3 F1": "≥ 0.90",
    "event accuracy": "≥ 0.90", "  recall launch": "≥ 0.90", "  recall teaser": "≥ 0.90",
}


def as_markdown(evaluation: Evaluation, header: dict[str, Any], *, verbose: bool) -> str:
    """The tables of docs/quality.md: held-out beside fit, the confusion table and the stories left unalerted."""
    held_out = evaluation.held_out
    main = figures(held_out) if held_out else None
    fit = figures(evaluation.fit.outcomes)
    shown = [f for f in (main, fit) if f is not None]
    names = ["held-out", "fit"] if main else ["fit"]
    lines = [f"Measured {header.get('measured', '')}: {header['articles']} articles, topic `{header['topic']}`, "
             f"{len(evaluation.folds) or 'no'} folds, learned parts: {evaluation.learned}; "
             f"{evaluation.seconds:.0f} s in all." + (f" {ORACLE_NOTE}" if header.get("oracle_events") else ""), "",
             "| measure | " + " | ".join(names) + " | target (held-out) |",
             "|---|" + "---|" * len(names) + "---|"]
    for name, get in measures(shown):
        target = TARGETS.get(name, "")
        if name.startswith("alerts on"):
            target = f"within 10 % of {shown[0].alert_worthy_stories}"
        elif name == "  alerts per channel / them":
            target = "0.90–1.10"
        elif name == "  without an alert":
            target = f"≤ {shown[0].alert_worthy_stories // 20}"
        lines.append(f"| {name.strip()} | " + " | ".join(get(f) for f in shown) + f" | {target} |")
    first = shown[0]
    label = names[0]
    predicted = sorted({p for row in first.confusion.values() for p in row}, key=_event_rank)
    lines += ["", f"Events ({label}): labelled event (rows) against the event of the stored story the article is "
              "in (columns); *none*: in no story.", "",
              "| labelled | " + " | ".join(predicted) + " | recall |",
              "|---|" + "---|" * (len(predicted) + 1)]
    for event in sorted(first.confusion, key=_event_rank):
        row = first.confusion[event]
        cells = " | ".join(str(row.get(p, 0)) if row.get(p) else "·" for p in predicted)
        lines.append(f"| {event} | {cells} | {first.event_recall[event]:.3f} |")
    lines += ["", f"Alert-worthy stories without an alert ({label}):" + (" none." if not first.missed else "")]
    lines += [f"- `{m.story}` ({_articles(m.articles)}): {m.why}" for m in first.missed]
    return "\n".join(lines)
