"""The learned layer of event classification: a conditional logit over the rules' evidence.

``monitor.judgement.classify`` finds cue phrases and date signals (``classify.Evidence``); this module scores each event
from them with learned weights (``event_features``): how much a headline cue and a lead cue count (shared by all
events, so rare events such as partnership borrow strength from the frequent ones), a per-event bias and
correction, and what each date or tense signal says for each event. Nothing in the features names a brand,
product or outlet, so the weights carry to a topic the labels never saw.

The weights start at, and are pulled back towards, the hand-set rules (``rules_prior``): with too little data
the model is the rules. Cross-validation by story chose the pull (``L2``, ``cv --l2``): on the 220 labelled
articles a freer model did worse held-out (0.77 at 0.03), a tighter one is the rules (0.81); at 0.3 the model
is one article better than the rules held-out, which is within noise. Word features (vocabulary
unigrams of headline and lead, names masked by shape) and one learned weight per cue were tried on top and did
not beat this held-out (0.79-0.81): 220 articles are too few for word weights to carry.

Contracts:

- Run time is plain Python: ``load`` reads a small JSON file (the shipped ``event_model.json`` by default) and
  ``EventModel.decide`` is a sum over a few dozen weights per event. numpy is imported only to train.
- ``train`` is deterministic: the same articles in the same order give byte-identical JSON (Newton's method
  from the rules' weights, fixed step count, float64, rounded weights).
- ``python -m monitor.judgement.eventmodel train [PATH.jsonl] [-o FILE]`` rebuilds the shipped model from the
  labelled set in ``../shared`` (the articles are never copied into the repository);
  ``python -m monitor.judgement.eventmodel cv [PATH.jsonl]`` reports 5-fold cross-validation by story
  (all articles of a story in one fold) of the model, next to the rules alone and the fit.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor.errors import ModelError as ModelError  # raised here; re-exported for callers of load()
from monitor.model import Event

if TYPE_CHECKING:
    from monitor.judgement.classify import Evidence

SHIPPED = Path(__file__).with_name("event_model.json")
FORMAT = "monitor.eventmodel/1"
EVENTS = tuple(Event)  # the events scored, in tie-break order
L2 = 0.3  # penalty per article on the distance from the rules' weights (chosen by cross-validation: cv --l2)
NEWTON_STEPS = 25
DIGITS = 6  # rounding of the stored weights: byte-identical files across runs and platforms


@dataclass(frozen=True, slots=True)
class EventModel:
    """One weight per named feature; an event's score is the sum of weight × feature over its features
    (``event_features``) and the highest score wins."""

    weights: Mapping[str, float]
    # Per event: headline weight, lead weight, bias, no-cue weight, signal weights: the sum over
    # ``event_features`` with the names resolved once, as this runs for every article.
    _compiled: dict[Event, tuple[float, float, float, float, dict[str, float]]] = field(
        init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        w = self.weights
        compiled = {}
        for ev in EVENTS:
            name = ev.value
            signals = {key.split(":", 1)[1]: value for key, value in w.items()
                       if key.startswith(f"{name}:") and value and key.split(":", 1)[1] not in _OWN}
            compiled[ev] = (w.get("title", 0.0) + w.get(f"{name}:title", 0.0),
                            w.get("lead", 0.0) + w.get(f"{name}:lead", 0.0), w.get(f"{name}:bias", 0.0),
                            w.get(f"{name}:no_cue", 0.0), signals)
        object.__setattr__(self, "_compiled", compiled)

    def scores(self, found: Evidence) -> dict[Event, float]:
        """Each event's score: the sum of weight × feature over ``event_features(found)[event]``."""
        no_cue = 1.0 if found.unspoken else 0.0
        present = [(name, value) for name, value in found.signals.items() if value]
        out = {}
        for ev, (w_title, w_lead, bias, w_no_cue, w_signal) in self._compiled.items():
            total = w_title * found.title.get(ev, 0.0) + w_lead * found.lead.get(ev, 0.0) + bias + w_no_cue * no_cue
            for name, value in present:
                total += w_signal.get(name, 0.0) * value
            out[ev] = total
        return out

    def decide(self, found: Evidence) -> Event:
        scores = self.scores(found)
        return max(EVENTS, key=lambda ev: scores[ev])  # ties: the first in EVENTS

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "weights": {f: self.weights[f] for f in sorted(self.weights)}}


_OWN = frozenset({"title", "lead", "bias", "no_cue"})  # per-event features that are not signals


