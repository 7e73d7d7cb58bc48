"""Export and import of a whole database as JSON lines: backups that outlive a schema, and SQLite → PostgreSQL.

One JSON object per line, each with a ``kind``::

    {"kind": "meta", "format": "monitor-export", "version": 1}
    {"kind": "story", "key": ..., "topic": ..., "event": ..., "title": ..., ...}     every story
    {"kind": "article", "canonical_url": ..., "story": <story key or null>, ...}       every article, oldest first
    {"kind": "alert", "dedup_key": "story:{story}", "story": <key>, "status": ...}   the outbox, with deliveries

Identity without database ids: ids differ between databases, so nothing in the file is an id. A story's
``key`` is the canonical URL of its first article (the one that created it, unique in every database);
articles and alerts name their story by that key, and an alert's ``dedup_key`` keeps ``{story}`` where the
story id was. So export → import into an empty database → export gives the same bytes.

Import is idempotent: articles go through ``Store.save_article`` (unique GUID/URL/text keys; those with a story
under ``Store.story_writes``, so running workers see them before matching), alerts through
UNIQUE(dedup_key, channel). Importing a file twice, or re-running an interrupted import, adds nothing twice.

Imported alerts are never sent again by accident:

- ``sent`` and ``failed`` alerts keep their status (and attempts, timestamps, delivery log);
- ``pending`` alerts are imported as ``failed`` with a ``last_error`` saying so, unless the caller passes
  ``resume_pending=True`` (moving a live service to a new database, where they should still go out). A user
  who changes their mind later re-queues them with ``monitor alerts retry``.

One writer: this module is the file format only. It reads and writes through ``Store`` methods (whole-table
reads and ``restore_alert`` come from ``store.portable``), never an engine of its own, so every
failure is a ``StoreError``. Malformed input is an ``ImportFileError`` naming the line.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TextIO

from monitor.errors import ImportFileError
from monitor.records import STORY_PLACEHOLDER, NewArticle, NewStory
from monitor.store import Store

FORMAT = "monitor-export"
VERSION = 1
KINDS = ("story", "article", "alert")
#: Rows read per query while exporting; each page is its own short read, so a running service is not blocked.
PAGE = 1000
PENDING_NOTE = "imported while pending and not delivered; `monitor alerts retry` sends it"


# -- export ------------------------------------------------------------------------------------------------


def export_jsonl(store: Store, out: TextIO) -> dict[str, int]:
    """Write the whole database to ``out`` as JSON lines; returns lines written per kind."""
    counts = dict.fromkeys(KINDS, 0)
    _write(out, {"kind": "meta", "format": FORMAT, "version": VERSION})
    keys = store.story_keys()
    for kind, rows in (
        ("story", _story_lines(store, keys)),
        ("article", _article_lines(store, keys)),
        ("alert", _alert_lines(store, keys)),
    ):
        for line in rows:
            _write(out, line)
            counts[kind] += 1
    return counts


#: Characters ``str.splitlines`` (and some editors) treat as line breaks that JSON leaves unescaped with
#: ensure_ascii=False. A title containing U+2028 once split one exported line in two.
_LINE_BREAKS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def _write(out: TextIO, line: Mapping[str, Any]) -> None:
    # sort_keys: the same database always gives the same bytes, so two exports can be compared with diff.
    # UTF-8 text (not \u escapes) keeps exports of Chinese and Japanese coverage readable and half the size.
    text = json.dumps(line, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    out.write(text.translate(_LINE_BREAKS) + "\n")


def _story_lines(store: Store, keys: Mapping[int, str]) -> Iterator[dict[str, Any]]:
    # A story no article points to cannot be named without its id, and cannot arise through
    # Store.save_article (a story is created with its first article), so it has no line.
    rows = {row["id"]: row for row in store.table_rows("story", page=PAGE) if row["id"] in keys}
    for story_id, key in keys.items():
        row = rows[story_id]
        yield {
            "kind": "story",
            "key": key,
            "topic": row["topic"],
            "event": row["event"],
            "title": row["title"],
            "features": row["features"],
            "first_published": _iso(row["first_published"]),
            "first_seen": _iso(row["first_seen"]),
            "last_seen": _iso(row["last_seen"]),
            "article_count": row["article_count"],
            "outlets": row["outlets"],
            "cues": row["cues"],
            "alertable": row["alertable"],
        }


def _article_lines(store: Store, keys: Mapping[int, str]) -> Iterator[dict[str, Any]]:
    for row in store.table_rows("article", page=PAGE):
        yield {
            "kind": "article",
            "source": row["source"],
            "outlet": row["outlet"],
            "url": row["url"],
            "canonical_url": row["canonical_url"],
            "guid": _guid(row["source"], row["guid_key"]),
            "text_hash": row["text_hash"],
            "title": row["title"],
            "text": row["text"],
            "published": _iso(row["published"]),
            "language": row["language"],
            "fetched_at": _iso(row["fetched_at"]),
            "relevant": row["relevant"],
            "topic": row["topic"],
            "event": row["event"],
            "cues": row["cues"],
            "terms": row["terms"],
            "features": row["features"],
            "signature": base64.b64encode(row["signature"]).decode("ascii") if row["signature"] is not None else None,
            "story": keys.get(row["story_id"]) if row["story_id"] is not None else None,
            "join_reason": row["join_reason"],
        }


def _alert_lines(store: Store, keys: Mapping[int, str]) -> Iterator[dict[str, Any]]:
    for row in store.table_rows("alert", page=PAGE):
        yield {
            "kind": "alert",
            "dedup_key": _key_template(row["dedup_key"], row["story_id"]),
            "channel": row["channel"],
            "topic": row["topic"],
            "story": keys.get(row["story_id"]) if row["story_id"] is not None else None,
            "alert_kind": row["kind"],
            "payload": row["payload"],
            "status": row["status"],
            "attempts": row["attempts"],
            "next_attempt_at": _iso(row["next_attempt_at"]),
            "last_error": row["last_error"],
            "created_at": _iso(row["created_at"]),
            "sent_at": _iso(row["sent_at"]),
            "deliveries": [{"at": _iso(at), "ok": ok, "error": error} for at, ok, error in row["deliveries"]],
        }


def _guid(source: str, guid_key: str | None) -> str | None:
    """The feed's own GUID back from the stored ``source\\x1fguid`` key (see ``repo.guid_key``)."""
    prefix = f"{source}\x1f"
    return guid_key[len(prefix) :] if guid_key and guid_key.startswith(prefix) else None


