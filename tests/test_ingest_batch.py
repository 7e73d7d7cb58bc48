"""A source's documents are saved together: all of them, or, when the store fails, none and nothing forgotten.

The failure is a real one: a database trigger refuses one article of the feed (as a full disk or a lost
connection would refuse the commit), on SQLite and PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from monitor.config import load_config
from monitor.errors import StoreError
from monitor.model import Outcome, RawDocument
from monitor.service.app import open_app
from monitor.store import Store
from tests.helpers import DATE, LAUNCH, OTHER, PARTNERSHIP, alerting_config, items, rss, run, sources
from tests.httpserver import LoopbackServer, Route
from tests.sinks import HttpSink

REFUSED = "Refused: "  # an article whose title starts so is refused by the trigger


def refuse_articles(url: str, *, on: bool) -> None:
    """Install (or drop) a trigger that makes inserting an article titled ``REFUSED...`` fail."""
    with Store.open(url) as store, store.engine.begin() as c:
        if store.dialect == "sqlite":
            if on:
                c.execute(text(
                    "CREATE TRIGGER refuse BEFORE INSERT ON articles "
                    f"WHEN NEW.title LIKE '{REFUSED}%' BEGIN SELECT RAISE(ABORT, 'disk quota exceeded'); END"
                ))
            else:
                c.execute(text("DROP TRIGGER refuse"))
        elif on:
            c.execute(text(
                "CREATE OR REPLACE FUNCTION refuse() RETURNS trigger AS $$ BEGIN "
                f"IF NEW.title LIKE '{REFUSED}%' THEN RAISE EXCEPTION 'disk quota exceeded'; END IF; "
                "RETURN NEW; END $$ LANGUAGE plpgsql"
            ))
            c.execute(text("CREATE TRIGGER refuse BEFORE INSERT ON articles FOR EACH ROW EXECUTE FUNCTION refuse()"))
        else:
            c.execute(text("DROP TRIGGER refuse ON articles"))
            c.execute(text("DROP FUNCTION refuse()"))


def test_a_store_failure_saves_none_of_the_feed_and_the_next_poll_brings_all_of_it_again(
    tmp_path: Path, http_server: LoopbackServer, json_sink: HttpSink, storage_url: str
) -> None:
    feed = [("p1", *PARTNERSHIP, DATE), ("l1", *LAUNCH, DATE), ("o1", REFUSED + OTHER[0], OTHER[1], DATE)]
    http_server.route("/feed", Route(body=rss(feed), etag='"v1"'))
    config = alerting_config(tmp_path, {"outlet": http_server.url("/feed")}, json_sink, storage_url)
    refuse_articles(storage_url, on=True)

    code, lines, _ = run(config, "crawl", "--json")

    assert code == 0  # a failing source is reported, not fatal (README)
    assert [i["outcome"] for i in items(lines)] == ["error"] * 3
    assert all("disk quota exceeded" in i["error"] for i in items(lines))
    assert sources(lines)["outlet"]["status"] == "error"
    _, articles, _ = run(config, "articles", "--json", "--all")
    assert articles == []  # the two relevant articles went with the refused one: one transaction
    assert json_sink.requests == []

    refuse_articles(storage_url, on=False)
    code, lines, _ = run(config, "crawl", "--json")

    assert code == 0
    assert http_server.requests[-1].header("If-None-Match") is None  # the failed poll kept no validators
    assert sorted(i["outcome"] for i in items(lines)) == ["irrelevant", "new", "new"]
    _, articles, _ = run(config, "articles", "--json", "--all")
    assert len(articles) == 3
    stories = {i["story"] for i in items(lines) if i["outcome"] == "new"}
    assert len(json_sink.requests) == len(stories)  # each story alerted once, now that it is stored


def document(title: str, body: str, guid: str) -> RawDocument:
    return RawDocument(url=f"http://news.test/{guid}", title=title, text=body, source="outlet", outlet="Outlet",
                       guid=guid)


def test_after_a_failed_save_the_story_memory_holds_only_what_was_stored(
    tmp_path: Path, json_sink: HttpSink, storage_url: str
) -> None:
    # One long-running pipeline (the service's): the failed batch's stories were learned, then rolled back.
    config = load_config(alerting_config(tmp_path, {}, json_sink, storage_url), env={})
    refuse_articles(storage_url, on=True)
    first = document(*PARTNERSHIP, "p1")
    coverage = document("Leica and Xiaomi confirm a strategic cooperation for mobile imaging",
                        PARTNERSHIP[1].replace("today announced", "have announced"), "p2")
    app = open_app(config)
    try:
        with pytest.raises(StoreError, match="disk quota exceeded"):
            app.pipeline.ingest_all([(first, None), (document(REFUSED + "x", OTHER[1], "o1"), None)], silent=False)
        refuse_articles(storage_url, on=False)

        [again, more] = app.pipeline.ingest_all([(first, None), (coverage, None)], silent=False)

        assert (again.outcome, again.known_story) == (Outcome.NEW, False)  # a new story, not the rolled-back one
        assert (more.outcome, more.known_story, more.story_id) == (Outcome.NEW, True, again.story_id)
        assert [s.id for s in app.store.stories()] == [again.story_id]
        assert [a.kind for a in app.store.alerts()] == ["story"]
    finally:
        app.close()