def event_features(found: Evidence) -> dict[Event, dict[str, float]]:
    """Each event's features, by name. Shared by all events: ``title`` and ``lead``, the event's own cue score
    in the headline and the lead (so how much a headline cue counts is learned from every event's articles).
    Per event: a bias, a correction to those two (``launch:title``), and every date or context signal
    (``teaser:date_ahead``, ``rumor:leak_date``, ``other:no_cue``). ``no_cue`` is ``Evidence.unspoken``: no
    word of any event, no launch recalled, no headline about a product already out, in a cue language (the name
    is kept so that model files trained before still load)."""
    no_cue = 1.0 if found.unspoken else 0.0
    out: dict[Event, dict[str, float]] = {}
    for ev in EVENTS:
        t, lead = found.title.get(ev, 0.0), found.lead.get(ev, 0.0)
        phi = {"title": t, "lead": lead, f"{ev.value}:title": t, f"{ev.value}:lead": lead, f"{ev.value}:bias": 1.0,
               f"{ev.value}:no_cue": no_cue}
        for name, value in found.signals.items():
            phi[f"{ev.value}:{name}"] = value
        out[ev] = phi
    return out


def feature_names() -> tuple[str, ...]:
    from monitor.judgement.classify import SIGNALS

    per_event = ("title", "lead", "bias", "no_cue", *SIGNALS)
    return ("title", "lead") + tuple(f"{ev.value}:{name}" for ev in EVENTS for name in per_event)


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
    weights = raw.get("weights")
    if not isinstance(weights, dict) or not weights:
        raise ModelError(f"{where}: 'weights' must be a table of feature names and numbers")
    known = set(feature_names())
    for name, value in weights.items():
        if name not in known:
            raise ModelError(f"{where}: unknown feature {name!r} (this monitor knows {len(known)} features)")
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ModelError(f"{where}: weight of {name!r} is not a finite number: {value!r}")
    return EventModel({name: float(value) for name, value in weights.items()})


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
    relevant: bool = True  # on topic: the product classifies only these, so the figures are given for them too


def train(examples: Sequence[Example]) -> EventModel:
    """Fit the weights to ``examples``: a conditional logit (softmax over the events' scores) with an L2
    penalty towards the rules' own weights, by Newton's method from there, for a fixed number of steps.
    Deterministic."""
    from monitor.judgement.classify import evidence

    return fit_evidence([evidence(e.title, e.text, e.published) for e in examples], [e.event for e in examples])


def rules_prior() -> dict[str, float]:
    """The hand-set rules as weights (``classify.Evidence.rule_scores``, "other" scoring ``MIN_SCORE``): the
    learned weights start here and the L2 penalty pulls them back here, so a part the labels say little about
    (a rare event, an unused signal) keeps what a person set."""
    from monitor.judgement.classify import BARE_SPECS, MIN_SCORE, NO_EVENT_WORD, TITLE_WEIGHT

    return {"title": TITLE_WEIGHT, "lead": 1.0, "teaser:title_date": 2.0 * TITLE_WEIGHT, "teaser:date_ahead": 3.0,
            "teaser:official_date": 3.0, "rumor:leak_date": 3.0, "launch:date_recent": 2.0,
            "rumor:title_leaked_date": 2.0 * TITLE_WEIGHT, "partnership:partnership_end": -3.0,
            "other:title_partnership_end": 2.0 * TITLE_WEIGHT,
            "launch:price_cut": -3.0, "launch:concept_device": -2.0 * TITLE_WEIGHT,
            "review:title_verdict": 2.0 * TITLE_WEIGHT, "launch:bare_specs": BARE_SPECS,
            "launch:no_cue": NO_EVENT_WORD, "other:bias": MIN_SCORE}


def fit_evidence(found: Sequence[Evidence], events: Sequence[Event], l2: float = L2) -> EventModel:
    import numpy as np

    if not found:
        raise ValueError("event model: no training articles")
    names = feature_names()
    column = {name: i for i, name in enumerate(names)}
    phi = np.zeros((len(found), len(EVENTS), len(names)))
    for n, item in enumerate(found):
        for j, ev in enumerate(EVENTS):
            for name, value in event_features(item)[ev].items():
                phi[n, j, column[name]] = value
    y = np.eye(len(EVENTS))[[EVENTS.index(ev) for ev in events]]
    start = rules_prior()
    prior = np.array([start.get(name, 0.0) for name in names])
    theta = prior.copy()
    count = len(found)
    for _ in range(NEWTON_STEPS):
        logits = phi @ theta
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        mean_phi = np.einsum("ne,ned->nd", p, phi)
        grad = np.einsum("ne,ned->d", p - y, phi) / count + l2 * (theta - prior)
        centred = phi - mean_phi[:, None, :]
        hessian = np.einsum("ne,ned,nef->df", p, centred, centred) / count + l2 * np.eye(len(names))
        theta = theta - np.linalg.solve(hessian, grad)
    return EventModel({name: round(float(theta[i]), DIGITS) for i, name in enumerate(names)})


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


