"""How the CLI shows values in a terminal: short dates, relative times, plurals, tables that fit. Pure but for rich.

Contracts:

- ``ago(when, now)`` reads "2 min ago" / "in 28 s" / "3 d ago"; ``None`` reads "never" (or the given default).
- ``short_time(when, now)``: "01:36" today, "Dec 05 14:02" this year, "2025-02-21" before; always UTC.
- ``plural(1, "story")`` is "1 story", ``plural(2, "story")`` "2 stories".
- ``table(...)`` builds a rich Table whose text columns are cut with an ellipsis, never wrapped, and whose
  widest column (the title) takes what the others leave, so a table fits the console width (``COLUMNS``
  when not a terminal). Cell values are plain text: a feed title with "[red]" in it is not rich markup.
- ``status_cell``: the status word, coloured on a terminal (error red, ok green); plain text elsewhere, since
  rich drops styles when the output is not a TTY.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

_IRREGULAR = {"story": "stories", "delivery": "deliveries", "entry": "entries", "is": "are", "was": "were"}

STATUS_STYLES = {
    "error": "red",
    "failed": "red",
    "gone": "red",
    "ok": "green",
    "sent": "green",
    "not_modified": "green",
    "pending": "yellow",
    "new": "cyan",
}


def plural(count: int, word: str) -> str:
    """``"1 topic"``, ``"2 topics"``, ``"0 stories"``."""
    return f"{count} {word if count == 1 else plural_word(word)}"


def plural_word(word: str) -> str:
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    return word + "s"


def ago(when: datetime | None, now: datetime, *, default: str = "never") -> str:
    """A time relative to ``now``: "just now", "2 min ago", "in 28 s", "5 h ago", "3 d ago"."""
    if when is None:
        return default
    delta = now - when
    future = delta < timedelta(0)
    span = _span(abs(delta))
    if span == "":
        return "now"
    return f"in {span}" if future else f"{span} ago"


def _span(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 1:
        return ""
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 48 * 3600:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"


def short_time(when: datetime | None, now: datetime, *, default: str = "") -> str:
    """A compact absolute UTC time: the clock today, month and day this year, the date otherwise."""
    if when is None:
        return default
    when, now = when.astimezone(UTC), now.astimezone(UTC)
    if when.date() == now.date():
        return when.strftime("%H:%M")
    if when.year == now.year:
        return when.strftime("%b %d %H:%M")
    return when.strftime("%Y-%m-%d")


def cut(text: str, width: int) -> str:
    """One line of at most ``width`` characters, an ellipsis where it was cut."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: max(width - 1, 0)].rstrip() + "…"


def console(*, stderr: bool = False) -> Any:
    """A rich Console that never soft-wraps; its width is the terminal's, or ``COLUMNS``, or 80."""
    from rich.console import Console

    return Console(soft_wrap=False, stderr=stderr, highlight=False)


def table(title: str | None, columns: Sequence[str], *, flexible: Sequence[str] = ("title",)) -> Any:
    """A compact table: ellipsis instead of wrapping; ``flexible`` columns share the width left over."""
    from rich import box
    from rich.table import Table

    grid = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True, title_justify="left")
    for name in columns:
        if name in flexible:
            grid.add_column(name, no_wrap=True, overflow="ellipsis", ratio=1, min_width=12)
        else:
            grid.add_column(name, no_wrap=True, overflow="ellipsis")
    return grid


def text(value: object, style: str | None = None) -> Any:
    """A cell of plain text (never parsed as rich markup)."""
    from rich.text import Text

    return Text("" if value is None else str(value), style=style or "")


def status_cell(status: str) -> Any:
    return text(status, STATUS_STYLES.get(status.split(" ", 1)[0]))
