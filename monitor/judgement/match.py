"""Topic queries: a small boolean query language, compiled once, evaluated per article.

Syntax (operators are case-insensitive; precedence NOT > AND > OR; NEAR binds tightest)::

    xiaomi leica                 juxtaposition means AND
    xiaomi AND (leica OR zeiss)  parentheses group
    xiaomi NOT redmi             NOT excludes
    "leica summilux"             an exact phrase (words in order, punctuation between them ignored)
    summi*                       prefix wildcard (also inside phrases: "leica summi*")
    xiaomi NEAR/5 leica          at most 5 words between them, either order; operands are words, phrases or
                                 parenthesised OR-groups of words and phrases

Matching is whole-word, case- and accent-insensitive (casefold, NFKD, combining marks removed): "Leica's",
"Leica-backed" and "LEICA" match ``leica``; "Leicaflex" matches only ``leica*``. Text in CJK scripts has no
spaces, so each Han, kana or Hangul character is its own word: ``小米`` then matches inside "小米与徕卡" (a
substring match), while Latin words keep their word boundaries.

Aliases: a word that belongs to an alias group (``compile_query(..., aliases=...)``, from the topic's
``subjects`` and ``rivals`` in config.toml) matches every member of its group, alone or inside a phrase: with the
group ``("xiaomi", "小米", "シャオミ")``, ``xiaomi`` also matches 小米 and シャオミ, and ``"xiaomi 14"`` matches
小米14. Prefixes do not expand. Terms are reported as written in the query.

Subject rule (on by default; ``compile_query(..., subject=False)`` turns it off). The boolean query says
whether the words are there; the subject rule says whether they are what the article is about. A document is
relevant when every *required concept* matches and is central, and no *excluded concept* is the subject:

- required concepts are the positive operands of the top-level AND (``xiaomi`` and ``(leica OR "xiaomi 14")``
  in ``xiaomi (leica OR "xiaomi 14") NOT huawei``); a query without a top-level AND is one required concept;
- a concept is central when it is mentioned in the title or the lead (the first ~400 characters of the text),
  or mentioned at least twice. One mention deep in the body is "in passing": a Leica M11 review that notes
  Leica's Xiaomi deal once is not Xiaomi–Leica coverage. Matches less than ``MENTION_GAP`` words apart are one
  mention ("Xiaomi 14 with Leica" mentions ``(leica OR "xiaomi 14")`` once);
- excluded concepts are the operands of top-level NOTs, each one a rival subject. A rival excludes the document
  when it is at least as prominent as any required concept: mentioned more often, or as often and no later.
  (Any, not the strongest: Leica is the partner of Huawei and of Xiaomi, so a Huawei story can be full of Leica;
  what decides is whether Huawei outweighs Xiaomi.) So "Huawei P60 Pro with Leica cameras; Xiaomi also sells
  phones" is about Huawei, while Xiaomi coverage that recalls Leica's earlier Huawei deal stays relevant (a
  plain NOT would drop it: on the labelled development set, recall falls from 1.00 to 0.85 when the NOTs of
  shipped topic mean "absent"). Write one NOT per rival (``NOT huawei NOT oppo``):
  ``NOT (huawei OR oppo)`` is one rival, its mentions summed.

With ``subject=False``, the query is plain boolean: NOT means absent, one mention anywhere is enough.
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Union

from monitor.errors import QuerySyntaxError

LEAD_CHARS = 400  # title + the first 400 characters of text: about the first two sentences of a news story
MENTION_GAP = 5  # spans of one concept this close together are one mention
MAX_NEAR = 100  # a NEAR wider than this is a typo, not a proximity
MAX_VARIANTS = 256  # alias forms of one phrase: each costs a look-up per document

# --- text normalisation and tokenising ----------------------------------------------------------------------

# Han, kana and Hangul: scripts written without spaces between words. Each character is a token of its own,
# so a CJK term is a run of consecutive tokens, which is a substring match.
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


# --- the query tree -----------------------------------------------------------------------------------------

Span = tuple[int, int]  # first and last token position, inclusive


@dataclass(frozen=True, slots=True)
class Pattern:
    """One word of a term: an exact token or a prefix."""

    text: str
    prefix: bool = False

    def positions(self, doc: PreparedText) -> Sequence[int]:
        if not self.prefix:
            return doc.positions(self.text)
        vocab = doc.vocabulary()
        start = bisect.bisect_left(vocab, self.text)
        found: list[int] = []
        for token in vocab[start:]:
            if not token.startswith(self.text):
                break
            found.extend(doc.positions(token))
        found.sort()
        return found

    def accepts(self, token: str) -> bool:
        return token.startswith(self.text) if self.prefix else token == self.text


@dataclass(frozen=True, slots=True)
class Term:
    """A word, phrase or wildcard as written in the query; ``variants``: the token runs it matches."""

    written: str
    variants: tuple[tuple[Pattern, ...], ...]
    # Per variant, its exact (non-prefix) tokens: a variant with one of them absent from the document is skipped
    # by a set comparison done in C, before any position is looked at.
    needs: tuple[frozenset[str], ...] = field(init=False)

    def __post_init__(self) -> None:
        needs = tuple(frozenset(p.text for p in variant if not p.prefix) for variant in self.variants)
        object.__setattr__(self, "needs", needs)

    def spans(self, doc: PreparedText) -> list[Span]:
        found: list[Span] = []
        present = doc.present
        for variant, needs in zip(self.variants, self.needs, strict=True):
            if needs <= present:
                found.extend(_variant_spans(variant, doc))
        if len(self.variants) > 1:
            found.sort()
        return found


def _variant_spans(variant: tuple[Pattern, ...], doc: PreparedText) -> list[Span]:
    """Where a run of patterns occurs, anchored on its rarest word."""
    if len(variant) == 1:
        return [(p, p) for p in variant[0].positions(doc)]
    candidates = [pattern.positions(doc) for pattern in variant]
    anchor = min(range(len(variant)), key=lambda i: len(candidates[i]))
    tokens, last = doc.tokens, len(variant) - 1
    spans: list[Span] = []
    for p in candidates[anchor]:
        start = p - anchor
        if start >= 0 and start + last < len(tokens) and _run_at(variant, tokens, start):
            spans.append((start, start + last))
    return spans


def _run_at(variant: tuple[Pattern, ...], tokens: Sequence[str], start: int) -> bool:
    return all(pattern.accepts(tokens[start + i]) for i, pattern in enumerate(variant))


@dataclass(frozen=True, slots=True)
class Near:
    left: Node
    right: Node
    distance: int


@dataclass(frozen=True, slots=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    child: Node


Node = Union[Term, Near, And, Or, Not]  # noqa: UP007 - a runtime alias used in forward references


@dataclass(frozen=True, slots=True)
class Match:
    """The verdict on one document. ``terms``: the query terms found (as written), also when not relevant."""

    relevant: bool
    terms: tuple[str, ...]
    reason: str = ""


@dataclass(slots=True)
class _Result:
    matched: bool
    spans: list[Span]


@dataclass(slots=True)
class _Evaluation:
    """Per-document scratch: term spans computed once, terms found in positive position."""

    doc: PreparedText
    spans: dict[int, list[Span]] = field(default_factory=dict)
    found: dict[str, None] = field(default_factory=dict)

    def term(self, term: Term, positive: bool) -> _Result:
        key = id(term)
        spans = self.spans.get(key)
        if spans is None:
            spans = self.spans[key] = term.spans(self.doc)
        if spans and positive:
            self.found.setdefault(term.written, None)
        return _Result(bool(spans), spans)

    def node(self, node: Node, positive: bool = True) -> _Result:
        if isinstance(node, Term):
            return self.term(node, positive)
        if isinstance(node, Or):
            results = [self.node(child, positive) for child in node.children]
            return _Result(any(r.matched for r in results), _union(r.spans for r in results if r.matched))
        if isinstance(node, And):
            results = [self.node(child, positive) for child in node.children]
            matched = all(r.matched for r in results)
            return _Result(matched, _union(r.spans for r in results) if matched else [])
        if isinstance(node, Not):
            inner = self.node(node.child, not positive)
            return _Result(not inner.matched, [])
        left, right = self.node(node.left, positive), self.node(node.right, positive)
        pairs = _near(left.spans, right.spans, node.distance)
        return _Result(bool(pairs), pairs)


def _union(groups: Iterable[list[Span]]) -> list[Span]:
    merged: list[Span] = []
    for group in groups:
        merged.extend(group)
    merged.sort()
    return merged


def _near(left: list[Span], right: list[Span], distance: int) -> list[Span]:
    """Pairs of non-overlapping spans with at most ``distance`` tokens between them, either order."""
    starts = [span[0] for span in right]
    longest = max((end - start for start, end in right), default=0)
    pairs: list[Span] = []
    for a_start, a_end in left:
        lo = bisect.bisect_left(starts, a_start - distance - 1 - longest)
        hi = bisect.bisect_right(starts, a_end + distance + 1)
        for b_start, b_end in right[lo:hi]:
            gap = b_start - a_end - 1 if b_start > a_end else a_start - b_end - 1
            if 0 <= gap <= distance:
                pairs.append((min(a_start, b_start), max(a_end, b_end)))
    pairs.sort()
    return pairs


# --- the compiled query and the subject rule ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Query:
    topic: str
    source: str
    root: Node
    subject: bool = True
    required: tuple[Node, ...] = ()
    excluded: tuple[Node, ...] = ()

    def evaluate(self, title: str, text: str) -> Match:
        return self.evaluate_prepared(prepare(title, text))

    def subject_names(self) -> tuple[str, ...]:
        """The names the topic is about, as written in its required concepts: words and phrases of letters
        only (no model numbers, no wildcards), e.g. ``("xiaomi", "leica", "mix flip")``. A topic configured with
        a query alone gets its product lines from these."""
        found: dict[str, None] = {}
        for concept in self.required:
            for term in _terms(concept):
                words = term.written.strip('"')
                if all(word.isalpha() for word in words.split()):
                    found.setdefault(words.casefold(), None)
        return tuple(found)

    def evaluate_prepared(self, prepared: PreparedText) -> Match:
        evaluation = _Evaluation(prepared)
        if not self.subject:
            matched = evaluation.node(self.root).matched
            return Match(matched, tuple(evaluation.found), "query matches" if matched else "query does not match")
        # With the subject rule, top-level NOTs are judged by prominence below, not as plain absence.
        concepts = [(concept, evaluation.node(concept)) for concept in self.required]
        if not all(result.matched for _, result in concepts):
            return Match(False, tuple(evaluation.found), "query does not match")
        reason = _off_subject(concepts, self.excluded, evaluation)
        return Match(reason is None, tuple(evaluation.found), reason or "query matches and is the subject")


def _off_subject(
    concepts: list[tuple[Node, _Result]], excluded: tuple[Node, ...], evaluation: _Evaluation
) -> str | None:
    """Why the matched concepts are not the article's subject, or None when they are."""
    for concept, result in concepts:
        if not _central(result.spans, evaluation.doc):
            return f"{_describe(concept)} is only mentioned in passing"
    # Compared with the weakest required concept: rivals compete for one slot (Huawei for Xiaomi's), while a
    # shared concept (Leica, partner of both) can be prominent in the rival's coverage too.
    weakest = min(_prominence(result.spans) for _, result in concepts)
    for concept in excluded:
        rival = evaluation.node(concept, positive=False).spans
        if rival and _prominence(rival) >= weakest:
            return f"{_describe(concept)} is the subject: named at least as often and as early as the topic"
    return None


