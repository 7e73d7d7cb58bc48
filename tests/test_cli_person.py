"""monitor as a person uses it (issue #16): the alert that tells the story, `monitor story ID`, lists that fit a
terminal and take filters, `--config` anywhere, cron-friendly exit codes, `monitor deliver`, failures that reach
someone. Everything real: loopback feeds, SQLite, the aiosmtpd server, the JSON webhook sink."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from monitor.cli import main
from tests.helpers import DATE, LAUNCH, OTHER, PARTNERSHIP, SHIPPED_VOCABULARY, items, rss, run
from tests.httpserver import LoopbackServer, Route
from tests.sinks import HttpSink, SmtpSink, free_port

REPO = Path(__file__).resolve().parents[1]
COPY_TITLE = "Xiaomi's 12S Ultra is official with a one-inch sensor and Leica lenses"
COPY_TEXT = LAUNCH[1].replace("Xiaomi today launched", "Xiaomi has launched")


def config_file(
    tmp_path: Path,
    sources: dict[str, tuple[str, str]],
    channels: dict[str, str] | None = None,
    *,
    operator: str | None = None,
    max_attempts: int = 8,
    extra: str = "",
) -> Path:
    """Sources as name → (feed URL, outlet); the topic alerts every channel from the first run on."""
    lines = [
        "[storage]", f'url = "sqlite:///{tmp_path}/monitor.db"',
        "[network]", "allow_private = true", "timeout = 5.0",
        "[alerts]", "first_run_silent = false",
        "[service]", *([f'operator_channel = "{operator}"'] if operator else []),
        "[[topics]]", 'name = "xiaomi-leica"', *SHIPPED_VOCABULARY,
        'alert_on = ["launch", "teaser", "partnership"]',
        f"channels = {json.dumps([c for c in (channels or {}) if c != operator])}",
    ]  # fmt: skip
    for name, (url, outlet) in sources.items():
        lines += ["[[sources]]", f'name = "{name}"', f'url = "{url}"', f'outlet = "{outlet}"']
    for name, url in (channels or {}).items():
        lines += ["[[channels]]", f'name = "{name}"', f'url = "{url}"', f"max_attempts = {max_attempts}"]
    path = tmp_path / "config.toml"
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path


def feed(server: LoopbackServer, path: str, entries: list[tuple[str, str, str, str]]) -> str:
    return server.route(path, lambda request: Route(body=rss(entries), headers={"Content-Type": "application/rss+xml"}))


def hook(sink: HttpSink) -> str:
    return f"json://127.0.0.1:{sink.port}/hook?rto=2"


def cli(config: Path, *args: str, columns: int = 80) -> subprocess.CompletedProcess[str]:
    """The installed command in a subprocess, as a terminal user runs it (not a TTY: COLUMNS sets the width)."""
    env = {**os.environ, "COLUMNS": str(columns)}
    return subprocess.run([sys.executable, "-m", "monitor", *args, "--config", str(config)], env=env,
                          capture_output=True, text=True, cwd=REPO, timeout=120)  # fmt: skip


# --- the alert -------------------------------------------------------------------------------------------


def test_the_email_names_event_product_date_and_coverage_so_far_and_more_coverage_never_alerts_again(
    tmp_path: Path, http_server: LoopbackServer, smtp_sink: SmtpSink
) -> None:
    third: list[tuple[str, str, str, str]] = []
    config = config_file(tmp_path, {
        "first": (feed(http_server, "/a", [("a1", *LAUNCH, DATE)]), "Outlet A"),
        "second": (feed(http_server, "/b", [("b1", COPY_TITLE, COPY_TEXT, DATE)]), "Outlet B"),
        "third": (feed(http_server, "/c", third), "Outlet C"),
    }, {"mail": smtp_sink.url()})  # fmt: skip

    code, _, output = run(config, "crawl")
    assert code == 0, output

    [mail] = smtp_sink.messages
    subject = str(mail["Subject"])
    assert subject.startswith("[Launch] ") and "12S Ultra" in subject  # the event and the product
    assert "2022-05-23" in subject and subject.endswith("(2 outlets)")  # the date; both outlets by send time
    text = mail.get_body(("plain",)).get_content()
    assert "http://news.test/a1" in text or "http://news.test/b1" in text  # the article's link, in plain text
    assert "Covered by 2 outlets so far" in text
    assert text.count("http://news.test/") >= 2  # the other outlet's article is linked too

    third.append(("c1", "Xiaomi 12S Ultra launch: Leica optics and a one-inch sensor", COPY_TEXT + " More.", DATE))
    code, lines, _ = run(config, "crawl", "--json")
    assert any(i.get("known_story") for i in items(lines))
    assert len(smtp_sink.messages) == 1  # more coverage: no second alert...
    _, [story], _ = run(config, "stories", "--json")
    assert sorted(story["outlets"]) == ["Outlet A", "Outlet B", "Outlet C"]  # ...but the story says so
    atom = tmp_path / "feed.atom"
    run(config, "feed", "-o", str(atom))
    assert "from 3 outlets" in atom.read_text()


def test_the_test_message_says_test_not_other(tmp_path: Path, json_sink: HttpSink) -> None:
    config = config_file(tmp_path, {}, {"hook": hook(json_sink)})
    code, _, _ = run(config, "notify-test")
    assert code == 0
    title = json_sink.requests[0].json()["title"]
    assert title.startswith("[Test] ") and "[Other]" not in title and "hook" in title


# --- monitor story ID ------------------------------------------------------------------------------------


def test_story_shows_articles_why_they_joined_its_event_and_its_alerts(
    tmp_path: Path, http_server: LoopbackServer, json_sink: HttpSink
) -> None:
    config = config_file(tmp_path, {
        "first": (feed(http_server, "/a", [("a1", *LAUNCH, DATE)]), "Outlet A"),
        "second": (feed(http_server, "/b", [("b1", COPY_TITLE, COPY_TEXT, DATE)]), "Outlet B"),
    }, {"hook": hook(json_sink)})  # fmt: skip
    run(config, "crawl")
    _, [listed], _ = run(config, "stories", "--json")

    code, [story], _ = run(config, "story", str(listed["id"]), "--json")
    assert code == 0
    assert story["event"] == "launch" and story["cues"] and "12s" in (story["product"] or "").lower()
    assert {i["outlet"] for i in story["items"]} == {"Outlet A", "Outlet B"}
    assert {i["url"] for i in story["items"]} == {"http://news.test/a1", "http://news.test/b1"}
    assert all(i["why"] and i["published"].startswith("2022-05-23") for i in story["items"])
    [alert] = story["alerts"]
    assert alert["status"] == "sent" and alert["channel"] == "hook" and alert["deliveries"][0]["ok"] is True

    code, _, text = run(config, "story", str(listed["id"]))
    assert code == 0
    for expected in ("launch", "Outlet A", "Outlet B", "http://news.test/b1", "why:", "to hook: sent", "2 articles"):
        assert expected in text

    code, _, output = run(config, "story", "999")
    assert code == 2 and "no story with id 999" in output


# --- lists -----------------------------------------------------------------------------------------------


def test_stories_fit_80_columns_and_keep_published_and_seen_apart(tmp_path: Path, http_server: LoopbackServer) -> None:
    long_title = PARTNERSHIP[0] + " — and a very long headline that goes on and on about the imaging future"
    config = config_file(tmp_path, {"a": (feed(http_server, "/a", [("p1", long_title, PARTNERSHIP[1], DATE)]),
                                          "An Outlet With A Long Name")})  # fmt: skip
    run(config, "crawl")

    done = cli(config, "stories")
    lines = done.stdout.splitlines()
    assert done.returncode == 0 and lines[0].startswith("1 story")  # the plural is right
    assert max(len(line) for line in lines) <= 80
    header = next(line for line in lines if line.startswith("id"))
    assert "published" in header and "last seen" in header and "first seen" not in header
    row = next(line for line in lines[1:] if line.startswith("1 "))
    # A date, a relative time ("3 s ago", or "now" within the second), a cut title.
    assert "2022-05-23" in row and ("ago" in row or row.rstrip().endswith("now")) and "…" in row, done.stdout
    _, [story], _ = run(config, "stories", "--json")
    assert story["first_published"].startswith("2022-05-23") and story["first_seen"] != story["first_published"]


def test_lists_filter_by_topic_since_and_limit_and_alerts_say_when_sent(
    tmp_path: Path, http_server: LoopbackServer, json_sink: HttpSink
) -> None:
    config = config_file(tmp_path, {
        "a": (feed(http_server, "/a", [("p1", *PARTNERSHIP, DATE), ("l1", *LAUNCH, DATE), ("o1", *OTHER, DATE)]),
              "Outlet A"),
    }, {"hook": hook(json_sink)})  # fmt: skip
    run(config, "crawl")

    for command in ("stories", "articles", "alerts"):
        _, every, _ = run(config, command, "--json")
        assert len(every) == 2, command
        _, limited, _ = run(config, command, "--json", "--limit", "1")
        assert len(limited) == 1 and limited[0]["id"] == max(row["id"] for row in every), command
        _, none, _ = run(config, command, "--json", "--topic", "another-topic")
        assert none == [], command
        _, future, _ = run(config, command, "--json", "--since", "2999-01-01")
        assert future == [], command
        _, recent, _ = run(config, command, "--json", "--since", "1h")
        assert len(recent) == (2 if command != "articles" else 0), command  # articles: by publication (2022)
    _, old, _ = run(config, "articles", "--json", "--all", "--since", "2022-05-01")
    assert len(old) == 3  # --all adds the irrelevant one

    done = cli(config, "alerts")
    assert done.returncode == 0 and "sent at" in done.stdout and max(map(len, done.stdout.splitlines())) <= 80
    code, _, output = run(config, "stories", "--since", "soon")
    assert code == 2 and "neither an age" in output


# --- the command line ------------------------------------------------------------------------------------


def test_config_works_after_the_subcommand_too(tmp_path: Path) -> None:
    config = config_file(tmp_path, {})
    runner = CliRunner()
    for args in (["export", "--config", str(config)], ["alerts", "retry", "--config", str(config)],
                 ["sources", "--json", "--config", str(config)], ["db", "upgrade", "--config", str(config)]):
        result = runner.invoke(main, args, catch_exceptions=False)
        assert result.exit_code == 0, (args, result.output)
    assert (tmp_path / "monitor.db").exists()  # the file named after the subcommand was used


def test_retrying_an_alert_that_does_not_exist_fails(tmp_path: Path) -> None:
    config = config_file(tmp_path, {})
    code, _, output = run(config, "alerts", "retry", "999")
    assert code == 1 and "no alert with id 999" in output and "0 alerts re-queued" in output


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    found: list[tuple[tuple[str, ...], click.Command]] = [(prefix, group)]
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found += _commands(command, (*prefix, name))
        else:
            found.append(((*prefix, name), command))
    return found


def test_every_help_has_an_example_and_a_line_for_each_option() -> None:
    runner = CliRunner()
    for path, command in _commands(main):
        result = runner.invoke(main, [*path, "--help"])
        assert result.exit_code == 0 and "Example:" in result.output, path
        assert "--config" in result.output, path
        for param in command.params:
            if isinstance(param, click.Option) and param.name != "help":
                assert param.help and "\n" not in param.help, (path, param.name)


def test_crawl_lists_new_items_by_default_and_everything_with_all(
    tmp_path: Path, http_server: LoopbackServer
) -> None:
    config = config_file(tmp_path, {"a": (feed(http_server, "/a", [("p1", *PARTNERSHIP, DATE), ("o1", *OTHER, DATE)]),
                                          "Outlet A")})  # fmt: skip
    code, _, first = run(config, "crawl")
    assert code == 0 and PARTNERSHIP[0][:20] in first and OTHER[0][:20] not in first  # new and relevant only
    code, _, again = run(config, "crawl")
    assert "Items" not in again and "title" not in again  # nothing new: no empty table
    assert again.strip().splitlines()[-1].startswith("1 source polled, 0 failed; 2 items: 0 new, 2 duplicate")
    code, _, everything = run(config, "crawl", "--all")
    assert OTHER[0][:20] in everything and "duplicate" in everything


def test_fail_on_error_and_a_crawl_where_every_source_failed(tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}/feed"
    config = config_file(tmp_path, {"one": (dead, "One"), "two": (dead + "2", "Two")})
    code, _, output = run(config, "crawl")
    assert code == 0 and output.strip().splitlines()[-1].startswith("every source failed (2 sources)")
    code, _, _ = run(config, "crawl", "--fail-on-error")
    assert code == 1


def test_deliver_sends_the_outbox_without_polling_and_logs_the_round_once(
    tmp_path: Path, http_server: LoopbackServer, json_sink: HttpSink
) -> None:
    config = config_file(tmp_path, {"a": (feed(http_server, "/a", [("p1", *PARTNERSHIP, DATE)]), "Outlet A")},
                         {"hook": hook(json_sink)})  # fmt: skip
    run(config, "crawl", "--no-notify")
    polls = len(http_server.requests)
    assert json_sink.requests == []

    done = cli(config, "-v", "deliver")

    assert done.returncode == 0 and "alerts: 1 sent, 0 to retry, 0 failed" in done.stdout
    assert len(json_sink.requests) == 1 and len(http_server.requests) == polls  # sent, and nothing polled
    assert done.stderr.count("delivery.round") == 1
    assert "JSON Payload" not in done.stderr  # apprise's DEBUG lines feed failure reasons, not the console (-v)
    again = cli(config, "deliver")
    assert again.returncode == 0 and "nothing was due" in again.stdout


def test_a_dead_letter_is_announced_on_the_operator_channel(
    tmp_path: Path, http_server: LoopbackServer, json_sink: HttpSink
) -> None:
    broken = f"json://127.0.0.1:{free_port()}/hook?cto=1&rto=1"
    config = config_file(tmp_path, {"a": (feed(http_server, "/a", [("p1", *PARTNERSHIP, DATE)]), "Outlet A")},
                         {"hook": broken, "ops": hook(json_sink)}, operator="ops", max_attempts=1)  # fmt: skip

    done = cli(config, "crawl")

    assert done.returncode == 0
    assert "delivery.failed channel=hook alert=1" in done.stderr  # logged with the channel and the alert id
    [announcement] = json_sink.requests
    body: dict[str, Any] = announcement.json()
    assert "Alert 1 to hook failed" in body["title"] and "monitor alerts retry 1" in body["message"]
    code, failed, _ = run(config, "alerts", "--json", "--status", "failed")
    assert [a["channel"] for a in failed] == ["hook"]


def test_status_cells_are_coloured_on_a_terminal_only() -> None:
    from rich.console import Console

    from monitor.terminal import status_cell, table

    grid = table("1 source", ("source", "status"))
    grid.add_row("a", status_cell("error"))
    tty = Console(force_terminal=True, color_system="standard", width=80)
    with tty.capture() as captured:
        tty.print(grid)
    assert "\x1b[31merror" in captured.get()  # red
    plain = Console(force_terminal=False, width=80)
    with plain.capture() as captured:
        plain.print(grid)
    assert "\x1b[" not in captured.get() and "error" in captured.get()


@pytest.mark.parametrize(("count", "word", "expected"), [(1, "story", "1 story"), (2, "story", "2 stories"),
                                                          (0, "topic", "0 topics"), (1, "alert", "1 alert")])
def test_plurals(count: int, word: str, expected: str) -> None:
    from monitor.terminal import plural

    assert plural(count, word) == expected


# --- secrets only where they are used --------------------------------------------------------------------


def test_read_only_commands_do_not_need_the_channels_secrets(tmp_path: Path, http_server: LoopbackServer) -> None:
    config = config_file(tmp_path, {"a": (feed(http_server, "/a", [("p1", *PARTNERSHIP, DATE)]), "Outlet A")},
                         {"hook": "json://127.0.0.1:9/hooks/${WEBHOOK_TOKEN}"})  # fmt: skip
    runner = CliRunner()

    def invoke(*args: str) -> Any:
        return runner.invoke(main, ["--config", str(config), *args], env={"WEBHOOK_TOKEN": None})

    assert invoke("crawl", "--no-notify").exit_code == 0  # decides and stores alerts, sends nothing
    for args in (["stories", "--json"], ["story", "1"], ["articles"], ["alerts"], ["sources"], ["export"],
                 ["feed"], ["sources", "export"], ["db", "upgrade"]):
        result = invoke(*args)
        assert result.exit_code == 0, (args, result.output)
    for args in (["deliver"], ["notify-test"], ["crawl"], ["config", "check"]):
        result = invoke(*args)
        assert result.exit_code == 2 and "WEBHOOK_TOKEN is not set" in result.output, args
    broken = config.read_text().replace("${WEBHOOK_TOKEN}", "${WEBHOOK_TOKEN")
    config.write_text(broken)
    result = invoke("stories")
    assert result.exit_code == 2 and "bad placeholder" in result.output  # its syntax is still checked
