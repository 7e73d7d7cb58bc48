"""Products named in an article, read with a topic's vocabulary. Pure.

A product is a *line* followed by a *model token*, optionally a *variant*: "Xiaomi 15 Ultra", "Mix Fold 4",
"Find X8 Pro", "Galaxy S25 Ultra", "小米15". The lines come from the topic's configuration (its ``product_lines``
and its subjects' names and aliases, ``TopicConfig.lines``); model tokens and variants are the same for every maker
and live here:

- a model token is one to three digits with at most one letter before and one after, standing as a word of its
  own: ``15``, ``12S``, ``13T``, ``X8``, ``S25``. After a line it may stand in parentheses, as some makers write
  their names: "Phone (3)" and "Phone (2a) Plus" are ``phone 3`` and ``phone 2a plus``, as "Phone 3" would be.
  Tokens that are units or network names are not models: "5G", "100W", "8K", "2x", "1-inch", "50MP" (ends inside a
  word), "1.63" (a decimal);
- variants are the words makers put after a model: Pro, Ultra, Max, Plus, Lite, Mini, Neo, Edge, FE, "+".

A line's alias counts as the line: with the group ("xiaomi", "小米"), "小米15" is ``xiaomi 15``. A model whose
name carries its own letter ("P50", "X100", "S25") is one product however the article leads up to it: "Huawei P50",
"the P50" (line "p") and "P 50" are all ``p50``, "vivo X100" and "X 100" both ``x100`` (``model_key``).

Once an article has named a line, a bare "12S Ultra" / "the 15 Pro" after a list separator or an article word is
that line's too ("Xiaomi 12S, 12S Pro und 12S Ultra"); after another brand ("iPhone 13 Pro") it is not, because the
bare form is only read after those separators.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from monitor.judgement.cues import folded

VARIANTS = ("pro max", "pro+", "pro plus", "pro", "ultra", "max", "plus", "lite", "mini", "neo", "edge", "fe", "+")
_VARIANT = "|".join(re.escape(v).replace(r"\ ", r"\s+") for v in VARIANTS)
# One to three digits, one optional letter before and after; not a unit or network name, not a decimal, not part of
# a longer word ("50MP"), not "1-inch".
_TOKEN = r"(?:[a-z](?=\d))?\d{1,3}(?:(?![gwkmhx]\b)[a-z])?(?![\w.,]\d|[a-z0-9_]|[-\u2010\u2011]?(?:inch|zoll|mm)\b)"
# A point release after a configured line is a model of its own ("Nokia 8.3", "Nokia 7.2": a year apart from the
# "Nokia 8" and "Nokia 7"): one or two digits, a point and one digit, not a size, a share or a clock speed.
_DECIMAL = r"\d{1,2}\.\d(?![\w.,%]|[\s\u2010\u2011-]?(?:%|inch|zoll|mm|ghz|gb|\"))"
# Chinese and Japanese write no space around a model: "旗舰17 Ultra即将登场" names a "17 Ultra".
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
_END = rf"(?![^\W{_CJK}])"  # the end of a variant: not inside a longer word, but CJK may follow at once
_BARE = re.compile(
    rf"(?:^|[,/&]\s*|\b(?:the|and|und|et|le|la|das|die|der|or|oder|vs\.?|y|e)\s+|(?<=[{_CJK}]))"
    rf"({_TOKEN})\s*({_VARIANT}){_END}",
    re.IGNORECASE | re.MULTILINE,
)
# What every bare model has: a digit, at most one letter, then a variant. Half the labelled headlines and leads have
# none, and looking for it costs a tenth of ``_BARE``, which tries its separators and article words everywhere.
_BARE_HINT = re.compile(rf"\d[a-z]?\s*(?:{_VARIANT})", re.IGNORECASE)
# A Roman numeral after the model numbers its generation: "Xperia 1 II", "Xperia 1 III" and "Xperia 1 V" are three
# phones, a year apart (folded: the text is lower-case by then). Longest first, so "iii" is not read as "ii".
ROMAN_GENERATIONS = {"ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9}
_ROMAN = "(?:" + "|".join(sorted(ROMAN_GENERATIONS, key=len, reverse=True)) + ")"
# Written against the number, as Chinese and Japanese coverage often does ("Xperia1IV", "Xperia 1II"): only a
# numeral of two letters or more, which no model token ends with ("1v" may be a model of its own).
_TIGHT_ROMAN = r"\d{1,3}(?=(?:" + "|".join(sorted((r for r in ROMAN_GENERATIONS if len(r) > 1), key=len,
                                                  reverse=True)) + r")(?![a-z]))"
# What may follow a configured line: a point release, a number with its Roman numeral against it, or a token.
_LINE_TOKEN = f"{_DECIMAL}|{_TIGHT_ROMAN}|{_TOKEN}"
BASE = ""  # the variant of a model named without one ("Xiaomi 15")
SERIES = "*"  # "the Xiaomi 15 series": every variant at once
_SERIES = r"(?:series|serie|lineup|line-up|family|reihe|série|系列|シリーズ)"


@dataclass(frozen=True, slots=True)
class Named:
    """What an article names: product keys, and the primary generation and variant (None when it is unclear)."""

    models: tuple[str, ...] = ()
    generation: str | None = None  # "xiaomi 15": line and model token
    variant: str | None = None  # "ultra", or BASE for the plain model; None when mixed or unknown


class Products:
    """A topic's product vocabulary, compiled once (``Judge`` keeps one per topic)."""

    def __init__(self, lines: Sequence[str], aliases: Sequence[Sequence[str]] = (), *,
                 unlisted: Literal["led", "any"] | None = None) -> None:
        canonical = {_fold(member): _fold(group[0]) for group in aliases for member in group}
        folded = [name for name in map(_fold, lines) if name]
        names = {name: canonical.get(name, name) for name in folded}
        self._canonical = names
        # For a topic that configures no product line, ``primary`` also reads a capitalised name with a model token
        # when a part names none of these lines' products: ``unlisted="led"`` one right after one of these names
        # ("OPPO Find X8", "Samsung Galaxy S25"), ``"any"`` any (as ``named`` does).
        self._leaders = tuple(sorted(names, key=len, reverse=True)) if unlisted == "led" else ()
        self._any_unlisted = unlisted == "any"
        self._pattern = _line_pattern(names) if names else None
        self._first_words = tuple(sorted({name.split(" ")[0] for name in names}))  # where a line match can start
        # The words of every line and alias: headline words that say only "this is the topic".
        self.words = frozenset(word for name in (*names, *canonical) for word in name.split())

    def named(self, title: str, lead: str, title_weight: int = 3) -> Named:
        """The products ``title`` and ``lead`` name; the title counts ``title_weight`` times in the primaries."""
        generations: Counter[str] = Counter()
        variants: dict[str, Counter[str]] = {}
        keys: set[str] = set()
        headline: set[str] = set()
        for found, kind, weight, in_title in self._weighted(title, lead, title_weight, fallback=True):
            generations[found] += weight
            variants.setdefault(found, Counter())[kind] += weight
            keys.add(f"{found} {kind}".rstrip(" " + SERIES))
            if in_title:
                headline.add(found)
        generation = _subject(generations, headline)
        variant = _leader(variants[generation]) if generation else None
        return Named(tuple(sorted(keys)), generation, None if variant == SERIES else variant)

    def primary(self, title: str, lead: str, title_weight: int = 3) -> str | None:
        """The generation ``named`` would lead with, among these lines' products only (no fallback to any
        capitalised name, unless built with ``unlisted``); None when ``title`` and ``lead`` name none."""
        generations: Counter[str] = Counter()
        headline: set[str] = set()
        for found, _, weight, in_title in self._weighted(title, lead, title_weight, fallback=self._any_unlisted):
            generations[found] += weight
            if in_title:
                headline.add(found)
        return _subject(generations, headline)

    def _weighted(self, title: str, lead: str, title_weight: int, *,
                  fallback: bool) -> Iterator[tuple[str, str, int, bool]]:
        """(generation, variant, weight, whether in the title) of every product ``title`` and ``lead`` name, in
        the order named; with ``fallback``, a part that names none of these lines' products is read for any
        capitalised name with a model token (without it, for one right after a line's name, when this vocabulary
        was built with ``unlisted="led"``)."""
        for part, weight, in_title in ((title, title_weight, True), (lead, 1, False)):
            models = self._models(_fold(part))
            if not models and (fallback or self._leaders):
                models = _generic_models(part, () if fallback else self._leaders)
            for found, kind in models:
                yield found, kind, weight, in_title

    def _models(self, part: str) -> list[tuple[str, str]]:
        if self._pattern is None:
            return []
        found: list[tuple[str, str]] = []
        lines: Counter[str] = Counter()
        named_at: set[int] = set()  # where each line-led model's token starts: not read again as a bare one
        for match in self._line_matches(self._pattern, part):
            line = self._canonical[" ".join(match.group("line").split())]
            lines[line] += 1
            variant = SERIES if match.group("series") or _series_before(part, match.start()) else _variant(
                match.group("variant"))
            found.append((model_key(line, _numbered(match.group("token"), match.group("roman"))), variant))
            named_at.add(match.start("token"))
        if lines:  # a bare "15 Ultra" belongs to the line the part names most
            line = lines.most_common(1)[0][0]
            found += [(model_key(line, bare.group(1)), _variant(bare.group(2))) for bare in bare_matches(part)
                      if bare.start(1) not in named_at]
        return found

    def _line_matches(self, pattern: re.Pattern[str], part: str) -> Iterator[re.Match[str]]:
        """``pattern.finditer(part)`` (``pattern``: this topic's line pattern): the same matches, but the pattern is
        tried only where the first word of a line stands in ``folded(part)``. A match starts with a line's first
        word, compared as ``re.IGNORECASE`` compares letters, so ``folded`` (the same length as ``part``) holds
        that word where it starts; the search tried every position (~0.45 M instructions for a title and lead)."""
        lowered = folded(part)
        starts: set[int] = set()
        for word in self._first_words:
            at = lowered.find(word)
            while at >= 0:
                starts.add(at)
                at = lowered.find(word, at + 1)
        pos = 0
        for start in sorted(starts):
            if start >= pos and (match := pattern.match(part, start)):
                yield match
                pos = match.end()


