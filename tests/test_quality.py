"""``python -m monitor.quality``: the replay through the real product, its metrics, and floors on held-out figures.

The floors are the held-out (5-fold cross-validation by story) figures measured on the committed code, rounded
down a little (docs/quality.md has the figures): a change that makes the judgement worse on stories it was not
tuned on fails here; an improvement passes (then raise the floor). The replay runs once per module.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tomllib
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from monitor.ingest.extract import html_to_text
from monitor.ingest.parse import parse_feed
from monitor.model import Event, RawDocument
from monitor.quality import LabelError, Labelled, assign_folds, feeds, load, waves
from monitor.quality.__main__ import main
from monitor.quality.cv import Evaluation, evaluate, load_hook
from monitor.quality.data import known_stories
from monitor.quality.metrics import (
    Outcomes,
    Row,
    alert_figures,
    alert_worthy,
    bcubed,
    figures,
    merges,
    splits,
)
from monitor.quality.replay import Settings, replay_config, user_tables
from monitor.quality.report import as_json, as_markdown, as_text
from monitor.quality.tomlwrite import dumps

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
DATA = SHARED / "judgement-dev" / "articles.jsonl"
SEEDS = SHARED / "seeds"
needs_data = pytest.mark.skipif(not (DATA.is_file() and SEEDS.is_dir()),
                                reason=f"labelled articles ({DATA}) or seeds ({SEEDS}) not present")


# --------------------------------------------------------------------------------------- hand-made cases


def row(id_: str, story: str, *, cluster: str | None, event: str = "teaser", predicted: str | None = None,
        relevant: bool = True, judged: bool | None = None) -> Row:
    judged = relevant if judged is None else judged
    return Row(id_, story, event, relevant, "new" if judged else "irrelevant", judged, cluster if judged else None,
               predicted or (event if judged and cluster else "none"))


def labelled(id_: str, story: str, published: str = "", *, relevant: bool = True, event: str = "launch",
             title: str = "", text: str = "", outlet: str = "Outlet") -> Labelled:
    day = datetime.fromisoformat(published).replace(hour=12, tzinfo=UTC) if len(published) == 10 else None
    doc = RawDocument(url=f"https://example.org/{id_}", title=title, text=text or f"text of {id_}",
                      source="labelled", outlet=outlet, published=day, language="en")
    return Labelled(id_, doc, published, relevant, story, event)


def test_bcubed_of_perfect_merged_and_split_clusterings() -> None:
    perfect = [row("1", "a", cluster="#1"), row("2", "a", cluster="#1"), row("3", "b", cluster="#2")]
    assert bcubed(perfect) == (1.0, 1.0)
    merged = [row("1", "a", cluster="#1"), row("2", "a", cluster="#1"),
              row("3", "b", cluster="#1"), row("4", "b", cluster="#1")]
    assert bcubed(merged) == (0.5, 1.0)
    split = [row("1", "a", cluster="#1"), row("2", "a", cluster="#2")]
    assert bcubed(split) == (1.0, 0.5)


def test_an_article_judged_irrelevant_is_a_cluster_of_its_own() -> None:
    # Two labelled stories of two; one article of "a" missed: it cannot be credited to any cluster.
    rows = [row("1", "a", cluster="#1"), row("2", "a", cluster="#1", judged=False),
            row("3", "b", cluster="#2"), row("4", "b", cluster="#2")]
    precision, recall = bcubed(rows)
    assert precision == 1.0
    assert recall == pytest.approx((0.5 + 0.5 + 1 + 1) / 4)
    assert figures(Outcomes(tuple(rows), {}, {}, ("teaser",))).relevance_recall == 0.75


def test_alert_worthy_stories_are_relevant_and_labelled_with_an_alerted_event() -> None:
    rows = [
        row("1", "launch-x", cluster="#1", event="launch"),
        row("2", "launch-x", cluster="#1", event="launch"),
        row("3", "rumour-y", cluster="#2", event="rumor"),
        row("4", "neg-launch-z", cluster=None, event="launch", relevant=False),
        row("5", "teaser-w", cluster="#3", event="teaser"),
    ]
    assert list(alert_worthy(rows, ("launch", "teaser"))) == ["launch-x", "teaser-w"]
    assert list(alert_worthy(rows, ("launch",))) == ["launch-x"]


def test_a_story_the_seeds_already_hold_is_known_not_alert_worthy_and_an_alert_for_it_is_unwanted() -> None:
    rows = (
        row("1", "partnership-2022", cluster="#1", event="partnership"),  # joined the seeds' story: no alert
        row("2", "teaser-w", cluster="#2", event="teaser"),
        row("3", "launch-x", cluster="#3", event="launch"),  # split from the seeds' story and alerted
        row("4", "launch-x", cluster="#1", event="launch"),
    )
    unknown = Outcomes(rows, {"#2": 2}, {"a": 1, "b": 1}, ("partnership", "teaser", "launch"))
    assert [m.story for m in alert_figures(unknown)["missed"]] == ["launch-x", "partnership-2022"]
    known = Outcomes(rows, {"#2": 2, "#3": 2}, {"a": 2, "b": 2}, ("partnership", "teaser", "launch"),
                     known_stories=frozenset({"partnership-2022", "launch-x"}))
    got = alert_figures(known)
    assert got["alert_worthy_stories"] == 1 and got["missed"] == [] and got["stories_known"] == 2
    assert got["alerts_unwanted"] == 1  # "#3": news the user already had


def test_the_seeds_labels_name_the_stories_of_the_seeds_present(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "000_a.txt").write_text("a stored page", encoding="utf-8")
    labels = tmp_path / "seeds.labels.toml"
    labels.write_text('[stories]\n"000_a.txt" = "teaser-w"\n"001_b.txt" = "launch-x"\n', encoding="utf-8")
    assert known_stories(seeds, labels) == {"teaser-w"}  # 001_b.txt is not in this seeds folder
    assert known_stories(None, labels) == frozenset()  # no seeds imported: nothing known
    assert known_stories(seeds, tmp_path / "absent.toml") == frozenset()
    labels.write_text('[stories]\n"000_a.txt" = 3\n', encoding="utf-8")
    with pytest.raises(LabelError, match="seeds.labels.toml"):
        known_stories(seeds, labels)


@needs_data
def test_the_shipped_seeds_labels_name_labelled_stories_of_the_seeds() -> None:
    from monitor.quality.data import DEFAULT_PATH, DEFAULT_SEEDS, SEED_LABELS

    named = tomllib.loads(SEED_LABELS.read_text(encoding="utf-8"))["stories"]
    assert {path.name for path in DEFAULT_SEEDS.iterdir()} == set(named)
    assert set(named.values()) <= {a.story for a in load(DEFAULT_PATH)}


def test_alert_figures_count_missed_twice_told_and_unwanted_alerts() -> None:
    rows = (
        row("1", "launch-x", cluster="#1", event="launch"),
        row("2", "launch-x", cluster="#4", event="launch"),  # split: told twice
        row("3", "teaser-w", cluster="#2", event="teaser", predicted="rumor"),  # stored as a rumour: no alert
        row("4", "rumour-y", cluster="#3", event="rumor", predicted="teaser"),  # alerted, but nobody wanted it
    )
    outcomes = Outcomes(rows, {"#1": 2, "#4": 2, "#3": 2}, {"a": 3, "b": 3}, ("launch", "teaser"))
    got = alert_figures(outcomes)
    assert got["alert_worthy_stories"] == 2 and got["alerted_stories"] == 1
    assert got["alerts_per_alerted_story"] == 2.0 and got["stories_alerted_twice"] == 1
    assert got["alerts_unwanted"] == 1 and got["alerts_shared"] == 0
    [missed] = got["missed"]
    assert missed.story == "teaser-w" and missed.why == "#2 rumor"
    [twice] = got["told_twice"]
    assert twice.story == "launch-x" and twice.why == "#1 launch; #4 launch"


def test_splits_and_merges_name_the_stories_and_clusters() -> None:
    rows = [row("1", "a", cluster="#1"), row("2", "a", cluster="#2"), row("3", "a", cluster="#2"),
            row("4", "b", cluster="#2"), row("5", "c", cluster="#3"), row("6", "c", cluster="#3", judged=False),
            row("7", "neg-d", cluster="#3", relevant=False, judged=True)]
    assert splits(rows) == [("a", {"#2": 2, "#1": 1}), ("c", {"#3": 1, "none": 1})]
    assert merges(rows) == [("#2", ["a", "b"]), ("#3", ["c", "neg-d"])]


def test_event_recall_and_confusion_count_articles_in_no_story_as_none() -> None:
    rows = (row("1", "a", cluster="#1", event="launch"), row("2", "b", cluster="#2", event="launch",
                                                                   predicted="other"),
            row("3", "c", cluster=None, event="teaser", judged=False))
    f = figures(Outcomes(rows, {}, {}, ("launch",)))
    assert f.event_recall == {"launch": 0.5, "teaser": 0.0}
    assert f.confusion == {"launch": {"launch": 1, "other": 1}, "teaser": {"none": 1}}
    assert f.event_accuracy == pytest.approx(1 / 3)


def test_folds_keep_stories_whole_balanced_and_deterministic() -> None:
    sizes = {"s1": 6, "s2": 5, "s3": 4, "s4": 3, "s5": 3, "s6": 2, "s7": 1, "s8": 1, "neg-s9": 2}
    articles = [labelled(f"{story}-{i}", story) for story, n in sizes.items() for i in range(n)]
    folds = assign_folds(articles, 3)
    assert sorted(a.id for fold in folds for a in fold) == sorted(a.id for a in articles)
    fold_of = {a.story: number for number, fold in enumerate(folds) for a in fold}
    assert all(fold_of[a.story] == number for number, fold in enumerate(folds) for a in fold)
    assert max(map(len, folds)) - min(map(len, folds)) <= 1
    shuffled = articles[:]
    random.Random(7).shuffle(shuffled)
    again = {a.story: number for number, fold in enumerate(assign_folds(shuffled, 3)) for a in fold}
    assert again == fold_of


def test_waves_follow_publication_with_undated_articles_last() -> None:
    articles = [labelled("u1", "s"), labelled("d3", "s", "2023-03-01"), labelled("p", "s", "2022-06"),
                labelled("d1", "s", "2022-01-05"), labelled("u2", "s"), labelled("d2", "s", "2022-07-01")]
    assert [[a.id for a in wave] for wave in waves(articles, 4)] == [["d1"], ["p"], ["d2", "d3"], ["u1", "u2"]]
    assert [[a.id for a in wave] for wave in waves(articles[1:4], 4)] == [[], ["d1"], ["p"], ["d3"]]


def test_loading_names_the_line_that_is_wrong(tmp_path: Path) -> None:
    path = tmp_path / "set.jsonl"
    good = {"id": "a", "text": "t", "relevant": True, "story": "s", "event": "launch", "published": "2022-06"}
    path.write_text(json.dumps(good) + "\n\n" + json.dumps({**good, "id": "b", "event": "lunch"}) + "\n")
    with pytest.raises(LabelError, match=r"set.jsonl:3: event 'lunch'"):
        load(path)
    path.write_text(json.dumps(good) + "\n" + json.dumps(good) + "\n")
    with pytest.raises(LabelError, match=r"set.jsonl:2: id 'a' repeats line 1"):
        load(path)
    path.write_text(json.dumps(good) + "\n")
    [item] = load(path)
    assert item.date_key == "2022-06" and item.doc.published is None  # a month is no day


# ---------------------------------------------------------------------------------------------- TOML


def test_toml_writer_round_trips_what_tomllib_reads() -> None:
    data = {
        "title": 'quote " backslash \\ tab \t newline \n bell \x07 and 小米',
        "int": -3, "float": 0.5, "big": 1e300, "flag": False, "day": date(2022, 5, 24),
        "when": datetime(2022, 5, 24, 12, 0, tzinfo=UTC), "at": time(7, 30),
        "network": {"allow_private": True, "timeout": 30.0, "nested": {"deep": ["a", 1]}},
        "topics": [{"name": "t", "query": "a OR \"b c\"\nNOT d", "subjects": [["x", "エックス"], "y"],
                    "weights": {"title": 3}}],
        "odd key": "needs quotes", "empty": [],
    }
    assert tomllib.loads(dumps(data)) == data


def test_toml_writer_names_a_value_it_cannot_write() -> None:
    with pytest.raises(TypeError, match=r"at judgement\.model"):
        dumps({"judgement": {"model": object()}})


# --------------------------------------------------------------------------------------- the outlets


def test_feeds_carry_full_text_titles_guids_and_only_full_dates_through_the_products_parser() -> None:
    tricky = "Price < 5,999 yuan & \"Ultra\" ]]> done\x0b.\nSecond paragraph, <b>not markup</b>."
    items = [labelled("a-1", "s", "2022-07-04", title="Launch & <more>", text=tricky),
             labelled("a-2", "s", "2022-07", text="Undated body " * 40),
             labelled("a-3", "s", "", title="", text="No title here " * 40)]
    for kind in ("rss", "atom"):
        outlet = feeds.Outlet("o001-outlet", "Outlet & Co", kind, "en")
        body = feeds.feed(outlet, items, "http://127.0.0.1:9")
        parsed = parse_feed(body, {"content-type": outlet.content_type}, "http://127.0.0.1:9" + outlet.feed_path)
        by_link = {e.url.rsplit("/", 1)[1]: e for e in parsed.entries}
        assert set(by_link) == {"a-1", "a-2", "a-3"}, kind
        first = by_link["a-1"]
        assert first.title == "Launch & <more>"
        assert first.published == datetime(2022, 7, 4, 12, tzinfo=UTC)
        text = html_to_text(first.content_html)
        assert 'Price < 5,999 yuan & "Ultra" ]]> done.' in text and "<b>not markup</b>" in text
        assert by_link["a-2"].published is None and by_link["a-3"].published is None
        assert first.guid and first.guid != by_link["a-2"].guid


def test_outlets_alternate_rss_and_atom_in_order_of_first_article() -> None:
    items = [labelled("b", "s", "2023-01-01", outlet="Later"), labelled("a", "s", "2022-01-01", outlet="First"),
             labelled("c", "s", "", outlet="Later")]
    plan = feeds.plan_outlets(items)
    assert (plan["a"].kind, plan["b"].kind) == ("rss", "atom")
    assert plan["b"] is plan["c"] and plan["a"].slug != plan["b"].slug


# ------------------------------------------------------------------------------------- replay config


def test_replay_config_copies_the_whole_topic_table_and_replaces_only_its_channels(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "event.json").write_text("{}")
    user = tmp_path / "config.toml"
    user.write_text(
        '[judgement]\nevent_model = "models/event.json"\n'
        '[[topics]]\nname = "first"\nquery = "a b"\n'
        '[[topics]]\nname = "second"\nquery = "c"\nalert_on = ["launch"]\nchannels = ["mail"]\n'
        'some_future_key = [["c", "ç"], "d"]\n'
    )
    tables = user_tables(user, "second")
    outlet = feeds.Outlet("o000-x", "X", "rss", None)
    config = replay_config(tables, {"extra": "1"}, storage="sqlite:///db", webhook_port=9,
                           sources=[(outlet, "http://127.0.0.1:8/o000-x/feed.xml")])
    [topic] = config["topics"]
    assert topic == {"name": "second", "query": "c", "alert_on": ["launch"], "channels": ["quality-a", "quality-b"],
                     "some_future_key": [["c", "ç"], "d"]}
    assert config["judgement"] == {"event_model": str(tmp_path / "models" / "event.json"), "extra": "1"}
    assert config["network"]["allow_private"] is True and config["alerts"]["first_run_silent"] is True
    assert [c["url"] for c in config["channels"]] == ["json://127.0.0.1:9/quality-a", "json://127.0.0.1:9/quality-b"]
    assert tomllib.loads(dumps(config)) == config
    assert user_tables(user, None).topic["name"] == "first"
    with pytest.raises(Exception, match="no topic named 'third'"):
        user_tables(user, "third")


# ------------------------------------------------------------------------------- a replay of our own


ACME = """
[[topics]]
name = "acme-lumo"
query = "acme lumo"
alert_on = ["launch", "teaser", "partnership"]
"""


def acme_articles() -> list[Labelled]:
    launch = ("Acme launches the Nova 5 with Lumo optics today. The Acme Nova 5 is on sale now from 499 euros "
              "with a Lumo-branded triple camera, Acme said at its launch event in Berlin. ")
    other = ("A new kettle from a small maker boils water in ninety seconds and keeps it warm for an hour, the "
             "company said; it goes on sale next week in three colours. ")
    return [
        labelled("x-1", "acme-nova-5-launch", "2024-03-01", title="Acme Nova 5 launched with Lumo optics",
                 text=launch * 4, outlet="Outlet One"),
        labelled("x-2", "neg-kettle", "2024-03-02", title="A faster kettle", text=other * 4, relevant=False,
                 event="launch", outlet="Outlet Two"),
    ]


@pytest.fixture(scope="module")
def acme(tmp_path_factory: pytest.TempPathFactory) -> Evaluation:
    """A topic of our own, written only in config, and two articles, replayed once (the fit, no seeds)."""
    config = tmp_path_factory.mktemp("acme") / "user.toml"
    config.write_text(ACME)
    return evaluate(acme_articles(), Settings(config, None, None), folds=1)


def test_a_small_replay_goes_through_the_product_and_alerts_once_per_channel(acme: Evaluation) -> None:
    result = acme.fit.result
    assert result.first_crawl_messages == 0  # the first poll of a source is silent
    assert result.feed_requests == 2 * 5 and result.not_modified > 0  # 2 feeds, 5 crawls, conditional GETs
    assert result.source_errors == [] and result.unmatched == 0
    assert result.stored["x-1"].relevant and result.stored["x-1"].story_event == "launch"
    assert result.stored["x-2"].outcome == "irrelevant"
    assert result.messages == {"quality-a": 1, "quality-b": 1}
    assert result.alerts_sent == {result.stored["x-1"].story_id: 2}
    assert result.alert_on == ("launch", "teaser", "partnership")
    f = figures(acme.fit.outcomes)
    assert (f.relevance_precision, f.relevance_recall, f.story_f1, f.event_accuracy) == (1.0, 1.0, 1.0, 1.0)
    assert (f.alert_worthy_stories, f.alerted_stories, f.alerts_per_alerted_story) == (1, 1, 1.0)


def test_reports_show_the_figures_and_every_article(acme: Evaluation) -> None:
    header = {"path": "set.jsonl", "articles": 2, "config": "user.toml", "topic": "acme-lumo", "seeds": None,
              "folds": 1, "measured": "today"}
    text = as_text(acme, header, verbose=True)
    assert "relevance precision" in text and "fit only" in text
    assert "x-1 acme-nova-5-launch" in text and "every alert-worthy story (fit) got an alert" in text
    markdown = as_markdown(acme, header, verbose=False)
    assert "| story B3 F1 | 1.000 | ≥ 0.90 |" in markdown and "| launch | 1 | 1.000 |" in markdown
    data = json.loads(as_json(acme, header, verbose=True))
    assert data["held_out"] is None and data["fit"]["alerts_per_channel"] == {"quality-a": 1, "quality-b": 1}
    assert [row["id"] for row in data["rows"]] == ["x-1", "x-2"]


# ---------------------------------------------------------------------------------------- the CLI


def test_runs_as_a_module_as_ci_calls_it() -> None:
    done = subprocess.run([sys.executable, "-m", "monitor.quality", "--help"], capture_output=True, text=True,
                          timeout=60, cwd=REPO)
    assert done.returncode == 0 and "--folds" in done.stdout and "--no-cv" in done.stdout


def test_command_line_names_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "absent.jsonl")]) == 2
    assert "absent.jsonl" in capsys.readouterr().err
    present = tmp_path / "set.jsonl"
    present.write_text('{"id": "a"}\n')
    assert main([str(present), "--config", str(tmp_path / "none.toml")]) == 2
    assert "none.toml" in capsys.readouterr().err
    config = tmp_path / "config.toml"
    config.write_text(ACME)
    assert main([str(present), "--config", str(config), "--no-seeds"]) == 2
    assert "set.jsonl:1: key 'text' is missing" in capsys.readouterr().err


def test_shipped_measures_a_set_too_small_to_cross_validate_with_nothing_learned(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A labelled set the product was never tuned on: one replay, the shipped event model, however few stories."""
    articles = write_acme_set(tmp_path / "unseen.jsonl")
    config = tmp_path / "user.toml"
    config.write_text(ACME)
    assert main([str(articles), "--config", str(config), "--no-seeds"]) == 2  # 5 folds need 5 stories
    assert "5 folds need as many labelled stories" in capsys.readouterr().err
    assert main([str(articles), "--config", str(config), "--no-seeds", "--shipped", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["folds"] == 1 and data["held_out"] is None and "--shipped" in data["learned"]
    assert data["fit"]["relevance_recall"] == 1.0 and data["fit"]["alerts_per_channel"] == {"quality-a": 1,
                                                                                            "quality-b": 1}


def write_acme_set(path: Path) -> Path:
    """The acme articles as a labelled JSON-lines file."""
    path.write_text("".join(json.dumps({
        "id": a.id, "url": a.doc.url, "outlet": a.doc.outlet, "published": a.date_key, "title": a.doc.title,
        "text": a.doc.text, "story": a.story, "relevant": a.relevant, "event": a.event}) + "\n"
        for a in acme_articles()))
    return path


def test_the_held_out_sets_are_measured_side_by_side_as_shipped(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    """``python -m monitor.quality.heldout``: each listed set whose texts are present is one replay of monitor as
    shipped, in a column of its own; a set without its texts is named as skipped; a broken sets file is named."""
    from monitor.quality.heldout import DEFAULT_SETS, read_sets
    from monitor.quality.heldout import main as heldout

    texts = tmp_path / "texts"
    texts.mkdir()
    write_acme_set(texts / "acme-unseen.jsonl")
    config = tmp_path / "user.toml"
    config.write_text(ACME)
    sets = tmp_path / "sets.toml"
    sets.write_text(f'[[sets]]\nname = "acme-unseen"\nconfig = "{config}"\nseeds = false\nrole = "test"\n\n'
                    '[[sets]]\nname = "absent"\nconfig = "config.toml"\n')
    assert heldout([str(texts), "--sets-file", str(sets)]) == 0
    out = capsys.readouterr().out
    assert "absent: skipped" in out and "acme-unseen (test): 2 articles" in out
    header, *rows = out.split("\n\n")[-1].splitlines()
    assert header.split() == ["acme-unseen"]
    assert "relevance recall 1.000" in [" ".join(line.split()) for line in rows]
    assert "alerts on quality-a 1" in [" ".join(line.split()) for line in rows]
    assert heldout([str(texts), "--sets-file", str(sets), "--only", "acme-unseen"]) == 0
    assert "absent" not in capsys.readouterr().out
    sets.write_text('[[sets]]\nconfig = "config.toml"\n')  # no name
    assert heldout([str(texts), "--sets-file", str(sets)]) == 2
    assert str(sets) in capsys.readouterr().err
    assert heldout([str(tmp_path / "nothing-here")]) == 2
    for listed in read_sets(DEFAULT_SETS):  # the repository's list names configs monitor accepts
        assert user_tables(listed.config, None).topic["name"]


def test_command_line_names_the_config_whose_topic_does_not_load(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    articles = tmp_path / "set.jsonl"
    articles.write_text(json.dumps({"id": "a", "text": "t", "relevant": True, "story": "s", "event": "launch"}) + "\n")
    config = tmp_path / "mine.toml"
    config.write_text(ACME.replace('"launch", "teaser"', '"lunch", "teaser"'))
    assert main([str(articles), "--config", str(config), "--no-seeds", "--no-cv"]) == 1
    err = capsys.readouterr().err
    assert "mine.toml" in err and "alert_on[0]" in err and "lunch" in err


# ------------------------------------------------------------------------- the labelled set, held out


@pytest.fixture(scope="module")
def evaluation() -> Evaluation:
    hook, learned = load_hook()
    return evaluate(load(DATA), Settings(REPO / "config.toml", None, SEEDS), folds=5, jobs=2, hook=hook,
                    learned=learned)


@needs_data
@pytest.mark.slow
@pytest.mark.timeout(600)
def test_every_replay_went_through_the_product(evaluation: Evaluation) -> None:
    for run in (evaluation.fit, *evaluation.folds):
        result = run.result
        assert result.seeds_stored == 5, run.name  # `monitor import` stored the seeds first
        assert result.first_crawl_messages == 0, run.name  # the first crawl alerted nothing
        assert result.feed_requests >= 5 * len({a.doc.outlet for a in result.articles}), run.name
        assert result.source_errors == [], run.name
        assert set(result.stored) == {a.id for a in result.articles}, run.name
        assert result.unmatched == 0, run.name  # every stored article is a seed or a labelled one, by URL
        # Both channels got every alert the store says was sent.
        assert result.messages["quality-a"] == result.messages["quality-b"], run.name
        assert sum(result.messages.values()) == sum(result.alerts_sent.values()), run.name
    assert sorted(a.id for run in evaluation.folds for a in run.result.articles) == sorted(
        a.id for a in evaluation.fit.result.articles)
    stories_by_fold = [{a.story for a in run.result.articles} for run in evaluation.folds]
    assert sum(map(len, stories_by_fold)) == len(set().union(*stories_by_fold))  # no story in two folds


@needs_data
@pytest.mark.slow
@pytest.mark.timeout(600)
def test_held_out_figures_stay_above_their_floors(evaluation: Evaluation) -> None:
    held_out = evaluation.held_out
    assert held_out is not None
    f = figures(held_out)
    assert f.articles == 220
    assert f.relevance_precision >= 0.97  # measured 1.000 (docs/quality.md, session 12)
    assert f.relevance_recall >= 0.96  # 0.976
    assert f.story_f1 >= 0.91  # 0.926
    assert f.event_accuracy >= 0.90  # 0.910 (the target)
    assert f.event_recall["launch"] >= 0.94  # 0.971
    assert f.event_recall["teaser"] >= 0.92  # 0.940
    assert len(f.missed) <= 1  # 0 of 31 alert-worthy stories (the seeds hold two more) left without an alert
    # Ceilings: each split of a story is one more message in every channel.
    assert f.alerts_per_alerted_story <= 1.15  # 1.06
    assert max(f.alerts_per_channel.values()) <= 34  # 32, for 31 alert-worthy stories (the target: within 10 %)


@needs_data
@pytest.mark.slow
@pytest.mark.timeout(600)
def test_the_dense_replay_stays_above_its_floors(evaluation: Evaluation) -> None:
    """All 220 in one store, as a user's monitor meets coverage: look-alike stories of one phone meet, which the
    sparse folds hide. (Its event model is trained on all 220, which flatters events little: the classifier's
    accuracy is 0.877 fit, 0.877 held-out.)"""
    f = figures(evaluation.fit.outcomes)
    assert f.story_f1 >= 0.84  # measured 0.851 (0.777 before equal evidence went to the larger story)
    assert f.alerts_per_alerted_story <= 1.20  # 1.13
    assert len(f.missed) <= 1  # 0


def test_the_oracle_diagnostic_gives_the_judge_the_labelled_events_and_then_steps_aside() -> None:
    from monitor.judgement import classify
    from monitor.quality.oracle import labelled_events

    launch_text = "Nimbus has launched the Nimbus 9 Ultra today with a periscope camera and a large battery."
    labelled = [Labelled("a", RawDocument(url="https://example.test/a", title="Nimbus 9 Ultra", text=launch_text,
                                          source="s", outlet="o"), "", True, "s1", "teaser")]
    title, published = "Nimbus 9 Ultra launched", None
    assert classify.classify_event(title, launch_text, published).event is Event.LAUNCH
    with labelled_events(labelled):
        assert classify.classify_event(title, "Read more\n" + launch_text, published).event is Event.TEASER
        assert classify.classify_event(title, "Nimbus 9 Ultra launched today.", published).event is Event.LAUNCH
    assert classify.classify_event(title, launch_text, published).event is Event.LAUNCH


def test_another_topic_is_measured_on_the_stories_it_follows() -> None:
    from monitor.quality.data import relabel_relevance

    articles = [labelled("a", "neg-nimbus-launch", "2024-03-01", relevant=False),
                labelled("b", "neg-nimbus-leak", "2024-03-02", relevant=False),
                labelled("c", "acme-launch", "2024-03-03"),
                labelled("d", "nimbus-review", "2024-03-04")]
    relabelled = relabel_relevance(articles, ["neg-nimbus-*", "nimbus-*", "!*-leak"])
    assert [a.relevant for a in relabelled] == [True, False, False, True]
    assert [(a.story, a.event) for a in relabelled] == [(a.story, a.event) for a in articles]
    with pytest.raises(LabelError, match="'nimbsu-\\*' matches no labelled story"):
        relabel_relevance(articles, ["nimbsu-*"])


@pytest.mark.parametrize("path", sorted((Path(__file__).resolve().parents[1] / "docs" / "topics").glob("*.toml")),
                         ids=lambda p: p.name)
def test_the_other_topics_docs_measure_are_configs_that_load(path: Path) -> None:
    """docs/quality.md measures these topics; each is a config file monitor itself accepts."""
    from monitor.config import load_config

    [topic] = load_config(path).topics
    assert user_tables(path, None).topic["name"] == topic.name
    assert topic.subjects and topic.product_lines


def test_probes_count_what_reads_right_and_name_each_miss(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from monitor.quality.probes import main as probes

    path = tmp_path / "probes.jsonl"
    path.write_text("\n".join(json.dumps(p) for p in [
        {"event": "launch", "title": "Kestrel K7 Ultra launched", "lead": "It costs 999 euros.", "published": ""},
        {"event": "teaser", "title": "Kestrel K7 Ultra launched", "lead": "", "published": "2027-03-01"},
    ]) + "\n", encoding="utf-8")
    assert probes([str(path)]) == 0
    out = capsys.readouterr().out
    assert "teaser read as launch" in out and "Kestrel K7 Ultra launched" in out
    assert "launch: 1 of 1" in out and "teaser: 0 of 1" in out and "all: 1 of 2" in out
    path.write_text('{"title": "no event"}\n', encoding="utf-8")
    assert probes([str(path)]) == 2
    assert f"{path}:1: not a probe" in capsys.readouterr().err


def test_the_probes_docs_cite_are_well_formed(capsys: pytest.CaptureFixture[str]) -> None:
    from monitor.quality.probes import DEFAULT
    from monitor.quality.probes import main as probes

    assert probes([str(DEFAULT)]) == 0
    assert "all:" in capsys.readouterr().out
