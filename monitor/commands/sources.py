"""``monitor sources``: each configured source's poll state (status, failures, last and next poll, last error).

A source configured but never polled shows as "new", due now. The type column appears only when more than one
type is configured (most configurations are feeds only). Adding, importing and exporting sources is
``monitor.sourcefile``'s.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING

from monitor.commands.output import echo_json, reason
from monitor.terminal import ago, console, plural, status_cell, table, text

if TYPE_CHECKING:
    from monitor.service.app import App


def list_sources(app: App, *, as_json: bool) -> None:
    states = {s.name: s for s in app.store.source_states()}
    configured = [s.name for s in app.config.sources]
    if as_json:
        for name in configured:
            state = states.get(name)
            echo_json({"source": name, **({k: v for k, v in asdict(state).items() if k != "name"}
                                            if state else {"status": "new"})})
        return
    now = app.clock()
    # The type column only when there is more than one type: most configurations are feeds only.
    typed = len({s.type for s in app.config.sources}) > 1
    columns = ("source", *(("type",) if typed else ()), "status", "fails", "last poll", "next poll", "last error")
    grid = table(plural(len(configured), "source"), columns, flexible=("last error",))
    for source in app.config.sources:
        s = states.get(source.name)
        kind = (source.type,) if typed else ()
        if s is None:
            grid.add_row(text(source.name), *kind, status_cell("new"), "0", "never", "now", "")
            continue
        due = "now" if s.next_due_at is None or s.next_due_at <= now else ago(s.next_due_at, now)
        grid.add_row(text(source.name), *kind, status_cell(s.status), str(s.failures), ago(s.last_polled_at, now),
                     due, text(reason(s.last_error)))  # fmt: skip
    console().print(grid)
