"""Text as topic queries read it: case- and accent-folded words, each CJK character a word of its own, a document
tokenised once into title, lead and body. Pure.

"Škoda Ärger ß" -> "skoda arger ss"; "小米与徕卡" -> five tokens, so a CJK term is a run of tokens (a substring match)
while Latin words keep their word boundaries. ``prepare`` builds a ``PreparedText`` that every topic's query reads:
positions are looked up lazily, because most of a query's words are absent from most articles.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field

LEAD_CHARS = 400  # title + the first 400 characters of text: about the first two sentences of a news story

_CJK = (
    "\u1100-\u11ff\u2e80-\u2fdf\u3005\u3007\u3021-\u3029\u3031-\u3035\u3040-\u30ff\u3130-\u318f\u31f0-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7ff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f"
)


@functools.cache
def _words() -> re.Pattern[str]:
    """Compiled on first use (~7 ms): only text with letters outside ASCII needs it."""
    return re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+")


def _mark_class() -> str:
    """A character class of the combining marks (category Mn) of the BMP, plus the ideographic variation
    selectors as one range. Measured on a 3,000-character article: a class with single astral characters in it
    made ``re.sub`` take 1.2 ms, this one takes 8 us (CPython keeps a BMP-only class as a bitmap). Astral marks
    other than the variation selectors (Brahmi, musical notation) do not occur in news text. The kana voicing
    marks (U+3099/309A) are kept so that NFC puts them back and ガ stays distinct from カ."""
    marks = (chr(c) for c in range(0x10000) if unicodedata.category(chr(c)) == "Mn" and c not in (0x3099, 0x309A))
    return "[" + "".join(re.escape(mark) for mark in marks) + "]|[\U000e0100-\U000e01ef]"


@functools.cache
def _marks() -> re.Pattern[str]:
    """Compiled on first use: the scan costs ~30 ms, which ``monitor --help`` should not pay."""
    return re.compile(_mark_class())


# After NFKD, text in Latin scripts is ASCII except for the marks U+0300-036F (dropped by an ASCII encode) and a
# few symbols (’ “ ” – — € ×), which separate words anyway. Such text takes a fast path to ASCII (measured on a
# 3,000-character article: 13 us to tokenise, against 110 us for the regular expression).
_NON_LATIN = re.compile("[^\\x00-\\x7f\\u0300-\\u036f]")
_ASCII_SEPARATORS = bytes(c if chr(c).isalnum() else 32 for c in range(256))


def normalize(text: str) -> str:
    """Case- and accent-folded text: "Škoda Ärger ß" -> "skoda arger ss"."""
    if text.isascii():
        return text.lower()
    # Casefold after NFKD: compatibility forms can decompose to capitals (℠ -> SM).
    decomposed = unicodedata.normalize("NFKD", text).casefold()
    others = set(_NON_LATIN.findall(decomposed))
    if any(char.isalnum() for char in others):  # letters of other scripts: ø, μ, 小
        return unicodedata.normalize("NFC", _marks().sub("", decomposed))
    for char in others:  # str.replace: a dict-based str.translate costs ~100 us on non-ASCII text
        decomposed = decomposed.replace(char, "" if unicodedata.combining(char) else " ")
    return decomposed.encode("ascii", "ignore").decode("ascii")


def tokenize(text: str) -> list[str]:
    """Normalised words; every CJK character is a word of its own."""
    folded = normalize(text)
    if folded.isascii():
        return folded.encode("ascii").translate(_ASCII_SEPARATORS).decode("ascii").split()
    return _words().findall(folded)


@dataclass(frozen=True, slots=True, eq=False)
class PreparedText:
    """A document tokenised once, reusable across every topic's query.

    Tokens ``[0, title_end)`` are the title, ``[0, lead_end)`` the title plus the lead. Positions are looked up
    lazily: most tokens of a query are absent from most articles, and a set answers that in C, so building a
    full position index up front (~40 us for a 3,000-character article) would be wasted work.
    """

    tokens: list[str]
    title_end: int
    lead_end: int
    present: frozenset[str]
    _positions: dict[str, list[int]] = field(default_factory=dict)
    _sorted: list[str] = field(default_factory=list)

    def positions(self, token: str) -> list[int]:
        """Where ``token`` occurs, ascending."""
        if token not in self.present:
            return []
        found = self._positions.get(token)
        if found is None:
            found = self._positions[token] = _find_all(self.tokens, token)
        return found

    def vocabulary(self) -> list[str]:
        """The distinct tokens, sorted (for prefix look-ups by bisection)."""
        if not self._sorted and self.present:
            self._sorted.extend(sorted(self.present))
        return self._sorted


def _find_all(tokens: list[str], token: str) -> list[int]:
    found: list[int] = []
    at = -1
    try:
        while True:
            at = tokens.index(token, at + 1)  # a scan in C
            found.append(at)
    except ValueError:
        return found


def prepare(title: str, text: str) -> PreparedText:
    """Tokenise a document once; ``Query.evaluate_prepared`` then costs microseconds per topic."""
    title_tokens = tokenize(title or "")
    body = text or ""
    cut = _lead_cut(body)
    lead_tokens = tokenize(body[:cut])
    tokens = title_tokens + lead_tokens + tokenize(body[cut:])
    lead_end = len(title_tokens) + len(lead_tokens)
    return PreparedText(tokens, len(title_tokens), lead_end, frozenset(tokens))


def _lead_cut(body: str) -> int:
    """The end of the lead: the first character at or after LEAD_CHARS that is not part of a word."""
    for cut in range(LEAD_CHARS, min(len(body), LEAD_CHARS + 64)):
        if not body[cut].isalnum():
            return cut
    return min(len(body), LEAD_CHARS)
