"""``python -m monitor.quality [PATH.jsonl] [--config FILE] [--topic NAME] [--seeds DIR] [--folds K] [--no-cv]
[--jobs N] [--relevant-stories GLOBS] [--oracle-events] [--json] [--markdown] [-v]``.

Exit codes: 0 measured; 1 a replay failed (the product or its config did not run); 2 bad usage or input (a
missing or malformed labelled file, config file or seeds folder), with a message naming it.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from monitor.quality.data import (
    DEFAULT_CONFIG,
    DEFAULT_PATH,
    DEFAULT_SEEDS,
    REPO,
    LabelError,
    Labelled,
    default_seeds,
    load,
    relabel_relevance,
)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m monitor.quality",
                                description="Replay labelled articles through monitor and measure its judgement.")
    p.add_argument("path", nargs="?", type=Path, default=DEFAULT_PATH,
                   help=f"labelled articles, JSON lines (default: {DEFAULT_PATH})")
    p.add_argument("--config", type=Path, default=DEFAULT_CONFIG,
                   help="the config whose topic and [judgement] tables are measured (default: the repository's)")
    p.add_argument("--topic", default=None, help="the topic to measure (default: the config's first)")
    p.add_argument("--seeds", type=Path, default=None,
                   help=f"stored page dumps imported before the first crawl (default: {DEFAULT_SEEDS})")
    p.add_argument("--no-seeds", action="store_true", help="import nothing before the first crawl")
    p.add_argument("--folds", type=int, default=5, help="cross-validation folds by story; 1 = fit only (default 5)")
    p.add_argument("--no-cv", action="store_true", help="the fit only (same as --folds 1), for quick debugging")
    p.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                   help="replays run at once, in worker processes (default: 2, or 1 on a one-core machine)")
    p.add_argument("--relevant-stories", default=None, metavar="GLOBS",
                   help="measure another topic on the same articles: relevant are the articles whose labelled story "
                        "matches one of these comma-separated globs and none written !GLOB (e.g. "
                        "'neg-huawei-*,huawei-*'); use with --config of that topic")
    p.add_argument("--oracle-events", action="store_true",
                   help="a diagnostic: replay with the labelled events in place of the classifier's (what stories "
                        "and alerts would be with a perfect event classifier; never the product's figure)")
    p.add_argument("--shipped", action="store_true",
                   help="measure monitor as shipped on articles it was never tuned on: one replay of them all, "
                        "nothing learned from their labels (the fit column is then the product's figure)")
    p.add_argument("--json", action="store_true", help="one JSON object instead of the text report")
    p.add_argument("--markdown", action="store_true", help="the tables of docs/quality.md instead")
    p.add_argument("-v", "--verbose", action="store_true", help="also every article's outcome")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    problem = _check_inputs(args)
    if problem:
        print(f"python -m monitor.quality: {problem}", file=sys.stderr)
        return 2
    try:
        articles = load(args.path)
        if args.relevant_stories is not None:
            articles = relabel_relevance(articles, [p.strip() for p in args.relevant_stories.split(",") if p.strip()])
    except LabelError as exc:
        print(f"python -m monitor.quality: {exc}", file=sys.stderr)
        return 2
    stories = len({a.story for a in articles})
    if not (args.no_cv or args.shipped) and args.folds > stories:
        print(f"python -m monitor.quality: {args.folds} folds need as many labelled stories; {args.path} has "
              f"{stories}", file=sys.stderr)
        return 2
    return _measure(args, articles)


def _check_inputs(args: argparse.Namespace) -> str | None:
    if not args.path.is_file():
        return f"no such labelled file: {args.path}"
    if not args.config.is_file():
        return f"no such config file: {args.config}"
    if args.seeds is not None and not args.seeds.is_dir():
        return f"no such seeds folder: {args.seeds}"
    if args.folds < 1:
        return f"--folds must be 1 or more, got {args.folds}"
    if args.jobs < 1:
        return f"--jobs must be 1 or more, got {args.jobs}"
    return None


def _seeds(args: argparse.Namespace) -> Path | None:
    """--no-seeds: none; --seeds DIR: that folder; else the default folder when it exists."""
    given: Path | None = args.seeds
    if args.no_seeds:
        return None
    if given is not None:
        return given
    return default_seeds()


def _measure(args: argparse.Namespace, articles: Sequence[Labelled]) -> int:
    from monitor.quality.cv import evaluate, load_hook
    from monitor.quality.replay import ReplayError, Settings, user_tables
    from monitor.quality.report import as_json, as_markdown, as_text

    settings = Settings(args.config, args.topic, _seeds(args), oracle_events=args.oracle_events)
    try:
        tables = user_tables(args.config, args.topic)
    except ReplayError as exc:
        print(f"python -m monitor.quality: {exc}", file=sys.stderr)
        return 2
    hook, learned = load_hook()
    folds = 1 if args.no_cv else args.folds
    if args.shipped:
        hook, learned, folds = None, "nothing learned: the shipped event model (--shipped)", 1
    try:
        evaluation = evaluate(articles, settings, folds=folds, jobs=args.jobs, hook=hook,
                              learned=learned)
    except ReplayError as exc:
        print(f"python -m monitor.quality: replay failed: {exc}", file=sys.stderr)
        return 1
    header = {"path": str(args.path), "articles": len(articles), "config": str(args.config),
              "topic": tables.topic.get("name"), "seeds": str(settings.seeds) if settings.seeds else None,
              "folds": folds, "measured": _when(), "oracle_events": args.oracle_events,
              "relevant_stories": args.relevant_stories}
    render = as_json if args.json else as_markdown if args.markdown else as_text
    print(render(evaluation, header, verbose=args.verbose))
    return 0


def _when() -> str:
    """The date, and the commit measured when this is a git checkout (a dirty tree is said so)."""
    import subprocess
    from datetime import UTC, datetime

    day = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    try:
        commit = subprocess.run(["git", "-C", str(REPO), "describe", "--always", "--dirty"], capture_output=True,
                                text=True, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return day
    return f"{day}, commit {commit}"


if __name__ == "__main__":
    raise SystemExit(main())
