"""Whether the event cues can read an article: its language is one of theirs.

The cue phrases (``monitor.judgement.cues``) are written in ``CUE_LANGUAGES``. In any other language few or no cues
fire whatever the article says, so its silence says nothing about its event: a Dutch teaser and a Bengali leak name
no event the cues know. Portuguese, Russian and Hindi have each event's everyday words, too few for silence to say
"launch", so they are not among ``CUE_LANGUAGES``. ``classify`` asks this before it reads silence as a launch
(``classify.NO_EVENT_WORD``).

Most text answers at once: Chinese or Japanese script, or a handful of function words only one of the cue languages
uses ("the", "und", "les", "della", "los"). The rest (Portuguese, Dutch, Hindi, Russian, or too little text) is
identified by py3langid, whose model takes ~0.5 s and a few hundred million instructions to load, once per process:
on a burst of English coverage it is never loaded. Measured on the 707 labelled articles of ``../shared`` and the
held-out sets (17 languages; headline and the first 700 characters): py3langid alone names the labelled language of
every one; with the function words first (chosen on these articles: the Spanish "está" and "como", which Portuguese
shares, were dropped) every answer is right and py3langid is asked for 19. A headline alone is too little to
identify ("Sony Xperia 1 VI" reads as Polish): such an item is not read as a launch from silence, as before this
rule; the pipeline fetches the page of a feed item that carries no text.
"""

from __future__ import annotations

import re

from monitor.judgement.cues import HAS_CJK

CUE_LANGUAGES = frozenset({"en", "de", "fr", "it", "es", "zh", "ja"})  # ISO 639-1, as py3langid names them

# Function words each cue language uses and its neighbours (Portuguese, Dutch, Romanian, Norwegian) do not.
_FUNCTION_WORDS = {
    "en": frozenset({"the", "and", "with", "of", "for", "that", "this", "from", "has", "have", "will", "its"}),
    "de": frozenset({"der", "das", "und", "mit", "ist", "nicht", "ein", "eine", "auf", "für", "dem", "sich"}),
    "fr": frozenset({"le", "les", "des", "et", "est", "une", "du", "avec", "pour", "dans", "sur", "qui"}),
    "it": frozenset({"il", "della", "che", "di", "gli", "per", "sono", "alla", "anche", "questo", "nel"}),
    "es": frozenset({"el", "los", "las", "del", "y", "es", "pero", "más", "también", "muy", "hasta"}),
}
_ENOUGH = 3  # function words of one language, at least twice those of any other
_WORD = re.compile(r"[^\W\d_]+")


def cues_can_read(text: str) -> bool:
    """Whether ``text`` (a headline and lead) is in one of ``CUE_LANGUAGES``."""
    if not text.strip():
        return False
    if HAS_CJK.search(text):
        return True
    words = [w.casefold() for w in _WORD.findall(text)]
    counts = sorted((sum(w in vocabulary for w in words) for vocabulary in _FUNCTION_WORDS.values()), reverse=True)
    if counts[0] >= _ENOUGH and counts[0] >= 2 * counts[1]:
        return True
    return _identify(text) in CUE_LANGUAGES


def _identify(text: str) -> str:
    from py3langid import classify  # its model is loaded at the first call and kept

    language: str = classify(text)[0]
    return language
