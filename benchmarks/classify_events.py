"""What event classification costs per article:
``python benchmarks/classify_events.py [PATH.jsonl] [--against REV]``.

Runs ``monitor.judgement.classify.classify_event`` (rules and the shipped model) over every labelled article
(title, text, publication date), ``--passes`` times, and prints CPU microseconds per article (best and median pass;
CPU time, so other work on a busy machine counts less). ``--against REV`` also times
``monitor/judgement/classify.py`` (``monitor/classify.py`` before issue 17) as it was at
git revision REV, interleaved pass by pass with today's, for a before/after on the same machine and the same
minute. Only classify.py is taken from REV: it must import no other module of monitor that changed since.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT = REPO.parent / "shared" / "judgement-dev" / "articles.jsonl"
sys.path.insert(0, str(REPO))

Article = tuple[str, str, datetime | None]


def articles(path: Path) -> list[Article]:
    out: list[Article] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            raw = json.loads(line)
            published = raw.get("published") or ""
            out.append((raw.get("title") or "", raw.get("text") or "",
                        datetime.fromisoformat(published) if len(published) >= 10 else None))
    return out


def classify_at(revision: str) -> ModuleType:
    """monitor/judgement/classify.py as it was at ``revision``, loaded as a module of its own."""
    source = _show(revision, "monitor/judgement/classify.py") or _show(revision, "monitor/classify.py")
    if source is None:
        raise SystemExit(f"classify_events: no classify module at revision {revision}")
    path = Path(tempfile.mkdtemp()) / f"classify_{revision}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module  # dataclasses look their module up while the class body runs
    spec.loader.exec_module(module)
    return module


def _show(revision: str, path: str) -> str | None:
    """A file's text at ``revision``, or None when it is not there (the module moved in issue 17)."""
    shown = subprocess.run(["git", "show", f"{revision}:{path}"], cwd=REPO, capture_output=True, text=True)
    return shown.stdout if shown.returncode == 0 else None


def one_pass(classify: Callable[..., Any], items: Sequence[Article]) -> float:
    """CPU microseconds per article for one pass over ``items``."""
    start = time.process_time()
    for title, text, published in items:
        classify(title, text, published)
    return (time.process_time() - start) / len(items) * 1e6


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--passes", type=int, default=7)
    parser.add_argument("--against", metavar="REV", help="also time monitor/judgement/classify.py of this git revision")
    args = parser.parse_args(argv)
    if not args.path.is_file():
        print(f"{args.path}: no labelled articles to classify", file=sys.stderr)
        return 2
    from monitor.judgement.classify import classify_event

    items = articles(args.path)
    runs: dict[str, Callable[..., Any]] = {"now": classify_event}
    if args.against:
        runs[args.against] = classify_at(args.against).classify_event
    for classify in runs.values():
        one_pass(classify, items[:20])  # warm-up: the shipped model is read at the first call
    timings: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(args.passes):
        for name, classify in runs.items():
            timings[name].append(one_pass(classify, items))
    print(f"{len(items)} articles, {args.passes} passes, CPU time per article")
    for name, values in timings.items():
        print(f"  {name:>10}: best {min(values):7.0f} µs, median {statistics.median(values):7.0f} µs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
