"""monitor import: every readable document comes through, and every problem names its file (and line)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.errors import ImportFileError
from monitor.ingest.importers import read_paths
from monitor.model import RawDocument

PAGES = Path(__file__).parent / "fixtures" / "pages"
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"

ARTICLE = (
    "Xiaomi and Leica announced a long-term partnership on Monday. The first phone with Leica optics will "
    "launch in July, the companies said."
)


def _docs(items: list[RawDocument | ImportFileError]) -> list[RawDocument]:
    return [item for item in items if isinstance(item, RawDocument)]


def _errors(items: list[RawDocument | ImportFileError]) -> list[ImportFileError]:
    return [item for item in items if isinstance(item, ImportFileError)]


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not present")
def test_seed_directory_imports_five_documents_in_file_order() -> None:
    items = list(read_paths([SEEDS]))
    docs = _docs(items)
    assert not _errors(items)
    assert [doc.title[:30] for doc in docs] == [
        "Excitement Surrounds Xiaomi’s ",
        "Xiaomi and Leica Camera announ",
        "Xiaomi and Leica Collaborate f",
        "Xiaomi and Leica team up to re",
        "Xiaomi And Leica Are Building ",
    ]
    assert all(doc.source == "import" and doc.outlet == "import" for doc in docs)
    assert docs[0].url == (SEEDS / sorted(p.name for p in SEEDS.glob("*.txt"))[0]).resolve().as_uri()
    assert docs[4].published is not None and docs[4].published.date().isoformat() == "2022-05-23"


def test_html_file_uses_its_canonical_url(tmp_path: Path) -> None:
    page = tmp_path / "saved.HTM"
    page.write_bytes((PAGES / "news_article.html").read_bytes())
    (doc,) = list(read_paths([page]))
    assert isinstance(doc, RawDocument)
    assert doc.url == "https://www.gizmodaily.example/2022/07/04/xiaomi-12s-ultra-leica"
    assert doc.outlet == "GizmoDaily"
    assert doc.title == "Xiaomi 12S Ultra launches with a one-inch Leica sensor"
    assert "wobble on every table" not in doc.text


def test_html_without_canonical_gets_its_file_url(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(f"<html><body><article><p>{ARTICLE}</p></article></body></html>", encoding="utf-8")
    (doc,) = list(read_paths([page]))
    assert isinstance(doc, RawDocument)
    assert doc.url == page.resolve().as_uri()


def test_jsonl_bad_line_is_reported_with_its_number_and_the_rest_continue(tmp_path: Path) -> None:
    good = {"url": "https://example.com/a", "title": "Leica deal", "text": ARTICLE,
            "published": "2022-05-23T13:01:00-04:00", "outlet": "Example", "guid": "a-1"}  # fmt: skip
    lines = [
        json.dumps(good),
        "{not json",
        json.dumps({**good, "url": "https://example.com/b", "published": "last Tuesday"}),
        json.dumps({**good, "url": None}),
        "",
        json.dumps(["a list"]),
        json.dumps({**good, "url": "https://example.com/c", "published": None, "language": "de"}),
    ]
    path = tmp_path / "export.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    items = list(read_paths([path]))
    docs, errors = _docs(items), _errors(items)
    assert [doc.url for doc in docs] == ["https://example.com/a", "https://example.com/c"]
    assert docs[0].published == datetime(2022, 5, 23, 17, 1, tzinfo=UTC)
    assert docs[0].guid == "a-1" and docs[0].outlet == "Example" and docs[0].source == "import"
    assert docs[1].published is None and docs[1].language == "de"
    assert [str(error).split(": ")[0] for error in errors] == [f"{path}:{n}" for n in (2, 3, 4, 6)]
    assert "published" in str(errors[1]) and "url" in str(errors[2])


def test_unknown_unreadable_and_empty_files_are_errors_naming_the_file(tmp_path: Path) -> None:
    odd = tmp_path / "notes.pdf"
    odd.write_bytes(b"%PDF-1.7")
    missing = tmp_path / "gone.txt"
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n", encoding="utf-8")
    good = tmp_path / "good.txt"
    good.write_text(f"Leica and Xiaomi sign a partnership deal\n\n{ARTICLE}\n", encoding="utf-8")
    items = list(read_paths([odd, missing, empty, good]))
    errors = _errors(items)
    assert len(errors) == 3
    assert all(path.name in str(error) for path, error in zip((odd, missing, empty), errors, strict=True))
    (doc,) = _docs(items)
    assert doc.title == "Leica and Xiaomi sign a partnership deal" and doc.text == ARTICLE


def test_directories_are_expanded_in_sorted_order_and_read_lazily(tmp_path: Path) -> None:
    for name in ("b.txt", "a.txt", "sub/c.txt"):
        path = tmp_path / name
        path.parent.mkdir(exist_ok=True)
        path.write_text(f"Leica news from file {name} today\n\n{ARTICLE}\n", encoding="utf-8")
    items = read_paths([tmp_path])
    first = next(items)
    assert isinstance(first, RawDocument) and first.url.endswith("/a.txt")
    (tmp_path / "b.txt").unlink()  # files are read when reached, not up front: b.txt is now an error
    rest = list(items)
    assert "b.txt" in str(_errors(rest)[0])
    assert [doc.url.rsplit("/", 2)[-2:] for doc in _docs(rest)] == [["sub", "c.txt"]]
