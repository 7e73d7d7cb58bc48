"""Export/import of a whole database as JSON lines, on SQLite and PostgreSQL (see conftest)."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from monitor.errors import ImportFileError
from monitor.records import NewAlert, NewArticle
from monitor.store import Store, exchange
from monitor.store.exchange import PENDING_NOTE, export_jsonl, import_export
from tests import helpers
from tests.helpers import MINUTE, T0, new_story

from .conftest import SHARED

HOSTILE = "Leica <script>alert('x')</script> & \"quotes\" — 徕卡 📷 \u2028 \x85 tab\tend"


def article(n: int, **changes: Any) -> NewArticle:
    """The shared article builder with hostile text, nested features and a join reason: every field must travel."""
    exchanged = {
        "url": f"https://example.com/news/{n}?utm_source=feed",
        "text": f"Paragraph one of {n}.\nParagraph two with {HOSTILE}.",
        "features": {"models": ["15 ultra"], "n": n, "nested": {"regions": ["cn", "global"]}},
        "signature": bytes((n + i) % 256 for i in range(32)),
        "join_reason": f"joined: the same model, reason {n}",
    }
    return helpers.article(n, **{**exchanged, **changes})


def alert(channel: str, key: str = "story:{story}", kind: str = "story") -> NewAlert:
    return NewAlert(
        dedup_key=key,
        channel=channel,
        topic="xiaomi-leica",
        kind=kind,  # type: ignore[arg-type]
        payload={"title": HOSTILE, "coverage": [{"outlet": "Verge", "url": "https://example.com/v"}]},
        next_attempt_at=T0,
    )


def fill(store: Store) -> dict[str, int]:
    """A database with every kind of row: two stories (one not alert-worthy), coverage from several outlets,
    an irrelevant article, an article with no GUID/hash/date/signature, and alerts sent, failed and pending
    (one with a delivery log), plus an operator alert that names no story."""
    launch = store.save_article(article(1), new_story("Xiaomi 15 Ultra launches"), [alert("mail"), alert("slack")])
    store.save_article(article(2, outlet="The Verge", source="verge"), launch.story_id)
    rumor = store.save_article(article(3, event="rumor", title=HOSTILE), new_story(HOSTILE, "rumor", False))
    store.save_article(article(4, outlet="IT之家", source="ithome", language="zh"), launch.story_id)
    store.save_article(article(5, relevant=False, topic=None, event=None, signature=None, cues=(), terms=()), None)
    store.save_article(article(6, guid=None, text_hash=None, published=None, signature=None), rumor.story_id)
    store.enqueue_alerts([alert("ops", key="source-down:gsmarena", kind="operator")])
    mail, slack, ops = store.alerts()
    store.record_delivery(mail.id, False, "SMTP 451 try later", T0 + MINUTE, next_attempt_at=T0 + 2 * MINUTE)
    store.record_delivery(mail.id, True, None, T0 + 3 * MINUTE)
    store.record_delivery(ops.id, False, "unknown channel", T0 + MINUTE, give_up=True)
    return {"mail": mail.id, "slack": slack.id, "ops": ops.id}


def export_text(store: Store) -> str:
    out = io.StringIO()
    export_jsonl(store, out)
    return out.getvalue()


def lines_of(text: str, kind: str) -> list[dict[str, Any]]:
    return [line for line in map(json.loads, text.splitlines()) if line["kind"] == kind]


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(f"sqlite:///{tmp_path / 'fresh.db'}")
    yield opened
    opened.close()


@pytest.fixture
def fresh_store(db_url: str) -> Iterator[Store]:
    """An empty store on each backend: the import target."""
    opened = Store.open(db_url)
    yield opened
    opened.close()


# -- round trip ---------------------------------------------------------------------------------------------


def test_export_then_import_into_an_empty_database_exports_the_same_bytes(store: Store, sqlite_store: Store) -> None:
    fill(store)
    first = export_text(store)

    counts = import_export(sqlite_store, first.splitlines(), resume_pending=True)

    assert counts == {"stories": 2, "articles": 6, "alerts": 3, "present": 0, "skipped": 0}
    assert export_text(sqlite_store) == first


def test_sqlite_database_moves_to_each_backend(sqlite_store: Store, fresh_store: Store) -> None:
    fill(sqlite_store)
    first = export_text(sqlite_store)
    import_export(fresh_store, io.StringIO(first), resume_pending=True)
    assert export_text(fresh_store) == first
    assert [(s.title, s.article_count, s.outlets) for s in fresh_store.stories()] == [
        (s.title, s.article_count, s.outlets) for s in sqlite_store.stories()
    ]


def test_export_names_no_database_ids_and_keeps_every_field(store: Store) -> None:
    fill(store)
    text = export_text(store)
    meta, *rest = map(json.loads, text.splitlines())

    assert meta == {"kind": "meta", "format": "monitor-export", "version": 1}
    assert [line["kind"] for line in rest] == ["story"] * 2 + ["article"] * 6 + ["alert"] * 3
    assert not any("id" in line for line in rest)
    first = lines_of(text, "article")[0]
    assert first["guid"] == "guid-1" and first["story"] == "https://example.com/news/1"
    assert exchange.base64.b64decode(first["signature"]) == bytes(range(1, 33))
    assert first["features"] == {"models": ["15 ultra"], "n": 1, "nested": {"regions": ["cn", "global"]}}
    assert first["join_reason"] == "joined: the same model, reason 1"  # `monitor story` still says why, after a move
    mail = lines_of(text, "alert")[0]
    assert mail["dedup_key"] == "story:{story}"  # the id is meaningless in another database
    assert [d["ok"] for d in mail["deliveries"]] == [False, True]
    assert mail["payload"]["title"] == HOSTILE


def test_export_pages_through_large_tables(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exchange, "PAGE", 2)
    fill(store)
    assert len(lines_of(export_text(store), "article")) == 6
    assert len(lines_of(export_text(store), "alert")) == 3


# -- idempotence ----------------------------------------------------------------------------------------------


def test_importing_the_same_export_twice_adds_nothing(store: Store, other_store: Store) -> None:
    fill(store)
    text = export_text(store)
    import_export(other_store, text.splitlines())
    after_first = export_text(other_store)

    again = import_export(other_store, text.splitlines())

    assert again == {"stories": 0, "articles": 0, "alerts": 0, "present": 9, "skipped": 0}
    assert export_text(other_store) == after_first
    assert other_store.article_count() == 6 and len(other_store.stories()) == 2


def test_an_interrupted_import_completes_when_run_again(store: Store, other_store: Store) -> None:
    fill(store)
    lines = export_text(store).splitlines()
    import_export(other_store, lines[:5], resume_pending=True)  # meta, 2 stories, 2 articles

    rest = import_export(other_store, lines, resume_pending=True)

    assert rest["articles"] == 4 and rest["present"] == 2
    assert export_text(other_store) == "\n".join(lines) + "\n"


def test_an_import_waits_for_a_worker_matching_stories(store: Store, other_store: Store) -> None:
    # A worker holds the story lock between its catch-up read and its save; an imported story must not slip in
    # between, or the worker would create the same story again.
    fill(store)
    lines = export_text(store).splitlines()
    url = other_store.url.render_as_string(hide_password=False)
    importing = threading.Thread(target=import_export, args=(other_store, lines))
    with Store.open(url) as worker:
        with worker.story_writes():
            importing.start()
            importing.join(timeout=0.5)
            assert importing.is_alive() and other_store.article_count() == 0
        importing.join(timeout=30)
    assert not importing.is_alive() and other_store.article_count() == 6


# -- alerts are never re-sent ----------------------------------------------------------------------------------


def test_imported_alerts_keep_status_and_pending_ones_are_held_unless_asked(store: Store, other_store: Store) -> None:
    fill(store)
    import_export(other_store, export_text(store).splitlines())

    by_channel = {a.channel: a for a in other_store.alerts()}
    assert by_channel["mail"].status == "sent" and by_channel["mail"].sent_at == T0 + 3 * MINUTE
    assert by_channel["ops"].status == "failed" and by_channel["ops"].last_error == "unknown channel"
    assert by_channel["slack"].status == "failed" and by_channel["slack"].last_error == PENDING_NOTE
    assert other_store.claim_alerts(T0 + timedelta(days=365), "worker") == []  # nothing goes out
    assert [ok for _, ok, _ in other_store.deliveries(by_channel["mail"].id)] == [False, True]
    # The user can still choose to send the held one:
    assert other_store.retry_failed([by_channel["slack"].id], now=T0) == 1


def test_resume_pending_keeps_pending_alerts_due(store: Store, other_store: Store) -> None:
    fill(store)
    import_export(other_store, export_text(store).splitlines(), resume_pending=True)
    claimed = other_store.claim_alerts(T0 + timedelta(days=1), "worker")
    assert [a.channel for a in claimed] == ["slack"]


def test_alerts_follow_their_story_to_its_new_id(store: Store, other_store: Store) -> None:
    # The target already has a story, so the imported ones get other ids; the alert's unique key must name
    # its own story's new id, or it would collide with (and be swallowed by) an alert of the other story.
    other = other_store.save_article(article(99), new_story("Another story"), [alert("mail"), alert("slack")])
    fill(store)
    import_export(other_store, export_text(store).splitlines())

    imported = [a for a in other_store.alerts() if a.kind == "story" and a.story_id != other.story_id]
    assert {a.channel for a in imported} == {"mail", "slack"}
    assert all(a.dedup_key == f"story:{a.story_id}" for a in other_store.alerts() if a.kind == "story")


def test_an_article_already_here_keeps_its_story_and_the_rest_join_it(store: Store, other_store: Store) -> None:
    here = other_store.save_article(article(1), new_story("Known here"))
    fill(store)
    counts = import_export(other_store, export_text(store).splitlines())

    assert counts["present"] == 1 and here.story_id is not None
    joined = other_store.story(here.story_id)
    assert joined is not None and joined.article_count == 3
    assert joined.outlets == ("GSMArena", "The Verge", "IT之家")


# -- memory survives: the imported articles still deduplicate and group -------------------------------------


def test_imported_seed_articles_are_recognised_as_duplicates(
    tmp_path: Path, storage_url: str, other_storage_url: str
) -> None:
    seeds = SHARED / "seeds"
    if not seeds.is_dir():
        pytest.skip(f"{seeds} absent")
    from monitor.config import load_config
    from monitor.ingest.importers import read_paths
    from monitor.model import Outcome, RawDocument
    from monitor.service.app import open_app

    config_file = tmp_path / "config.toml"
    config_file.write_text(
        '[storage]\nurl = "${STORAGE_URL}"\n'
        '[[topics]]\nname = "xiaomi-leica"\nquery = "xiaomi AND leica"\nalert_on = ["launch", "teaser"]\n'
    )
    docs = [d for d in read_paths(sorted(seeds.glob("*.txt"))) if isinstance(d, RawDocument)]
    source = open_app(load_config(config_file, {"STORAGE_URL": storage_url}), sync_sources=False)
    target = open_app(load_config(config_file, {"STORAGE_URL": other_storage_url}), sync_sources=False)
    try:
        for doc in docs:
            source.pipeline.ingest(doc, silent=True)
        text = export_text(source.store)
        assert lines_of(text, "story"), "the seeds should make at least one story"
        import_export(target.store, text.splitlines())
        target.pipeline.load_memory()

        assert [target.pipeline.ingest(d, silent=True).outcome for d in docs] == [Outcome.DUPLICATE] * len(docs)
        assert export_text(target.store) == text
    finally:
        source.close()
        target.close()


# -- bad input ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty input"),
        ('{"kind": "article"}', "line 1: not a monitor export"),
        ('{"kind": "meta", "format": "monitor-export", "version": 2}', "line 1: export version 2"),
        ('{"kind": "meta", "format": "monitor-export", "version": 1}\n{oops', "line 2: not JSON"),
        ('{"kind": "meta", "format": "monitor-export", "version": 1}\n[1]', "line 2: expected a JSON object"),
        ('{"kind": "meta", "format": "monitor-export", "version": 1}\n{"kind": "photo"}', "line 2: unknown kind"),
        ('{"kind": "meta", "format": "monitor-export", "version": 1}\n{"kind": "article"}', "line 2: bad article"),
    ],
)
def test_bad_input_is_refused_naming_the_line(store: Store, text: str, message: str) -> None:
    with pytest.raises(ImportFileError, match=message):
        import_export(store, text.splitlines())


def test_an_article_naming_a_story_without_its_line_is_refused(store: Store, other_store: Store) -> None:
    fill(store)
    lines = [line for line in export_text(store).splitlines() if '"kind":"story"' not in line]
    with pytest.raises(ImportFileError, match="line 2: bad article line.*has no story line"):
        import_export(other_store, lines)


def test_naive_times_are_refused(store: Store, other_store: Store) -> None:
    fill(store)
    lines = export_text(store).replace("+00:00", "").splitlines()
    with pytest.raises(ImportFileError, match="has no UTC offset"):
        import_export(other_store, lines)


# -- the feed's read --------------------------------------------------------------------------------------------


def test_feed_stories_are_the_alert_worthy_ones_newest_first(store: Store) -> None:
    fill(store)
    later = store.save_article(article(7, fetched_at=T0 + timedelta(hours=5)), new_story("Xiaomi 16 teaser", "teaser"))

    stories = store.feed_stories()

    assert [s.title for s in stories] == ["Xiaomi 16 teaser", "Xiaomi 15 Ultra launches"]  # the rumour is not
    launch = stories[1]
    assert launch.url == "https://example.com/news/1" and launch.outlets == ("GSMArena", "The Verge", "IT之家")
    assert launch.article_count == 3 and launch.updated == T0 + 4 * MINUTE
    assert [s.title for s in store.feed_stories(limit=1)] == ["Xiaomi 16 teaser"]
    assert store.feed_stories(topic="other") == []
    assert later.story_id is not None
