"""Folding drops combining marks found among the text's own characters; it must give what the expression of every
combining mark of the BMP gave (the reference below, which cost ~25 ms to build at its first use)."""

from __future__ import annotations

import functools
import re
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from monitor.judgement import text
from monitor.judgement.text import normalize


@functools.cache
def _every_mark() -> re.Pattern[str]:
    marks = (chr(c) for c in range(0x10000) if unicodedata.category(chr(c)) == "Mn" and c not in (0x3099, 0x309A))
    return re.compile("[" + "".join(re.escape(mark) for mark in marks) + "]|[\U000e0100-\U000e01ef]")


def _reference(folded: str) -> str:
    """``normalize`` as it was, with the class of every mark."""
    if folded.isascii():
        return folded.lower()
    decomposed = unicodedata.normalize("NFKD", folded).casefold()
    others = set(text._NON_LATIN.findall(decomposed))
    if any(char.isalnum() for char in others):
        return unicodedata.normalize("NFC", _every_mark().sub("", decomposed))
    for char in others:
        decomposed = decomposed.replace(char, "" if unicodedata.combining(char) else " ")
    return decomposed.encode("ascii", "ignore").decode("ascii")


def test_every_character_of_the_bmp_folds_as_before_next_to_a_letter_of_another_script() -> None:
    for start in range(0, 0x10000, 64):
        chunk = "".join(f"小{chr(c)}a" for c in range(start, start + 64))
        assert normalize(chunk) == _reference(chunk), hex(start)


def test_the_latin_marks_are_all_marks() -> None:
    assert all(unicodedata.category(chr(c)) == "Mn" for c in range(0x300, 0x370))


_CHARS = st.sampled_from(["a", "É", "ø", "小", "ガ", "カ\u3099", "\u0301", "\u0483", "\u3099", "\u309a", "\U000e0101",
                          "\U000e01ef", "\U000e01f0", "\U00011001", "\U0001d167", "ℌ", "ß", " ", "-", "\u200d"])


@given(st.lists(_CHARS, max_size=30))
def test_folding_text_of_any_script_is_what_it_was(chars: list[str]) -> None:
    sample = "".join(chars)
    assert normalize(sample) == _reference(sample)