def cross_validate(examples: Sequence[Example], k: int = 5, l2: float = L2,
                   relevant_only: bool = False) -> tuple[Scores, Scores, Scores]:
    """(held-out model, held-out rules alone, model fit on all): predictions of each article by a model that
    never saw its story, the hand-set rules, and the model trained on everything."""
    from monitor.judgement.classify import evidence, rule_event

    found = [evidence(e.title, e.text, e.published) for e in examples]
    held: list[Event | None] = [None] * len(examples)
    for fold in story_folds(examples, k):
        inside = set(fold)
        model = fit_evidence([f for i, f in enumerate(found) if i not in inside],
                             [e.event for i, e in enumerate(examples) if i not in inside], l2)
        for i in fold:
            held[i] = model.decide(found[i])
    full = fit_evidence(found, [e.event for e in examples], l2)
    keep = [i for i, e in enumerate(examples) if e.relevant or not relevant_only]
    truth = [examples[i].event for i in keep]
    return (score(truth, [held[i] or Event.OTHER for i in keep]), score(truth, [rule_event(found[i]) for i in keep]),
            score(truth, [full.decide(found[i]) for i in keep]))


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
                                   Event(raw["event"]), str(raw.get("story") or ""),
                                   bool(raw.get("relevant", True))))
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{number}: not a labelled article: {exc}") from exc
    return out


def _published(value: str | None) -> datetime | None:
    """A full ISO date or None (partial dates such as "2022-06" are no day to measure from)."""
    if not value or len(value) < 10:
        return None
    return datetime.fromisoformat(value)


DEFAULT_PATH = Path(__file__).resolve().parents[3] / "shared" / "judgement-dev" / "articles.jsonl"


def _arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m monitor.judgement.eventmodel", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="fit the model to a labelled set and write it as JSON")
    t.add_argument("path", nargs="?", type=Path, default=DEFAULT_PATH)
    t.add_argument("-o", "--output", type=Path, default=SHIPPED)
    c = sub.add_parser("cv", help="5-fold cross-validation by story, next to the rules alone and the fit")
    c.add_argument("path", nargs="?", type=Path, default=DEFAULT_PATH)
    c.add_argument("-k", type=int, default=5)
    c.add_argument("--l2", type=float, default=L2, help=f"pull towards the rules' weights (default {L2})")
    c.add_argument("--relevant", action="store_true",
                   help="report on the on-topic articles only (all are still used to train), as the product sees")
    c.add_argument("--without-dev-phrases", action="store_true",
                   help="drop the cue phrases added after reading this set (cues.SEEN_IN_DEV)")
    return parser


def _cv(examples: Sequence[Example], args: argparse.Namespace) -> tuple[Scores, Scores, Scores]:
    if not args.without_dev_phrases:
        return cross_validate(examples, args.k, args.l2, args.relevant)
    from monitor.judgement.classify import without_cues
    from monitor.judgement.cues import SEEN_IN_DEV

    with without_cues(SEEN_IN_DEV):
        return cross_validate(examples, args.k, args.l2, args.relevant)


def _print_cv(examples: Sequence[Example], args: argparse.Namespace, held: Scores, rules: Scores, fit: Scores) -> None:
    shown = sum(1 for e in examples if e.relevant or not args.relevant)
    print(f"{len(examples)} articles, {len({e.story for e in examples})} stories, {args.k} folds by story; "
          f"figures for {shown} {'on-topic ' if args.relevant else ''}articles")
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


def main(argv: Sequence[str] | None = None) -> int:
    args = _arguments().parse_args(argv)
    examples = read_examples(args.path)
    if args.command == "train":
        save(train(examples), args.output)
        print(f"{args.output}: trained on {len(examples)} articles")
        return 0
    _print_cv(examples, args, *_cv(examples, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
