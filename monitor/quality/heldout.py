"""``python -m monitor.quality.heldout [DIR] [--sets-file FILE] [--only NAMES]``: monitor as shipped on the
held-out labelled sets, side by side.

The sets are listed in ``docs/heldout/sets.toml`` (name, topic config, whether the seeds are stored first, and
whether the set is for development or a test). Their texts are third-party and stay out of the repository: each set
is measured when ``DIR/NAME.jsonl`` (its labels with the texts put back; default DIR: ``../heldout`` beside the
checkout) exists, and named as skipped otherwise. Each is one replay of all its articles, nothing learned from its
labels (``python -m monitor.quality FILE --shipped`` with the set's config), so the figures are the product's on
coverage it was never tuned on.

Exit codes: 0 measured; 1 a replay failed; 2 bad usage or input (no set found, a malformed sets file or set).
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from monitor.quality.data import REPO, LabelError, default_seeds, load

DEFAULT_DIR = REPO.parent / "heldout"
DEFAULT_SETS = REPO / "docs" / "heldout" / "sets.toml"
SHIPPED = "nothing learned: the shipped event model"


@dataclass(frozen=True, slots=True)
class HeldOutSet:
    name: str
    config: Path
    seeds: bool
    role: str  # "development" or "test"


def read_sets(path: Path) -> list[HeldOutSet]:
    """The sets of a sets file (a config path is relative to the checkout); a ValueError names the file and what
    is wrong."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        return [HeldOutSet(str(s["name"]), REPO / str(s["config"]), bool(s.get("seeds", False)),
                           str(s.get("role", "test")))
                for s in raw["sets"]]
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: not a held-out sets file: {exc!r}") from exc


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m monitor.quality.heldout",
                                description="monitor as shipped on the held-out labelled sets, side by side.")
    p.add_argument("dir", nargs="?", type=Path, default=DEFAULT_DIR,
                   help=f"where the sets' texts are, as NAME.jsonl (default: {DEFAULT_DIR})")
    p.add_argument("--sets-file", type=Path, default=DEFAULT_SETS, help=f"the sets (default: {DEFAULT_SETS})")
    p.add_argument("--only", default=None, metavar="NAMES", help="comma-separated set names (default: all)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    from monitor.quality.cv import evaluate
    from monitor.quality.metrics import figures
    from monitor.quality.replay import ReplayError, Settings
    from monitor.quality.report import table

    args = parser().parse_args(argv)
    try:
        sets = read_sets(args.sets_file)
    except ValueError as exc:
        print(f"python -m monitor.quality.heldout: {exc}", file=sys.stderr)
        return 2
    if args.only:
        wanted = {name.strip() for name in args.only.split(",")}
        sets = [s for s in sets if s.name in wanted]
    columns = []
    for held in sets:
        path = args.dir / f"{held.name}.jsonl"
        if not path.is_file():
            print(f"{held.name}: skipped, no {path}")
            continue
        try:
            articles = load(path)
            settings = Settings(held.config, None, default_seeds() if held.seeds else None)
            evaluation = evaluate(articles, settings, folds=1, jobs=1, hook=None, learned=SHIPPED)
        except LabelError as exc:
            print(f"python -m monitor.quality.heldout: {exc}", file=sys.stderr)
            return 2
        except ReplayError as exc:
            print(f"python -m monitor.quality.heldout: {held.name}: replay failed: {exc}", file=sys.stderr)
            return 1
        print(f"{held.name} ({held.role}): {len(articles)} articles, topic config {held.config}, "
              f"seeds {'stored first' if settings.seeds else 'none'}")
        columns.append((held.name, figures(evaluation.fit.outcomes)))
    if not columns:
        print(f"python -m monitor.quality.heldout: no held-out set's texts in {args.dir}", file=sys.stderr)
        return 2
    print("\n" + "\n".join(table(columns)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
