"""monitor's Scrapy project: generic spiders for sites without good feeds.

Spiders only extract. Each crawl runs as ``scrapy crawl NAME`` in a subprocess (a Twisted reactor cannot be
restarted in one process) and writes its items as JSON lines on stdout; ``monitor.ingest.sources.crawl`` reads them
into ``RawDocument`` values. Nothing here touches the database or sends anything, and the package imports only
``monitor.model``, ``monitor.ingest.extract`` and ``monitor.ingest.urls`` from monitor. See docs/spiders.md.
"""
