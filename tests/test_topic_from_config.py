"""A topic the code has never seen, written only in config.toml, gets relevance, events and product-aware stories.

The brands here are invented (Nordlicht phones with Kessler optics, and a rival, Brightwave), so nothing in
monitor can know them: everything the judgement uses comes from the topic's subjects, rivals and product lines.
Real path: a loopback feed, `monitor crawl`, SQLite, the outbox and a local webhook sink.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import items, rss, run
from tests.httpserver import LoopbackServer, Route
from tests.sinks import HttpSink

TOPIC = """
[[topics]]
name = "nordlicht-kessler"
subjects = [["nordlicht", "诺德光"], ["kessler"]]
rivals = ["brightwave"]
product_lines = ["aurora"]
alert_on = ["launch", "teaser", "partnership"]
channels = ["hook"]
"""


def config(tmp_path: Path, feed_url: str, sink: HttpSink) -> Path:
    text = "\n".join([
        "[storage]", f'url = "sqlite:///{tmp_path}/monitor.db"',
        "[network]", "allow_private = true", "timeout = 5.0",
        "[alerts]", "first_run_silent = false",
        TOPIC,
        "[[sources]]", 'name = "outlets"', f'url = "{feed_url}"', 'interval = "15m"',
        "[[channels]]", 'name = "hook"', f'url = "json://127.0.0.1:{sink.port}/hook?rto=2"',
    ])
    path = tmp_path / "config.toml"
    path.write_text(text + "\n", encoding="utf-8")
    return path


def outlets(tmp_path: Path, http_server: LoopbackServer,
            json_sink: HttpSink) -> tuple[list[tuple[str, str, str, str]], Path]:
    """An empty feed served on loopback, and a config of the topic that reads it; add entries to the feed."""
    feed: list[tuple[str, str, str, str]] = []
    http_server.route("/feed", lambda request: Route(body=rss(feed, title="Outlets")))
    return feed, config(tmp_path, http_server.url("/feed"), json_sink)


def crawl(path: Path, feed: list[tuple[str, str, str, str]],
          entries: list[tuple[str, tuple[str, str], str]]) -> dict[str, dict[str, str]]:
    """Publish ``entries`` (guid, (title, text), date) in the feed, run `monitor crawl --json`, and return its
    items by guid."""
    feed += [(guid, *article, date) for guid, article, date in entries]
    code, lines, output = run(path, "crawl", "--json")
    assert code == 0, output
    return {item["url"].rsplit("/", 1)[-1]: item for item in items(lines)}


LAUNCH_A = ("Nordlicht Aurora 7 Pro launches with Kessler optics",
            "Nordlicht has launched the Aurora 7 Pro. The phone carries a Kessler-tuned triple camera with a "
            "one-inch sensor. Prices start at 899 euros and sales begin today.")
LAUNCH_B = ("Kessler and Nordlicht unveil the Aurora 7 Pro",
            "The Aurora 7 Pro is official: Nordlicht unveiled its new flagship with Kessler lenses on stage in "
            "Berlin, where the company also announced the price and availability.")
LAUNCH_CN = ("诺德光 Aurora 7 Pro 正式发布",
             "诺德光今天正式发布了 Aurora 7 Pro，搭载 Kessler 联合调校的三摄系统，售价 6999 元。")
NEXT_MODEL = ("Nordlicht Aurora 8 Pro launches with Kessler optics",
              "Nordlicht has launched the Aurora 8 Pro, a year after the Aurora 7 Pro. The phone carries a "
              "Kessler-tuned triple camera. Prices start at 999 euros and sales begin today.")
RIVAL = ("Brightwave X2 launches with a Brightwave camera; Brightwave beats Nordlicht",
         "Brightwave has launched the X2. Brightwave says its camera beats the Nordlicht Aurora 7 Pro with "
         "Kessler optics. Brightwave sells it from today.")


def test_a_topic_written_only_in_config_groups_its_own_products(
    tmp_path: Path, http_server: LoopbackServer, json_sink: HttpSink
) -> None:
    feed, path = outlets(tmp_path, http_server, json_sink)
    by_guid = crawl(path, feed, [("a", LAUNCH_A, "Tue, 03 Mar 2026 09:00:00 GMT"),
                                 ("b", LAUNCH_B, "Tue, 03 Mar 2026 11:00:00 GMT"),
                                 ("c", LAUNCH_CN, "Tue, 03 Mar 2026 12:00:00 GMT"),
                                 ("r", RIVAL, "Tue, 03 Mar 2026 13:00:00 GMT"),
                                 ("d", NEXT_MODEL, "Wed, 04 Mar 2026 09:00:00 GMT")])
    assert by_guid["r"]["outcome"] == "irrelevant"  # the rival is the subject
    assert {by_guid[g]["event"] for g in "abcd"} == {"launch"}
    # One launch in three outlets and two languages is one story; the next model is another.
    assert by_guid["a"]["story"] == by_guid["b"]["story"] == by_guid["c"]["story"]
    assert by_guid["d"]["story"] != by_guid["a"]["story"]
    _, stories, _ = run(path, "stories", "--json")
    assert len(stories) == 2
    # One alert per story on the channel.
    assert len(json_sink.requests) == 2
    bodies = [json.loads(request.body) for request in json_sink.requests]
    assert any("Aurora 7 Pro" in json.dumps(body, ensure_ascii=False) for body in bodies)


def test_a_topic_of_a_query_alone_still_tells_its_products_apart(
    tmp_path: Path, http_server: LoopbackServer, json_sink: HttpSink
) -> None:
    """No subjects, rivals or product lines: the query's names are the product lines, and a capitalised name with
    a model token ("Aurora 7 Pro") is a product too."""
    feed, path = outlets(tmp_path, http_server, json_sink)
    text = path.read_text(encoding="utf-8")
    start, end = text.index("[[topics]]"), text.index("[[sources]]")
    path.write_text(text[:start] + '[[topics]]\nname = "nk"\nquery = "nordlicht kessler"\n'
                    'alert_on = ["launch"]\nchannels = ["hook"]\n' + text[end:], encoding="utf-8")
    by_guid = crawl(path, feed, [("a", LAUNCH_A, "Tue, 03 Mar 2026 09:00:00 GMT"),
                                 ("b", LAUNCH_B, "Tue, 03 Mar 2026 11:00:00 GMT"),
                                 ("d", NEXT_MODEL, "Wed, 04 Mar 2026 09:00:00 GMT")])
    assert by_guid["a"]["story"] == by_guid["b"]["story"] != by_guid["d"]["story"]
    assert len(json_sink.requests) == 2


def test_a_story_new_in_one_poll_is_told_by_its_first_report(
    tmp_path: Path, http_server: LoopbackServer, json_sink: HttpSink
) -> None:
    """Feeds list the newest entry first; the story (and its alert) starts with the report that broke it."""
    feed: list[tuple[str, str, str, str]] = [
        ("b", *LAUNCH_B, "Tue, 03 Mar 2026 11:00:00 GMT"),  # newer, listed first
        ("a", *LAUNCH_A, "Tue, 03 Mar 2026 09:00:00 GMT"),
    ]
    http_server.route("/feed", lambda request: Route(body=rss(feed, title="Outlets")))
    path = config(tmp_path, http_server.url("/feed"), json_sink)
    code, lines, output = run(path, "crawl", "--json")
    assert code == 0, output
    _, [story], _ = run(path, "stories", "--json")
    assert story["title"] == LAUNCH_A[0]
    [alert] = json_sink.requests
    assert LAUNCH_A[0] in json.dumps(alert.json(), ensure_ascii=False)


def _lettered(article: tuple[str, str], model: str) -> tuple[str, str]:
    """The same article about a phone named by a letter: "Aurora 7" written as ``model`` ("N7", "N 7")."""
    title, text = article
    return title.replace("Aurora 7", model), text.replace("Aurora 7", model)


LETTERED_A, LETTERED_B = _lettered(LAUNCH_A, "N7"), _lettered(LAUNCH_B, "N 7")
LETTERED_NEXT = _lettered((NEXT_MODEL[0].replace("Aurora 8", "N8"), NEXT_MODEL[1].replace("Aurora 8", "N8")), "N7")


def test_a_model_named_by_its_letter_is_one_product_however_it_is_led_up_to(
    tmp_path: Path, http_server: LoopbackServer, json_sink: HttpSink
) -> None:
    """A line that is one letter ("N", as "P" or "X" for real makers): "Nordlicht N7 Pro" (the brand, then a
    lettered model) and "the N 7 Pro" (the line "n", then a number) are one phone and one story; the N8 Pro is
    another."""
    feed, path = outlets(tmp_path, http_server, json_sink)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('product_lines = ["aurora"]', 'product_lines = ["aurora", "n"]'), encoding="utf-8")
    by_guid = crawl(path, feed, [("a", LETTERED_A, "Tue, 03 Mar 2026 09:00:00 GMT"),
                                 ("b", LETTERED_B, "Tue, 03 Mar 2026 11:00:00 GMT"),
                                 ("d", LETTERED_NEXT, "Wed, 04 Mar 2026 09:00:00 GMT")])
    assert by_guid["a"]["story"] == by_guid["b"]["story"] != by_guid["d"]["story"]
    assert len(json_sink.requests) == 2


_FILLER = ("The display is brighter than last year's and the battery is larger. The frame is aluminium, the back "
           "is glass, and the phone is a little thinner. Charging is faster over a cable and without one. ") * 3
PARTNER_ONCE = ("Nordlicht Aurora 9 Pro renders leak ahead of its debut",
                "Renders of the Nordlicht Aurora 9 Pro leaked on social media today, showing a round camera "
                "island. " + _FILLER + "As before, the cameras are tuned with Kessler.")
PARTNER_PRODUCT = ("Kessler K3 camera review: the best compact of the year",
                   "The Kessler K3 is a compact camera with a fixed 28 mm lens and a full-frame sensor. " + _FILLER
                   + "Kessler also tunes the cameras of Nordlicht phones.")


def test_a_partner_named_once_counts_when_the_article_is_about_the_topics_product(
    tmp_path: Path, http_server: LoopbackServer, json_sink: HttpSink
) -> None:
    """Coverage of a co-engineered phone often names the partner once, deep in the text: with the topic's own
    product in the headline it is the topic's news. A review of the partner's camera that names the brand once in
    passing is not, and neither is news whose subject is the rival."""
    feed, path = outlets(tmp_path, http_server, json_sink)
    by_guid = crawl(path, feed, [("leak", PARTNER_ONCE, "Tue, 03 Mar 2026 09:00:00 GMT"),
                                 ("camera", PARTNER_PRODUCT, "Tue, 03 Mar 2026 10:00:00 GMT"),
                                 ("r", RIVAL, "Tue, 03 Mar 2026 13:00:00 GMT")])
    assert by_guid["leak"]["outcome"] != "irrelevant"
    assert by_guid["leak"]["event"] == "rumor"
    assert by_guid["camera"]["outcome"] == by_guid["r"]["outcome"] == "irrelevant"


TEASER_WITH_PARTNER = ("Nordlicht Aurora 9 Pro launch date set for March 20",
                       "Nordlicht confirmed today that the Aurora 9 Pro, with a camera co-engineered with Kessler, "
                       "will launch on March 20 in Berlin.")
WITHOUT_PARTNER = ("Nordlicht Aurora 9 Pro price and colours revealed ahead of launch",
                   "Nordlicht has shared the price of the Aurora 9 Pro: 999 euros in three colours, with orders "
                   "opening on March 20.")
COLOURS = ("Nordlicht Aurora 9 Pro comes in three colours",
           "The Aurora 9 Pro will come in black, silver and green, Nordlicht said in a post on Monday.")
OTHER_PHONE = ("Nordlicht Aurora 5 Lite launches with a bigger battery",
               "Nordlicht has launched the Aurora 5 Lite, a budget phone with a 6,000 mAh battery, from 249 euros.")


def test_coverage_that_never_names_the_partner_counts_once_its_product_is_known_as_the_topics(
    tmp_path: Path, http_server: LoopbackServer, json_sink: HttpSink
) -> None:
    """Much coverage of a co-engineered phone never names the partner. Once stored coverage of the Aurora 9
    named Kessler, a later article about the Aurora 9 alone is the topic's news, in a later crawl (the index
    rebuilt from the store) as in the same one; the maker's other phones, never seen with Kessler, are not."""
    feed, path = outlets(tmp_path, http_server, json_sink)
    first = crawl(path, feed, [("price-first", WITHOUT_PARTNER, "Mon, 02 Mar 2026 08:00:00 GMT"),
                               ("teaser", TEASER_WITH_PARTNER, "Mon, 02 Mar 2026 09:00:00 GMT"),
                               ("colours", COLOURS, "Mon, 02 Mar 2026 09:30:00 GMT"),
                               ("lite", OTHER_PHONE, "Mon, 02 Mar 2026 10:00:00 GMT")])
    assert first["teaser"]["outcome"] == "new"
    assert first["colours"]["outcome"] != "irrelevant"
    assert first["price-first"]["outcome"] == "irrelevant"  # published before any article named the partner
    assert first["lite"]["outcome"] == "irrelevant"
    later = crawl(path, feed, [("price", WITHOUT_PARTNER[:1] + (WITHOUT_PARTNER[1] + " Pre-orders come with a "
                                                                  "case.",), "Tue, 03 Mar 2026 09:00:00 GMT")])
    assert later["price"]["outcome"] != "irrelevant"


