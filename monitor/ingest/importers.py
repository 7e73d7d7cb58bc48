"""Reading files given to ``monitor import``: page dumps (.txt), saved pages (.html/.htm) and JSON lines.

Documents are yielded one at a time, so a large JSON-lines export is never held in memory. A file or line
that cannot be read is yielded as an ``ImportFileError`` naming it (and the line number), and reading goes
on: one bad line must not cost the rest of an import.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from monitor.errors import ImportFileError, ImportLineError, ParseError
from monitor.ingest.extract import extract_html, extract_plaintext
from monitor.ingest.urls import host_of
from monitor.model import RawDocument

SOURCE = "import"
OUTLET = "import"  # page dumps do not say which site they came from
SUFFIXES = frozenset({".txt", ".html", ".htm", ".jsonl"})


def read_paths(paths: Sequence[Path]) -> Iterator[RawDocument | ImportFileError]:
    """Documents from ``paths`` (directories expanded, sorted), with errors in their place."""
    for path in _expand(paths):
        try:
            yield from _read_file(path)
        except ImportFileError as exc:
            yield exc


def _expand(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            # sorted so that an import is repeatable and its report comparable between runs
            yield from sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
        else:
            yield path


def _read_file(path: Path) -> Iterator[RawDocument | ImportFileError]:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ImportFileError(f"{path}: unsupported file type {suffix or '(none)'!r}; use .txt, .html or .jsonl")
    if suffix == ".jsonl":
        yield from _read_jsonl(path)
    elif suffix == ".txt":
        yield _read_text(path)
    else:
        yield _read_html(path)


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ImportFileError(f"{path}: cannot be read ({exc.strerror or exc})") from exc


def _read_text(path: Path) -> RawDocument:
    text = _read_bytes(path).decode("utf-8", errors="replace")
    if not text.strip():
        raise ImportFileError(f"{path}: empty file")
    page = extract_plaintext(text, name=path.stem)
    if not page.text:
        raise ImportFileError(f"{path}: no article text found")
    url = page.canonical_url or path.resolve().as_uri()
    return RawDocument(
        url=url, title=page.title, text=page.text, source=SOURCE, outlet=OUTLET,
        published=page.published, language=page.language, canonical_url=page.canonical_url,
    )  # fmt: skip


def _read_html(path: Path) -> RawDocument:
    file_url = path.resolve().as_uri()
    try:
        page = extract_html(_read_bytes(path), file_url)
    except ParseError as exc:
        raise ImportFileError(f"{path}: {exc}") from exc
    url = page.canonical_url or file_url
    return RawDocument(
        url=url, title=page.title, text=page.text, source=SOURCE,
        outlet=page.outlet or host_of(page.canonical_url or "") or OUTLET,
        published=page.published, language=page.language, canonical_url=page.canonical_url,
    )  # fmt: skip


def _read_jsonl(path: Path) -> Iterator[RawDocument | ImportFileError]:
    try:
        handle = path.open("r", encoding="utf-8", errors="replace")
    except OSError as exc:
        raise ImportFileError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield _document_from_json(json.loads(line))
            except json.JSONDecodeError as exc:
                yield ImportLineError(f"not JSON ({exc.msg} at column {exc.colno})", path=path, line=number)
            except ValueError as exc:
                yield ImportLineError(str(exc), path=path, line=number)


def _document_from_json(record: Any) -> RawDocument:
    """One JSON object as a document; ``ValueError`` says what is wrong with it."""
    if not isinstance(record, Mapping):
        raise ValueError(f"expected a JSON object, got {type(record).__name__}")
    url, text = _string(record, "url", required=True), _string(record, "text", required=True)
    if not url.startswith(("http://", "https://", "file://")):
        raise ValueError(f"'url' is not an absolute http(s) or file URL: {url!r}")
    return RawDocument(
        url=url, title=_string(record, "title"), text=text, source=SOURCE,
        outlet=_string(record, "outlet") or host_of(url) or OUTLET,
        published=_published(record.get("published")), language=_string(record, "language") or None,
        guid=_string(record, "guid") or None,
    )  # fmt: skip


def _string(record: Mapping[str, Any], key: str, *, required: bool = False) -> str:
    value = record.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise ValueError(f"{key!r} must be a non-empty string" if required else f"{key!r} must be a string")
    return value.strip()


def _published(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"'published' must be an ISO 8601 string or null, got {value!r}")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"'published' is not an ISO 8601 date: {value!r}") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
