"""The generic spiders, configured per source by ``-a`` arguments: ``sitemap`` and ``listing``."""
