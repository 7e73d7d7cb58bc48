"""Products read with a topic's vocabulary: what a person reading the headline and lead would call the phone; and
the pre-filtered matcher names exactly what the plain expressions name."""

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

# An invented maker, configured as config.toml would: a subject with aliases and a product-line group.
NIMBUS_LINES = ("nimbus", "星云", "nb", "aurora")
NIMBUS_ALIASES = (("nimbus", "星云"), ("nimbus", "nb"))
NIMBUS = Products(NIMBUS_LINES, NIMBUS_ALIASES)


def named(title: str, lead: str = "") -> Named:
    return NIMBUS.named(title, lead)


def test_a_model_is_a_line_a_token_and_a_variant() -> None:
    found = named("Nimbus 15 Ultra launched with a periscope camera")
    assert (found.generation, found.variant) == ("nimbus 15", "ultra")


def test_a_model_token_may_stand_in_parentheses_after_its_line() -> None:
    """Some makers write their names so ("Nimbus (3)"): the same phone as "Nimbus 3", its variant read after it."""
    assert named("Nimbus (3) launch date confirmed").generation == "nimbus 3"
    found = named("Nimbus (2a) Plus leak shows the back", "The Nimbus(2a) Plus follows the Nimbus 2a.")
    assert (found.generation, found.variant) == ("nimbus 2a", "plus") and "nimbus 2a plus" in found.models
    assert named("Nimbus (3 is unbalanced").generation is None


def test_a_roman_numeral_after_the_model_numbers_its_generation() -> None:
    """"Nimbus 1 II" and "Nimbus 1 IV" are two phones two years apart, not the plain "Nimbus 1"; "vs" is no "v"."""
    assert named("Nimbus 1 II launched").generation == "nimbus 1 ii"
    assert named("Nimbus 1 IV review: the best yet").generation == "nimbus 1 iv"
    assert named("Das Nimbus 5 iii im Test").generation == "nimbus 5 iii"
    found = named("Nimbus 1 V Pro is here")
    assert (found.generation, found.variant) == ("nimbus 1 v", "pro")
    assert named("Nimbus 1 vs Nimbus 2: which to buy").generation is None  # two products, neither leads
    assert named("Nimbus 1 vs Kestrel 9").generation == "nimbus 1"
    # Written against the number, as Chinese and Japanese coverage often does; a single "v" there may be a model.
    assert named("星云Nimbus1IV现已获得认证").generation == "nimbus 1 iv"
    assert named("Nimbus 1II in Hong Kong").generation == "nimbus 1 ii"
    assert named("Nimbus 1 in review").generation == "nimbus 1"


def test_between_products_named_equally_the_one_named_first_is_the_subject() -> None:
    """A lead that names its phone once and then the two it succeeds is about its phone; a headline naming two
    compares them and is about neither. ``primary`` (what relevance reads) agrees with ``named``."""
    lead = ("Now Nimbus has done it with its Nimbus R6 flagship. Its predecessors, the Nimbus R2 and the Nimbus R3, "
            "had smaller sensors.")
    assert named("The first 1-inch camera phone from a major maker is official", lead).generation == "r6"
    assert NIMBUS.primary("The first 1-inch camera phone from a major maker is official", lead) == "r6"
    assert named("Nimbus R6 vs Nimbus R3", lead).generation is None
    assert NIMBUS.primary("Nimbus R6 vs Nimbus R3", lead) is None


def test_a_point_release_after_a_line_is_a_model_of_its_own() -> None:
    """"Nimbus 8.3" is a phone a year after the "Nimbus 8"; a size, a share or a version after the line is none."""
    assert named("Nimbus 8.3 5G is official").generation == "nimbus 8.3"
    assert named("Nimbus 6.1 Plus review").variant == "plus"
    assert named("Nimbus 8 launched").generation == "nimbus 8"
    for no_model in ("Nimbus 6.7-inch screen", "Nimbus 6.7 inch screen", "Nimbus 5.5% market share",
                     "Nimbus 8.3.1 update"):
        assert named(no_model).generation is None, no_model


def test_units_and_network_names_are_no_models() -> None:
    assert named("Nimbus adds 5G, 100W charging and a 1-inch sensor").generation is None


def test_a_line_group_names_one_line() -> None:
    assert named("NB 12S Ultra hands-on").generation == named("Nimbus 12S Ultra hands-on").generation == "nimbus 12s"


