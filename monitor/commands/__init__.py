"""What the CLI commands do, apart from argument parsing (``monitor.cli``): run the work, print tables or JSON lines.

One module per command family, each imported by ``monitor.cli`` only inside the command that needs it:

- ``crawl``: ``monitor crawl`` (one poll of the sources, its table and its last line);
- ``alerts``: the outbox: ``monitor deliver`` (and the delivery at the end of a crawl), ``monitor alerts``,
  ``alerts retry``, ``notify-test``;
- ``lists``: the reading lists: ``monitor articles``, ``stories``, ``story``;
- ``sources``: ``monitor sources`` (each source's poll state; ``monitor.sourcefile`` edits the list);
- ``exchange``: ``monitor import`` (articles to judge, or a ``monitor export`` file to restore), ``export``, ``feed``;
- ``check``: ``monitor check`` (one article's judgement explained);
- ``output``: what they print alike (JSON lines, an item as JSON, an error as a table cell shows it).

Contracts a user (and a script) can rely on:

- ``--json`` prints one JSON object per line on stdout and nothing else there; logs go to stderr.
- Tables fit the console width (``monitor.terminal``): titles and errors are cut with "…", times are short
  ("Dec 05 14:02") or relative ("2 min ago", "in 28 s"), counts have their plural right. A list with no rows
  prints its title alone ("0 alerts").
- ``monitor crawl`` lists the new relevant items and the sources that failed or brought news (everything with
  ``--all``); its last line is the totals, or "every source failed (N sources)". ``run_crawl`` returns the
  number of failed sources, for ``--fail-on-error``.
- Delivery from the CLI (``deliver_now``) sends everything due, this run's alerts and older ones, round after
  round with one "now", and prints its totals once; it returns them for ``monitor deliver``'s exit code.
- ``monitor alerts retry ID``: an id that does not exist or is not a failed alert is an error (exit 1) naming it;
  the others are re-queued all the same.

May import every package of monitor (this is the top of the layers, below ``monitor.cli``); heavy libraries
(SQLAlchemy, aiohttp, apprise, trafilatura) only inside the function that needs them, or through ``App``.
"""
