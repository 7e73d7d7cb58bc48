"""Turn alert payloads into messages: e-mail (subject, text, HTML), Slack Block Kit, CommonMark. Pure.

Everything in a payload came from a feed or a page, so it is hostile until escaped *for where it lands*:

- HTML: ``html.escape`` on every value; links only ``http(s)`` URLs we rebuilt, in quoted attributes.
- Slack mrkdwn: ``&``, ``<``, ``>`` become entities, so ``<!channel>``, ``<@U123>`` and ``<https://x|y>``
  arrive as text; ``@here``/``@channel``/``@everyone`` get a zero-width joiner after the ``@`` so Slack
  (and people skimming) do not read them as mentions.
- CommonMark (what apprise's Slack plugin takes and converts to mrkdwn itself): punctuation that could
  open a link, an autolink or a heading is backslash-escaped, so the only links are the ones we build.
- Subjects: control characters (CR/LF included) collapse to a space and the length is capped, so a title
  can never add a mail header.

A payload is the dict ``policy.payload_for`` builds: ``title``, ``event``, ``url``, ``outlet``,
``published`` (ISO 8601 or None), ``summary``, ``topic``, ``cues`` (list), ``coverage`` (list of
``{"outlet", "title", "url"}``: the other articles so far), and, once delivery has looked the story up
(``policy.with_story``), ``product``, ``event_date`` (ISO date the article names ahead, e.g. a launch day)
and ``outlets`` (how many outlets cover the story so far). Missing keys render as empty, never as an error:
an old outbox row must still go out.

What a reader gets: the subject names the event, the title, the product (when the title does not), the date
(the one the story names ahead, else the day it was published) and the outlet count; the body adds the link,
the summary and the first ``COVERAGE_SHOWN`` other articles with their links ("and N more").
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

SUBJECT_MAX = 150  # RFC 5322 recommends lines under 78; 150 keeps a title readable and a header bounded
SUMMARY_MAX = 300
COVERAGE_SHOWN = 5  # "link the first few": beyond this a list is noise; "and N more" says the rest
SUBJECT_TITLE_MAX = 90  # leaves room in the subject for product, date and the outlet count
ZWJ = "\u200d"

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_MENTION = re.compile(r"@(here|channel|everyone)\b", re.IGNORECASE)
# CommonMark punctuation apprise's Slack converter acts on: links ([ ] ( )), autolinks (< >), headings (#),
# escapes (\) and code spans (`). '&' is left to the converter, which always writes '&amp;'. Emphasis
# characters are left alone too: at worst a stray '*' bolds a word, while escaping them leaves visible
# backslashes in Slack (the converter keeps '\*' as is).
_MD_SPECIAL = re.compile(r"([\\`\[\]()<>#!])")


@dataclass(frozen=True, slots=True)
class EmailContent:
    subject: str
    text: str
    html: str


@dataclass(frozen=True, slots=True)
class Rendered:
    """One message in every form a channel may need; the notifier picks by URL scheme."""

    subject: str
    text: str
    html: str
    markdown: str
    slack: Mapping[str, Any] = field(default_factory=dict)


# --- cleaning values -------------------------------------------------------------------------------------


def clean_line(value: object, limit: int | None = None) -> str:
    """One line of text: control characters and line breaks collapse to a space, then capped."""
    text = unicodedata.normalize("NFC", "" if value is None else str(value))
    text = " ".join(_CONTROL.sub(" ", text).split())
    return _cap(text, limit) if limit else text


def _cap(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def defuse_mentions(text: str) -> str:
    """``@here`` → ``@\u200dhere``: still readable, no longer a broadcast."""
    return _MENTION.sub(lambda m: "@" + ZWJ + m.group(1), text)


def safe_url(value: object) -> str | None:
    """The URL if it is absolute http(s), re-encoded so it cannot break out of an attribute or a
    Slack ``<url|label>``; otherwise None (``javascript:``, ``data:``, relative, garbage)."""
    raw = clean_line(value)
    try:
        parts = urlsplit(raw)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    safe = "/:@!$&'*+,;=%~-._?"  # RFC 3986 reserved + unreserved, minus what Slack/HTML treat specially
    return urlunsplit(
        (
            parts.scheme.lower(),
            quote(parts.netloc, safe=safe + "[]"),
            quote(parts.path, safe=safe),
            quote(parts.query, safe=safe),
            quote(parts.fragment, safe=safe),
        )
    )


def slack_escape(text: str) -> str:
    """Slack's three control characters, per https://api.slack.com/reference/surfaces/formatting#escaping."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return defuse_mentions(text)


