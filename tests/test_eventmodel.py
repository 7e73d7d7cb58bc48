"""The learned layer of event classification: its file, its training, the replay's hook, and held-out figures."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from monitor.judgement import eventmodel, learn
from monitor.judgement.classify import classify_event, evidence
from monitor.judgement.eventmodel import EventModel, Example, ModelError
from monitor.model import Event, RawDocument

DEV = Path(__file__).resolve().parents[2] / "shared" / "judgement-dev" / "articles.jsonl"

# Handwritten articles of a made-up topic: enough of each event for a model to learn from.
ARTICLES = [
    Example("Kestrel K7 launches with a bigger sensor", "It is on sale now.", datetime(2027, 3, 11), Event.LAUNCH, "a"),
    Example("Kestrel K7 offiziell vorgestellt", "Ab sofort erhältlich.", None, Event.LAUNCH, "a"),
    Example("Kestrel K7 launch date set for March 10", "Invitations are out.", datetime(2027, 2, 20), Event.TEASER,
            "b"),
    Example("Kestrel K7 sera présenté le 10 mars", "La marque a confirmé la date.", None, Event.TEASER, "b"),
    Example("Kestrel K7 renders leak", "A tipster shared them.", None, Event.RUMOR, "c"),
    Example("Kestrel and Arden extend their partnership", "A joint lab opens.", None, Event.PARTNERSHIP, "d"),
    Example("Kestrel K7 review", "We tested it for a month.", None, Event.REVIEW, "e"),
    Example("Kestrel opens a store", "It sells scooters.", None, Event.OTHER, "f"),
]


def test_training_is_deterministic_and_the_file_round_trips(tmp_path: Path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    eventmodel.save(eventmodel.train(ARTICLES), first)
    eventmodel.save(eventmodel.train(ARTICLES), second)
    assert first.read_bytes() == second.read_bytes()
    model = eventmodel.train(ARTICLES)
    loaded = eventmodel.load(first)
    assert loaded == model
    for e in ARTICLES:
        assert (classify_event(e.title, e.text, e.published, loaded)
                == classify_event(e.title, e.text, e.published, model))


def test_scores_are_the_weighted_sum_of_each_events_features() -> None:
    model = eventmodel.train(ARTICLES)
    for e in ARTICLES:
        found = evidence(e.title, e.text, e.published)
        expected = {ev: sum(model.weights.get(name, 0.0) * value for name, value in phi.items())
                    for ev, phi in eventmodel.event_features(found).items()}
        assert model.scores(found) == pytest.approx(expected)


def test_the_model_passed_in_is_the_one_that_decides(tmp_path: Path) -> None:
    title, text = "Kestrel K7 launches with a bigger sensor", "It is on sale now."
    assert classify_event(title, text, None).event is Event.LAUNCH
    only_other = EventModel({"other:bias": 100.0})
    assert classify_event(title, text, None, only_other).event is Event.OTHER
    # The cues shown are those of the event decided: none speak for "other".
    assert classify_event(title, text, None, only_other).cues == ()


def test_the_shipped_model_loads_by_default() -> None:
    assert eventmodel.load(None) == eventmodel.default_model()
    assert eventmodel.SHIPPED.is_file()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "cannot read it"),
        ('{"format": "other/9", "weights": {}}', "not a monitor.eventmodel/1 file"),
        ('{"format": "monitor.eventmodel/1", "weights": {"launch:colour": 1.0}}', "unknown feature 'launch:colour'"),
        ('{"format": "monitor.eventmodel/1", "weights": {"title": "high"}}', "weight of 'title' is not a finite"),
    ],
)
def test_a_broken_model_file_is_named_with_what_is_wrong(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "model.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ModelError, match=message) as caught:
        eventmodel.load(path)
    assert str(path) in str(caught.value)


def test_classifying_imports_no_numpy() -> None:
    code = ("import sys; from monitor.judgement.classify import classify_event; "
            "classify_event('Kestrel K7 launches', 'On sale now.', None); print('numpy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "False"


@dataclass(frozen=True)
class _Labelled:
    """The fields of monitor.quality.Labelled that learn.fit reads."""

    id: str
    doc: RawDocument
    relevant: bool
    story: str
    event: str


def _labelled(e: Example, number: int) -> _Labelled:
    doc = RawDocument(url=f"http://127.0.0.1/{number}", title=e.title, text=e.text, source="test", outlet="test",
                      published=e.published)
    return _Labelled(f"t-{number}", doc, True, e.story, e.event.value)


def test_learn_fit_writes_the_model_and_points_the_config_at_it(tmp_path: Path) -> None:
    train = [_labelled(e, i) for i, e in enumerate(ARTICLES)]
    keys = learn.fit(train, tmp_path / "fold-1")  # type: ignore[arg-type]
    assert set(keys) == {"event_model"}
    path = Path(keys["event_model"])
    assert path.parent == tmp_path / "fold-1"
    assert eventmodel.load(path) == eventmodel.train(ARTICLES)
    again = learn.fit(train, tmp_path / "fold-1-again")  # type: ignore[arg-type]
    assert Path(again["event_model"]).read_bytes() == path.read_bytes()


def test_learn_fit_names_an_unknown_event() -> None:
    bad = _Labelled("t-9", _labelled(ARTICLES[0], 9).doc, True, "a", "announcement")
    with pytest.raises(ValueError, match="t-9.*'announcement'"):
        learn.fit([bad], Path("/nonexistent"))  # type: ignore[list-item]


def test_folds_keep_every_story_whole() -> None:
    examples = [Example("t", "x", None, Event.OTHER, f"s{i % 7}") for i in range(40)]
    folds = eventmodel.story_folds(examples, 5)
    assert sorted(i for fold in folds for i in fold) == list(range(40))
    for fold in folds:
        others = {examples[i].story for f in folds if f is not fold for i in f}
        assert not others & {examples[i].story for i in fold}


@pytest.mark.skipif(not DEV.is_file(), reason="../shared/judgement-dev/articles.jsonl not present")
def test_the_shipped_model_is_what_training_on_the_labelled_set_gives(tmp_path: Path) -> None:
    """A change to the cues or the features without a retrained event_model.json fails here (the rules and the
    shipped weights would disagree about what a cue is worth)."""
    retrained = tmp_path / "event_model.json"
    eventmodel.save(eventmodel.train(eventmodel.read_examples(DEV)), retrained)
    assert retrained.read_bytes() == eventmodel.SHIPPED.read_bytes()


@pytest.mark.slow
@pytest.mark.skipif(not DEV.is_file(), reason="../shared/judgement-dev/articles.jsonl not present")
def test_held_out_figures_by_story_on_the_labelled_set() -> None:
    """5-fold cross-validation by story: every article judged by a model that never saw its story. Floors a bit
    below what was measured (accuracy 0.814, launch 0.79, teaser 0.89, partnership 0.93, rumour 0.85)."""
    held, _rules, _fit = eventmodel.cross_validate(eventmodel.read_examples(DEV))
    assert held.accuracy >= 0.78
    assert held.recall["launch"] >= 0.74
    assert held.recall["teaser"] >= 0.85
    assert held.recall["partnership"] >= 0.8
    assert held.recall["rumor"] >= 0.7