def test_check_says_why_an_article_without_the_partner_is_or_is_not_the_topics(
    tmp_path: Path, http_server: LoopbackServer, json_sink: HttpSink
) -> None:
    feed, path = outlets(tmp_path, http_server, json_sink)
    crawl(path, feed, [("teaser", TEASER_WITH_PARTNER, "Mon, 02 Mar 2026 09:00:00 GMT")])
    known, other = tmp_path / "known.txt", tmp_path / "other.txt"
    known.write_text("\n".join(WITHOUT_PARTNER) + "\n", encoding="utf-8")
    other.write_text("\n".join(OTHER_PHONE) + "\n", encoding="utf-8")

    _, [about_known], _ = run(path, "check", "--json", str(known))
    _, [about_other], _ = run(path, "check", "--json", str(other))

    assert about_known["relevant"] is True and "aurora 9" in about_known["relevance"]
    assert "stored coverage" in about_known["relevance"]
    assert about_other["relevant"] is False and "aurora 5" in about_other["relevance"]
    assert "not yet" in about_other["relevance"]


def test_the_partner_may_come_first_in_subjects(
    tmp_path: Path, http_server: LoopbackServer, json_sink: HttpSink
) -> None:
    """Written partner first, the topic still follows the maker's known products without the partner's name."""
    feed, path = outlets(tmp_path, http_server, json_sink)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('subjects = [["nordlicht", "诺德光"], ["kessler"]]',
                                 'subjects = [["kessler"], ["nordlicht", "诺德光"]]'), encoding="utf-8")
    by_guid = crawl(path, feed, [("teaser", TEASER_WITH_PARTNER, "Mon, 02 Mar 2026 09:00:00 GMT"),
                                 ("colours", COLOURS, "Mon, 02 Mar 2026 09:30:00 GMT"),
                                 ("lite", OTHER_PHONE, "Mon, 02 Mar 2026 10:00:00 GMT")])
    assert by_guid["teaser"]["outcome"] == "new"
    assert by_guid["colours"]["outcome"] != "irrelevant"
    assert by_guid["lite"]["outcome"] == "irrelevant"


