"""The labelled set and the ways it is cut: loading, folds by story, publication waves.

Each line of a labelled file is a JSON object with ``id``, ``text``, ``relevant``, ``story`` and ``event``, and
optionally ``url``, ``outlet``, ``title``, ``published`` (``YYYY-MM-DD``, or partial: ``YYYY-MM``, ``YYYY``),
``language`` and ``flags`` (the format of ``../shared/judgement-dev/articles.jsonl``). A bad line is a
``LabelError`` naming the file, the line and the key.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from monitor.errors import LabelError as LabelError  # raised here; re-exported with load()
from monitor.model import Event, RawDocument

EVENTS = tuple(event.value for event in Event)

# Where a checkout finds its measuring data: the labelled set and the seeds in ``../shared`` beside it.
REPO = Path(__file__).resolve().parents[2]
DEFAULT_PATH = REPO.parent / "shared" / "judgement-dev" / "articles.jsonl"
DEFAULT_SEEDS = REPO.parent / "shared" / "seeds"
DEFAULT_CONFIG = REPO / "config.toml"
# The labelled story of each stored page dump in ``../shared/seeds`` (labels only; the pages stay in ../shared).
SEED_LABELS = REPO / "docs" / "seeds.labels.toml"


def default_seeds() -> Path | None:
    """The seeds folder beside the checkout, when there is one."""
    return DEFAULT_SEEDS if DEFAULT_SEEDS.is_dir() else None


def known_stories(seeds: Path | None, labels: Path = SEED_LABELS) -> frozenset[str]:
    """The labelled stories the seeds in ``seeds`` already hold: stored before the replay, so not new to the user
    (an alert for one is no alert for a new story). From ``labels``, a TOML table ``[stories]`` of seed file name
    -> labelled story; a seed it does not name holds no labelled story. A malformed file is a ``LabelError``."""
    if seeds is None or not labels.is_file():
        return frozenset()
    try:
        stories = tomllib.loads(labels.read_text(encoding="utf-8")).get("stories", {})
    except tomllib.TOMLDecodeError as exc:
        raise LabelError(f"{labels}: {exc}") from exc
    if not isinstance(stories, dict) or not all(isinstance(v, str) for v in stories.values()):
        raise LabelError(f"{labels}: [stories] must map seed file names to labelled story names")
    return frozenset(story for name, story in stories.items() if (seeds / name).is_file())


@dataclass(frozen=True, slots=True)
class Labelled:
    """One hand-labelled article. ``doc`` is the article as its outlet published it (``url`` the original
    address); ``date_key`` the date as labelled, possibly partial, "" when unknown."""

    id: str
    doc: RawDocument
    date_key: str
    relevant: bool
    story: str
    event: str
    flags: tuple[str, ...] = ()

    @property
    def full_date(self) -> bool:
        """A day is known (``YYYY-MM-DD``): only then does the article carry a publication date."""
        return self.doc.published is not None


def load(path: Path) -> list[Labelled]:
    """Every labelled article of ``path``, in file order. Ids must be unique."""
    out: list[Labelled] = []
    seen: dict[str, int] = {}
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            item = _labelled(_object(line, where), where)
            if item.id in seen:
                raise LabelError(f"{where}: id {item.id!r} repeats line {seen[item.id]}")
            seen[item.id] = number
            out.append(item)
    return out


def relabel_relevance(articles: Sequence[Labelled], patterns: Sequence[str]) -> list[Labelled]:
    """The articles relevant to another topic than the one labelled: an article is relevant when its story matches
    one of ``patterns`` (shell globs, e.g. ``neg-huawei-*``) and none of those written ``!glob``. Stories and events
    stay as labelled (a story is the same real-world event whatever topic follows it). A pattern that matches no
    story is a ``LabelError``: a typo would otherwise measure a topic with nothing relevant."""
    wanted = [p for p in patterns if not p.startswith("!")]
    unwanted = [p[1:] for p in patterns if p.startswith("!")]
    stories = {a.story for a in articles}
    for pattern in (*wanted, *unwanted):
        if not any(fnmatchcase(story, pattern) for story in stories):
            raise LabelError(f"--relevant-stories: {pattern!r} matches no labelled story")

    def relevant(story: str) -> bool:
        return (any(fnmatchcase(story, p) for p in wanted)
                and not any(fnmatchcase(story, p) for p in unwanted))

    return [replace(a, relevant=relevant(a.story)) for a in articles]


def _object(line: str, where: str) -> dict[str, Any]:
    try:
        value = json.loads(line)
    except json.JSONDecodeError as exc:
        raise LabelError(f"{where}: not JSON ({exc.msg}, column {exc.colno})") from None
    if not isinstance(value, dict):
        raise LabelError(f"{where}: expected a JSON object, got {type(value).__name__}")
    return value


def _labelled(raw: dict[str, Any], where: str) -> Labelled:
    for key in ("id", "text", "relevant", "story", "event"):
        if key not in raw:
            raise LabelError(f"{where}: key {key!r} is missing")
    if raw["event"] not in EVENTS:
        raise LabelError(f"{where}: event {raw['event']!r} is not one of {', '.join(EVENTS)}")
    if not isinstance(raw["relevant"], bool):
        raise LabelError(f"{where}: relevant must be true or false, got {raw['relevant']!r}")
    published = str(raw.get("published") or "")
    doc = RawDocument(
        url=str(raw.get("url") or f"urn:labelled:{raw['id']}"),
        title=str(raw.get("title") or ""),
        text=str(raw["text"]),
        source="labelled",
        outlet=str(raw.get("outlet") or ""),
        published=full_date(published, where),
        language=raw.get("language") or None,
    )
    flags = tuple(str(flag) for flag in raw.get("flags") or ())
    return Labelled(str(raw["id"]), doc, published, raw["relevant"], str(raw["story"]), raw["event"], flags)


def full_date(value: str, where: str = "") -> datetime | None:
    """``2022-05-24`` is a day (noon UTC, the same calendar day in nearly every time zone); ``2022-06`` or ""
    is no day: a month is no date to measure a story's window from."""
    if len(value) < 10:
        return None
    try:
        day = datetime.strptime(value[:10], "%Y-%m-%d")
    except ValueError:
        raise LabelError(f"{where}: published {value!r} is not YYYY-MM-DD") from None
    return day.replace(hour=12, tzinfo=UTC)


