"""What judging costs per article: ``python benchmarks/judge_articles.py [PATH.jsonl] [--against REV]``.

Runs what the pipeline runs for every new document, ``Judge.judge`` (match, classify, story features, MinHash)
and the exact-duplicate ``text_hash``, over every labelled article with the topics of ``config.toml``, and prints
CPU milliseconds per article: the first pass of a fresh process (imports, the first use of each cue expression:
what a one-off crawl or a short burst pays) and the later passes (best and median; CPU time, so other work on a
busy machine counts less). ``--against REV`` also times the whole ``monitor`` package (and config.toml) as they
were at git revision REV, each in its own child process, alternated round by round with today's, for a
before/after on the same machine in the same minutes.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import checkout

REPO = Path(__file__).resolve().parents[1]
DEFAULT = REPO.parent / "shared" / "judgement-dev" / "articles.jsonl"


def child(root: Path, articles: Path, passes: int) -> None:
    """In a fresh process: import ``monitor`` from ``root`` and print the passes' CPU seconds as JSON."""
    sys.meta_path[:] = [finder for finder in sys.meta_path if "editable" not in repr(finder).lower()]
    sys.path.insert(0, str(root))
    from datetime import UTC, datetime

    from monitor.config import load_config
    from monitor.model import RawDocument

    try:
        from monitor.judgement.dedup import text_hash
        from monitor.judgement.judge import Judge
    except ImportError:  # before the judgement package (issue 17)
        from monitor.dedup import text_hash  # type: ignore[no-redef]
        from monitor.judge import Judge  # type: ignore[no-redef]

    docs = []
    for line in articles.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            day = row.get("published") or ""
            published = datetime.fromisoformat(day).replace(tzinfo=UTC) if len(day) >= 10 else None
            docs.append(RawDocument(row.get("url") or "", row.get("title") or "", row.get("text") or "", "bench",
                                    "bench", published, row.get("language")))
    judge = Judge(load_config(root / "config.toml", env={}).topics)
    seconds = []
    for _ in range(passes):
        started = time.process_time()
        for doc in docs:
            text_hash(doc.text)
            judge.judge(doc)
        seconds.append(time.process_time() - started)
    print(json.dumps({"articles": len(docs), "seconds": seconds}))


def run(root: Path, articles: Path, passes: int) -> tuple[int, list[float]]:
    done = subprocess.run([sys.executable, __file__, str(articles), "--child", str(root), "--passes", str(passes)],
                          capture_output=True, text=True, check=True)
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return figures["articles"], figures["seconds"]


def report(label: str, articles: int, rounds: list[list[float]]) -> None:
    first = [r[0] / articles * 1e3 for r in rounds]
    later = [s / articles * 1e3 for r in rounds for s in r[1:]]
    print(f"{label:>12}: first pass {min(first):.3f} ms/article (best of {len(first)}); "
          f"later passes best {min(later):.3f}, median {statistics.median(later):.3f} ms/article")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("articles", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--against", metavar="REV", help="also time the monitor package at this git revision")
    parser.add_argument("--rounds", type=int, default=3, help="fresh processes per revision (default 3)")
    parser.add_argument("--passes", type=int, default=5, help="passes over the articles per process (default 5)")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.articles, args.passes)
        return 0
    if not args.articles.is_file():
        print(f"judge_articles: {args.articles} not found", file=sys.stderr)
        return 2
    roots = {"today": REPO}
    with tempfile.TemporaryDirectory(prefix="bench-judge-") as tmp:
        if args.against:
            roots[args.against] = checkout(args.against, Path(tmp))
        times: dict[str, list[list[float]]] = {label: [] for label in roots}
        count = 0
        for _ in range(args.rounds):
            for label, root in roots.items():
                count, seconds = run(root, args.articles, args.passes)
                times[label].append(seconds)
    print(f"Judge.judge + text_hash over {count} articles, CPU time, {args.rounds} processes × {args.passes} passes")
    for label, rounds in times.items():
        report(label, count, rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
