"""Train every learned part of the judgement on one set of labelled articles: the hook of the quality replay.

``fit(train, workdir)`` is called once per cross-validation fold with that fold's training articles. It writes
each learned artefact into ``workdir`` and returns the keys of the config's ``[judgement]`` table that point the
product at them, so the held-out articles are judged by parts that never saw them. Today the one learned part is
the event model (``monitor.judgement.eventmodel``): ``{"event_model": "<workdir>/event_model.json"}``.

Deterministic: the same articles in the same order give the same files. Training imports numpy; the product
reading the files does not.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from monitor.model import Event

if TYPE_CHECKING:
    from monitor.quality import Labelled

EVENT_MODEL_FILE = "event_model.json"


def fit(train: Sequence[Labelled], workdir: Path) -> dict[str, str]:
    """Train the learned parts on ``train``; write them into ``workdir``; return the ``[judgement]`` keys."""
    from monitor.judgement import eventmodel

    if not train:
        raise ValueError("learn.fit: no training articles")
    examples = [eventmodel.Example(item.doc.title or "", item.doc.text or "", item.doc.published,
                                   _event(item.event, item.id), item.story) for item in train]
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / EVENT_MODEL_FILE
    eventmodel.save(eventmodel.train(examples), path)
    return {"event_model": str(path)}


def _event(label: str, where: str) -> Event:
    try:
        return Event(label)
    except ValueError:
        raise ValueError(f"learn.fit: article {where}: unknown event {label!r} "
                         f"(one of {', '.join(e.value for e in Event)})") from None
