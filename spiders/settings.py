"""Scrapy settings of the govnews crawl. Site data lives in the registry, not here."""

from pipeline.settings import Settings

_settings = Settings()

BOT_NAME = "govnews"
SPIDER_MODULES = ["spiders.spiders"]
NEWSPIDER_MODULE = "spiders.spiders"

USER_AGENT = _settings.user_agent
ROBOTSTXT_OBEY = True
DOWNLOAD_TIMEOUT = _settings.download_timeout
CONCURRENT_REQUESTS_PER_DOMAIN = 2
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
RETRY_TIMES = 2
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"

ITEM_PIPELINES = {
    "spiders.pipelines.StorePages": 300,
    "spiders.pipelines.StoreRejections": 310,
}

GOVNEWS_DATABASE_URL = _settings.database_url
GOVNEWS_REGISTRY_PATHS = [str(p) for p in _settings.registry_paths]
GOVNEWS_REGISTRY_VARIABLES = _settings.registry_variables
GOVNEWS_RUN_ID = "scrapy"  # `scrapy crawl` without -a run_id=... files its pages under this run