def bare_matches(part: str) -> Iterator[re.Match[str]]:
    r"""``_BARE.finditer(part)``: the same matches, but ``_BARE`` is tried only at the few positions in front of
    each place that ``_BARE_HINT`` finds. ``_BARE`` tries its separators and article words at every position of the
    text (~1.8 M instructions for an article's head); what every match holds (a digit, a letter, a variant) is
    found by a scan that skips to the digits, and most of those are line-led models ("Xiaomi 15 Ultra"), no match.

    Why none is missed: a match starting at or after ``pos`` holds a hint at or after its start, so at or after
    the first hint ``h`` from ``pos``; its model token starts at most 3 characters before its hint, and in front of
    the token there is at most a separator or article word (4 characters at most) and spaces (``_earliest_start``).
    So the first match at or after ``pos`` starts between there and ``h``, or after ``h``. ``match`` at a position
    sees the text before it as ``finditer`` does (``^``, ``\b``, lookbehinds)."""
    pos = 0
    while pos <= len(part) and (hint := _BARE_HINT.search(part, pos)) is not None:
        end = hint.start() + 1
        for start in range(max(pos, _earliest_start(part, hint.start())), end):
            if match := _BARE.match(part, start):
                yield match
                end = match.end()
                break
        pos = end


def _earliest_start(part: str, hint: int) -> int:
    """Where a ``_BARE`` match whose hint is at ``hint`` or after can start at the earliest (see ``bare_matches``):
    a token within 4 characters before the hint, the spaces before it, and a word of up to 4 characters (a margin
    of one more each)."""
    at = max(hint - 5, 0)
    while at > 0 and part[at - 1].isspace():
        at -= 1
    return max(at - 5, 0)


