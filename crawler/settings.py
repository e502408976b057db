"""Every setting of the project, grouped by component: default + one-line meaning.

Override any of them with ``-s NAME=value`` on the command line.
"""

import os

BOT_NAME = "zhnews"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
COMMANDS_MODULE = "crawler.commands"  # `crawl` with an exit status for cron (crawler/commands/crawl.py)

# -- politeness and safety ------------------------------------------------------
# A descriptive UA with a contact: site owners should know who crawls them.
USER_AGENT = "zh-news-corpus/0.1 (+https://example.org/zh-news-corpus; contact: crawler-admin@example.org)"
ROBOTSTXT_OBEY = True  # robots.txt is obeyed for every site
TELNETCONSOLE_ENABLED = False  # no telnet console
REMOTE_CONTROL_ENABLED = False  # no remote-control endpoint
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024  # bytes; larger responses are aborted (decompressed size too)
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024  # bytes; larger responses are logged
DOWNLOAD_TIMEOUT = 30  # seconds per request
# http and https only: no file://, s3://, ftp:// or data: requests from site input.
DOWNLOAD_HANDLERS = {"file": None, "s3": None, "ftp": None, "data": None}
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.5  # seconds; a site's `download_delay` in the sites file overrides it
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_BACKOFF_BASE = 1.0  # seconds before the first retry; doubles with each retry (±20 % jitter)
RETRY_BACKOFF_MAX = 60.0  # seconds: the longest wait; a longer Retry-After gives the URL up at once
DOWNLOAD_FAIL_ON_DATALOSS = True  # a body shorter than its Content-Length is a failed (retried) download
REDIRECT_MAX_TIMES = 10
COOKIES_ENABLED = False  # news pages do not need sessions
REFERER_ENABLED = True
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,  # replaced by the backoff one below
    "crawler.middlewares.BackoffRetryMiddleware": 550,  # retries wait (backoff, Retry-After)
    "crawler.middlewares.ResponseGuardMiddleware": 601,  # next to the downloader: bad redirects, truncated gzip
    "crawler.middlewares.SiteProxyMiddleware": 90,  # a site's `proxy` key
    "crawler.middlewares.IncrementalFetchMiddleware": 95,  # skip / conditionally re-fetch dumped articles
    "crawler.archive.ArchiveMiddleware": 950,  # next to the downloader: bodies as received, to WARC (ARCHIVE_ENABLED)
}
DEPTH_LIMIT = 10  # hard ceiling; each site's `max_depth` is the real limit

# -- the news spider ----------------------------------------------------------------
NEWS_SITES_FILE = "sites.toml"  # used when `-a sites=PATH` is not given
NEWS_DEFAULT_MAX_DEPTH = 3  # link hops from a start page when a site sets no max_depth
NEWS_TIMEZONE = "Asia/Shanghai"  # zone of page-local times with no offset; a site's `timezone` overrides it
META_PERSIST = True  # keep what the metadata resolver learned per site in STATE_DIR/site_metadata.sqlite across runs
META_SITE_MIN_PAGES = 3  # a title affix or a date line on this many pages of a site is the site's, not the article's

# -- pipeline stages (order matters; see README "Pipeline") --------------------------
ITEM_PIPELINES = {
    "pipelines.extract.ExtractStage": 100,
    "pipelines.boilerplate.BoilerplateStage": 200,
    "pipelines.metadata.MetadataStage": 250,
    "pipelines.template.TemplateStage": 300,
    "pipelines.fingerprint.FingerprintStage": 400,
    "pipelines.record.RecordStage": 450,
    "pipelines.dedup.DedupStage": 500,
    "pipelines.incremental.UrlStateStage": 600,
}

# Reading and extraction (crawler/reading.py, pipelines/extract.py, pipelines/text/extract_pool.py)
EXTRACT_WORKERS = "auto"  # processes that read pages (decode, parse, links, extract): "auto" = one per core; 0 = in the crawl process
EXTRACT_CRASH_MARKER = ""  # testing only: a worker exits when a page contains this string (fault injection)
# Per response in Scrapy (a page yields one article): every response starts this many tasks.
# Pages in flight are bounded by CONCURRENT_REQUESTS and SCRAPER_SLOT_MAX_ACTIVE_SIZE (5 MB).
CONCURRENT_ITEMS = 4
EXTRACT_INCLUDE_TABLES = True  # measured: data tables matter on English news; Chinese layout-table text is stripped later
EXTRACT_FAVOR_PRECISION = True  # measured: +0.02 F1 on Chinese pages, neutral on English
EXTRACT_PRUNE_RECOMMENDATIONS = True  # drop related/recommended/ranking blocks by class and id before extraction
EXTRACT_FAST = False  # trafilatura's fast mode (no readability/justext comparison)
EXTRACT_MIN_TEXT_CHARS = 60  # fewer characters of body text: not an article
EXTRACT_MAX_LINK_SHARE = 0.5  # more of the text than this is link text: a list page

# The record beyond the text (pipelines/text/record.py, pipelines/record.py; docs/record.md)
RECORD_FIELDS = True  # read markdown, images, keywords, section, description (off: all null and never read: the smallest, fastest dumps)
RECORD_MARKDOWN = True  # write the markdown field (off: null, for small dumps; images, keywords, section stay)

