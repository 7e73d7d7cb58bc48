"""Judgement quality measured as the user meets it: ``python -m monitor.quality [PATH.jsonl] [options]``.

Labelled articles (``../shared/judgement-dev/articles.jsonl`` by default) are replayed through the real product:
local outlets serve them as RSS and Atom feeds with article pages, in four publication waves; a fresh ``monitor``
imports the seeds, crawls once with every feed empty (silent first polls), then crawls after each wave and sends
its alerts to a local webhook. What it stored and sent is compared with the labels (``metrics``): relevance,
stories (B-cubed), events, and alerts against the alert-worthy labelled stories.

The headline is 5-fold cross-validation by story (``cv``): the learned parts (``monitor.judgement.learn.fit``)
are trained without a fold's stories and that fold is replayed through them; the held-out folds are pooled. The
"fit" run, trained and replayed on everything, is printed beside it. The method and the figures: docs/quality.md.

Modules: ``data`` (the labelled set, folds, waves), ``feeds`` (the articles as feeds and pages), ``world`` (the
loopback servers), ``tomlwrite`` (the replay's config file), ``replay`` (one run of the product), ``cv``,
``metrics``, ``report`` and ``__main__`` (the command line). Importing this package imports none of the product's
heavy parts: ``monitor.judgement.learn`` imports it for ``Labelled``.
"""

from monitor.quality.data import LabelError, Labelled, assign_folds, load, waves

__all__ = ["LabelError", "Labelled", "assign_folds", "load", "waves"]
