"""Source adapters: ``feeds`` (conditional GET + feed parsing) and ``crawl`` (Scrapy spiders in a subprocess)."""
