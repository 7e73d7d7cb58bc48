"""Named days are found with the month words in the folded text, by expressions a search can skip through
(``classify.day_spans``); they must find what the plain case-insensitive expressions find, at the same positions."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.judgement.classify import _CJK_DATE, _MONTH_WORD, _ROMANCE_MONTHS, _month, day_spans
from monitor.judgement.cues import folded
from monitor.judgement.features import LEAD_CHARS

DEV = Path(__file__).resolve().parents[2] / "shared" / "judgement-dev" / "articles.jsonl"

# The plain forms: a lookbehind in front, searched case-insensitively in the text as written.
_PLAIN_MONTH_DAY = re.compile(rf"(?<!\w){_MONTH_WORD}\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?!\d)", re.IGNORECASE)
_PLAIN_DAY_MONTH = re.compile(rf"(?<!\d)(\d{{1,2}})(?:\.|er|st|nd|rd|th)?\s+(?:of\s+)?{_MONTH_WORD}(?!\w)",
                              re.IGNORECASE)
_PLAIN_ROMANCE_DAY = re.compile(rf"(?<!\d)(\d{{1,2}})\s+(?:de\s+)?({'|'.join(_ROMANCE_MONTHS)})(?!\w)",
                                re.IGNORECASE)


def plain_day_spans(text: str) -> list[tuple[int, int, tuple[int, int]]]:
    found = [(m.start(), m.end(), (_month(m.group(1)), int(m.group(2)))) for m in _PLAIN_MONTH_DAY.finditer(text)]
    found += [(m.start(), m.end(), (_month(m.group(2)), int(m.group(1)))) for m in _PLAIN_DAY_MONTH.finditer(text)]
    found += [(m.start(), m.end(), (_ROMANCE_MONTHS[folded(m.group(2))], int(m.group(1))))
              for m in _PLAIN_ROMANCE_DAY.finditer(text)]
    if "月" in text:
        found += [(m.start(), m.end(), (int(m.group(1)), int(m.group(2)))) for m in _CJK_DATE.finditer(text)]
    return [(start, end, (m, d)) for start, end, (m, d) in found if 1 <= m <= 12 and 1 <= d <= 31]


@pytest.mark.skipif(not DEV.is_file(), reason="../shared/judgement-dev/articles.jsonl not present")
def test_the_days_of_every_development_head_are_the_plain_expressions() -> None:
    rows = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    heads = [(row["title"] or "") + "\n" + (row["text"] or "")[:LEAD_CHARS] for row in rows]
    found = 0
    for head in heads + [h.upper() for h in heads] + [h.swapcase() for h in heads]:
        spans = day_spans(head)
        assert spans == plain_day_spans(head), head[:200]
        found += len(spans)
    assert found > 300  # the heads do name days


_PIECES = ["July", "jul", "JUNE", "4", "12", "2nd", "21st", "of", "am", "4.", "Juli", "März", "MÄRZ", "août", "AOÛT",
           "déc", "Décembre", "septembre", "ſept", "JUİLLET", "Dez.", "7 月 4 日", "月", "日", "3", "x", "1999", "de",
           "gennaio", "MARZO", "Septiembre", "dicembre", "١٢", "_", "a1", "3rd", "ER", "Jan"]


_GLUE = [" ", "", ".", "  ", "\n", ", ", "-", ". ", "\u00a0", "\t"]


@settings(max_examples=800, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_PIECES), st.sampled_from(_GLUE)), max_size=12))
def test_generated_dates_are_found_as_the_plain_expressions_find_them(pieces: list[tuple[str, str]]) -> None:
    text = "".join(piece + glue for piece, glue in pieces)
    assert day_spans(text) == plain_day_spans(text)


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
