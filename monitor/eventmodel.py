"""The learned layer of event classification: a multinomial logistic regression over the rules' evidence.

``monitor.classify`` finds cue phrases and date signals (``classify.Evidence``); this module turns them into
a small, topic-generic feature vector (per-event cue scores in headline and lead, dated headline, a day ahead
of publication, undated, no headline) and scores it with weights learned from labelled articles. Nothing in
the features names a brand, product or outlet, so the weights carry to a topic the labels never saw.

Contracts:

- Run time is plain Python: ``load`` reads a small JSON file (the shipped ``event_model.json`` by default) and
  ``EventModel.decide`` is a dot product per event. numpy is imported only by ``train`` (and the CLI).
- ``train`` is deterministic: the same articles in the same order give byte-identical JSON (full-batch gradient
  descent from zeros, fixed step count, float64, rounded weights).
- ``python -m monitor.eventmodel train [PATH.jsonl] [-o FILE]`` rebuilds the shipped model from the labelled set
  in ``../shared`` (the articles are never copied into the repository); ``python -m monitor.eventmodel cv
  [PATH.jsonl]`` reports 5-fold cross-validation by story (all articles of a story in one fold) next to the fit.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor.model import Event

if TYPE_CHECKING:
    from monitor.classify import Evidence

SHIPPED = Path(__file__).with_name("event_model.json")
FORMAT = "monitor.eventmodel/1"
EVENTS = tuple(Event)  # class order of the weight rows
L2 = 0.02  # penalty on the weights (not the biases), per article: keeps rare cues from dominating
STEPS = 3000
STEP_SIZE = 0.5
DIGITS = 6  # rounding of the stored weights: byte-identical files across runs and platforms


class ModelError(ValueError):
    """A model file that cannot be used, with the file and what is wrong with it."""


@dataclass(frozen=True, slots=True)
class EventModel:
    """Per-event bias and weights over named features; the event with the highest score wins."""

    features: tuple[str, ...]
    bias: Mapping[Event, float]
    weights: Mapping[Event, Mapping[str, float]]

    def scores(self, x: Mapping[str, float]) -> dict[Event, float]:
        return {ev: self.bias[ev] + sum(w * x.get(f, 0.0) for f, w in self.weights[ev].items() if w)
                for ev in EVENTS}

    def decide(self, found: Evidence) -> Event:
        scores = self.scores(features(found))
        return max(EVENTS, key=lambda ev: scores[ev])  # ties: the first in EVENTS (launch first)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "features": list(self.features),
            "bias": {ev.value: self.bias[ev] for ev in EVENTS},
            "weights": {ev.value: [self.weights[ev][f] for f in self.features] for ev in EVENTS},
        }


def features(found: Evidence) -> dict[str, float]:
    """The feature vector of one article's evidence, by name (see FEATURES)."""
    x: dict[str, float] = {}
    for ev, value in found.title.items():
        x[f"title:{ev.value}"] = value
    for ev, value in found.lead.items():
        x[f"lead:{ev.value}"] = value
    x.update(found.signals)
    x["no_cue"] = 0.0 if any(found.title.values()) or any(found.lead.values()) else 1.0
    x[f"rule:{_rule_event(found).value}"] = 1.0
    return x


def _rule_event(found: Evidence) -> Event:
    from monitor.classify import rule_event

    return rule_event(found)


def feature_names() -> tuple[str, ...]:
    from monitor.classify import PRIORITY, SIGNALS

    return (tuple(f"title:{ev.value}" for ev in PRIORITY) + tuple(f"lead:{ev.value}" for ev in PRIORITY)
            + SIGNALS + ("no_cue",) + tuple(f"rule:{ev.value}" for ev in EVENTS))


# --- loading ------------------------------------------------------------------------------------------------


def load(path: Path | None = None) -> EventModel:
    """The model in ``path`` (None: the one shipped with monitor). Raises ModelError naming the file."""
    path = SHIPPED if path is None else path
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"event model {path}: cannot read it: {exc}") from exc
    return from_json(raw, str(path))


def from_json(raw: Any, where: str = "event model") -> EventModel:
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        found = raw.get("format") if isinstance(raw, dict) else type(raw).__name__
        raise ModelError(f"{where}: not a {FORMAT} file (found {found!r})")
    names = raw.get("features")
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ModelError(f"{where}: 'features' must be a list of names")
    bias: dict[Event, float] = {}
    weights: dict[Event, dict[str, float]] = {}
    for ev in EVENTS:
        row = raw.get("weights", {}).get(ev.value)
        b = raw.get("bias", {}).get(ev.value)
        if not isinstance(row, list) or len(row) != len(names) or not isinstance(b, int | float):
            raise ModelError(f"{where}: event {ev.value!r} needs a bias and {len(names)} weights")
        if not all(isinstance(w, int | float) and math.isfinite(w) for w in row):
            raise ModelError(f"{where}: event {ev.value!r} has a weight that is not a finite number")
        bias[ev] = float(b)
        weights[ev] = dict(zip(names, (float(w) for w in row), strict=True))
    return EventModel(tuple(names), bias, weights)


@cache
def default_model() -> EventModel:
    """The shipped model, read once per process."""
    return load(None)


# --- training -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Example:
    title: str
    text: str
    published: datetime | None
    event: Event
    story: str = ""