# ------------------------------------------------------------------------------------------- folds


def assign_folds(articles: Sequence[Labelled], k: int) -> list[list[Labelled]]:
    """``k`` folds by story: every article of a labelled story in the same fold, so a held-out fold holds
    stories the learned parts never saw. Deterministic and balanced: stories largest first (then by name), each
    to the fold with the fewest articles so far (the lowest index on a tie). Articles keep file order."""
    if k < 1:
        raise ValueError(f"folds must be at least 1, got {k}")
    sizes: dict[str, int] = {}
    for item in articles:
        sizes[item.story] = sizes.get(item.story, 0) + 1
    totals = [0] * k
    fold_of: dict[str, int] = {}
    for story in sorted(sizes, key=lambda s: (-sizes[s], s)):
        fold = min(range(k), key=lambda f: (totals[f], f))
        fold_of[story] = fold
        totals[fold] += sizes[story]
    folds: list[list[Labelled]] = [[] for _ in range(k)]
    for item in articles:
        folds[fold_of[item.story]].append(item)
    return folds


# ------------------------------------------------------------------------------------------- waves


def publication_order(articles: Sequence[Labelled]) -> list[Labelled]:
    """By labelled date (a partial date sorts by what is known), undated last; file order breaks ties."""
    return sorted(articles, key=lambda a: (a.date_key == "", a.date_key))


def waves(articles: Sequence[Labelled], count: int = 4) -> list[list[Labelled]]:
    """The articles in ``count`` publication waves, as outlets would publish them between two crawls.

    Dated articles (partial dates too) fill the first waves, split evenly in publication order; the undated
    ones are the last wave, as a crawl of pages that carry no date delivers them late and all at once. Empty
    waves are kept, so every replay runs the same number of crawls.
    """
    if count < 1:
        raise ValueError(f"waves must be at least 1, got {count}")
    ordered = publication_order(articles)
    if count == 1:
        return [ordered]
    dated = [a for a in ordered if a.date_key]
    undated = [a for a in ordered if not a.date_key]
    dated_waves = count - 1 if undated else count
    out = [dated[len(dated) * i // dated_waves: len(dated) * (i + 1) // dated_waves] for i in range(dated_waves)]
    return [*out, undated] if undated else out
