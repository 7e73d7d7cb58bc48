"""What kind of news an article is: launch, teaser, partnership, rumour, review or other. Pure.

Rules a person can read and argue with, not a trained model. Each event has cue phrases in English, German,
French and Chinese; a cue found in the title counts ``TITLE_WEIGHT`` times, one in the lead (the first
``LEAD_CHARS`` characters of the text) once, and a cue's own weight says how telling it is ("unveils" is
strong evidence of a launch; "could" is weak evidence of a rumour). The event with the highest score wins;
below ``MIN_SCORE`` the article is "other". The cues that fired are returned as readable strings such as
``title:"launches"`` so a surprising decision can be explained.

Two distinctions carry most of the weight, because coverage of one product moves through them in turn:

- teaser vs launch: "will launch on July 4" is a teaser, "launched on July 4" a launch. Future tense,
  "launch date", "set for" and a named date that is still ahead of the publication date mark a teaser;
  past tense, "goes official", "price and availability" mark a launch.
- rumour vs teaser: a leak is unconfirmed; an official date or an invitation is confirmed. When both appear
  ("launch date confirmed; renders leak"), the official date decides, as it is the news.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from monitor.eventmodel import EventModel, default_model
from monitor.model import Event

TITLE_WEIGHT = 3.0
LEAD_CHARS = 700
MIN_SCORE = 1.5
EXTRA_CUE_SHARE = 0.25
FUTURE_DATE_DAYS = 75  # a named day this far ahead of publication is the date being teased

# Ties go to the more specific event: a review that mentions a launch is still a review.
PRIORITY = (Event.REVIEW, Event.LAUNCH, Event.TEASER, Event.PARTNERSHIP, Event.RUMOR)


@dataclass(frozen=True, slots=True)
class EventDecision:
    event: Event
    cues: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Cue:
    event: Event
    pattern: re.Pattern[str]
    weight: float
    label: str


def _cue(event: Event, weight: float, *phrases: str) -> list[Cue]:
    """Cues for literal phrases: Latin ones match whole words, CJK ones anywhere (CJK has no spaces).

    Launch cues do not fire in the future tense ("will be released" announces, it does not report); rumour
    cues not after "official" ("official renders"); review cues not on "hands-on video" of a leaked unit.
    """
    out = []
    for phrase in phrases:
        body = re.escape(phrase)
        if not _HAS_CJK.search(phrase):
            body = rf"(?<!\w){body}(?!\w)"
            if event is Event.LAUNCH:
                body = r"(?<!will be )(?<!to be )(?<!will )(?<!to )(?<!wird )" + body + r"(?! wird)(?! werden)"
            elif event is Event.RUMOR:
                body = r"(?<!official )(?<!officially )" + body  # "official renders" are no leak
            elif event is Event.REVIEW:
                body += r"(?!-)(?! video)(?! images)(?! photos)(?! pictures)"  # "hands-on video" of a leak
        out.append(Cue(event, re.compile(body, re.IGNORECASE), weight, phrase))
    return out


_HAS_CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
_L, _T, _P, _R, _V = Event.LAUNCH, Event.TEASER, Event.PARTNERSHIP, Event.RUMOR, Event.REVIEW

CUES: tuple[Cue, ...] = tuple(
    # launch: the product is out, official, on sale.
    _cue(_L, 2.0, "launches", "launched", "unveils", "unveiled", "debuts", "debuted", "goes official",
         "now official", "is official", "went official", "goes on sale", "on sale now", "price and availability",
         "took the wraps off", "takes the wraps off", "introduced", "released", "made a global debut",
         "officially launched", "has launched", "have launched", "officially presents", "officially present",
         "vorgestellt", "präsentiert", "lanciert", "ist offiziell", "marktstart", "lancé", "lancée", "officialise",
         "dévoile", "présente", "ab sofort", "正式发布", "發布了", "发布了", "推出了", "正式亮相", "发布会上",
         "正式發布")
    + _cue(_L, 1.0, "launch event in", "at an event", "revealed", "announces", "available now", "price",
           "prices", "starts at", "preis", "prix", "erhältlich", "售价", "发布", "發布")
    # teaser: an official date, invitation, countdown or confirmation before the launch.
    + _cue(_T, 5.0, "launch date announced", "launch date set", "launch date confirmed", "launch date revealed",
           "launch date officially", "date announced", "date confirmed", "launch set for", "launch confirmed for",
           "官宣", "定档", "將於", "将于", "举办发布会", "舉辦發布會")
    + _cue(_T, 3.0, "launch date", "will launch on", "will be launched on", "set to launch", "launch set for",
           "launching on", "coming on", "is coming on", "confirmed to launch", "launch confirmed",
           "launch timeline", "countdown", "invitation", "invite", "teases", "teased", "teaser", "teasert",
           "will be announced on", "will be unveiled", "will debut", "hits the stage", "all set", "set for",
           "where to watch", "what to expect", "official renders", "official images", "official poster",
           "will be available on", "launch event on", "launch event",
           "wird am", "werden am", "soll am", "erwartet uns am", "sera présenté", "sera lancé", "date de sortie",
           "预热", "預熱", "即将发布", "即將發布", "即将推出", "即將推出", "下周发布", "下周正式")
    + _cue(_T, 1.5, "will launch", "will be launched", "to launch", "upcoming", "is coming", "are coming",
           "officially confirmed", "confirms", "confirmed", "announced that it will", "angekündigt", "bestätigt",
           "offiziell angekündigt", "going to launch", "gearing up", "getting ready", "soon", "next week",
           "later this month", "this month", "bald", "prochainement", "确认", "確認")
    # partnership: companies agreeing to work together.
    + _cue(_P, 3.0, "strategic cooperation", "strategic partnership", "long-term strategic", "team up",
           "teams up", "join forces", "joins forces", "partnership announced", "announce partnership",
           "announced a partnership", "announced a strategic", "announce their strategic", "collaborate for",
           "Kooperation", "Zusammenarbeit", "partenariat", "战略合作", "戰略合作", "战略共创")
    + _cue(_P, 1.0, "partnership", "collaboration", "cooperation", "collaborate", "co-engineered", "partner",
           "合作")
    # rumour: unconfirmed information.
    + _cue(_R, 3.0, "leak", "leaks", "leaked", "leaker", "rumor", "rumour", "rumors", "rumours", "rumored",
           "rumoured", "tipster", "tipped", "renders", "allegedly", "reportedly", "said to", "spotted",
           "gerücht", "gerüchte", "geleakt", "durchgesickert", "angeblich", "fuite", "rumeur", "not yet confirmed",
           "has not confirmed", "yet to confirm", "unconfirmed", "曝光", "爆料", "传言", "傳言", "疑似", "泄露", "洩露")
    + _cue(_R, 1.0, "could", "might", "expected to", "is expected", "are expected", "suggests",
           "according to", "speculation", "speculated", "soll", "sollen", "pourrait", "devrait", "据悉", "或将")
    # review: someone used the product and judges it.
    + _cue(_V, 4.0, "review", "reviewed", "hands-on", "hands on", "tested", "im test", "camera test",
           "test:", "verdict", "first impressions", "long-term test", "test du", "prise en main", "评测",
           "上手", "测评", "評測")
)


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the rules found in one article, before any decision: the learned layer's input.

    ``title`` / ``lead`` are per-event cue scores (``_evidence`` of the cues that fired there, unweighted by
    position); ``signals`` are the date and context signals by name; ``cues`` the readable labels with the
    event each speaks for and its weighted strength, for the explanation.
    """

    title: dict[Event, float]
    lead: dict[Event, float]
    signals: dict[str, float]
    cues: tuple[tuple[float, str, Event], ...]

    def rule_scores(self) -> dict[Event, float]:
        """The hand-set combination: title cues count TITLE_WEIGHT times, a dated headline or a day ahead
        of publication add to the teaser score."""
        scores = {ev: TITLE_WEIGHT * self.title[ev] + self.lead[ev] for ev in PRIORITY}
        scores[_T] += 2.0 * TITLE_WEIGHT * self.signals["title_date"] + 3.0 * self.signals["date_ahead"]
        return scores