def _mentions(spans: list[Span]) -> list[int]:
    """Where a concept is mentioned: spans less than MENTION_GAP tokens apart are one mention, so "Xiaomi 14
    with Leica" is one mention of (leica OR "xiaomi 14"), not two."""
    starts: list[int] = []
    last_end = -MENTION_GAP - 1
    for start, end in spans:
        if start - last_end > MENTION_GAP:
            starts.append(start)
        last_end = max(last_end, end)
    return starts


def _central(spans: list[Span], doc: PreparedText) -> bool:
    mentions = _mentions(spans)
    return len(mentions) >= 2 or mentions[0] < doc.lead_end


def _prominence(spans: list[Span]) -> tuple[int, int]:
    """More mentions, then an earlier first mention, is more prominent."""
    mentions = _mentions(spans)
    return (len(mentions), -mentions[0])


def _terms(node: Node) -> list[Term]:
    """The terms under ``node`` that count for it (not those under a NOT)."""
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Near):
        return _terms(node.left) + _terms(node.right)
    if isinstance(node, Not):
        return []
    return [term for child in node.children for term in _terms(child)]


def _describe(node: Node) -> str:
    if isinstance(node, Term):
        return node.written
    if isinstance(node, Near):
        return f"{_describe(node.left)} NEAR/{node.distance} {_describe(node.right)}"
    if isinstance(node, Not):
        return f"NOT {_describe(node.child)}"
    joiner = " OR " if isinstance(node, Or) else " AND "
    return "(" + joiner.join(_describe(child) for child in node.children) + ")"


