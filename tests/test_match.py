"""Topic queries: the language (parser, errors with positions), word matching across scripts, and relevance."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor.config import load_config
from monitor.errors import MonitorError, QuerySyntaxError
from monitor.judgement.match import compile_query
from monitor.judgement.query import Match, Query
from monitor.judgement.text import normalize, prepare

JUDGEMENT_DEV = Path(__file__).resolve().parents[2] / "shared" / "judgement-dev" / "articles.jsonl"
# The shipped topic, as users run it: its query, subjects and rivals come from config.toml.
SHIPPED = load_config(Path(__file__).resolve().parents[1] / "config.toml", env={}).topics[0]
# Alias groups written the way a topic's config.toml declares them (the code knows none).
ALIASES = (
    ("xiaomi", "小米", "小米集团", "シャオミ", "샤오미"),
    ("leica", "徕卡", "徠卡", "ライカ", "라이카", "summilux"),
)

# A body long enough that its lead (title + first ~400 characters) is over before "later" text starts.
FILLER = " ".join(["The camera module sits in a round island on the back of the phone."] * 8)


def matches(query: str, text: str, title: str = "") -> bool:
    """Plain boolean matching, the subject rule off."""
    return compile_query(query, topic="t", subject=False, aliases=ALIASES).evaluate(title, text).relevant


def shipped(*, subject: bool = True) -> Query:
    return compile_query(SHIPPED.query, topic=SHIPPED.name, subject=subject, aliases=SHIPPED.aliases)


def xiaomi_leica(title: str, text: str = "") -> Match:
    return shipped().evaluate(title, text)


# --- the language ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("alpha", True), ("beta", False), ("beta gamma", True), ("alpha beta", True), ("gamma", False)],
)
def test_and_binds_tighter_than_or(text: str, expected: bool) -> None:
    assert matches("alpha OR beta gamma", text) is expected
    assert matches("alpha OR beta AND gamma", text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("alpha gamma", True), ("alpha beta gamma", False), ("alpha", False), ("delta", True), ("alpha beta", False)],
)
def test_not_binds_tighter_than_and_and_or(text: str, expected: bool) -> None:
    # (alpha AND (NOT beta) AND gamma) OR (NOT alpha AND NOT beta)
    assert matches("alpha NOT beta gamma OR NOT alpha NOT beta", text) is expected


def test_parentheses_override_precedence() -> None:
    assert matches("(alpha OR beta) gamma", "beta gamma")
    assert not matches("(alpha OR beta) gamma", "alpha")
    assert matches("gamma NOT (alpha OR beta)", "gamma")
    assert not matches("gamma NOT (alpha OR beta)", "gamma beta")


def test_operators_are_case_insensitive_and_juxtaposition_is_and() -> None:
    assert matches("alpha and beta", "beta alpha")
    assert matches("alpha beta", "beta alpha")
    assert not matches("alpha beta", "alpha")
    assert matches("alpha or beta", "beta")
    assert not matches("alpha not beta", "alpha beta")


def test_phrase_needs_its_words_adjacent_and_in_order() -> None:
    assert matches('"leica summilux"', "with a Leica Summilux-H lens")
    assert matches('"leica summilux"', "Leica: Summilux")  # punctuation between the words is ignored
    assert not matches('"leica summilux"', "Summilux by Leica")
    assert not matches('"leica summilux"', "Leica optics and a Summilux lens")


def test_a_possessive_s_stands_between_no_words_of_a_phrase() -> None:
    """Coverage writes "Nimbus's 15 Ultra" and "Nimbus’s 15 Ultra"; a phrase "nimbus 15*" is meant to find them."""
    assert matches('"nimbus 15*"', "Nimbus's 15 Ultra gets a periscope")
    assert matches('"nimbus 15*"', "Nimbus\u2019s 15 Ultra gets a periscope")
    assert matches('"nimbus s"', "the Nimbus S is here")  # a letter of a name stays a word
    assert not matches('"nimbus 15*"', "Nimbus's new phone, the 15 Ultra")


def test_prefix_wildcard_matches_word_starts_only() -> None:
    assert matches("leica*", "the old Leicaflex SL")
    assert not matches("leica", "the old Leicaflex SL")
    assert not matches("flex*", "the old Leicaflex SL")
    assert matches('"xiaomi 1*"', "Xiaomi 13T Pro")
    assert not matches('"xiaomi 1*"', "Xiaomi Mix 13")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("xiaomi one two three four five leica", True),  # five words between
        ("leica one two three four five xiaomi", True),  # either order
        ("xiaomi one two three four five six leica", False),
        ("xiaomileica", False),
    ],
)
def test_near_counts_the_words_between(text: str, expected: bool) -> None:
    assert matches("xiaomi NEAR/5 leica", text) is expected


def test_near_takes_phrases_and_or_groups() -> None:
    query = '"xiaomi 14" NEAR/3 (leica OR zeiss)'
    assert matches(query, "The Xiaomi 14 carries Zeiss glass")
    assert matches(query, "Leica optics on the Xiaomi 14")
    assert not matches(query, "The Xiaomi 14 is out. Reviewers praised it a lot. Leica")
    assert not matches("cameras NOT xiaomi NEAR/2 leica", "Xiaomi and Leica cameras")
    assert matches("cameras NOT xiaomi NEAR/2 leica", "Xiaomi phones ship with cameras by Leica")


def _brute_near(words: list[str], left: list[str], right: list[str], distance: int) -> bool:
    def starts(run: list[str]) -> list[int]:
        return [i for i in range(len(words)) if words[i : i + len(run)] == run]

    for a in starts(left):
        for b in starts(right):
            first, second = ((a, len(left)), (b, len(right))) if a <= b else ((b, len(right)), (a, len(left)))
            if 0 <= second[0] - (first[0] + first[1]) <= distance:
                return True
    return False


@given(
    st.lists(st.sampled_from(["red", "green", "blue", "grey"]), max_size=40),
    st.lists(st.sampled_from(["red", "green", "blue"]), min_size=1, max_size=3),
    st.lists(st.sampled_from(["red", "green", "grey"]), min_size=1, max_size=3),
    st.integers(min_value=1, max_value=6),
)
def test_near_agrees_with_a_brute_force_count(
    words: list[str], left: list[str], right: list[str], distance: int
) -> None:
    query = f'"{" ".join(left)}" NEAR/{distance} "{" ".join(right)}"'
    assert matches(query, " ".join(words)) is _brute_near(words, left, right, distance)


@pytest.mark.parametrize(
    ("query", "position", "fragment"),
    [
        ("", 0, "empty"),
        ("   ", 3, "empty"),
        ("(xiaomi OR leica", 0, "unbalanced '('"),
        ("xiaomi (leica (zeiss)", 7, "unbalanced '('"),
        ("xiaomi) leica", 6, "unbalanced ')'"),
        (")", 0, "unbalanced ')'"),
        ('xiaomi "leica summilux', 7, "unterminated quote"),
        ("xiaomi AND", 7, "operand after"),
        ("xiaomi OR", 7, "operand after"),
        ("xiaomi NOT", 7, "operand after"),
        ("(xiaomi AND) leica", 8, "operand after"),
        ("AND xiaomi", 0, "operand before"),
        ("xiaomi AND OR leica", 11, "operand before"),
        ("xiaomi ()", 7, "empty parentheses"),
        ("xiaomi NEAR leica", 7, "NEAR needs a distance"),
        ("xiaomi NEAR/0 leica", 7, "NEAR needs a distance"),
        ("xiaomi NEAR/x leica", 7, "NEAR needs a distance"),
        ("xiaomi NEAR/101 leica", 7, "NEAR needs a distance"),
        ("xiaomi NEAR/5", 7, "operand after"),
        ("xiaomi NEAR/5 (leica AND zeiss)", 7, "NEAR operands"),
        ("a NEAR/2 b NEAR/2 c", 11, "cannot be chained"),
        ("xiaomi NEAR/2 NOT leica", 14, "NOT cannot be a NEAR operand"),
        ("xiaomi *", 7, "wildcard needs a prefix"),
        ("xiaomi le*ca", 7, "only allowed at the end"),
        ('xiaomi "—"', 7, "letter or digit"),
        ("NOT huawei", 0, "not negated"),
    ],
)
def test_syntax_errors_name_topic_and_position(query: str, position: int, fragment: str) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        compile_query(query, topic="xiaomi-leica")
    error = caught.value
    assert (error.position, error.topic, error.query) == (position, "xiaomi-leica", query)
    assert fragment in str(error)
    assert isinstance(error, MonitorError)


# --- words across scripts ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["Leica's new lens", "a Leica-backed camera", "LEICA", "(Leica)", "Leica’s optics", "„Leica“", "Léica"],
)
def test_whole_word_matching_survives_punctuation_case_and_accents(text: str) -> None:
    assert matches("leica", text)


@pytest.mark.parametrize("text", ["Leicaflex", "Leicas", "SuperLeica", "Leica2"])
def test_a_word_inside_a_longer_word_does_not_match(text: str) -> None:
    assert not matches("leica", text)


def test_accents_and_case_fold_on_both_sides() -> None:
    assert matches("škoda", "SKODA Octavia")
    assert matches("skoda", "Škoda Octavia")
    assert matches("strasse", "Straße")
    assert matches('"xiaomi 14"', "ｘｉａｏｍｉ　１４")  # full-width forms (NFKD)


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("小米与徕卡联合发布影像旗舰", ("xiaomi", "leica")),
        ("小米集团宣布与徠卡合作", ("xiaomi", "leica")),
        ("シャオミ、ライカと共同開発", ("xiaomi", "leica")),
        ("샤오미, 라이카와 협력", ("xiaomi", "leica")),  # the particle 와 sticks to the word: substring match
    ],
)
def test_cjk_aliases_match_as_substrings(text: str, terms: tuple[str, ...]) -> None:
    result = compile_query("xiaomi leica", topic="t", aliases=ALIASES).evaluate("", text)
    assert result == Match(True, terms, result.reason)


def test_aliases_apply_inside_phrases_and_terms_are_reported_as_written() -> None:
    result = compile_query('"Xiaomi 14" AND Leica', topic="t", aliases=ALIASES).evaluate("小米14 Ultra 徕卡影像", "")
    assert result.relevant
    assert result.terms == ('"Xiaomi 14"', "Leica")


def test_latin_terms_keep_word_boundaries_next_to_cjk() -> None:
    assert matches("xiaomi", "小米（Xiaomi）发布会")
    assert not matches("mi", "小米 Xiaomi")


def test_leica_lens_lines_count_as_leica_but_a_prefix_does_not_expand_aliases() -> None:
    assert matches("leica", "Summilux optics")
    assert not matches("leica*", "Summilux optics")
    assert matches('"leica lens"', "Summilux lens")  # the words of a phrase expand too
    assert matches('"leica lens"', "徕卡 lens")


def test_terms_list_only_positive_terms_found() -> None:
    result = compile_query("xiaomi (leica OR zeiss) NOT huawei", topic="t", subject=False).evaluate(
        "Xiaomi and Leica", "Not Huawei."
    )
    assert result == Match(False, ("xiaomi", "leica"), "query does not match")


def test_a_prepared_document_serves_several_topics() -> None:
    title, text = "Xiaomi 14 Ultra review", "Leica Summilux optics. " + FILLER
    prepared = prepare(title, text)
    for query in (SHIPPED.query, "leica NOT xiaomi", '"xiaomi 14" NEAR/3 ultra'):
        compiled = compile_query(query, topic="t", aliases=ALIASES)
        assert compiled.evaluate_prepared(prepared) == compiled.evaluate(title, text)


@given(st.text(max_size=200))
def test_normalize_is_idempotent_and_evaluation_never_fails(text: str) -> None:
    assert normalize(normalize(text)) == normalize(text)
    assert isinstance(xiaomi_leica(text, text).relevant, bool)


@given(
    st.text(alphabet=" .,;:!?()[]'\"’“”«»-–—/\n\t", max_size=5),
    st.text(alphabet=" .,;:!?()[]'\"’“”«»-–—/\n\t", max_size=5),
)
def test_a_word_between_any_punctuation_is_found(before: str, after: str) -> None:
    assert matches("leica", f"x{before or ' '}Leica{after or ' '}y")


# --- relevance: the subject rule and the default query -------------------------------------------------------


@pytest.mark.parametrize(
    "title",
    [
        "Huawei P60 Pro with Leica cameras; Xiaomi also sells phones",
        "Leica M11 review",
        "Xiaomi Redmi Note 13 launched",
        "Leitz Phone 3 by Sharp",
    ],
)
def test_near_misses_are_irrelevant(title: str) -> None:
    assert not xiaomi_leica(title).relevant
    assert not xiaomi_leica("", title).relevant


@pytest.mark.parametrize("title", ["Xiaomi 14 Ultra with Leica Summilux lenses", "小米与徕卡"])
def test_xiaomi_with_leica_is_relevant(title: str) -> None:
    assert xiaomi_leica(title).relevant
    assert xiaomi_leica("", title).relevant


def test_a_xiaomi_flagship_of_a_leica_line_is_relevant_without_the_word_leica() -> None:
    result = xiaomi_leica("Xiaomi 15 Ultra launch date leaked", FILLER)
    assert result.relevant
    assert result.terms == ("xiaomi", '"xiaomi 15*"')
    assert not xiaomi_leica("Xiaomi Redmi Note 13 Pro launch date leaked", FILLER).relevant


def test_a_single_mention_after_the_lead_is_in_passing() -> None:
    text = "Leica unveiled the M11 rangefinder. " + FILLER + " Leica also works with Xiaomi on phones."
    result = xiaomi_leica("Leica M11 hands-on", text)
    assert not result.relevant
    assert result.reason == "xiaomi is only mentioned in passing"
    assert shipped(subject=False).evaluate("Leica M11 hands-on", text).relevant
    twice = text + " Prices were not announced. Xiaomi will sell the phones in Europe."
    assert xiaomi_leica("Leica M11 hands-on", twice).relevant


def test_mentions_close_together_count_once() -> None:
    text = "Redmi K70 is official. " + FILLER + " Unlike the Xiaomi 14 with Leica optics, it has one camera."
    assert not xiaomi_leica("Xiaomi Redmi K70 launched", text).relevant


def test_another_leica_phone_maker_as_subject_makes_it_irrelevant() -> None:
    text = "Huawei showed the P60 Pro with Leica optics. Huawei says Leica tuned the colours. Xiaomi is a rival."
    result = xiaomi_leica("Huawei P60 Pro first look", text)
    assert not result.relevant
    assert "huawei is the subject" in result.reason


def test_a_rival_outweighing_xiaomi_wins_even_when_leica_is_everywhere() -> None:
    text = (
        "Leica tuned the P60 Pro cameras with Huawei, and Xiaomi was not invited. Leica colours, Leica lenses "
        "and a Leica watermark. Huawei will sell it in Europe; Huawei confirmed the price."
    )
    assert not xiaomi_leica("Leica and Huawei show the P60 Pro", text).relevant


def test_recalling_leicas_huawei_past_does_not_hide_xiaomi_coverage() -> None:
    text = (
        "Xiaomi confirmed the 12S Ultra will carry Leica optics. Leica previously worked with Huawei. "
        "Xiaomi and Leica signed a long-term deal."
    )
    assert xiaomi_leica("Xiaomi and Leica team up", text).relevant


def test_a_headline_that_leads_with_the_topic_keeps_it_the_subject() -> None:
    """The body may be mostly about the rival (the deal Leica left); the headline names Xiaomi and Leica first."""
    text = ("Huawei and Leica worked together for six years. Huawei phones carried Leica lenses; Huawei now builds "
            "its own imaging brand. Huawei says nothing more. Huawei fans were surprised.")
    assert xiaomi_leica("Xiaomi announces partnership with Leica, ending the Huawei Leica deal", text).relevant
    assert not xiaomi_leica("Huawei ends its Leica deal as Xiaomi and Leica team up", text).relevant
    assert not xiaomi_leica("Leica and its partners", text + " Xiaomi too. Xiaomi.").relevant


def test_the_subject_rule_can_be_switched_off() -> None:
    query = compile_query("xiaomi leica", topic="t", subject=False)
    text = "Leica M11 review. " + FILLER + " Xiaomi."
    assert query.evaluate("", text).relevant
    assert not compile_query("xiaomi leica", topic="t").evaluate("", text).relevant


@pytest.mark.skipif(not JUDGEMENT_DEV.exists(), reason="../shared/judgement-dev is absent")
def test_default_query_on_the_labelled_articles() -> None:
    articles = [json.loads(line) for line in JUDGEMENT_DEV.read_text(encoding="utf-8").splitlines() if line]
    query = shipped()
    verdicts = [(query.evaluate(a["title"] or "", a["text"]).relevant, a["relevant"]) for a in articles]
    true_positives = sum(1 for got, want in verdicts if got and want)
    precision = true_positives / sum(1 for got, _ in verdicts if got)
    recall = true_positives / sum(1 for _, want in verdicts if want)
    # Measured: precision 1.00, recall 0.95 on the 220 articles (166 relevant). The query was written while
    # looking at the first 68, so this is close to a fit figure; the replay (docs/quality.md) gives held-out ones.
    assert precision >= 0.98
    assert recall >= 0.93


def test_evaluation_is_fast() -> None:
    title = "Xiaomi 14 Ultra review: Leica Summilux optics"
    text = ("Xiaomi’s flagship pairs a one-inch sensor with Leica optics. " + FILLER)[:3000].ljust(3000, "x")
    query = shipped()
    rounds = 500
    started = time.perf_counter()
    for _ in range(rounds):
        query.evaluate(title, text)
    per_second = rounds / (time.perf_counter() - started)
    # Measured ~7,000/s on the development machine; the floor only catches a pathological slowdown.
    assert per_second > 1_000


def test_the_maker_is_the_concept_named_among_the_product_lines_else_the_first() -> None:
    query = compile_query("leica xiaomi NOT huawei", topic="t")
    assert query.maker_names() == ("leica",)
    first = query.maker_first(["xiaomi", "mi", "mix fold"])
    assert first.maker_names() == ("xiaomi",)
    # The headline rule follows the maker: a headline that leads with it keeps the topic the subject.
    doc = ("Xiaomi 15 Ultra review: Huawei who?", "Huawei and Huawei again, Huawei. Leica tuned the Xiaomi 15 "
           "Ultra's cameras.")
    assert first.evaluate(*doc).relevant and not query.evaluate(*doc).relevant
