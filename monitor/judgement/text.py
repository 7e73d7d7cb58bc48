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


# The combining marks dropped after NFKD: those of the BMP (category Mn) but the kana voicing marks (U+3099/309A),
# kept so that NFC puts them back and ガ stays distinct from カ, and the ideographic variation selectors; astral marks
# other than those (Brahmi, musical notation) do not occur in news text. The Latin ones (U+0300-036F, every one a
# mark) are removed by one expression; the others are found among the text's own characters: a class of every mark
# of the BMP cost ~95 M instructions (~25 ms) at its first use, the scan of 65,536 characters that lists them.
_LATIN_MARKS = re.compile("[\u0300-\u036f]+")
_KANA_VOICING = frozenset("\u3099\u309a")


def _dropped_mark(char: str) -> bool:
    """Whether ``char`` is a combining mark that folding drops (see ``_LATIN_MARKS``)."""
    code = ord(char)
    if code > 0xFFFF:
        return 0xE0100 <= code <= 0xE01EF
    return char not in _KANA_VOICING and unicodedata.category(char) == "Mn"


def _without_marks(decomposed: str, others: set[str]) -> str:
    """``decomposed`` without its combining marks; ``others``: its characters outside ASCII and U+0300-036F."""
    text = _LATIN_MARKS.sub("", decomposed)
    for char in others:
        if _dropped_mark(char):
            text = text.replace(char, "")
    return text


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
        return unicodedata.normalize("NFC", _without_marks(decomposed, others))
    for char in others:  # str.replace: a dict-based str.translate costs ~100 us on non-ASCII text
        decomposed = decomposed.replace(char, "" if unicodedata.combining(char) else " ")
    return decomposed.encode("ascii", "ignore").decode("ascii")


# A possessive "'s" after a name is no word of its own: "Nothing's Phone (3)" matches the phrase "nothing phone", and
# "Xiaomi’s 14 Ultra" the phrase "xiaomi 14" (read as written, the "s" would stand between the two words).
# (The letter before is checked on each match rather than by a lookbehind, which the expression would try at every
# position of the text.)
_POSSESSIVE = re.compile("['\u2019]s(?![^\\W_])")


def _without_possessives(text: str) -> str:
    return _POSSESSIVE.sub(lambda m: "" if m.start() and text[m.start() - 1].isalpha() else m.group(0), text)


def tokenize(text: str) -> list[str]:
    """Normalised words, without possessive "'s"; every CJK character is a word of its own."""
    if "'" in text or "\u2019" in text:  # most text has no apostrophe: a C-level test says so
        text = _without_possessives(text)
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


def lead(body: str) -> str:
    """The lead as ``prepare`` cuts it: about the first ``LEAD_CHARS`` characters, ending between words."""
    return body[:_lead_cut(body)]


def _lead_cut(body: str) -> int:
    """The end of the lead: the first character at or after LEAD_CHARS that is not part of a word."""
    for cut in range(LEAD_CHARS, min(len(body), LEAD_CHARS + 64)):
        if not body[cut].isalnum():
            return cut
    return min(len(body), LEAD_CHARS)
