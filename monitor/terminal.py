"""How the CLI shows values in a terminal: short dates, relative times, plurals, tables that fit. Pure but for rich.

Contracts:

- ``ago(when, now)`` reads "2 min ago" / "in 28 s" / "3 d ago"; ``None`` reads "never" (or the given default).
- ``short_time(when, now)``: "01:36" today, "Dec 05 14:02" this year, "2025-02-21" before; always UTC.
- ``plural(1, "story")`` is "1 story", ``plural(2, "story")`` "2 stories".
- ``table(...)`` builds a table whose columns are cut with an ellipsis, never wrapped: the others are as wide
  as their cells, the flexible one (the title) takes what they leave, so a table fits the console width
  (``COLUMNS`` when not a terminal). Cell values are plain text: a feed title with "[red]" in it is not markup.
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
        return when.strftime("%b %d" if (when.hour, when.minute) == (0, 0) else "%b %d %H:%M")
    return when.strftime("%Y-%m-%d")


def cut(text: str, width: int) -> str:
    """One line of at most ``width`` characters, an ellipsis where it was cut."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: max(width - 1, 0)].rstrip() + "…"


def console(*, stderr: bool = False) -> Any:
    """A rich Console that never soft-wraps; its width is the terminal's, or ``COLUMNS``, or 80."""
    from rich.console import Console

    return Console(soft_wrap=False, stderr=stderr, highlight=False)


class Grid:
    """A table that fits the console: every column but the flexible ones is as wide as its widest cell, the
    flexible ones share what is left (at least ``FLEX_MIN`` each) and cut their text with an ellipsis."""

    FLEX_MIN = 12

    def __init__(self, title: str | None, columns: Sequence[str], flexible: Sequence[str]) -> None:
        self.title = title
        self.columns = list(columns)
        self.flexible = [c for c in columns if c in flexible]
        self.rows: list[list[Any]] = []

    def add_row(self, *cells: Any) -> None:
        self.rows.append([text(c) if isinstance(c, str) or c is None else c for c in cells])

    def __rich_console__(self, console: Any, options: Any) -> Any:
        # No rows: the title alone ("0 alerts"), not a header over nothing.
        yield self.render(options.max_width) if self.rows else text(self.title or "")

    def render(self, width: int) -> Any:
        from rich import box
        from rich.table import Table

        widths = self._widths(width)
        # Right padding only: with the box's one-space separator, columns are two spaces apart.
        grid = Table(title=self.title, box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1, 0, 0),
                     title_justify="left", show_edge=False)  # fmt: skip
        for name, size in zip(self.columns, widths, strict=True):
            grid.add_column(name, no_wrap=True, overflow="ellipsis", width=size, min_width=size, max_width=size)
        for row in self.rows:
            grid.add_row(*row)
        return grid

    def _widths(self, width: int) -> list[int]:
        natural = [max([len(name)] + [len(cell.plain) for cell in (row[i] for row in self.rows)])
                   for i, name in enumerate(self.columns)]  # fmt: skip
        gaps = 2 * (len(self.columns) - 1)  # the padding and the separator between two columns
        fixed = sum(n for n, c in zip(natural, self.columns, strict=True) if c not in self.flexible)
        left = width - gaps - fixed
        flex = [n for n, c in zip(natural, self.columns, strict=True) if c in self.flexible]
        if flex and left < self.FLEX_MIN * len(flex):
            # Too narrow even so: the fixed columns give up room too, widest first, down to their names' width.
            natural = self._squeeze(natural, self.FLEX_MIN * len(flex) - left)
            fixed = sum(n for n, c in zip(natural, self.columns, strict=True) if c not in self.flexible)
            left = width - gaps - fixed
        shares = _share(max(left, len(flex)), flex)
        out, k = [], 0
        for n, c in zip(natural, self.columns, strict=True):
            if c in self.flexible:
                out.append(shares[k])
                k += 1
            else:
                out.append(n)
        return out

    def _squeeze(self, natural: list[int], need: int) -> list[int]:
        sizes = list(natural)
        while need > 0:
            candidates = [i for i, c in enumerate(self.columns) if c not in self.flexible and sizes[i] > 4]
            if not candidates:
                break
            widest = max(candidates, key=lambda i: sizes[i])
            sizes[widest] -= 1
            need -= 1
        return sizes


def _share(room: int, wanted: Sequence[int]) -> list[int]:
    """Split ``room`` among columns wanting ``wanted`` widths: none gets more than it wants, the rest is even."""
    sizes = [0] * len(wanted)
    open_ = list(range(len(wanted)))
    while open_ and room > 0:
        each = max(room // len(open_), 1)
        for i in list(open_):
            give = min(each, wanted[i] - sizes[i], room)
            sizes[i] += give
            room -= give
            if sizes[i] >= wanted[i]:
                open_.remove(i)
        if each == 1 and room and open_:
            continue
    return [max(s, 1) for s in sizes]


def table(title: str | None, columns: Sequence[str], *, flexible: Sequence[str] = ("title",)) -> Grid:
    """A table for ``console().print``: ellipsis instead of wrapping; ``flexible`` columns share the room left."""
    return Grid(title, columns, flexible)


def text(value: object, style: str | None = None) -> Any:
    """A cell of plain text (never parsed as rich markup)."""
    from rich.text import Text

    return Text("" if value is None else str(value), style=style or "")


def status_cell(status: str) -> Any:
    return text(status, STATUS_STYLES.get(status.split(" ", 1)[0]))