def train(examples: Sequence[Example]) -> EventModel:
    """Fit the weights to ``examples`` (multinomial logistic regression, L2 on weights). Deterministic."""
    import numpy as np

    from monitor.classify import evidence

    names = feature_names()
    x = np.array([[features(evidence(e.title, e.text, e.published)).get(f, 0.0) for f in names]
                  for e in examples], dtype=np.float64)
    y = np.array([EVENTS.index(e.event) for e in examples])
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    z = (x - mean) / scale
    onehot = np.eye(len(EVENTS))[y]
    w = np.zeros((len(names), len(EVENTS)))
    b = np.zeros(len(EVENTS))
    n = len(examples)
    for _ in range(STEPS):
        logits = z @ w + b
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        grad = p - onehot
        w -= STEP_SIZE * (z.T @ grad / n + L2 * w)
        b -= STEP_SIZE * grad.mean(axis=0)
    raw_w = w / scale[:, None]  # back to unscaled features, so run time needs no standardisation
    raw_b = b - (mean / scale) @ w
    return EventModel(
        names,
        {ev: round(float(raw_b[j]), DIGITS) for j, ev in enumerate(EVENTS)},
        {ev: {f: round(float(raw_w[i, j]), DIGITS) for i, f in enumerate(names)} for j, ev in enumerate(EVENTS)},
    )


def save(model: EventModel, path: Path) -> None:
    path.write_text(json.dumps(model.to_json(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


# --- measuring ------------------------------------------------------------------------------------------------


def story_folds(examples: Sequence[Example], k: int = 5) -> list[list[int]]:
    """Indices of ``examples`` in ``k`` folds, every story whole in one fold: the largest story first, each to
    the fold with fewest articles so far (ties: the lower fold). Deterministic."""
    by_story: dict[str, list[int]] = defaultdict(list)
    for i, e in enumerate(examples):
        by_story[e.story or f"#{i}"].append(i)
    folds: list[list[int]] = [[] for _ in range(k)]
    for _, members in sorted(by_story.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        min(folds, key=len).extend(members)
    return [sorted(f) for f in folds]


@dataclass(frozen=True, slots=True)
class Scores:
    accuracy: float
    recall: dict[str, float]
    confusion: dict[str, dict[str, int]]  # label -> predicted -> count


def score(truth: Sequence[Event], predicted: Sequence[Event]) -> Scores:
    confusion: dict[str, Counter[str]] = {ev.value: Counter() for ev in EVENTS}
    for t, p in zip(truth, predicted, strict=True):
        confusion[t.value][p.value] += 1
    recall = {t: (c[t] / total if (total := sum(c.values())) else float("nan")) for t, c in confusion.items()}
    right = sum(c[t] for t, c in confusion.items())
    return Scores(right / len(truth) if truth else float("nan"), recall,
                  {t: dict(c) for t, c in confusion.items()})


def cross_validate(examples: Sequence[Example], k: int = 5) -> tuple[Scores, Scores, Scores]:
    """(held-out model, held-out rules alone, model fit on all): predictions of each article by a model that
    never saw its story, the hand-set rules, and the model trained on everything."""
    from monitor.classify import evidence, rule_event

    found = [evidence(e.title, e.text, e.published) for e in examples]
    held: list[Event | None] = [None] * len(examples)
    for fold in story_folds(examples, k):
        inside = set(fold)
        model = train([e for i, e in enumerate(examples) if i not in inside])
        for i in fold:
            held[i] = model.decide(found[i])
    full = train(examples)
    truth = [e.event for e in examples]
    return (score(truth, [h for h in held if h is not None]), score(truth, [rule_event(f) for f in found]),
            score(truth, [full.decide(f) for f in found]))


def read_examples(path: Path) -> list[Example]:
    """The labelled articles of a JSONL file (the format of ``../shared/judgement-dev/articles.jsonl``)."""
    out = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
                out.append(Example(raw.get("title") or "", raw.get("text") or "", _published(raw.get("published")),
                                   Event(raw["event"]), str(raw.get("story") or "")))
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{number}: not a labelled article: {exc}") from exc
    return out


def _published(value: str | None) -> datetime | None:
    """A full ISO date or None (partial dates such as "2022-06" are no day to measure from)."""
    if not value or len(value) < 10:
        return None
    return datetime.fromisoformat(value)


DEFAULT_PATH = Path(__file__).resolve().parents[2] / "shared" / "judgement-dev" / "articles.jsonl"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m monitor.eventmodel", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="fit the model to a labelled set and write it as JSON")
    t.add_argument("path", nargs="?", type=Path, default=DEFAULT_PATH)
    t.add_argument("-o", "--output", type=Path, default=SHIPPED)
    c = sub.add_parser("cv", help="5-fold cross-validation by story, next to the rules alone and the fit")
    c.add_argument("path", nargs="?", type=Path, default=DEFAULT_PATH)
    c.add_argument("-k", type=int, default=5)
    args = parser.parse_args(argv)
    examples = read_examples(args.path)
    if args.command == "train":
        save(train(examples), args.output)
        print(f"{args.output}: trained on {len(examples)} articles")
        return 0
    held, rules, fit = cross_validate(examples, args.k)
    print(f"{len(examples)} articles, {len({e.story for e in examples})} stories, {args.k} folds by story")
    print(f"{'':14}{'held-out':>10}{'rules':>10}{'fit':>10}")
    print(f"{'accuracy':14}{held.accuracy:10.3f}{rules.accuracy:10.3f}{fit.accuracy:10.3f}")
    for ev in EVENTS:
        n = sum(held.confusion[ev.value].values())
        print(f"{'recall ' + ev.value:14}{held.recall[ev.value]:10.3f}{rules.recall[ev.value]:10.3f}"
              f"{fit.recall[ev.value]:10.3f}   n={n}")
    print("held-out confusion (row: label, column: predicted)")
    print(" " * 12 + "".join(f"{ev.value[:6]:>7}" for ev in EVENTS))
    for ev in EVENTS:
        print(f"{ev.value:12}" + "".join(f"{held.confusion[ev.value].get(p.value, 0):7}" for p in EVENTS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