# Without a configured line in the text, a product is still a capitalised name followed by a model token that mixes
# letters and digits ("Find X8", "Galaxy S25 Ultra", "Nova 12S") or by a number and a variant ("Pixel 9 Pro"). A
# bare number ("Android 15", "Snapdragon 8", "March 10") is not enough without a configured line.
_GENERIC = re.compile(
    rf"(?<!\w)(?P<line>[A-Z][a-z]{{2,}})\s+(?:(?P<token>[A-Z]\d{{1,3}}[a-z]?|\d{{1,3}}(?![gwkmhxGWKMHX]\b)[A-Za-z])"
    rf"(?![\w.,]\d|\w)(?:[\s-]+(?P<variant>(?i:{_VARIANT}))(?!\w))?"
    rf"|(?P<number>\d{{1,3}})[\s-]+(?P<named>(?i:{_VARIANT}))(?!\w))"
)


def _generic_models(part: str, leaders: Sequence[str] = ()) -> list[tuple[str, str]]:
    """Capitalised names with a model token ("Find X8", "Pixel 9 Pro"); with ``leaders`` (folded names), only
    those right after one of them ("OPPO Find X8" for ``oppo``)."""
    found = []
    text = unicodedata.normalize("NFKC", part)
    for match in _GENERIC.finditer(text):
        if leaders and not _led(text[max(0, match.start() - 40):match.start()], leaders):
            continue
        line = match.group("line").casefold()
        token = (match.group("token") or match.group("number")).casefold()
        variant = (match.group("variant") or match.group("named") or "").casefold()
        found.append((f"{line} {token}", _variant(variant)))  # an unknown name may be a sub-line: "Tab S10"
    return found


def _led(before: str, leaders: Sequence[str]) -> bool:
    """Whether ``before`` ends with one of ``leaders`` (folded) as a whole word, then a space."""
    if not before[-1:].isspace():
        return False
    words = _fold(before)
    return any(words.endswith(name) and (len(words) == len(name) or not words[-len(name) - 1].isalnum())
               for name in leaders)


