"""`monitor export`, `monitor import` of that export, and `monitor feed`, through the command line."""

from __future__ import annotations

from pathlib import Path

import feedparser
import pytest

from tests.helpers import run, write_config

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


@pytest.mark.skipif(not SEEDS.is_dir(), reason=f"seed articles not found at {SEEDS}")
def test_export_then_import_elsewhere_round_trips_and_the_feed_lists_the_stories(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    first = write_config(tmp_path / "a", {})
    run(first, "import", str(SEEDS))
    dump = tmp_path / "export.jsonl"
    code, _, _ = run(first, "export", "-o", str(dump))
    assert code == 0

    (tmp_path / "b").mkdir()
    second = write_config(tmp_path / "b", {})
    code, lines, _ = run(second, "import", "--json", str(dump))
    assert code == 0 and lines[0]["type"] == "restore"
    again = tmp_path / "again.jsonl"
    run(second, "export", "-o", str(again))
    assert again.read_text().splitlines()[1:] == dump.read_text().splitlines()[1:]
    code, lines, _ = run(second, "import", "--json", str(dump))
    assert lines[0]["articles"] == 0  # importing the same export again adds nothing

    atom = tmp_path / "stories.atom"
    run(second, "feed", "-o", str(atom))
    parsed = feedparser.parse(atom.read_bytes())
    assert parsed.bozo == 0 and parsed.version == "atom10"
    assert {e.title for e in parsed.entries} >= {"Excitement Surrounds Xiaomi’s Upcoming Smartphone Imaging Evolution"}
    # The feed changes only when its stories do (its updated is the newest entry's), so readers see no churn.
    assert parsed.feed.updated == max(e.updated for e in parsed.entries)
    run(second, "feed", "-o", str(tmp_path / "later.atom"))
    assert (tmp_path / "later.atom").read_bytes() == atom.read_bytes()
