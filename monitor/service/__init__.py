"""Service: the composition root — the pipeline, one poll cycle, the scheduler, metrics, and ``monitor run``.

Owns ``pipeline`` (a document through judgement into the store and outbox, one transaction), ``cycle`` (one poll of
every due source), ``scheduler`` (APScheduler jobs from config), ``metrics`` (Prometheus, health and the Atom
endpoint), ``app`` (a Store, Judge and Pipeline opened from a Config) and ``run`` (the long-running service).

May import every stage package (``ingest``, ``judgement``, ``alerts``, ``store``) and the domain values at the top
of ``monitor``; nothing below it imports it. The CLI modules at the top of ``monitor`` import it.
"""