def evidence(title: str, text: str, published: datetime | None) -> Evidence:
    """Every cue and date signal in the headline and the lead (the first ``LEAD_CHARS`` of the text)."""
    lead = text[:LEAD_CHARS]
    per_part: list[dict[Event, float]] = []
    cues: list[tuple[float, str, Event]] = []
    for where, part, factor in (("title", title, TITLE_WEIGHT), ("lead", lead, 1.0)):
        fired = _fired(part)
        per_part.append({ev: _evidence([c.weight for c in fired if c.event is ev]) for ev in PRIORITY})
        cues.extend((c.weight * factor, f'{where}:"{c.label}"', c.event) for c in fired)
    signals = dict.fromkeys(SIGNALS, 0.0)
    dated = _TITLE_DATE.search(title)
    if dated:
        signals["title_date"] = 1.0
        cues.append((2.0 * TITLE_WEIGHT, f'title:"{dated.group(0)}"', _T))
    ahead = _future_date(title + "\n" + lead, published)
    if ahead is not None:
        signals["date_ahead"] = 1.0
        cues.append((3.0, f'date:"{ahead.isoformat()}" ahead', _T))
    signals["undated"] = 1.0 if published is None else 0.0
    signals["no_title"] = 0.0 if title.strip() else 1.0
    return Evidence(per_part[0], per_part[1], signals, tuple(cues))