# Multi-page articles (crawler/multipage.py, pipelines/text/pager.py; README "Multi-page articles")
MULTIPAGE_ENABLED = True  # follow an article's pager (下一页, content_1_2.htm, ?page=2) and join its pages into one article
MULTIPAGE_MAX_PAGES = 20  # pages joined at most (>= 2); a longer story is cut there and flagged multipage-truncated

# Site profiles: learn each site's article block, read its next pages without trafilatura
# (crawler/profiles.py, pipelines/text/profile.py; README "Throughput")
PROFILES_ENABLED = False  # the fast path for pages of a site whose profile is confident (off: speed target not met, see README)
PROFILE_MIN_PAGES = 5  # agreeing full-path pages before a site's block locator is trusted (>= 2; measured: 3, 5, 8)
PROFILE_AUDIT_EVERY = 10  # 1 in this many fast-path pages also takes the full path and is compared (>= 1)

# Per-site template learning (pipelines/template.py)
TEMPLATE_ENABLED = True  # learn and strip lines each site repeats across its pages
TEMPLATE_MIN_PAGES = 3  # a line on this many distinct pages of a site is template
TEMPLATE_PERSIST = True  # keep the models in STATE_DIR/templates.sqlite across runs
TEMPLATE_MAX_LINES_PER_SITE = 200_000  # memory bound per site (lines seen once are forgotten first)

# Text quality (pipelines/fingerprint.py)
QUALITY_MAX_GARBAGE_SHARE = 0.3  # articles whose text is more garbage than this are dropped

# Repost detection (pipelines/dedup.py, pipelines/stores/repost_index.py)
DEDUP_ENABLED = True
DEDUP_MODE = "drop"  # drop: reposts go to <dump>.duplicates.jsonl; mark: kept with duplicate_of set
DEDUP_THRESHOLD = 0.6  # estimated Jaccard of 5-gram shingles that makes a near-duplicate (3% edits leave ~0.72)
DEDUP_CONTAINMENT = 0.8  # or: this share of the shorter text is inside the longer one
DEDUP_PERSIST = True  # keep the index in STATE_DIR/reposts.sqlite across runs

# Incremental runs (crawler/middlewares.py IncrementalFetchMiddleware, pipelines/incremental.py)
INCREMENTAL_ENABLED = True  # remember dumped article URLs in STATE_DIR/urls.sqlite
REVISIT_AFTER = 7 * 24 * 3600  # seconds before a dumped article is asked for again (conditional GET)

# -- output ---------------------------------------------------------------------------------
DUMPS_DIR = "dumps"  # each run writes DUMPS_DIR/<spider>/<UTC timestamp>.jsonl
STATE_DIR = ".state"  # persistent state: template models, repost index, per-URL state
LOCK_WAIT = 0  # seconds a run waits for another run holding STATE_DIR before it exits with status 3
FEED_EXPORT_ENCODING = "utf-8"  # UTF-8 JSONL, no ASCII escaping
FEED_URI_PARAMS = "crawler.feeds.uri_params"
# FEEDS is filled in by crawler.feeds.DefaultDumpAddon unless -o/-O is given.
ADDONS = {"crawler.feeds.DefaultDumpAddon": 0, "crawler.distributed.DistributedAddon": 10}
LOG_FORMATTER = "crawler.logformatter.QuietDropLogFormatter"
EXTENSIONS = {
    "crawler.state.StateGuard": 50,  # first: the STATE_DIR lock, then healing of the stores (crawler/state.py)
    "crawler.extensions.DumpFinalizer": 100,
}
HEALTH_HISTORY_RUNS = 5  # previous manifests a site is compared with
HEALTH_MIN_LENGTH_RATIO = 0.5  # median text length below this share of the usual one: warn
HEALTH_MAX_FLAGGED_JUMP = 0.2  # share of flagged items (warnings) up by more than this: warn
LOG_LEVEL = "INFO"

# -- WARC: archive while crawling, read archives (crawler/archive.py, crawler/spiders/warc.py, pipelines/warc/) --
ARCHIVE_ENABLED = False  # write every fetched response (request + response records) to DUMPS_DIR/<spider>/<run>.<NNNNN>.warc.gz
ARCHIVE_MAX_BYTES = 1024**3  # bytes; a new archive file is started once the current one reaches this size
WARC_MAX_RECORD_BYTES = 16 * 1024 * 1024  # the warc spider skips larger records (warc/skipped/too_large) without holding them
WARC_CLAIM_TTL = 7 * 24 * 3600  # seconds a distributed warc worker's claim on a file lasts (one job: same files, same claims)

# -- distributed mode (crawler/distributed.py, pipelines/stores/redis_state.py) ------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")  # redis://host:port/db: shared queue, seen-set and state; "" = one process, SQLite
REDIS_PREFIX = "zhnews"  # prefix of every Redis key (one prefix per corpus)
URL_STATE_TTL = 180 * 24 * 3600  # seconds a URL's state is kept in Redis (bounded memory)
DUPEFILTER_LISTING_TTL = 3600  # seconds start/list/sitemap pages stay "seen" (article pages: REVISIT_AFTER)
WORKER_TTL = 10  # seconds without a heartbeat before a worker counts as dead and its requests go back to the queue
WORKER_MAX_IDLE_WAIT = 300  # seconds an idle worker waits for other workers' in-flight requests before it ends

# -- engine ---------------------------------------------------------------------------------
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_FIELDS = None  # set by the addon to the Article schema fields
