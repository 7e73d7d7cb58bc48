"""``monitor check``: run one article through the judgement without storing it, and say why."""

from __future__ import annotations

from typing import Any

from monitor.model import RawDocument
from monitor.pipeline import Pipeline


def explain(pipeline: Pipeline, doc: RawDocument) -> dict[str, Any]:
    """What ingesting ``doc`` would do, with the evidence: matched terms, event cues, nearest story."""
    duplicate_of = pipeline.store.find_duplicate(pipeline.keys(doc))
    judgement = pipeline.judge.judge(doc)
    decision = pipeline.index.assign(judgement, doc.published) if judgement.relevant else None
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
        "topic": judgement.topic,
        "terms": list(judgement.terms),
        "event": str(judgement.event) if judgement.relevant else None,
        "cues": list(judgement.cues),
        "nearest_story": decision.nearest_story if decision else None,
        "similarity": round(decision.nearest_score, 3) if decision else None,
        "reason": decision.reason if decision else None,
        "outcome": outcome,
    }
