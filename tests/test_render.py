"""render: what a reader sees, and that nothing from a feed can act in the place it lands."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from hypothesis import given
from hypothesis import strategies as st

from monitor.alerts.render import SUBJECT_MAX, ZWJ, render, render_email, render_markdown, render_slack

HOSTILE = "<b>Xiaomi</b> <!channel> <!here> @here @everyone <@U123> <https://evil.example|click> \r\nBcc: victim@x"


def payload(**over: object) -> dict:
    base = {
        "title": "Xiaomi 17 Ultra launches with Leica optics",
        "event": "launch",
        "url": "https://www.gsmarena.com/xiaomi_17_ultra-news-1.php",
        "outlet": "GSMArena",
        "published": "2025-12-25T09:30:00+00:00",
        "summary": "Xiaomi unveiled the 17 Ultra, co-engineered with Leica.",
        "topic": "xiaomi-leica",
        "cues": ["unveiled"],
        "coverage": [
            {"outlet": "The Verge", "title": "Xiaomi's new camera phone", "url": "https://www.theverge.com/x"},
            {"outlet": "Engadget", "title": "Leica and Xiaomi again", "url": "https://www.engadget.com/y"},
        ],
    }
    return {**base, **over}


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.hrefs += [v or "" for k, v in attrs if k == "href"]


def parse_html(markup: str) -> _Links:
    parser = _Links()
    parser.feed(markup)
    return parser


def test_email_has_headline_event_outlet_time_link_summary_and_coverage() -> None:
    mail = render_email([payload()], digest=False)
    assert mail.subject == "[Launch] Xiaomi 17 Ultra launches with Leica optics · 2025-12-25 (3 outlets)"
    for part in (mail.text, html.unescape(mail.html)):
        for expected in ("Launch", "GSMArena", "2025-12-25 09:30", "co-engineered with Leica", "The Verge"):
            assert expected in part
    assert "https://www.gsmarena.com/xiaomi_17_ultra-news-1.php" in mail.text
    assert parse_html(mail.html).hrefs[0] == "https://www.gsmarena.com/xiaomi_17_ultra-news-1.php"


def test_single_outlet_subject_has_no_count_and_missing_fields_still_render() -> None:
    mail = render_email([{"title": "Teaser", "event": "teaser"}], digest=False)
    assert mail.subject == "[Teaser] Teaser"
    assert "Teaser" in mail.text


def test_digest_subject_counts_stories_and_body_lists_each() -> None:
    items = [payload(title=f"Story {i}") for i in range(3)]
    mail = render_email(items, digest=True)
    assert mail.subject.startswith("[Digest] 3 stories: Story 0") and mail.subject.endswith("and 2 more")
    assert all(f"Story {i}" in mail.text and f"Story {i}" in mail.html for i in range(3))
    slack = render_slack(items, digest=True)
    assert sum(block["type"] == "section" for block in slack["blocks"]) == 3


def test_hostile_title_is_inert_in_html() -> None:
    mail = render_email([payload(title=HOSTILE, summary="<script>alert(1)</script>")], digest=False)
    parsed = parse_html(mail.html)
    assert parsed.tags <= {"h2", "a", "p", "small", "ul", "li"}  # no <b>, no <script>
    assert "<script>" not in mail.html and "&lt;script&gt;" in mail.html


def test_subject_cannot_inject_headers() -> None:
    mail = render_email([payload(title="Hi\r\nBcc: victim@x\x00\x1b[31m" + "x" * 500)], digest=False)
    assert not re.search(r"[\x00-\x1f\x7f]", mail.subject)
    assert len(mail.subject) <= SUBJECT_MAX


def test_hostile_text_is_inert_in_slack() -> None:
    slack = render_slack([payload(title=HOSTILE, summary="@channel look")], digest=False)
    texts = [slack["text"]] + [b["text"]["text"] for b in slack["blocks"] if "text" in b]
    for text in texts:
        for active in ("<!channel>", "<!here>", "<@U123>", "<https://evil.example|click>", "<b>"):
            assert active not in text
        assert not re.search(r"@(here|channel|everyone)", text)
    assert f"@{ZWJ}here" in slack["text"]
    # the one link is ours
    assert re.findall(r"<(https?://[^|>]+)\|", texts[1]) == [
        "https://www.gsmarena.com/xiaomi_17_ultra-news-1.php",
        "https://www.theverge.com/x",
        "https://www.engadget.com/y",
    ]


def test_only_http_links_are_built() -> None:
    bad = payload(url="javascript:alert(1)", coverage=[{"outlet": "X", "title": "y", "url": "data:text/html,hi"}])
    rendered = render([bad], digest=False)
    assert parse_html(rendered.html).hrefs == []
    assert "<" not in rendered.slack["blocks"][0]["text"]["text"]  # no Slack link either
    assert "](<" not in rendered.markdown  # no markdown link at all


def test_markdown_escapes_link_syntax_from_feeds() -> None:
    md = render_markdown([payload(title="[click](https://evil.example) <https://evil.example>")], digest=False)
    # our link is the only unescaped "](<"
    assert md.count("](<") == 3  # headline + two coverage links
    assert "\\[click\\]\\(https://evil.example\\)" in md and "\\<https://evil.example\\>" in md


@given(st.text(max_size=200))
def test_any_title_stays_inert_everywhere(title: str) -> None:
    rendered = render([payload(title=title, summary=title)], digest=False)
    assert not re.search(r"[\x00-\x1f\x7f]", rendered.subject)
    assert parse_html(rendered.html).tags <= {"h2", "a", "p", "small", "ul", "li"}
    section = rendered.slack["blocks"][0]["text"]["text"]
    # every "<" in Slack text opens one of our three links
    assert section.count("<") == 3
    assert not re.search(r"@(here|channel|everyone)\b", section, re.IGNORECASE)


def test_subject_names_the_product_when_the_title_does_not_and_the_date_the_story_names() -> None:
    mail = render_email([payload(title="Leica's next camera phone is coming", event="teaser",
                                 product="Xiaomi 17 Ultra", event_date="2026-02-28")], digest=False)
    assert mail.subject == "[Teaser] Leica's next camera phone is coming · Xiaomi 17 Ultra · 2026-02-28 (3 outlets)"
    assert "date named: 2026-02-28" in mail.text


def test_coverage_links_the_first_few_and_counts_the_rest() -> None:
    coverage = [{"outlet": f"Outlet {n}", "title": f"Take {n}", "url": f"https://o{n}.example/a"} for n in range(8)]
    mail = render_email([payload(coverage=coverage, outlets=9)], digest=False)
    assert mail.subject.endswith("(9 outlets)")
    assert "Covered by 9 outlets so far:" in mail.text and "and 3 more" in mail.text
    assert "https://o4.example/a" in mail.text and "https://o5.example/a" not in mail.text
    assert "and 3 more" in render_markdown([payload(coverage=coverage)], digest=False)
