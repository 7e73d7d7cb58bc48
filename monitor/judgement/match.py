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
  mention ("Xiaomi 14 with Leica" mentions ``(leica OR "xiaomi 14")`` once). A concept named only in passing
  is reported as such (``Match.in_passing``): ``Judge`` still accepts the document when its title or lead names
  one of the topic's own products;
- excluded concepts are the operands of top-level NOTs, each one a rival subject. A rival excludes the document
  when it is at least as prominent as any required concept: mentioned more often, or as often and no later.
  (Any, not the strongest: Leica is the partner of Huawei and of Xiaomi, so a Huawei story can be full of Leica;
  what decides is whether Huawei outweighs Xiaomi.) So "Huawei P60 Pro with Leica cameras; Xiaomi also sells
  phones" is about Huawei, while Xiaomi coverage that recalls Leica's earlier Huawei deal stays relevant (a
  plain NOT would drop it: on the labelled development set, recall falls from 1.00 to 0.85 when the NOTs of
  shipped topic mean "absent"). Write one NOT per rival (``NOT huawei NOT oppo``):
  ``NOT (huawei OR oppo)`` is one rival, its mentions summed. The headline comes first: when it names the
  first required concept (the maker) before any rival, the topic is the subject however much of the text is
  about the rival ("Xiaomi announces partnership with Leica, ending the Huawei Leica deal").

With ``subject=False``, the query is plain boolean: NOT means absent, one mention anywhere is enough.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from monitor.errors import QuerySyntaxError
from monitor.judgement.query import And, Near, Node, Not, Or, Pattern, Query, Term
from monitor.judgement.text import tokenize

MAX_NEAR = 100  # a NEAR wider than this is a typo, not a proximity
MAX_VARIANTS = 256  # alias forms of one phrase: each costs a look-up per document



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
