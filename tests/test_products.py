"""Products read with a topic's vocabulary: what a person reading the headline and lead would call the phone."""

from __future__ import annotations

from monitor.judgement.products import Named, Products

# An invented maker, configured as config.toml would: a subject with aliases and a product-line group.
LINES = ("nimbus", "星云", "nb", "aurora")
ALIASES = (("nimbus", "星云"), ("nimbus", "nb"))
PRODUCTS = Products(LINES, ALIASES)


def named(title: str, lead: str = "") -> Named:
    return PRODUCTS.named(title, lead)


def test_a_model_is_a_line_a_token_and_a_variant() -> None:
    found = named("Nimbus 15 Ultra launched with a periscope camera")
    assert (found.generation, found.variant) == ("nimbus 15", "ultra")


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


def test_a_model_named_once_is_counted_once() -> None:
    # "星云12S Ultra" is a line-led model; the same words are not read again as a bare "12S Ultra".
    found = named("", "星云13 Ultra发布,星云13 Ultra售价公布。此前的星云12S Ultra很受欢迎。")
    assert found.generation == "nimbus 13"
    assert found.models == ("nimbus 12s ultra", "nimbus 13 ultra")
