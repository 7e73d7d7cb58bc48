"""Regression floors on the labelled development set (../shared/judgement-dev), measured as in docs/quality.md.

Floors are the measured figures rounded down by about 0.02: a change that makes judgement worse on real
articles fails here, an improvement passes (then raise the floor).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor import quality

DATA = Path(__file__).resolve().parents[2] / "shared" / "judgement-dev" / "articles.jsonl"
pytestmark = pytest.mark.skipif(not DATA.is_file(), reason="../shared/judgement-dev/articles.jsonl not present")


@pytest.fixture(scope="module")
def articles() -> list[quality.Labelled]:
    return quality.load(DATA)


def test_story_and_event_stages_with_labelled_relevance(articles: list[quality.Labelled]) -> None:
    report, _ = quality.run(articles, oracle_relevance=True)
    assert report.story_precision >= 0.95
    assert report.story_recall >= 0.89
    assert report.story_f1 >= 0.92
    assert report.event_accuracy >= 0.92
    assert report.classify_accuracy >= 0.89


def test_whole_judgement_with_the_topic_query(articles: list[quality.Labelled]) -> None:
    report, rows = quality.run(articles)
    assert report.relevance_precision >= 0.98
    assert report.relevance_recall >= 0.98
    assert report.story_f1 >= 0.92
    assert report.event_accuracy >= 0.92
    assert len(rows) == report.articles == len(articles)


def test_every_labelled_story_of_several_articles_is_mostly_kept_together(
    articles: list[quality.Labelled],
) -> None:
    _, rows = quality.run(articles, oracle_relevance=True)
    by_story: dict[str, list[int | None]] = {}
    for row in rows:
        if row.relevant:
            by_story.setdefault(row.story, []).append(row.predicted_story)
    for story, predicted in by_story.items():
        largest = max(predicted.count(p) for p in set(predicted))
        assert largest / len(predicted) >= 0.5, story


def test_command_line_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert quality.main([str(DATA), "--json", "--oracle-relevance"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["articles"] == 68 and figures["story_f1"] >= 0.92


def test_command_line_names_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert quality.main([str(tmp_path / "absent.jsonl")]) == 2
    assert "absent.jsonl" in capsys.readouterr().err
