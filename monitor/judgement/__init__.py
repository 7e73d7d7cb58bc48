"""Judgement: whether a document matters and to which story it belongs — pure functions of their inputs.

Owns topic queries (``match``: the language and its parser; ``query``: the compiled tree, its evaluation and
the subject rule; ``text``: folded, tokenised text), product names (``products``), the event class (``cues``: the
phrases of each language; ``classify``: their scores and the date signals; ``eventmodel``: the learned weights,
shipped as ``event_model.json``), near-duplicates (``dedup``), stories (``features``: what an article says for
story identity; ``decider``: whether it is more coverage of one stored story, in words; ``stories``: the index
that finds the candidates), the one call the pipeline makes (``judge``) and training of the learned parts for the
quality replay (``learn``).

May import: the domain values at the top of ``monitor`` (``model``, ``errors``, ``records``, ``config``) and pure
libraries (numpy). Never ``ingest``, ``alerts``, ``store`` or ``service``, nor sqlalchemy, aiohttp, apprise,
apscheduler or scrapy.
"""
