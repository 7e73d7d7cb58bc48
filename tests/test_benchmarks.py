"""The benchmark suite runs and reports: every in-house section prints its figures and a verdict per target.

This is a smoke test at toy sizes (``run.py --smoke``), not a timed assertion: CI runs ``run.py --short`` for
the figures, and a shared CI machine's timings are too noisy to fail a build on. What it does check is what a
reader of the output relies on: each section ran against the loopback server, the figures are real
measurements (positive, and the ingest burst stored every new article), and the JSON export holds them.
``story_lookup.py`` and ``service_memory.py`` belong to their own tests and are left out here.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
RUN = REPO / "benchmarks" / "run.py"


def test_run_prints_figures_and_verdicts_for_every_section(tmp_path: Path) -> None:
    out = tmp_path / "figures.json"
    done = subprocess.run(
        [sys.executable, str(RUN), "--smoke", "--sections", "cycle,burst,startup", "--json", str(out)],
        capture_output=True, text=True, timeout=90, check=False, cwd=tmp_path,
    )

    assert done.returncode == 0, done.stderr[-3000:]
    for heading in ("unchanged poll cycle", "ingest burst", "start-up", "Targets"):
        assert heading in done.stdout
    report = json.loads(out.read_text(encoding="utf-8"))
    figures = {f["name"]: f for f in report["figures"]}
    assert figures["N=10: monitor Cycle.run polls/s"]["value"] > 0
    assert figures["N=10: raw aiohttp conditional GETs/s"]["value"] > 0
    assert figures["N=10: monitor / raw"]["unit"] == "×"
    assert figures["monitor --help"]["value"] > 0
    burst = [f for f in report["figures"] if f["name"].endswith(": end to end")]
    assert len(burst) == 2  # full content and summary only
    assert all("6 stored of 9 items" in f["note"] for f in burst)  # 3 feeds × 2 new; the old items known
    sections = {v["section"] for v in report["verdicts"]}
    assert sections == {"unchanged cycle", "ingest burst", "start-up"}
    assert all(v["met"] in (True, False) for v in report["verdicts"])
    assert report["machine"]["nproc"] >= 1


def test_unknown_section_is_a_usage_error(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(RUN), "--sections", "cycle,nonsense"],
                          capture_output=True, text=True, timeout=30, check=False, cwd=tmp_path)

    assert done.returncode == 2
    assert "nonsense" in done.stderr


def test_judging_cost_is_printed_per_article_for_today_and_a_revision(tmp_path: Path) -> None:
    articles = tmp_path / "articles.jsonl"
    rows = [{"title": "Xiaomi 15 Ultra launches with Leica optics", "text": "Xiaomi launched the Xiaomi 15 Ultra.",
             "published": "2025-02-27"}, {"title": "", "text": "Gardening in spring.", "published": None}]
    articles.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "judge_articles.py"), str(articles), "--against", "HEAD",
         "--rounds", "1", "--passes", "2"],
        capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path,
    )

    assert done.returncode == 0, done.stderr[-3000:]
    assert "over 2 articles" in done.stdout
    for label in ("today", "HEAD"):
        line = next(line for line in done.stdout.splitlines() if line.strip().startswith(f"{label}:"))
        assert "first pass" in line and line.count("ms/article") == 2


@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind (callgrind) is not installed")
def test_burst_instructions_counts_both_sides_of_the_burst(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "burst_instructions.py"), "3", "2"],
        capture_output=True, text=True, timeout=300, check=False, cwd=tmp_path,
    )

    assert done.returncode == 0, done.stderr[-3000:]
    line = next(line for line in done.stdout.splitlines() if line.strip().startswith("today:"))
    assert "(6 stored)" in line  # 3 feeds × 2 new items, all stored, as in the timed burst
    end_to_end, floor, ratio = (float(n) for n in re.findall(r"(\d+\.\d+)(?: M/article|×)", line))
    assert end_to_end > 0 and floor > 0 and abs(ratio - end_to_end / floor) < 0.01
