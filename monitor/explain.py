"""``monitor check``: run one article through the judgement without storing it, and say why.

``evidence`` is the story decider's score for the nearest story: a sum of what the article shares with it
(near-duplicate text, product, named days, headline words, region), not a 0–1 similarity; an article joins at
``join_at`` or more, and a near-duplicate text scores 1 + its similarity. ``similarity`` is kept only for the
near-duplicate case, where it is the estimated share of shared text (0–1).
"""

from __future__ import annotations

import re
from typing import Any

from monitor.model import RawDocument
from monitor.service.pipeline import Pipeline

_NEAR_DUPLICATE = re.compile(r"near-duplicate text \((\d(?:\.\d+)?)\)")


def _join_score() -> float:
    from monitor.judgement.stories import JOIN_SCORE  # the index is built by now: no extra import cost

    return JOIN_SCORE


def _copy_similarity(reason: str) -> float | None:
    """The text similarity (0–1) a near-duplicate join reports in its reason, if that is why it joined."""
    found = _NEAR_DUPLICATE.search(reason or "")
    return float(found.group(1)) if found else None


def explain(pipeline: Pipeline, doc: RawDocument) -> dict[str, Any]:
    """What ingesting ``doc`` would do, with the evidence: matched terms, event cues, nearest story."""
    duplicate_of = pipeline.store.find_duplicate(pipeline.keys(doc))
    judgement, decision = pipeline.place(doc, pipeline.judge.judge(doc))
    if duplicate_of is not None:
        outcome = f"duplicate of stored article {duplicate_of}"
    elif not judgement.relevant:
        outcome = "irrelevant"
    elif decision and decision.story_id is not None:
        outcome = f"joins story {decision.story_id}"
    else:
        outcome = "new story"
    return {
        "title": doc.title,
        "url": doc.url,
        "published": doc.published.isoformat() if doc.published else None,
        "relevant": judgement.relevant,
        "relevance": judgement.relevance,
        "topic": judgement.topic,
        "terms": list(judgement.terms),
        "event": str(judgement.event) if judgement.relevant else None,
        "cues": list(judgement.cues),
        "nearest_story": decision.nearest_story if decision else None,
        "evidence": round(decision.nearest_score, 3) if decision else None,
        "join_at": _join_score() if decision else None,
        "similarity": _copy_similarity(decision.reason) if decision else None,
        "reason": decision.reason if decision else None,
        "outcome": outcome,
    }