def _key_template(dedup_key: str, story_id: int | None) -> str:
    """``story:12`` → ``story:{story}``: the id means nothing in another database."""
    if story_id is None:
        return dedup_key
    return re.sub(rf"(?<!\d){story_id}(?!\d)", STORY_PLACEHOLDER, dedup_key)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


# -- import ------------------------------------------------------------------------------------------------


@dataclass
class _Import:
    """State of one import: story lines by key, and which local story each key became."""

    store: Store
    resume_pending: bool
    stories: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    local: dict[str, int] = field(default_factory=dict)
    counts: dict[str, int] = field(
        default_factory=lambda: {"stories": 0, "articles": 0, "alerts": 0, "present": 0, "skipped": 0}
    )


def import_export(store: Store, lines: Iterable[str], *, resume_pending: bool = False) -> dict[str, int]:
    """Restore an export into ``store``; returns counts.

    ``stories``, ``articles``, ``alerts``: rows created. ``present``: lines already in the database (a second
    import of the same file reports everything here). ``skipped``: alerts whose story could not be restored.
    Raises ``ImportFileError`` (naming the line) for input that is not a version-1 export.
    """
    state = _Import(store, resume_pending)
    seen_meta = False
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        line = _parse(text, number)
        if not seen_meta:
            _check_meta(line, number)
            seen_meta = True
            continue
        _dispatch(state, line, number)
    if not seen_meta:
        raise ImportFileError("empty input: not a monitor export")
    return state.counts


def _parse(text: str, number: int) -> dict[str, Any]:
    try:
        line = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"line {number}: not JSON: {exc.msg}") from exc
    if not isinstance(line, dict):
        raise ImportFileError(f"line {number}: expected a JSON object")
    return line


def _check_meta(line: Mapping[str, Any], number: int) -> None:
    if line.get("kind") != "meta" or line.get("format") != FORMAT:
        raise ImportFileError(f"line {number}: not a monitor export (first line must be the meta line)")
    if line.get("version") != VERSION:
        raise ImportFileError(f"line {number}: export version {line.get('version')!r}; this monitor reads {VERSION}")


