"""A cue is searched case-sensitively in the folded text (a one-word phrase with ``str.find``, others with a short
expression), and the words around it are checked after finding it; it must find exactly what the single
case-insensitive regular expression, with those words as lookarounds, finds in the text as written."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from monitor.judgement.cues import CUES, Cue, PhrasePattern, folded, is_word_char

_PHRASES = [cue for cue in CUES if isinstance(cue.pattern, PhrasePattern)]
_PATTERNS = [cue.pattern for cue in _PHRASES]
_REFERENCE = {id(p): re.compile(p.one_regex(), re.IGNORECASE) for p in _PATTERNS}
_AROUND = sorted({words for p in _PATTERNS for words in (*p.before, *p.after)})
_CASES = (str, str.upper, str.title, str.swapcase)


def _span(match: re.Match[str] | None) -> tuple[int, int] | None:
    return match.span() if match else None


def _same(pattern: PhrasePattern, text: str) -> None:
    assert pattern.search(text) == _span(_REFERENCE[id(pattern)].search(text)), (pattern.source, text)


def test_each_cue_next_to_each_word_it_may_not_follow_or_precede() -> None:
    checked = 0
    for cue in _PHRASES:
        assert isinstance(cue.pattern, PhrasePattern)
        for words in _AROUND:
            for text in (f"{words}{cue.label}", f"{cue.label}{words}", f"{words}{cue.label} and {cue.label}",
                         f"x {words.strip()}  {cue.label}.", f"{cue.label}{words}{cue.label}"):
                for case in _CASES:
                    _same(cue.pattern, case(text))
                    checked += 1
    assert checked > 50_000


def test_the_words_of_a_phrase_joined_by_any_run_of_spaces_and_hyphens_or_by_nothing() -> None:
    checked = 0
    for cue in _PHRASES:
        assert isinstance(cue.pattern, PhrasePattern)
        for join in ("-", "  ", " - ", "\u00a0", "\n\t", "", "_", "--x"):
            written = re.sub(r"[ -]+", join, cue.label)
            for text in (written, f"x {written}s", f"({written}) and {cue.label}", f"{written}-{written}"):
                for case in _CASES:
                    _same(cue.pattern, case(text))
                    checked += 1
    assert checked > 20_000


def test_the_letters_re_ignorecase_treats_specially_count_as_it_does() -> None:
    launch = next(c.pattern for c in CUES if c.label == "launched" and isinstance(c.pattern, PhrasePattern))
    for text in ("wıll be launched", "WİLL BE LAUNCHED", "ſet to launched", "\u212aeeps launched", "set to  launched"):
        _same(launch, text)
    assert launch.search("wıll be launched") is None  # "ı" is "i" to the expression, so it is the future tense
    assert launch.search("set to  launched") is not None  # two spaces: not "set to " right before


_PIECES = st.sampled_from(sorted({c.label for c in CUES})[:400:7] + _AROUND + ["x", "é", "İ", "ı", "ſ", "发布"])
_GLUE = st.sampled_from([" ", "", "-", ".", "\n", "_"])


@given(st.lists(st.tuples(_PIECES, _GLUE, st.sampled_from(_CASES)), min_size=1, max_size=10),
       st.sampled_from(_PHRASES))
def test_a_cue_finds_what_its_single_expression_finds_on_generated_text(
    pieces: list[tuple[str, str, object]], cue: Cue
) -> None:
    text = "".join(case(piece) + glue for piece, glue, case in pieces)  # type: ignore[operator]
    assert isinstance(cue.pattern, PhrasePattern)
    _same(cue.pattern, text)
    _same(cue.pattern, text + cue.label)


_EVERY_CHARACTER = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)


def test_folding_equates_the_characters_of_every_phrase_as_re_ignorecase_does() -> None:
    """For each character of a phrase (or a word around one), the text's characters ``re.IGNORECASE`` takes for
    it are exactly those that fold to it; and folding keeps every word, space and digit character what it was."""
    everything_folded = folded(_EVERY_CHARACTER)
    assert len(everything_folded) == len(_EVERY_CHARACTER)
    folding_to: dict[str, set[str]] = {}
    for x, f in zip(_EVERY_CHARACTER, everything_folded, strict=True):
        folding_to.setdefault(f, set()).add(x)
    phrases = {c.label for c in _PHRASES} | set(_AROUND)
    for char in sorted(set("".join(phrases))):
        assert set(re.findall(re.escape(char), _EVERY_CHARACTER, re.IGNORECASE)) == folding_to[folded(char)], char
    for kind in (r"\w", r"[\s-]", r"\d"):
        expression = re.compile(kind)
        assert [m.start() for m in expression.finditer(_EVERY_CHARACTER)] == [
            m.start() for m in expression.finditer(everything_folded)], kind


def test_a_word_character_is_what_re_calls_one() -> None:
    words = set(re.findall(r"\w", _EVERY_CHARACTER))
    assert {x for x in _EVERY_CHARACTER if is_word_char(x)} == words


def test_folding_translates_the_three_letters_lower_does_not_wherever_they_stand() -> None:
    for text in ("Bıg İstanbul ſale", "plain ascii", "ſ", "é İ", "日本 ı"):
        assert folded(text) == text.replace("İ", "i").replace("ı", "i").replace("ſ", "s").lower()