SIGNALS = ("title_date", "date_ahead", "undated", "no_title")


def classify_event(title: str, text: str, published: datetime | None,
                   model: EventModel | None = None) -> EventDecision:
    """The article's event and the cues that speak for it, strongest first.

    The rules' evidence is scored by ``model`` (None: the model shipped with monitor, loaded once)."""
    found = evidence(title, text, published)
    event = (model or default_model()).decide(found)
    kept = tuple(label for _, label, ev in sorted(found.cues, key=lambda c: -c[0]) if ev is event)
    return EventDecision(event, kept)


def rule_event(found: Evidence) -> Event:
    """The hand-set rules alone: the highest weighted score wins; below ``MIN_SCORE`` the article is other."""
    return _winner(found.rule_scores())


def _evidence(weights: list[float]) -> float:
    """The strongest cue, plus a little for each further one: synonyms ("leak", "leaked", "renders") in one
    sentence are one piece of evidence, not three."""
    if not weights:
        return 0.0
    return max(weights) + EXTRA_CUE_SHARE * (sum(weights) - max(weights))


def _fired(part: str) -> Iterable[Cue]:
    """The cues found in ``part``, in ``CUES`` order (each counts once per part: a long lead repeating "launch"
    five times is not five times the evidence).

    Only the cues whose key word (or, for CJK, whole phrase) occurs in the part are searched: the same result as
    searching every cue, at a fraction of the cost (``tests/test_classify.py`` compares the two).
    """
    if not part:
        return []
    words = set(_WORD.findall(folded(part)))
    maybe = [i for word in words.intersection(_BY_WORD) for i in _BY_WORD[word]]
    if _HAS_CJK.search(part):
        maybe.extend(i for i, phrase in _CJK_PHRASES if phrase in part)
    maybe.sort()
    return [CUES[i] for i in maybe if CUES[i].pattern.search(part)]


# Pre-filter for _fired. A Latin cue matches whole words (case-insensitively), so each word of its phrase is a
# whole word of the text: the phrase's longest word, lower-cased, is looked up among the text's folded words.
# CJK cues (no case, no word boundaries) are plain substrings.
_WORD = re.compile(r"\w+")
_FOLD = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s"})


def folded(text: str) -> str:
    """``text`` lower-cased as ``re.IGNORECASE`` compares letters, so that a literal a case-insensitive pattern
    needs can be looked for with ``in``: the pattern also equates "İ" and "ı" with "i" and "ſ" with "s", which
    ``str.lower`` does not; every other character it equates with an ASCII letter (or "ä", "é", "ü") lower-cases
    to that letter. Same length as ``text``, character for character."""
    return text.translate(_FOLD).lower()


def _prefilter() -> tuple[dict[str, tuple[int, ...]], tuple[tuple[int, str], ...]]:
    by_word: dict[str, list[int]] = {}
    cjk: list[tuple[int, str]] = []
    for i, cue in enumerate(CUES):
        if _HAS_CJK.search(cue.label):
            cjk.append((i, cue.label))
        else:
            by_word.setdefault(max(_WORD.findall(cue.label.lower()), key=len), []).append(i)
    return {word: tuple(ids) for word, ids in by_word.items()}, tuple(cjk)


