"""`monitor check`, `monitor config check` and `monitor db upgrade` through the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import main
from tests.helpers import LAUNCH, OTHER, run, write_config
from tests.httpserver import LoopbackServer, Route

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


@pytest.mark.skipif(not SEEDS.is_dir(), reason=f"seed articles not found at {SEEDS}")
def test_check_explains_without_storing(tmp_path: Path) -> None:
    config = write_config(tmp_path, {})
    run(config, "import", str(SEEDS / "001_e184c388e6a71916.txt"))
    copy = tmp_path / "copy.txt"  # another outlet's headline over the seed's body
    copy.write_text("Leica and Xiaomi sign long-term deal\n" + (SEEDS / "003_e0d009aae5b7e002.txt").read_text())

    code, [result], _ = run(config, "check", "--json", str(copy))

    assert code == 0
    assert result["relevant"] is True and "leica" in result["terms"]
    assert result["event"] == "partnership" and result["cues"]
    assert result["outcome"] == "joins story 1" and result["nearest_story"] == 1
    # The decider's score is "evidence" (it may exceed 1); a similarity, when there is one, reads 0–1.
    assert result["evidence"] >= result["join_at"] and "similarity" in result
    assert result["similarity"] is None or 0.0 <= result["similarity"] <= 1.0
    code, _, text = run(config, "check", str(copy))
    assert "evidence: " in text and "similarity: 1." not in text and "similarity: 2" not in text
    _, articles, _ = run(config, "articles", "--json", "--all")
    assert len(articles) == 1  # check stored nothing


def test_check_of_a_url_and_of_an_irrelevant_article(tmp_path: Path, http_server: LoopbackServer) -> None:
    page = f"<html><body><article><h1>{OTHER[0]}</h1><p>{OTHER[1]}</p></article></body></html>".encode()
    http_server.route("/a.html", Route(body=page, headers={"Content-Type": "text/html"}))
    config = write_config(tmp_path, {})

    code, [result], _ = run(config, "check", "--json", http_server.url("/a.html"))

    assert code == 0
    assert result["title"] == OTHER[0]
    assert (result["relevant"], result["outcome"]) == (False, "irrelevant")
    code, _, output = run(config, "check", str(tmp_path / "missing.txt"))
    assert code == 2 and "missing.txt" in output


def test_check_prints_a_readable_explanation(tmp_path: Path) -> None:
    article = tmp_path / "launch.txt"
    article.write_text(f"{LAUNCH[0]}\n{LAUNCH[1]}\n")
    code, _, output = run(write_config(tmp_path, {}), "check", str(article))
    assert code == 0
    assert "event: launch" in output and "outcome: new story" in output


def test_config_check_prints_the_effective_config_with_secrets_masked(tmp_path: Path) -> None:
    config = write_config(tmp_path, {"a": "http://127.0.0.1:9/feed"},
                          channels={"hook": "json://user:s3cret-pw@127.0.0.1:9/hook"})

    result = CliRunner().invoke(main, ["--config", str(config), "config", "check"])

    assert result.exit_code == 0
    assert "s3cret-pw" not in result.output
    described = json.loads(result.stdout)
    assert [s["name"] for s in described["sources"]] == ["a"]
    assert "1 source, 1 topic, 1 channel" in result.stderr  # plurals right


def test_config_check_reports_a_query_syntax_error_with_its_position(tmp_path: Path) -> None:
    config = write_config(tmp_path, {})
    config.write_text(config.read_text().replace('query = "', 'query = "(xiaomi ', 1))
    code, _, output = run(config, "config", "check")
    assert code == 2 and "xiaomi-leica" in output and "position" in output


def test_config_check_refuses_an_event_model_that_is_not_one(tmp_path: Path) -> None:
    config = write_config(tmp_path, {})
    (tmp_path / "model.json").write_text('{"weights": "none"}', encoding="utf-8")
    config.write_text(config.read_text() + '\n[judgement]\nevent_model = "model.json"\n')
    code, _, output = run(config, "config", "check")
    assert code == 2 and "judgement.event_model" in output and "model.json" in output


def test_db_upgrade_creates_the_schema(tmp_path: Path) -> None:
    config = write_config(tmp_path, {})
    code, _, output = run(config, "db", "upgrade")
    assert code == 0 and "newest schema" in output
    assert (tmp_path / "monitor.db").exists()