def model_key(line: str, token: str) -> str:
    """The key of a model read after a configured line (both folded), the same whichever way the article leads
    up to it. A model that names itself with a letter is that letter and number, whatever configured line or
    brand comes before: "huawei" + "p50" and "p" + "50" are both ``p50``, "vivo x" + "100" is ``x100``. A number
    alone needs its line: ``xiaomi 15``, ``mix fold 4``. (A name the topic does not configure is kept: in
    "Galaxy Tab S10" it may be a sub-line, ``tab s10``.)"""
    if token[0].isalpha():
        return token
    words = line.split()
    if len(words[-1]) == 1 and words[-1].isalpha():
        return words[-1] + token
    return f"{line} {token}"


_NUMBERED_KEY = re.compile(r"(?P<line>.*?)(?P<number>\d{1,3})[a-z]?")
_ROMAN_KEY = re.compile(rf"(?P<line>.*?\d{{1,3}}[a-z]? )(?P<roman>{_ROMAN})")


def line_and_number(key: str) -> tuple[str, int] | None:
    """A model key (``model_key``) as its line and generation number: "xiaomi 15" -> ("xiaomi ", 15), "x8" ->
    ("x", 8), "xiaomi 12s" -> ("xiaomi ", 12); numbered in Roman after its model, "sony 1 iii" -> ("sony 1 ", 3)
    (the plain "sony 1" is another line's first); None without a number."""
    roman = _ROMAN_KEY.fullmatch(key)
    if roman:
        return roman["line"], ROMAN_GENERATIONS[roman["roman"]]
    parsed = _NUMBERED_KEY.fullmatch(key)
    return (parsed["line"], int(parsed["number"])) if parsed else None


def stored_key(key: str) -> str:
    """A product key stored by an earlier version ("huawei p50", "p 50") as ``model_key`` gives it now ("p50"), so
    that stories stored before an upgrade go on meeting their coverage. Keys already in today's form stay."""
    line, _, token = key.rpartition(" ")
    return model_key(line, token) if line and token[:1].isalnum() and any(c.isdigit() for c in token) else key


def _line_pattern(names: dict[str, str]) -> re.Pattern[str]:
    """``_line_expression`` behind a lookahead on the lines' first characters. It changes no match, but a search
    rejects most positions at their first character instead of trying every line there (a quarter less time on
    the labelled headlines and leads)."""
    initials = "".join(sorted({re.escape(n[0]) for n in names}))
    return re.compile(f"(?=[{initials}]){_line_expression(names)}", re.IGNORECASE)


def _line_expression(names: dict[str, str]) -> str:
    # Longest first, so "mix fold" is tried before "mix". CJK needs no space on either side of a line or model:
    # "与小米13扁平" names "小米13".
    alternatives = "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in sorted(names, key=len, reverse=True))
    return (
        rf"(?<![^\W{_CJK}])(?P<line>{alternatives})(?:['\u2019]s)?(?:\s+new)?[\s-]*"
        rf"(?P<paren>\(\s*)?(?P<token>{_LINE_TOKEN})(?(paren)\s*\))"  # "Phone (3)" as "Phone 3"
        rf"(?:[\s-]*(?P<roman>{_ROMAN}){_END})?"
        rf"(?:[\s-]*(?P<variant>{_VARIANT}){_END}|[\s-]*(?P<series>{_SERIES}))?"
    )


# "la serie X90", "la série Xiaomi 15", "die Reihe Xiaomi 14": the Romance (and German) order names a series before it.
_SERIES_BEFORE = re.compile(r"(?:serie|série|series|reihe)\s+(?:(?:de|di|del|des)\s+)?$")


def _series_before(part: str, start: int) -> bool:
    return _SERIES_BEFORE.search(part, max(0, start - 24), start) is not None


def _numbered(token: str, roman: str | None) -> str:
    """The model token with its generation's Roman numeral, if any: "1" and "iii" are ``1 iii``."""
    return f"{token} {roman}" if roman else token


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _variant(text: str | None) -> str:
    return " ".join(text.split()).replace("pro plus", "pro+") if text else BASE


def _subject(counts: Counter[str], headline: set[str]) -> str | None:
    """The generation named most (``counts``, in the order first named); between equals the one named first, the
    article's subject ("its Aquos R6", then the R2 and R3 it succeeds), unless ``headline`` (the generations the
    headline names) holds two of them: "Nimbus 1 vs Nimbus 2" compares two and is about neither."""
    ranked = counts.most_common()
    if not ranked:
        return None
    tied = [value for value, count in ranked if count == ranked[0][1]]
    return None if len(headline.intersection(tied)) >= 2 else tied[0]


def _leader(counts: Counter[str]) -> str | None:
    """The value counted most; None when two lead equally (an article comparing two is about neither)."""
    ranked = counts.most_common(2)
    if not ranked or (len(ranked) == 2 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]