def test_chinese_writes_models_without_spaces_around_them() -> None:
    # The line inside a sentence ("与星云13扁平"), and a bare model after a descriptor ("旗舰17 Ultra即将登场").
    inside = named("", "新机的设计与星云13扁平侧面相似。")
    assert (inside.generation, inside.variant) == ("nimbus 13", "")
    bare = named("星云17 Ultra官宣", "年度超大杯旗舰17 Ultra即将登场,还将推出手表。")
    assert (bare.generation, bare.variant) == ("nimbus 17", "ultra")
    assert named("", "年度超大杯旗舰17 Ultra即将登场。").generation is None  # no line named: whose model?


def test_a_series_named_before_its_model_is_the_whole_series() -> None:
    """Romance languages put the word first ("la serie Nimbus 15", "la série Nimbus 15"): every variant at once, as
    "Nimbus 15 series" is, not the plain model."""
    for title in ("La serie Nimbus 15 arriva il 22 novembre", "La série Nimbus 15 arrive le 22 novembre",
                  "Nimbus 15 series arrives on November 22"):
        found = named(title)
        assert (found.generation, found.variant) == ("nimbus 15", None), title
    assert named("Il nuovo Nimbus 15 arriva il 22 novembre").variant == ""


def test_without_configured_lines_a_model_right_after_a_name_is_that_names() -> None:
    """``unlisted="led"`` (a topic that configures no product line): "Nimbus Aurora 9 Pro" is a product of Nimbus
    even though "Aurora" is no configured line; a model that does not follow the name is not."""
    led = Products(("nimbus",), unlisted="led")
    assert led.primary("Nimbus Aurora 9 Pro renders leak", "") == "aurora 9"
    assert led.primary("", "Renders of the NIMBUS Galaxy S25 leaked today.") == "galaxy s25"
    assert led.primary("Nimbus rival launches the Aurora 9 Pro", "") is None
    assert Products(("nimbus",)).primary("Nimbus Aurora 9 Pro renders leak", "") is None


def test_a_model_named_once_is_counted_once() -> None:
    # "星云12S Ultra" is a line-led model; the same words are not read again as a bare "12S Ultra".
    found = named("", "星云13 Ultra发布,星云13 Ultra售价公布。此前的星云12S Ultra很受欢迎。")
    assert found.generation == "nimbus 13"
    assert found.models == ("nimbus 12s ultra", "nimbus 13 ultra")


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
           "ſ", "\u212a", "series", "系列", "the", "and", "und", "vs.", "or", ",", "/", "&", "'s", "new", "旗舰", "与",
           "即将"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_PIECES), st.sampled_from([" ", "", "\n", ", ", "-"])), max_size=12))
def test_products_named_are_those_of_the_plain_expressions_on_generated_text(
    pieces: list[tuple[str, str]],
) -> None:
    text = "".join(piece + glue for piece, glue in pieces)
    assert FAST.named(text, text) == PLAIN.named(text, text)


def test_a_lettered_model_is_one_key_whichever_line_leads_to_it() -> None:
    """"Huawei P50"-style names: the brand then a lettered model, or a one-letter line then a number."""
    lines = Products(("nimbus", "p", "galaxy s", "mix fold"), ())
    keys = {lines.named(title, "").generation for title in ("Nimbus P50 Pro review", "The P50 Pro review",
                                                             "Nimbus P 50 Pro review")}
    assert keys == {"p50"}
    assert lines.named("Galaxy S25 Ultra tested", "").generation == lines.named("Nimbus S25 Ultra", "").generation
    assert lines.named("Nimbus 15 Ultra", "").generation == "nimbus 15"  # a number alone keeps its line
    assert lines.named("Mix Fold 4 hands-on", "").generation == "mix fold 4"
    # a name the topic does not configure may be a sub-line: the tablet is not the phone
    assert lines.named("Nimbus Tab S10 Ultra", "").generation == "tab s10" != lines.named("Nimbus S10", "").generation


def test_keys_stored_by_an_earlier_version_read_as_todays() -> None:
    from monitor.judgement.features import StoryFeatures
    from monitor.judgement.products import stored_key

    assert [stored_key(k) for k in ("huawei p50", "p 50", "vivo x 100", "xiaomi 15", "mix fold 4", "p50")] == [
        "p50", "p50", "x100", "xiaomi 15", "mix fold 4", "p50"]
    assert StoryFeatures.from_json({"generation": "nimbus p50"}).generation == "p50"
