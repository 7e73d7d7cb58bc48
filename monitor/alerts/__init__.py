"""Alerts: which alerts a new story makes, what they say, and how they are sent.

Owns the alert policy (``policy``: which channels, what is alert-worthy, back-off), the message text (``render``),
apprise channels (``notify``), the outbox worker (``delivery``) and the topic's Atom feed (``atom``).

May import: the domain values at the top of ``monitor`` (``model``, ``errors``, ``records``, ``config``) and apprise
(in ``notify`` only, lazily). Never ``ingest``, ``judgement``, ``store`` or ``service``; ``policy``, ``render`` and
``atom`` decide without I/O and import no sqlalchemy, aiohttp, apprise, apscheduler or scrapy.
"""