def md_escape(text: str) -> str:
    return defuse_mentions(_MD_SPECIAL.sub(r"\\\1", text))


def _published(value: object) -> str:
    if not value:
        return ""
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError:
        return clean_line(value, 40)
    return when.strftime("%Y-%m-%d %H:%M %Z").strip()


def _day(value: object) -> str:
    """The date part of an ISO date or datetime ("2025-12-25"), or "" for anything else."""
    text = clean_line(value, 40)
    try:
        return datetime.fromisoformat(text).date().isoformat() if text else ""
    except ValueError:
        return ""


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


# --- the view every format is built from -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Link:
    label: str
    url: str | None


@dataclass(frozen=True, slots=True)
class _Item:
    """A payload, cleaned: plain one-line strings, safe URLs. Escaping happens per format."""

    title: str
    event: str
    outlet: str
    published: str
    url: str | None
    summary: str
    topic: str
    coverage: tuple[_Link, ...]
    more: int  # coverage beyond what is shown
    outlets: int
    product: str
    event_date: str  # the date the story names ahead (a launch day), ISO
    day: str  # event_date, else the day it was published


def _item(payload: Mapping[str, Any]) -> _Item:
    coverage = tuple(_coverage(payload.get("coverage") or ()))
    outlet = clean_line(payload.get("outlet"), 80)
    outlets = {outlet.lower()} | {link.label.split(": ", 1)[0].lower() for link in coverage}
    event_date = _day(payload.get("event_date"))
    return _Item(
        title=clean_line(payload.get("title"), 200) or "(untitled)",
        event=clean_line(payload.get("event"), 20).capitalize() or "Other",
        outlet=outlet,
        published=_published(payload.get("published")),
        url=safe_url(payload.get("url")),
        summary=clean_line(payload.get("summary"), SUMMARY_MAX),
        topic=clean_line(payload.get("topic"), 80),
        coverage=coverage[:COVERAGE_SHOWN],
        more=max(len(coverage) - COVERAGE_SHOWN, 0),
        outlets=_count(payload.get("outlets")) or len(outlets - {""}) or 1,
        product=clean_line(payload.get("product"), 60),
        event_date=event_date,
        day=event_date or _day(payload.get("published")),
    )


def _coverage(entries: object) -> list[_Link]:
    links = []
    for entry in entries if isinstance(entries, list | tuple) else ():
        if isinstance(entry, Mapping):
            outlet = clean_line(entry.get("outlet"), 80)
            title = clean_line(entry.get("title"), 160)
            label = f"{outlet}: {title}" if outlet and title else outlet or title
            links.append(_Link(label or "(link)", safe_url(entry.get("url"))))
    return links


def _headline(item: _Item, title_max: int | None = None) -> str:
    """``[Launch] <title> · <product> · <date> (3 outlets)``; the product only where the title lacks it."""
    title = _cap(item.title, title_max) if title_max else item.title
    parts = [f"[{item.event}] {title}"]
    if item.product and item.product.lower() not in item.title.lower():
        parts.append(item.product)
    if item.day:
        parts.append(item.day)
    count = f" ({item.outlets} outlets)" if item.outlets > 1 else ""
    return " · ".join(parts) + count


def _subject(items: Sequence[_Item], digest: bool) -> str:
    if not digest or len(items) == 1:
        return defuse_mentions(clean_line(_headline(items[0], SUBJECT_TITLE_MAX), SUBJECT_MAX))
    rest = f" and {len(items) - 1} more"
    first = clean_line(f"[Digest] {len(items)} stories: {items[0].title}", SUBJECT_MAX - len(rest))
    return defuse_mentions(first + rest)


def _meta(item: _Item) -> str:
    when = f"date named: {item.event_date}" if item.event_date else ""
    return " · ".join(part for part in (item.event, item.product, when, item.outlet, item.published) if part)


def _coverage_heading(item: _Item) -> str:
    return f"Covered by {item.outlets} outlets so far:" if item.outlets > 1 else "Also covered by:"


def _more(item: _Item) -> str:
    return f"and {item.more} more" if item.more else ""


# --- formats ---------------------------------------------------------------------------------------------


def _text_item(item: _Item) -> str:
    lines = [defuse_mentions(line) for line in (_headline(item), _meta(item))]
    lines += [item.url] if item.url else []
    lines += ["", defuse_mentions(item.summary)] if item.summary else []
    if item.coverage:
        lines += ["", _coverage_heading(item)]
        lines += [f"- {defuse_mentions(c.label)}" + (f" <{c.url}>" if c.url else "") for c in item.coverage]
        lines += [_more(item)] if item.more else []
    return "\n".join(lines)


