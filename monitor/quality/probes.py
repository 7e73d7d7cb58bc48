"""``python -m monitor.quality.probes [PATH.jsonl]``: the event classifier alone on probe articles written for
the purpose (``docs/probes/coverage.jsonl``: headlines and leads of makers, languages and kinds of coverage the
labelled set has little of). Each line is ``{"event", "title", "lead", "published"}`` (``published``: YYYY-MM-DD
or ""). Prints how many read right per event and every miss with the cues that decided it.

Written to find gaps, and the rules were then changed until most read right: a fit, never a held-out figure
(docs/quality.md). Exit 2 names a malformed line.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from monitor.judgement.classify import classify_event

DEFAULT = Path(__file__).resolve().parents[2] / "docs" / "probes" / "coverage.jsonl"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    path = Path(args[0]) if args else DEFAULT
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            probe = json.loads(line)
            published = datetime.fromisoformat(probe["published"]) if probe.get("published") else None
            wanted, title, lead = str(probe["event"]), str(probe["title"]), str(probe.get("lead", ""))
        except (ValueError, KeyError, TypeError) as exc:
            print(f"python -m monitor.quality.probes: {path}:{number}: not a probe: {exc}", file=sys.stderr)
            return 2
        decision = classify_event(title, lead, published)
        total[wanted] += 1
        if decision.event.value == wanted:
            right[wanted] += 1
        else:
            print(f"{wanted:>11} read as {decision.event.value:<11} {title or lead[:70]!r} {list(decision.cues[:3])}")
    for event in sorted(total):
        print(f"{event:>11}: {right[event]} of {total[event]}")
    print(f"{'all':>11}: {sum(right.values())} of {sum(total.values())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
