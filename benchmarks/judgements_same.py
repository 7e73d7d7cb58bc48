"""Do two revisions judge alike? ``python benchmarks/judgements_same.py --against REV [--show N]``.

The gate for a speed change that must not change a decision: every judgement (relevance, topic, terms, event,
cues, story features, MinHash signature) and ``text_hash`` of the labelled articles (as written, and with
headline and text upper-cased, which exercises the case-insensitive cue matching), and of the benchmark corpus's
articles, under three topic configurations (the shipped config.toml; it plus a second topic; the shipped query
alone, without subjects, rivals or product lines), plus the classifier's whole evidence (every cue that fired,
of every event, and every date signal) of each document. Today's ``monitor`` package and the one at REV (with
its config.toml) each run in a child process; the lines must be equal, byte for byte. Exit 1 when they are not.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness import SHARED, checkout

REPO = Path(__file__).resolve().parents[1]
LABELLED = SHARED / "judgement-dev" / "articles.jsonl"
CORPUS_ARTICLES = 1000  # the labelled ones (as the corpus writes them) and synthetic ones, as the benchmarks use

SECOND_TOPIC = """
[[topics]]
name = "oppo-hasselblad"
subjects = [["oppo", "欧珀"], ["hasselblad", "哈苏"]]
rivals = ["vivo", ["huawei", "华为"], "xiaomi"]
product_lines = ["find", "reno"]
alert_on = ["launch", "teaser", "partnership"]
"""


def _documents() -> list[tuple[str, str, datetime | None]]:
    """(title, text, published) of every document judged."""
    from corpus import articles

    docs: list[tuple[str, str, datetime | None]] = []
    for line in LABELLED.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            day = row.get("published") or ""
            published = datetime.fromisoformat(day).replace(tzinfo=UTC) if len(day) >= 10 else None
            title, text = row.get("title") or "", row.get("text") or ""
            docs += [(title, text, published), (title.upper(), text.upper(), published)]
    docs += [(a.title, "\n".join(a.paragraphs), a.published) for a in articles(CORPUS_ARTICLES)]
    return docs


def _configs(root: Path, into: Path) -> dict[str, Path]:
    """The three topic configurations, written beside each other under ``into``."""
    shipped = (root / "config.toml").read_text(encoding="utf-8")
    query = shipped.split("query = '''", 1)[1].split("'''", 1)[0]
    paths = {"shipped": root / "config.toml", "two-topics": into / "two.toml", "query-only": into / "query.toml"}
    paths["two-topics"].write_text(shipped + SECOND_TOPIC, encoding="utf-8")
    paths["query-only"].write_text(f"[[topics]]\nname = \"only-query\"\nquery = '''{query}'''\n", encoding="utf-8")
    return paths


def _line(config: str, index: int, judgement: Any, hashed: str | None) -> str:
    return json.dumps({
        "config": config, "doc": index, "relevant": judgement.relevant, "topic": judgement.topic,
        "terms": list(judgement.terms), "event": str(judgement.event), "cues": list(judgement.cues),
        "features": judgement.features.to_json(), "signature": hashlib.sha1(judgement.signature).hexdigest(),
        "text_hash": hashed,
    }, ensure_ascii=False, sort_keys=True)


def child(root: Path) -> None:
    """In a fresh process with ``monitor`` from ``root``: one line per judgement and per evidence, on stdout."""
    sys.meta_path[:] = [finder for finder in sys.meta_path if "editable" not in repr(finder).lower()]
    sys.path.insert(0, str(root))
    from monitor.config import load_config
    from monitor.judgement.classify import evidence
    from monitor.judgement.dedup import text_hash
    from monitor.judgement.judge import Judge
    from monitor.model import RawDocument

    docs = _documents()
    out = []
    with tempfile.TemporaryDirectory(prefix="judgements-same-") as tmp:
        for name, path in _configs(root, Path(tmp)).items():
            judge = Judge(load_config(path, env={}).topics)
            for i, (title, text, published) in enumerate(docs):
                doc = RawDocument(f"https://example.test/{i}", title, text, "bench", "bench", published, None)
                out.append(_line(name, i, judge.judge(doc), text_hash(text)))
    for i, (title, text, published) in enumerate(docs):
        found = evidence(title, text, published)
        out.append(json.dumps({"evidence": i, "title": {str(k): v for k, v in found.title.items()},
                               "lead": {str(k): v for k, v in found.lead.items()}, "signals": found.signals,
                               "cues": [[w, label, str(ev)] for w, label, ev in found.cues]},
                              ensure_ascii=False, sort_keys=True))
    print("\n".join(out))


def run(root: Path) -> list[str]:
    done = subprocess.run([sys.executable, __file__, "--child", str(root)], capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        raise SystemExit(f"judgements_same: the child for {root} failed:\n{done.stderr[-3000:]}")
    return done.stdout.splitlines()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", metavar="REV", default="main", help="the revision to compare with (main)")
    parser.add_argument("--show", type=int, default=5, help="differences to print (default 5)")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return 0
    with tempfile.TemporaryDirectory(prefix="judgements-rev-") as tmp:
        ours, theirs = run(REPO), run(checkout(args.against, Path(tmp)))
    judgements = sum(1 for line in ours if line.startswith('{"config"'))
    differing = [(a, b) for a, b in zip(ours, theirs, strict=False) if a != b]
    print(f"{len(ours)} lines ({judgements} judgements, {len(ours) - judgements} evidences) against "
          f"{len(theirs)} at {args.against}: {len(differing)} differ")
    for a, b in differing[: args.show]:
        ours_fields, theirs_fields = json.loads(a), json.loads(b)
        keys = [key for key in ours_fields if ours_fields.get(key) != theirs_fields.get(key)]
        print(f"  {ours_fields.get('config', 'evidence')} #{ours_fields.get('doc', ours_fields.get('evidence'))}: "
              + "; ".join(f"{key}: today {ours_fields.get(key)!r}, {args.against} {theirs_fields.get(key)!r}"
                          for key in keys)[:1200])
    return 0 if not differing and len(ours) == len(theirs) else 1


if __name__ == "__main__":
    sys.exit(main())
