"""Scrapy settings for monitor's spiders: polite by default, items as JSON lines on stdout, logs on stderr.

``monitor.ingest.sources.crawl`` overrides the per-deployment values on the command line (``-s USER_AGENT=...``,
``ALLOW_PRIVATE``, ``DOWNLOAD_TIMEOUT``, ``DOWNLOAD_MAXSIZE``, ``CLOSESPIDER_TIMEOUT``) from config.toml's
``[network]`` table, so the defaults below only matter for a hand-run ``scrapy crawl``.
"""

from __future__ import annotations

BOT_NAME = "monitor"
SPIDER_MODULES = ["spiders.spiders"]
NEWSPIDER_MODULE = "spiders.spiders"

# Same default as monitor.config.DEFAULT_USER_AGENT (spiders may not import monitor.config).
USER_AGENT = "monitor/0.1 (news monitor; polite, conditional GET)"

# -- politeness ------------------------------------------------------------------------------------------------
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0  # seconds between requests to one domain; AutoThrottle never goes below it
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0  # Scrapy's default of 5 s makes a 20-article crawl take minutes
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
COOKIES_ENABLED = False
RETRY_TIMES = 1
REDIRECT_MAX_TIMES = 5
DOWNLOAD_TIMEOUT = 20
DOWNLOAD_MAXSIZE = 10_000_000  # after decompression, like network.max_bytes on the feed path
DOWNLOAD_WARNSIZE = 0
# A safety net for a misconfigured selector or an enormous sitemap: no source needs more pages than this.
CLOSESPIDER_PAGECOUNT = 500

# -- the private-address rule (SSRF guard) --------------------------------------------------------------------
# False refuses every request whose host is, or resolves to, a private, loopback, link-local or otherwise
# non-global address; tests and intranet sources set it to True.
ALLOW_PRIVATE = False
DOWNLOADER_MIDDLEWARES = {
    # Before RobotsTxtMiddleware (100), so a refused host does not even get its robots.txt requested.
    "spiders.middlewares.PrivateAddressGuard": 50,
}

# -- items -----------------------------------------------------------------------------------------------------
ITEM_PIPELINES = {"spiders.pipelines.ValidateArticle": 100}
FEEDS = {"stdout:": {"format": "jsonlines", "encoding": "utf-8"}}
FEED_EXPORT_ENCODING = "utf-8"
FEED_STORE_EMPTY = True

# -- logging: stderr only, so stdout carries nothing but items -------------------------------------------------
LOG_LEVEL = "INFO"
LOG_FORMATTER = "spiders.pipelines.ConciseLogFormatter"
TELNETCONSOLE_ENABLED = False  # it would open a listening port per crawl
REMOTE_CONTROL_ENABLED = False  # likewise (Scrapy 2.19 enables an HTTP control port by default)