UNLED = ("Aurora 9 Pro shows up in new photos", "New photos from Nordlicht show the Aurora 9 Pro in green.")


def test_without_product_lines_the_makers_products_are_read_after_its_name(
    tmp_path: Path, http_server: LoopbackServer, json_sink: HttpSink
) -> None:
    """A topic that configures no product line still knows the maker's products: a capitalised name with a model
    token right after the maker's name ("Nordlicht Aurora 9 Pro"). So the partner named once counts, and coverage
    that never names the partner follows a known product; the partner's own camera and the maker's other phone
    do not."""
    feed, path = outlets(tmp_path, http_server, json_sink)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('product_lines = ["aurora"]\n', ""), encoding="utf-8")
    by_guid = crawl(path, feed, [("teaser", TEASER_WITH_PARTNER, "Mon, 02 Mar 2026 09:00:00 GMT"),
                                 ("colours", COLOURS, "Mon, 02 Mar 2026 09:30:00 GMT"),
                                 ("lite", OTHER_PHONE, "Mon, 02 Mar 2026 10:00:00 GMT"),
                                 ("leak", PARTNER_ONCE, "Tue, 03 Mar 2026 09:00:00 GMT"),
                                 ("camera", PARTNER_PRODUCT, "Tue, 03 Mar 2026 10:00:00 GMT"),
                                 ("photos", UNLED, "Tue, 03 Mar 2026 11:00:00 GMT")])
    assert by_guid["teaser"]["outcome"] == "new"
    assert by_guid["colours"]["outcome"] != "irrelevant"
    assert by_guid["photos"]["outcome"] != "irrelevant"  # a known product, though not right after the maker
    assert by_guid["leak"]["outcome"] != "irrelevant"
    assert by_guid["lite"]["outcome"] == by_guid["camera"]["outcome"] == "irrelevant"
