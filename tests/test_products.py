"""Products named in an article: the pre-filtered matcher names exactly what the plain expressions name."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.judgement import products
from monitor.judgement.products import Named, Products
from monitor.judgement.text import LEAD_CHARS

DEV = Path(__file__).resolve().parents[2] / "shared" / "judgement-dev" / "articles.jsonl"
# A topic's vocabulary as config.toml gives it (lines and subject aliases), and a second maker's.
LINES = ("xiaomi", "leica", "mi", "mix fold", "mix flip", "civi", "find", "reno")
ALIASES = (("xiaomi", "小米", "シャオミ"), ("leica", "徕卡", "leitz"), ("oppo", "欧珀"))


class _Plain(Products):
    """The straightforward matcher: the line expression without its lookahead, the bare form always searched."""

    def __init__(self) -> None:
        super().__init__(LINES, ALIASES)
        self._pattern = re.compile(products._line_expression(self._canonical), re.IGNORECASE)

    def named(self, title: str, lead: str, title_weight: int = 3) -> Named:
        hint, products._BARE_HINT = products._BARE_HINT, re.compile("")
        try:
            return super().named(title, lead, title_weight)
        finally:
            products._BARE_HINT = hint


FAST, PLAIN = Products(LINES, ALIASES), _Plain()


def test_a_bare_model_after_a_named_line_is_that_lines() -> None:
    named = FAST.named("Xiaomi 12S, 12S Pro und 12S Ultra vorgestellt", "")
    assert named.models == ("xiaomi 12s", "xiaomi 12s pro", "xiaomi 12s ultra")
    assert FAST.named("Apple iPhone 13 Pro review", "").models == ()


@pytest.mark.skipif(not DEV.is_file(), reason="../shared/judgement-dev/articles.jsonl not present")
def test_products_named_are_those_of_the_plain_expressions_on_the_development_set() -> None:
    rows = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    parts = [(row["title"] or "", (row["text"] or "")[:LEAD_CHARS]) for row in rows]
    parts += [(title.upper(), lead.swapcase()) for title, lead in parts]
    assert sum(bool(FAST.named(title, lead).models) for title, lead in parts) > 200  # they do name products
    for title, lead in parts:
        assert FAST.named(title, lead) == PLAIN.named(title, lead), title


# Lines, aliases, model tokens, variants, separators and article words, and the letters re.IGNORECASE treats
# specially ("İ" and "ſ" match "i" and "s"; the Kelvin sign matches "k").
_PIECES = ["Xiaomi", "XIAOMI", "xİaomi", "小米", "シャオミ", "Leica", "Mi", "Mix Fold", "mix  flip", "Civi", "Find",
           "Reno", "Oppo", "15", "12S", "13T", "X8", "5G", "100W", "1-inch", "Pro", "pro max", "Ultra", "+", "Lite",
           "ſ", "\u212a", "series", "系列", "the", "and", "und", "vs.", "or", ",", "/", "&", "'s", "new"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_PIECES), st.sampled_from([" ", "", "\n", ", ", "-"])), max_size=12))
def test_products_named_are_those_of_the_plain_expressions_on_generated_text(
    pieces: list[tuple[str, str]],
) -> None:
    text = "".join(piece + glue for piece, glue in pieces)
    assert FAST.named(text, text) == PLAIN.named(text, text)
