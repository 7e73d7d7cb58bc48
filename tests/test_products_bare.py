"""The searches that skip to where a match can start find exactly what the plain ``finditer`` finds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.judgement.products import _BARE, Products, _fold, bare_matches

DEV = Path(__file__).resolve().parents[2] / "shared" / "judgement-dev" / "articles.jsonl"

# Model tokens, variants, the separators and article words a bare model follows (with runs of Unicode spaces),
# units, CJK, and the letters re.IGNORECASE treats specially.
_PIECES = ["15", "12S", "x8", "S25", "1", "123", "1234", "1.5", "5G", "100w", "-inch", "MP", "Pro", "pro  max",
           "Ultra", "+", "plus", "FE", "mini", "lite", "series", "the", "The", "and", "und", "oder", "vs.", "vs", "y",
           "e", "le", "la", ",", "/", "&", "\n", "\t", "\u3000", "\xa0", "旗舰", "小米", "a", "x", ".", "ſ", "\u212a"]


def _spans(matches: object) -> list[tuple[tuple[int, int], tuple[str | None, ...]]]:
    return [(m.span(), m.groups()) for m in matches]  # type: ignore[attr-defined]


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_PIECES), st.sampled_from([" ", "", "  ", ", "])), max_size=14))
def test_bare_models_are_those_of_the_plain_search_on_generated_text(pieces: list[tuple[str, str]]) -> None:
    text = "".join(piece + glue for piece, glue in pieces)
    assert _spans(bare_matches(text)) == _spans(_BARE.finditer(text))


def test_bare_models_found_in_a_list_after_a_named_line() -> None:
    text = _fold("Xiaomi 12S, 12S Pro und 12S Ultra vorgestellt; the 13 Ultra, not Xiaomi 14 Ultra")
    assert [m.group(1, 2) for m in bare_matches(text)] == [("12s", "pro"), ("12s", "ultra"), ("13", "ultra")]


@pytest.mark.skipif(not DEV.is_file(), reason="../shared/judgement-dev/articles.jsonl not present")
def test_bare_models_are_those_of_the_plain_search_on_the_development_set() -> None:
    rows = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts = [text for row in rows for text in (row["title"] or "", row["text"] or "")]
    found = 0
    for text in texts + [text.swapcase() for text in texts]:
        for part in (text, _fold(text)):
            expected = _spans(_BARE.finditer(part))
            assert _spans(bare_matches(part)) == expected
            found += len(expected)
    assert found > 100  # they do name bare models


# Lines (with the letters re.IGNORECASE equates with theirs: "ı" and "İ" with "i", "ſ" with "s", the Kelvin sign
# with "k"), model tokens, variants, series words and CJK.
_LINE_PIECES = ["xiaomi", "XIAOMI", "xıaomı", "xİaomi", "mi", "mı", "mix", "mix fold", "mix  flip", "mix\nflip",
                "leica", "leıca", "ſ", "\u212a", "小米", "シャオミ", "15", "12s", "x8", "5g", "pro", "ultra", "+",
                "series", "系列", "'s", "’s", "new", "-", "a", "ami", ",", "\xa0"]
_LINES = Products(("xiaomi", "leica", "mi", "mix fold", "mix flip", "kilo", "ſt"), (("xiaomi", "小米", "シャオミ"),))


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_LINE_PIECES), st.sampled_from([" ", "", "  "])), max_size=12))
def test_line_models_are_those_of_the_plain_search_on_generated_text(pieces: list[tuple[str, str]]) -> None:
    text = _fold("".join(piece + glue for piece, glue in pieces))
    assert _LINES._pattern is not None
    assert _spans(_LINES._line_matches(_LINES._pattern, text)) == _spans(_LINES._pattern.finditer(text))


@pytest.mark.skipif(not DEV.is_file(), reason="../shared/judgement-dev/articles.jsonl not present")
def test_line_models_are_those_of_the_plain_search_on_the_development_set() -> None:
    rows = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts = [_fold(text) for row in rows for text in (row["title"] or "", row["text"] or "")]
    assert _LINES._pattern is not None
    found = 0
    for text in texts + [text.upper() for text in texts]:
        expected = _spans(_LINES._pattern.finditer(text))
        assert _spans(_LINES._line_matches(_LINES._pattern, text)) == expected
        found += len(expected)
    assert found > 200