_BY_WORD, _CJK_PHRASES = _prefilter()


def _winner(scores: dict[Event, float]) -> Event:
    best = max(scores.values())
    if best < MIN_SCORE:
        return Event.OTHER
    return next(ev for ev in PRIORITY if scores[ev] == best)


# --- dates named in the text ------------------------------------------------------------------------------

_MONTHS = {
    # English, German, French; three-letter prefixes are enough to tell months apart.
    "jan": 1, "januar": 1, "janvier": 1, "feb": 2, "februar": 2, "février": 2, "fevrier": 2, "mar": 3, "märz": 3,
    "mars": 3, "apr": 4, "avril": 4, "may": 5, "mai": 5, "jun": 6, "juni": 6, "juin": 6, "jul": 7, "juli": 7,
    "juillet": 7, "aug": 8, "august": 8, "août": 8, "sep": 9, "sept": 9, "septembre": 9, "oct": 10, "okt": 10,
    "oktober": 10, "octobre": 10, "nov": 11, "novembre": 11, "dec": 12, "dez": 12, "dezember": 12, "décembre": 12,
}
_MONTH_WORD = r"(janvier|januar|jan(?:uary)?|février|fevrier|februar|feb(?:ruary)?|märz|mars|mar(?:ch)?|avril|" \
    r"apr(?:il)?|mai|may|juin|juni|jun(?:e)?|juillet|juli|jul(?:y)?|août|august|aug|septembre|sept(?:ember)?|" \
    r"sep|oktober|octobre|okt|oct(?:ober)?|novembre|nov(?:ember)?|dezember|décembre|dez|dec(?:ember)?)"
# The leading lookaheads change no match: they let a search reject most positions at their first character (every
# month word starts with one of those letters), which halves the time named_days takes.
_MONTH_DAY = re.compile(rf"(?=[jfmasond])(?<!\w){_MONTH_WORD}\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?!\d)",
                        re.IGNORECASE)
_DAY_MONTH = re.compile(rf"(?=\d)(?<!\d)(\d{{1,2}})(?:\.|er|st|nd|rd|th)?\s+(?:of\s+)?{_MONTH_WORD}(?!\w)",
                        re.IGNORECASE)
# "on July 4" / "am 2. März" / "le 26 février" in a headline: a date being announced.
_TITLE_DATE = re.compile(rf"(?<!\w)(?:on|for|am|le|until)\s+(?:{_MONTH_WORD}\.?\s+\d{{1,2}}|\d{{1,2}}\.?(?:er)?\s+"
                         rf"{_MONTH_WORD})(?!\w)", re.IGNORECASE)
_CJK_DATE = re.compile(r"(\d{1,2})\s*月\s*(\d{1,2})\s*日")


def named_days(text: str) -> frozenset[tuple[int, int]]:
    """(month, day) pairs named in the text in English, German, French or Chinese ("July 4", "4. Juli",
    "26 février", "7 月 4 日"). Language-neutral, so coverage of one date lines up across translations."""
    found: set[tuple[int, int]] = set()
    for month_word, day in _MONTH_DAY.findall(text):
        found.add((_month(month_word), int(day)))
    for day, month_word in _DAY_MONTH.findall(text):
        found.add((_month(month_word), int(day)))
    if "月" in text:
        for month, day in _CJK_DATE.findall(text):
            found.add((int(month), int(day)))
    return frozenset((m, d) for m, d in found if 1 <= m <= 12 and 1 <= d <= 31)


def _month(word: str) -> int:
    word = folded(word).rstrip(".")  # not str.lower: "ſept" and "JUİLLET" are month words to the patterns too
    return _MONTHS.get(word) or _MONTHS.get(word[:4]) or _MONTHS[word[:3]]


def _future_date(text: str, published: datetime | None) -> date | None:
    """The first named day that lies ahead of publication (within FUTURE_DATE_DAYS): the date being teased."""
    if published is None:
        return None
    today = published.date()
    for month, day in sorted(named_days(text)):
        for year in (today.year, today.year + 1):
            try:
                candidate = date(year, month, day)
            except ValueError:
                continue
            if today < candidate <= today + timedelta(days=FUTURE_DATE_DAYS):
                return candidate
    return None
