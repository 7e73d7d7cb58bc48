"""Storage adapter: SQLAlchemy 2 + Alembic on SQLite (default) and PostgreSQL.

``Store`` is the seam the pipeline, scheduler and delivery use (values from ``monitor.records``), split by domain
over ``base.StoreBase``: ``repo`` (articles, stories, locks), ``sources``, ``outbox``, ``portable`` (whole-table
reads for export, restoring alerts, the Atom feed's query ``Store.feed_stories``). ``db.upgrade``/``db.downgrade``
back ``monitor db upgrade``; ``exchange`` is the portable JSON-lines file format, read and written through
``Store``. Every error raised from here is a ``StoreError``.

The only package that imports sqlalchemy. May import the domain values at the top of ``monitor`` and the value
types of the pure stages (``alerts.atom.FeedStory``, ``ingest.urls``); never ``service`` or the CLI.
"""

from monitor.store.db import downgrade, make_engine, upgrade
from monitor.store.repo import RunLock, Store, guid_key

__all__ = ["RunLock", "Store", "downgrade", "guid_key", "make_engine", "upgrade"]
