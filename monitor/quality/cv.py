"""Cross-validation by story: the learned parts fitted without a fold's stories, that fold replayed through them.

For each of k folds (``data.assign_folds``: every article of a labelled story in one fold), the learned-parts
hook ``monitor.judgement.learn.fit(train, workdir) -> {judgement key: value}`` is called on the other folds'
articles, and only the held-out fold's articles (with the seeds) are replayed, with the hook's keys in the
replay's ``[judgement]``. The held-out folds are pooled for the headline figures. The "fit" run calls the hook on
every article and replays every article: the figure that flatters, shown beside the held-out one to show by how
much.

Without ``monitor.judgement.learn`` (an ImportError) nothing is learned and every replay uses the judgement as
shipped; the evaluation says so. Runs are independent: with ``jobs`` > 1 they go to worker processes, each replay
with its own servers, temporary directory and database.
"""

from __future__ import annotations

import multiprocessing
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from monitor.quality.data import Labelled, assign_folds
from monitor.quality.metrics import Outcomes, Row, pool
from monitor.quality.replay import ReplayResult, Settings, replay

Hook = Callable[[Sequence[Labelled], Path], dict[str, str]]


@dataclass(frozen=True, slots=True)
class Run:
    """One replay: a held-out fold (``fold`` 1..k) or the fit (``fold`` 0)."""

    fold: int
    trained_on: int  # articles the hook learned from
    outcomes: Outcomes
    result: ReplayResult
    overrides: dict[str, str]
    seconds: float

    @property
    def name(self) -> str:
        return f"fold {self.fold}" if self.fold else "fit"


@dataclass(frozen=True, slots=True)
class Evaluation:
    folds: tuple[Run, ...]  # empty when cross-validation was not asked for
    fit: Run
    learned: str  # what the hook is, or why nothing was learned
    seconds: float

    @property
    def held_out(self) -> Outcomes | None:
        return pool(run.outcomes for run in self.folds) if self.folds else None


def load_hook() -> tuple[Hook | None, str]:
    """``monitor.judgement.learn.fit`` when it can be imported; otherwise None and the reason, for the report."""
    try:
        from monitor.judgement.learn import fit
    except ImportError as exc:
        return None, f"nothing learned: monitor.judgement.learn cannot be imported ({exc})"
    return fit, "monitor.judgement.learn.fit"


def evaluate(articles: Sequence[Labelled], settings: Settings, *, folds: int = 5, jobs: int = 1,
             hook: Hook | None = None, learned: str = "nothing learned") -> Evaluation:
    """The fit, and with ``folds`` > 1 every held-out fold, each replayed through the product. With ``jobs`` > 1
    the replays run in spawned processes: a script calling this needs the ``if __name__ == "__main__":`` guard."""
    started = time.perf_counter()
    tasks: list[tuple[int, Sequence[Labelled], Sequence[Labelled]]] = [(0, articles, articles)]
    if folds > 1:
        parts = assign_folds(articles, folds)
        for number, held_out in enumerate(parts, 1):
            train = [a for i, part in enumerate(parts, 1) if i != number for a in part]
            tasks.append((number, train, held_out))
    runs = _run_all(tasks, settings, hook, jobs)
    return Evaluation(tuple(r for r in runs if r.fold), runs[0], learned, time.perf_counter() - started)


def _run_all(tasks: Sequence[tuple[int, Sequence[Labelled], Sequence[Labelled]]], settings: Settings,
             hook: Hook | None, jobs: int) -> list[Run]:
    if jobs <= 1 or len(tasks) == 1:
        return [run_one(fold, train, held_out, settings, hook) for fold, train, held_out in tasks]
    # The largest task (the fit) first, so it is not the one left running alone at the end. Spawned, not forked:
    # a fork inherits thread pools without their threads (apprise keeps module-level executors once it has sent
    # anything), and the first alert a forked worker sent waited out apprise's 60 s timeout. Measured: a fit
    # and fold 1 took 69 and 64 s instead of 6 and 3 after a replay in the parent. Spawning costs each worker
    # its imports (~1.5 s).
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool_:
        futures = [pool_.submit(run_one, fold, train, held_out, settings, hook) for fold, train, held_out in tasks]
        return [future.result() for future in futures]


def run_one(fold: int, train: Sequence[Labelled], held_out: Sequence[Labelled], settings: Settings,
            hook: Hook | None) -> Run:
    """Fit the hook on ``train`` (in a temporary folder, kept until the replay is done), replay ``held_out``."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f"monitor-quality-learn-{fold}-") as workdir:
        overrides = dict(hook(train, Path(workdir))) if hook is not None else {}
        result = replay(held_out, settings, overrides)
    prefix = f"f{fold}" if fold else ""
    return Run(fold, len(train) if hook else 0, outcomes(result, prefix), result, overrides,
               time.perf_counter() - started)


def outcomes(result: ReplayResult, prefix: str) -> Outcomes:
    """A replay's rows and alerts, its story ids prefixed (``f2#17``) so that folds can be pooled."""

    def cluster(story_id: int | None) -> str | None:
        return None if story_id is None else f"{prefix}#{story_id}"

    rows = []
    for item in result.articles:
        stored = result.stored[item.id]
        rows.append(Row(
            id=item.id, story=item.story, event=item.event, relevant=item.relevant, outcome=stored.outcome,
            predicted_relevant=stored.relevant, cluster=cluster(stored.story_id),
            predicted_event=stored.story_event or "none", article_event=stored.article_event, reason=stored.reason,
            flags=item.flags,
        ))
    return Outcomes(
        rows=tuple(rows),
        alerted={f"{prefix}#{story}": n for story, n in result.alerts_sent.items()},
        messages=dict(result.messages),
        alert_on=result.alert_on,
        seed_clusters=frozenset(f"{prefix}#{story}" for story in result.seed_stories),
        known_stories=result.known_stories,
    )