def _html_link(label: str, url: str | None) -> str:
    text = html.escape(defuse_mentions(label))
    return f'<a href="{html.escape(url, quote=True)}">{text}</a>' if url else text


def _html_url(url: str | None) -> str:
    """A link whose text is the URL itself: apprise derives the e-mail's text/plain part from the HTML by
    dropping tags, so a link is only in the plain text if it is also the visible text."""
    return _html_link(url, url) if url else ""


def _html_item(item: _Item) -> str:
    def esc(s: str) -> str:  # a local alias keeps the template legible
        return html.escape(defuse_mentions(s))

    parts = [f"<h2>{_html_link(_headline(item), item.url)}</h2>", f"<p><small>{esc(_meta(item))}</small></p>"]
    if item.url:
        parts.append(f"<p>{_html_url(item.url)}</p>")
    if item.summary:
        parts.append(f"<p>{esc(item.summary)}</p>")
    if item.coverage:
        rows = "".join(f"<li>{esc(c.label)} {_html_url(c.url)}</li>" for c in item.coverage)
        rows += f"<li>{_more(item)}</li>" if item.more else ""
        parts.append(f"<p>{_coverage_heading(item)}</p><ul>{rows}</ul>")
    return "\n".join(parts)


def _slack_link(label: str, url: str | None) -> str:
    return f"<{url}|{slack_escape(label)}>" if url else slack_escape(label)


def _slack_item(item: _Item) -> str:
    lines = [f"*{_slack_link(_headline(item), item.url)}*", f"_{slack_escape(_meta(item))}_"]
    lines += [slack_escape(item.summary)] if item.summary else []
    if item.coverage:
        links = [_slack_link(c.label, c.url) for c in item.coverage] + ([_more(item)] if item.more else [])
        lines.append(_coverage_heading(item) + " " + ", ".join(links))
    return "\n".join(lines)


def _md_link(label: str, url: str | None) -> str:
    # Angle-bracket destinations: apprise turns "[label](<url>)" into Slack's "<url|label>".
    return f"[{md_escape(label)}](<{url}>)" if url else md_escape(label)


def _md_item(item: _Item) -> str:
    lines = [f"**{_md_link(_headline(item), item.url)}**", md_escape(_meta(item))]
    lines += ["", md_escape(item.summary)] if item.summary else []
    if item.coverage:
        lines += ["", _coverage_heading(item)] + [f"- {_md_link(c.label, c.url)}" for c in item.coverage]
        lines += [_more(item)] if item.more else []
    return "\n".join(lines)


def _items(payloads: Sequence[Mapping[str, Any]]) -> list[_Item]:
    if not payloads:
        raise ValueError("nothing to render: no payloads")
    return [_item(p) for p in payloads]


def render_email(payloads: Sequence[Mapping[str, Any]], *, digest: bool) -> EmailContent:
    items = _items(payloads)
    separator_text, separator_html = "\n\n" + "-" * 40 + "\n\n", "\n<hr>\n"
    return EmailContent(
        subject=_subject(items, digest),
        text=separator_text.join(_text_item(i) for i in items) + "\n",
        html=separator_html.join(_html_item(i) for i in items),
    )


def render_slack(payloads: Sequence[Mapping[str, Any]], *, digest: bool) -> dict[str, Any]:
    """Block Kit: ``text`` is the notification fallback, one section block per story."""
    items = _items(payloads)
    sections = [{"type": "section", "text": {"type": "mrkdwn", "text": _slack_item(i)}} for i in items]
    blocks: list[dict[str, Any]] = []
    for section in sections:
        blocks += [{"type": "divider"}, section] if blocks else [section]
    return {"text": slack_escape(_subject(items, digest)), "blocks": blocks}


def render_markdown(payloads: Sequence[Mapping[str, Any]], *, digest: bool) -> str:
    return "\n\n---\n\n".join(_md_item(i) for i in _items(payloads))


def render(payloads: Sequence[Mapping[str, Any]], *, digest: bool) -> Rendered:
    email = render_email(payloads, digest=digest)
    return Rendered(
        subject=email.subject,
        text=email.text,
        html=email.html,
        markdown=render_markdown(payloads, digest=digest),
        slack=render_slack(payloads, digest=digest),
    )
