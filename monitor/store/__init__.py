"""Storage adapter: SQLAlchemy 2 + Alembic on SQLite (default) and PostgreSQL.

``Store`` is the seam the pipeline, scheduler and delivery use (values from ``monitor.records``);
``db.upgrade``/``db.downgrade`` back ``monitor db upgrade``. Every error raised from here is a ``StoreError``.
"""

from monitor.store.db import downgrade, make_engine, upgrade
from monitor.store.repo import RunLock, Store, guid_key

__all__ = ["RunLock", "Store", "downgrade", "guid_key", "make_engine", "upgrade"]
