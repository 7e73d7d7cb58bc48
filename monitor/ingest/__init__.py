"""Ingest: everything between a source and a ``RawDocument``.

Owns the conditional GET (``fetch``), feed parsing (``parse`` over ``feedxml``, ``fpinternals`` and ``feedrepair``),
page text and dates (``extract`` over ``pagemeta`` and ``plaintext``),
URL identity (``urls``), a source's poll state after each poll (``health``), the source adapters (``sources``: feeds
and Scrapy spiders in a subprocess) and the readers of files given to ``monitor import`` (``importers``).

May import: the domain values at the top of ``monitor`` (``model``, ``errors``, ``records``, ``config``, ``logs``)
and third-party I/O libraries (aiohttp in ``fetch``, Scrapy only as a subprocess). It never imports ``judgement``,
``alerts``, ``store`` or ``service``; ``parse``, ``feedxml``, ``fpinternals``, ``feedrepair``, ``extract``,
``pagemeta``, ``plaintext``, ``urls``, ``health`` and ``importers`` decide without I/O and import no aiohttp,
sqlalchemy, apprise, apscheduler or scrapy.
"""
