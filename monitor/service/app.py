"""Composition root for the commands: opens the store and builds the judgement and the pipeline once.

Heavy libraries (SQLAlchemy, trafilatura, aiohttp) are imported here, not in ``monitor.cli``, so
``monitor --help`` stays fast; numpy and the story index only when a document is judged (``_story_index``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from monitor.config import Config
from monitor.judgement.judge import Judge
from monitor.service.pipeline import Pipeline, utcnow
from monitor.store import Store

if TYPE_CHECKING:
    from monitor.judgement.stories import StoryIndex


@dataclass
class App:
    config: Config
    store: Store
    pipeline: Pipeline
    clock: Callable[[], datetime]

    def close(self) -> None:
        self.store.close()


def open_app(config: Config, *, clock: Callable[[], datetime] = utcnow, sync_sources: bool = True) -> App:
    # Compiles every topic query and loads the event model now: a bad one stops start-up.
    judge = Judge(config.topics, config.judgement.event_model)
    store = Store.open(config.storage.url)
    if sync_sources:
        store.sync_sources([(s.name, s.type, s.url) for s in config.sources])
    pipeline = Pipeline(store, judge, _story_index, config.topics, config.channels, clock=clock)
    return App(config, store, pipeline, clock)


def _story_index() -> StoryIndex:
    """The pipeline builds its story index at first need: a crawl of unchanged feeds never does."""
    from monitor.judgement.stories import StoryIndex

    return StoryIndex()