def _dispatch(state: _Import, line: Mapping[str, Any], number: int) -> None:
    kind = line.get("kind")
    try:
        if kind == "story":
            state.stories[line["key"]] = line
        elif kind == "article":
            _import_article(state, line)
        elif kind == "alert":
            _import_alert(state, line)
        else:
            raise ImportFileError(f"line {number}: unknown kind {kind!r}")
    except (KeyError, TypeError, ValueError) as exc:
        raise ImportFileError(f"line {number}: bad {kind} line: {type(exc).__name__}: {exc}") from exc


def _import_article(state: _Import, line: Mapping[str, Any]) -> None:
    key = line["story"]
    if key is not None and key not in state.stories:
        raise ValueError(f"story {key!r} has no story line before it")
    story: NewStory | int | None = None
    if key is not None:
        story = state.local.get(key) or _new_story(state.stories[key])
    # Under the story lock, like the pipeline's saves: a worker between its catch-up read and its save must not
    # miss an imported story (it would create the same story a second time, and alert).
    with state.store.story_writes() if story is not None else nullcontext():
        saved = state.store.save_article(_new_article(line), story, ())
    if saved.created:
        state.counts["articles"] += 1
        state.counts["stories"] += saved.story_created
    else:
        state.counts["present"] += 1
    if key is not None and saved.story_id is not None:
        # An article already stored keeps the story it has here; the rest of this story joins it.
        state.local.setdefault(key, saved.story_id)


def _new_article(line: Mapping[str, Any]) -> NewArticle:
    signature = line["signature"]
    return NewArticle(
        source=line["source"],
        outlet=line["outlet"],
        url=line["url"],
        canonical_url=line["canonical_url"],
        guid=line["guid"],
        text_hash=line["text_hash"],
        title=line["title"],
        text=line["text"],
        published=_time(line["published"]),
        language=line["language"],
        fetched_at=_required_time(line["fetched_at"]),
        relevant=bool(line["relevant"]),
        topic=line["topic"],
        event=line["event"],
        cues=tuple(line["cues"]),
        terms=tuple(line["terms"]),
        features=dict(line["features"]),
        signature=base64.b64decode(signature, validate=True) if signature is not None else None,
        join_reason=line.get("join_reason"),  # absent from files written before it was kept
    )


def _new_story(line: Mapping[str, Any]) -> NewStory:
    # first_seen, last_seen, article_count and outlets are not copied: the store derives them from the
    # articles as they are attached, exactly as it did when the stories first grew.
    return NewStory(
        topic=line["topic"],
        event=line["event"],
        title=line["title"],
        features=dict(line["features"]),
        first_published=_time(line["first_published"]),
        cues=tuple(line["cues"]),
        alertable=bool(line["alertable"]),
    )


def _import_alert(state: _Import, line: Mapping[str, Any]) -> None:
    key, template = line["story"], line["dedup_key"]
    story_id = state.local.get(key) if key is not None else None
    if (key is not None or STORY_PLACEHOLDER in template) and story_id is None:
        state.counts["skipped"] += 1
        return
    values = _alert_values(line, story_id, state.resume_pending)
    deliveries = [(_required_time(d["at"]), bool(d["ok"]), d["error"]) for d in line["deliveries"]]
    if state.store.restore_alert(values, deliveries):
        state.counts["alerts"] += 1
    else:
        state.counts["present"] += 1


def _alert_values(line: Mapping[str, Any], story_id: int | None, resume_pending: bool) -> dict[str, Any]:
    status, last_error = line["status"], line["last_error"]
    if status not in ("pending", "sent", "failed"):
        raise ValueError(f"unknown alert status {status!r}")
    if status == "pending" and not resume_pending:
        status, last_error = "failed", PENDING_NOTE
    return {
        "dedup_key": line["dedup_key"].replace(STORY_PLACEHOLDER, str(story_id)),
        "channel": line["channel"],
        "topic": line["topic"],
        "story_id": story_id,
        "kind": line["alert_kind"],
        "payload": dict(line["payload"]),
        "status": status,
        "attempts": int(line["attempts"]),
        "next_attempt_at": _time(line["next_attempt_at"]),
        "last_error": last_error,
        "created_at": _required_time(line["created_at"]),
        "sent_at": _time(line["sent_at"]),
    }


def _time(value: str | None) -> datetime | None:
    return _required_time(value) if value is not None else None


def _required_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"time {value!r} has no UTC offset")
    return parsed
