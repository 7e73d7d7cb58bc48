"""Story features find named days with classify's month words in the folded text, by expressions a search can skip
through; they must find what ``classify`` finds, at the same positions."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.judgement import classify
from monitor.judgement.classify import _MONTH_WORD, _ROMANCE_MONTHS
from monitor.judgement.cues import folded
from monitor.judgement.features import LEAD_CHARS, day_spans

DEV = Path(__file__).resolve().parents[2] / "shared" / "judgement-dev" / "articles.jsonl"


@pytest.mark.skipif(not DEV.is_file(), reason="../shared/judgement-dev/articles.jsonl not present")
def test_the_days_of_every_development_head_are_classifys() -> None:
    rows = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    heads = [(row["title"] or "") + "\n" + (row["text"] or "")[:LEAD_CHARS] for row in rows]
    found = 0
    for head in heads + [h.upper() for h in heads] + [h.swapcase() for h in heads]:
        spans = day_spans(head)
        assert spans == classify._day_spans(head), head[:200]
        found += len(spans)
    assert found > 300  # the heads do name days


_PIECES = ["July", "jul", "JUNE", "4", "12", "2nd", "21st", "of", "am", "4.", "Juli", "März", "MÄRZ", "août", "AOÛT",
           "déc", "Décembre", "septembre", "ſept", "JUİLLET", "Dez.", "7 月 4 日", "月", "日", "3", "x", "1999", "de",
           "gennaio", "MARZO", "Septiembre", "dicembre", "١٢", "_", "a1", "3rd", "ER", "Jan"]


_GLUE = [" ", "", ".", "  ", "\n", ", ", "-", ". ", "\u00a0", "\t"]


@settings(max_examples=800, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_PIECES), st.sampled_from(_GLUE)), max_size=12))
def test_generated_dates_are_found_as_classify_finds_them(pieces: list[tuple[str, str]]) -> None:
    text = "".join(piece + glue for piece, glue in pieces)
    assert day_spans(text) == classify._day_spans(text)


def test_folding_equates_the_month_words_letters_as_re_ignorecase_does() -> None:
    """Every character of the date expressions' words: those ``re.IGNORECASE`` takes for it are those folding
    to it (the digit, space and word classes keep their characters: ``tests/test_cue_patterns.py``)."""
    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
    every_folded = folded(every)
    folding_to: dict[str, set[str]] = {}
    for x, f in zip(every, every_folded, strict=True):
        folding_to.setdefault(f, set()).add(x)
    letters = set(re.sub(r"[^\w]", "", _MONTH_WORD + "".join(_ROMANCE_MONTHS) + "ofdeerstndrdth"))
    for char in sorted(letters):
        assert set(re.findall(re.escape(char), every, re.IGNORECASE)) == folding_to[char], char


def test_a_decimal_digit_and_a_space_are_what_re_calls_them() -> None:
    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
    assert {x for x in every if x.isdecimal()} == set(re.findall(r"\d", every))
    assert {x for x in every if x.isspace()} == set(re.findall(r"\s", every))
