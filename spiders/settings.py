"""Scrapy settings of the govnews crawl. Site data lives in the registry, not here.

Politeness is a legal requirement for this traffic (Network Data Security Management Regulations,
art. 18): robots.txt obeyed, AutoThrottle with at most two requests per host at a time and a delay
floor, a user agent naming the project and a contact, and a request budget per site.
"""

from pipeline.settings import Settings

_settings = Settings()

BOT_NAME = "govnews"
SPIDER_MODULES = ["spiders.spiders"]
NEWSPIDER_MODULE = "spiders.spiders"
COMMANDS_MODULE = "spiders.commands"  # `scrapy crawl generic` checks its -a site= first

USER_AGENT = _settings.agent
ROBOTSTXT_OBEY = True  # a registry entry may opt out only with a written reason
DOWNLOAD_TIMEOUT = _settings.download_timeout
CONCURRENT_REQUESTS_PER_DOMAIN = _settings.concurrency_per_host
# One crawler per site: requests past the middlewares wait in the host's queue, so a larger total
# would send queued requests to a site that has just answered with a challenge.
CONCURRENT_REQUESTS = _settings.concurrency_per_host
DOWNLOAD_DELAY = _settings.crawl_delay  # also AutoThrottle's floor
# The delay is a floor: Scrapy's default waits 0.5-1.5 times it, below the floor half the time (and
# a shard of many hosts then lasts as long as its unluckiest host's draws).
DOWNLOAD_DELAY_JITTER = 0.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = _settings.crawl_delay
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
RETRY_TIMES = 2  # 5xx, 408, 429, time-outs, resets, truncated bodies; 403/412 are not retried
GOVNEWS_BACKOFF_BASE = 1.0  # seconds between requests to a host after its first retry, doubling
GOVNEWS_BACKOFF_MAX = _settings.backoff_max
GOVNEWS_BLOCK_AFTER_CHALLENGES = _settings.block_after_challenges  # article challenges in a row
# The body after decompression (HttpCompressionMiddleware checks it as it inflates): a gzip bomb
# is refused by size, with no more than this much of it in memory.
DOWNLOAD_MAXSIZE = int(_settings.max_page_mb * 1024 * 1024)
DOWNLOAD_WARNSIZE = DOWNLOAD_MAXSIZE // 2
REDIRECT_MAX_TIMES = 5  # real moves take one or two; a loop is refused at its first repeat anyway
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # Scrapy's code-execution server: nobody drives a crawl from outside
LOG_LEVEL = "INFO"
# Scrapy makes this many asyncio tasks per response to handle what it yields: its default of 100
# took a quarter of the CPU of a crawl process of 200 sites. Up to twice this many outputs (a list's
# links) still all reach the scheduler before it hands out the next request, so their order stays.
CONCURRENT_ITEMS = 16
# Scrapy's check of the callbacks parsed their source again for almost every response (a seventh
# of the CPU); the spider's callbacks return no value.
WARN_ON_GENERATOR_RETURN_VALUE = False

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "spiders.middlewares.BackoffRetryMiddleware": 550,
    "spiders.middlewares.ChallengeMiddleware": 560,  # sees responses before the retry middleware
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "spiders.middlewares.LoopSafeMetaRefreshMiddleware": 580,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "spiders.middlewares.LoopSafeRedirectMiddleware": 600,
    "spiders.middlewares.SiteProxyMiddleware": 740,  # before Scrapy's HttpProxyMiddleware (750)
    "spiders.middlewares.PrivateAddressMiddleware": 990,  # nearest the downloader: sees every request
}
EXTENSIONS = {"spiders.health.CrawlHealth": 500}  # per-site crawl stats for the health metrics
ITEM_PIPELINES = {
    "spiders.pipelines.StorePages": 300,
    "spiders.pipelines.StoreRejections": 310,
}

GOVNEWS_DATABASE_URL = _settings.database_url
GOVNEWS_DB_RETRY_SECONDS = _settings.db_retry_seconds
GOVNEWS_REGISTRY_PATHS = [str(p) for p in _settings.registry_paths]
GOVNEWS_REGISTRY_VARIABLES = _settings.registry_variables
GOVNEWS_REQUEST_BUDGET = _settings.request_budget
GOVNEWS_RUN_ID = "scrapy"  # `scrapy crawl` without -a run_id=... files its pages under this run