# --- aliases ------------------------------------------------------------------------------------------------
# A topic's alias groups come from its configuration (``TopicConfig.aliases``): the code knows no brand.

_AliasTable = Mapping[tuple[str, ...], tuple[tuple[str, ...], ...]]


def _alias_table(groups: Sequence[Sequence[str]]) -> _AliasTable:
    table: dict[tuple[str, ...], tuple[tuple[str, ...], ...]] = {}
    for group in groups:
        variants = tuple(dict.fromkeys(tuple(tokenize(member)) for member in group))
        for variant in variants:
            table[variant] = variants
    return table


# --- parsing ------------------------------------------------------------------------------------------------

_OPERATORS = {"and": "AND", "or": "OR", "not": "NOT"}
_NEAR = re.compile(r"near(?:/(.*))?", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "(", ")", "AND", "OR", "NOT", "NEAR", "WORD", "PHRASE"
    text: str
    position: int
    distance: int = 0


class _Lexer:
    def __init__(self, query: str, fail: _Fail) -> None:
        self.query, self.fail = query, fail

    def tokens(self) -> list[_Token]:
        found: list[_Token] = []
        i, query = 0, self.query
        while i < len(query):
            char = query[i]
            if char.isspace():
                i += 1
            elif char in "()":
                found.append(_Token(char, char, i))
                i += 1
            elif char in '"“”':
                i = self._phrase(i, found)
            else:
                i = self._word(i, found)
        return found

    def _phrase(self, start: int, found: list[_Token]) -> int:
        end = next((j for j in range(start + 1, len(self.query)) if self.query[j] in '"“”'), -1)
        if end < 0:
            raise self.fail("unterminated quote", start)
        found.append(_Token("PHRASE", self.query[start + 1 : end], start))
        return end + 1

    def _word(self, start: int, found: list[_Token]) -> int:
        end = start
        while end < len(self.query) and not (self.query[end].isspace() or self.query[end] in '()"“”'):
            end += 1
        text = self.query[start:end]
        found.append(self._classify(text, start))
        return end

    def _classify(self, text: str, position: int) -> _Token:
        if text.lower() in _OPERATORS:
            return _Token(_OPERATORS[text.lower()], text, position)
        near = _NEAR.fullmatch(text)
        if near is None:
            return _Token("WORD", text, position)
        distance = near.group(1)
        if distance is None or not distance.isdigit() or not 1 <= int(distance) <= MAX_NEAR:
            message = f"NEAR needs a distance from 1 to {MAX_NEAR}, as in NEAR/5 (got {text!r})"
            raise self.fail(message, position)
        return _Token("NEAR", text, position, int(distance))


class _Fail:
    def __init__(self, query: str, topic: str) -> None:
        self.query, self.topic = query, topic

    def __call__(self, message: str, position: int) -> QuerySyntaxError:
        return QuerySyntaxError(message, topic=self.topic, query=self.query, position=position)


class _Parser:
    """Recursive descent: or := and (OR and)*; and := unary ((AND)? unary)*; unary := NOT unary | near;
    near := primary (NEAR/n primary)?; primary := WORD | PHRASE | "(" or ")"."""

    def __init__(self, query: str, topic: str, aliases: _AliasTable) -> None:
        self.fail = _Fail(query, topic)
        self.query = query
        self.tokens = _Lexer(query, self.fail).tokens()
        self.at = 0
        self.aliases = aliases

    def parse(self) -> Node:
        if not self.tokens:
            raise self.fail("empty query", len(self.query))
        node = self._or()
        if self.at < len(self.tokens):
            token = self.tokens[self.at]
            message = "unbalanced ')'" if token.kind == ")" else f"unexpected {token.text!r}"
            raise self.fail(message, token.position)
        return node

    def _peek(self) -> _Token | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def _take(self) -> _Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def _or(self) -> Node:
        children = [self._and()]
        while (token := self._peek()) is not None and token.kind == "OR":
            self._take()
            children.append(self._and())
        return children[0] if len(children) == 1 else Or(tuple(children))

    def _and(self) -> Node:
        children = [self._unary()]
        while (token := self._peek()) is not None and token.kind not in ("OR", ")"):
            if token.kind == "AND":
                self._take()
            children.append(self._unary())
        return children[0] if len(children) == 1 else And(tuple(children))

    def _unary(self) -> Node:
        token = self._peek()
        if token is not None and token.kind == "NOT":
            self._take()
            return Not(self._unary())
        return self._near()

    def _near(self) -> Node:
        left = self._primary()
        token = self._peek()
        if token is None or token.kind != "NEAR":
            return left
        self._take()
        right = self._primary()
        if not (_near_operand(left) and _near_operand(right)):
            raise self.fail("NEAR operands must be words, phrases or (a OR b) groups of them", token.position)
        if (after := self._peek()) is not None and after.kind == "NEAR":
            raise self.fail("NEAR cannot be chained; combine two NEARs with AND", after.position)
        return Near(left, right, token.distance)

    def _primary(self) -> Node:
        token = self._peek()
        if token is None or token.kind == ")":
            previous = self.tokens[self.at - 1] if self.at else None
            if previous is None:
                raise self.fail("unbalanced ')'", token.position if token else 0)
            raise self.fail(f"{previous.text!r} needs an operand after it", previous.position)
        if token.kind in ("AND", "OR", "NEAR"):
            raise self.fail(f"{token.text!r} needs an operand before it", token.position)
        if token.kind == "NOT":
            raise self.fail("NOT cannot be a NEAR operand", token.position)
        self._take()
        if token.kind == "(":
            return self._group(token)
        return self._term(token)

    def _group(self, opening: _Token) -> Node:
        if (token := self._peek()) is not None and token.kind == ")":
            raise self.fail("empty parentheses", opening.position)
        node = self._or()
        closing = self._peek()
        if closing is None or closing.kind != ")":
            raise self.fail("unbalanced '(': no matching ')'", opening.position)
        self._take()
        return node

    def _term(self, token: _Token) -> Term:
        words = token.text.split() if token.kind == "PHRASE" else [token.text]
        # Each word of a phrase expands to its aliases too: "xiaomi 14" also matches 小米14.
        choices = [self._choices(word, token) for word in words]
        variants: list[tuple[Pattern, ...]] = [()]
        for options in choices:
            variants = [done + option for done in variants for option in options]
            if len(variants) > MAX_VARIANTS:
                raise self.fail(f"the aliases expand this phrase to over {MAX_VARIANTS} forms", token.position)
        variants = [variant for variant in variants if variant]
        if not variants:
            raise self.fail("a term needs at least one letter or digit", token.position)
        written = f'"{token.text}"' if token.kind == "PHRASE" else token.text
        return Term(written, tuple(dict.fromkeys(variants)))

    def _choices(self, word: str, token: _Token) -> list[tuple[Pattern, ...]]:
        patterns = tuple(self._patterns(word, token))
        if not patterns or patterns[-1].prefix:
            return [patterns]
        aliases = self.aliases.get(tuple(p.text for p in patterns), ())
        return [tuple(Pattern(t) for t in alias) for alias in aliases] or [patterns]

    def _patterns(self, word: str, token: _Token) -> list[Pattern]:
        prefix = word.endswith("*")
        stem = word[:-1] if prefix else word
        if "*" in stem:
            raise self.fail("'*' is only allowed at the end of a word (prefix wildcard)", token.position)
        tokens = tokenize(stem)
        if prefix and not tokens:
            raise self.fail("a wildcard needs a prefix, as in leica*", token.position)
        if prefix and not stem[-1:].isalnum():
            raise self.fail("a wildcard must follow a letter or digit", token.position)
        patterns = [Pattern(t) for t in tokens]
        if prefix:
            patterns[-1] = Pattern(patterns[-1].text, prefix=True)
        return patterns


def _near_operand(node: Node) -> bool:
    return isinstance(node, Term) or (isinstance(node, Or) and all(_near_operand(c) for c in node.children))


def compile_query(
    query: str,
    *,
    topic: str,
    subject: bool = True,
    aliases: Sequence[Sequence[str]] | None = None,
) -> Query:
    """Parse ``query`` once; raises ``QuerySyntaxError`` with the 0-based character offset of the problem."""
    table = _alias_table(aliases or ())
    root = _Parser(query, topic, table).parse()
    conjuncts = root.children if isinstance(root, And) else (root,)
    required = tuple(c for c in conjuncts if not isinstance(c, Not))
    excluded = tuple(c.child for c in conjuncts if isinstance(c, Not))
    if not required:
        message = "a query needs at least one term that is not negated"
        raise QuerySyntaxError(message, topic=topic, query=query, position=0)
    return Query(topic=topic, source=query, root=root, subject=subject, required=required, excluded=excluded)
