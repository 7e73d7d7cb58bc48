"""Composition root for the commands: opens the store and builds the judgement and the pipeline once.

Heavy libraries (SQLAlchemy, trafilatura, numpy, aiohttp) are imported here, not in ``monitor.cli``, so
``monitor --help`` stays fast.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from monitor.config import Config
from monitor.judge import Judge
from monitor.pipeline import Pipeline, utcnow
from monitor.store import Store
from monitor.stories import StoryIndex


@dataclass
class App:
    config: Config
    store: Store
    pipeline: Pipeline
    clock: Callable[[], datetime]

    def close(self) -> None:
        self.store.close()


def open_app(config: Config, *, clock: Callable[[], datetime] = utcnow, sync_sources: bool = True) -> App:
    judge = Judge(config.topics)  # compiles every topic query now: a syntax error stops start-up
    store = Store.open(config.storage.url)
    if sync_sources:
        store.sync_sources([(s.name, s.type, s.url) for s in config.sources])
    pipeline = Pipeline(store, judge, StoryIndex(), config.topics, config.channels, clock=clock)
    return App(config, store, pipeline, clock)
