"""Distributed mode: many crawler processes, one frontier, one repost index (README "Distributed mode").

Switched on by ``REDIS_URL`` (setting or environment variable). Then:

- the scheduler and request dupefilter are scrapy-redis' (``SharedScheduler``,
  ``ExpiringDupeFilter``): every worker pops from one Redis queue;
- the repost index, per-site template models and per-URL state live in Redis
  (``pipelines/stores/redis_state.py``);
- each worker writes its own dump and manifest (its run id gets a worker suffix).

No request is lost when a worker dies. A request a worker pops is moved, in one Lua
step, to its in-flight hash (``<p>:inflight:<run>``) until its outcome is durable: its article
written and flushed to the dump, a drop, an error, or a derived request (redirect,
retry) pushed back to the queue. Workers beat a heartbeat key (``<p>:worker:<run>``,
expiring after ``WORKER_TTL``); the in-flight requests of a worker whose heartbeat
expired are pushed back to the queue by the first live worker that notices (an atomic
RENAME makes it one worker). A worker ends when the queue is empty and no live worker
holds requests in flight.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

from pipelines.stores.redis_state import worker_key
from pipelines.stores.paths import dump_folder

logger = logging.getLogger(__name__)


class DistributedAddon:
    """With REDIS_URL set (setting or environment), swap in the shared scheduler and dupefilter."""

    def update_settings(self, settings: Any) -> None:
        url = settings.get("REDIS_URL") or os.environ.get("REDIS_URL", "")
        if not url:
            return
        prefix = settings.get("REDIS_PREFIX")
        settings.set("REDIS_URL", url, priority="addon")
        settings.set("SCHEDULER", "crawler.distributed.SharedScheduler", priority="addon")
        settings.set("DUPEFILTER_CLASS", "crawler.distributed.ExpiringDupeFilter", priority="addon")
        settings.set("SCHEDULER_PERSIST", True, priority="addon")  # the queue outlives any one worker
        settings.set("SCHEDULER_QUEUE_KEY", f"{prefix}:%(spider)s:requests", priority="addon")
        settings.set("SCHEDULER_QUEUE_CLASS", "scrapy_redis.queue.PriorityQueue", priority="addon")  # a sorted set (see _POP_INTO_FLIGHT)
        settings.set("SCHEDULER_DUPEFILTER_KEY", f"{prefix}:%(spider)s:seen", priority="addon")
        # Settles popped requests whose callback yields no article (see SharedScheduler).
        settings.set_in_component_priority_dict("SPIDER_MIDDLEWARES", InflightSpiderMiddleware, 950)


class ExpiringDupeFilter(RFPDupeFilter):
    """scrapy-redis' dupefilter with fingerprints that expire (scrapy-redis #84, #144).

    Fingerprints go to time buckets (one Redis set per bucket, expiring after two): a
    request is seen if its fingerprint is in the current or the previous bucket. Article
    pages are remembered for ``REVISIT_AFTER`` (the incremental middleware decides about
    them after that); start, list and sitemap pages for ``DUPEFILTER_LISTING_TTL``, so that
    the next scheduled run reads them again while the workers of one run share them.
    Memory is bounded by what was requested in two bucket lengths.
    """

    def __init__(self, server: Any, key: str, debug: bool = False, article_ttl: float = 7 * 86400,
                 listing_ttl: float = 3600) -> None:
        super().__init__(server, key, debug)
        self.ttls = {True: max(60, int(article_ttl)), False: max(60, int(listing_ttl))}

    @classmethod
    def from_spider(cls, spider: Any) -> "ExpiringDupeFilter":
        from scrapy_redis import connection

        s = spider.settings
        key = s.get("SCHEDULER_DUPEFILTER_KEY") % {"spider": spider.name}
        return cls(connection.from_settings(s), key, s.getbool("DUPEFILTER_DEBUG"),
                   s.getfloat("REVISIT_AFTER"), s.getfloat("DUPEFILTER_LISTING_TTL"))

    def request_seen(self, request: Any) -> bool:
        ttl = self.ttls[bool(request.meta.get("article_candidate"))]
        bucket = int(time.time() // ttl)
        fp = bytes.fromhex(self.request_fingerprint(request))
        current, previous = f"{self.key}:{ttl}:{bucket}", f"{self.key}:{ttl}:{bucket - 1}"
        if self.server.sismember(previous, fp):
            return True
        pipe = self.server.pipeline(transaction=False)
        pipe.sadd(current, fp)
        pipe.expire(current, 2 * ttl)
        added, _ = pipe.execute()
        return added == 0

    def clear(self) -> None:
        for key in self.server.scan_iter(match=f"{self.key}:*"):
            self.server.delete(key)


# Pop the best request and record it in this worker's in-flight hash in one step: a worker
# killed between a pop and its record would otherwise lose the request.
_POP_INTO_FLIGHT = """
local top = redis.call('ZRANGE', KEYS[1], 0, 0)
if #top == 0 then return false end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, 0)
redis.call('HSET', KEYS[2], redis.sha1hex(top[1]), top[1])
return top[1]
"""


class SharedScheduler(Scheduler):
    """scrapy-redis' scheduler plus in-flight bookkeeping, heartbeats and dead-worker recovery."""

    @classmethod
    def from_crawler(cls, crawler: Any) -> "SharedScheduler":
        scheduler = super().from_crawler(crawler)
        scheduler.crawler = crawler
        return scheduler

    def open(self, spider: Any) -> None:
        super().open(spider)
        s = self.crawler.settings
        self.prefix = s.get("REDIS_PREFIX")
        self.run = spider.run_id
        self.worker_ttl = max(2, s.getint("WORKER_TTL"))
        self.max_idle_wait = s.getfloat("WORKER_MAX_IDLE_WAIT")
        self.inflight_key = f"{self.prefix}:inflight:{self.run}"
        self.workers_key = f"{self.prefix}:workers"  # runs that may hold in-flight requests
        self._idle_since: float | None = None
        self._pop = self.server.register_script(_POP_INTO_FLIGHT)
        self.crawler.inflight = self  # the spider's errback reports failed requests here
        self._beat()
        self.dumps = dumps = dump_folder(s, spider.name)
        if dumps.is_dir():
            salvage_dead_parts(dumps, lambda run: self.server.exists(worker_key(self.prefix, run)), self.run)
        self.recover_dead_workers()
        self._last_beat = time.monotonic()
        self._heartbeat = task.LoopingCall(self._tick)
        self._heartbeat.start(0.5, now=False)
        sig = self.crawler.signals
        sig.connect(self._item_scraped, signal=signals.item_scraped)
        sig.connect(self._item_dropped, signal=signals.item_dropped)
        sig.connect(self._spider_idle, signal=signals.spider_idle)

    def close(self, reason: str) -> None:
        if self._heartbeat.running:
            self._heartbeat.stop()
        if reason == "finished":
            self.server.delete(self.inflight_key)
            self.server.srem(self.workers_key, self.run)
        self.server.delete(worker_key(self.prefix, self.run))
        super().close(reason)

    # -- bookkeeping ------------------------------------------------------------------

    def _beat(self) -> None:
        self.server.set(worker_key(self.prefix, self.run), str(os.getpid()), ex=self.worker_ttl)
        self.server.sadd(self.workers_key, self.run)

    def _tick(self) -> None:
        try:
            if time.monotonic() - self._last_beat >= self.worker_ttl / 4:
                self._last_beat = time.monotonic()
                self._beat()
                self.recover_dead_workers()
            # Scrapy's engine asks an empty scheduler again only every 5 s; other workers
            # fill the shared queue meanwhile, so wake the engine when there is work.
            slot = getattr(self.crawler.engine, "_slot", None)
            if slot is not None and len(self.queue):
                slot.nextcall.schedule()
        except Exception as exc:  # a Redis hiccup must not kill the heartbeat loop
            logger.warning("Heartbeat failed: %r", exc)

    def next_request(self) -> Any:
        encoded = self._pop(keys=[self.queue.key, self.inflight_key])
        if encoded is None:
            return None
        self.stats.inc_value("scheduler/dequeued/redis")
        request = self.queue._decode_request(encoded)
        request.meta["inflight"] = hashlib.sha1(encoded).hexdigest()  # its field in the in-flight hash
        return request

    def enqueue_request(self, request: Any) -> bool:
        # A request derived from one in flight (redirect, retry) carries its key: once the
        # new request is in the queue (or filtered), the old one is settled.
        parent = request.meta.pop("inflight", None)
        queued = request.dont_filter or not self.df.request_seen(request)
        if queued:
            self.stats.inc_value("scheduler/enqueued/redis")
            self.queue.push(request)
        else:
            self.df.log(request, self.spider)
        if parent:
            self.done(parent)
        return queued

    def done(self, key: str | None) -> None:
        if key:
            self.server.hdel(self.inflight_key, key)

    def request_failed(self, request: Any) -> None:
        self.done(request.meta.get("inflight"))

    def response_settled(self, response: Any) -> None:
        """A response whose callback yielded no article: settled once its links are queued."""
        self.done(response.meta.get("inflight"))

    def _flush_dump(self) -> None:
        feed = next((e for e in self.crawler.extensions.middlewares if type(e).__name__ == "FeedExporter"), None)
        for slot in getattr(feed, "slots", []):
            if getattr(slot, "file", None) is not None:
                slot.file.flush()

    def _item_scraped(self, item: Any, response: Any, spider: Any = None) -> None:
        # The feed exporter wrote the line before this handler runs; flushed, it survives a kill.
        self._flush_dump()
        self.done(getattr(response, "meta", {}).get("inflight") if response is not None else None)

    def _item_dropped(self, item: Any, response: Any, exception: BaseException, spider: Any = None) -> None:
        self.done(getattr(response, "meta", {}).get("inflight") if response is not None else None)

    # -- dead workers and the end of the crawl -----------------------------------------------

    def recover_dead_workers(self) -> int:
        """Push back to the queue the in-flight requests of workers whose heartbeat expired."""
        moved = 0
        for raw in self.server.smembers(self.workers_key):
            run = raw.decode()
            if run == self.run or self.server.exists(worker_key(self.prefix, run)):
                continue
            key = f"{self.prefix}:inflight:{run}"
            claimed = f"{self.prefix}:recovering:{run}:{self.run}"
            try:
                self.server.rename(key, claimed)  # atomic: exactly one live worker takes them
            except Exception:
                self.server.srem(self.workers_key, run)  # nothing left in flight (or taken)
                continue
            dumped = _dumped_urls(self.dumps, run)
            for encoded in self.server.hvals(claimed):
                request = self.queue._decode_request(encoded)
                if request.url in dumped:
                    # Killed after its article's line was flushed and before the request was
                    # settled: the article is in the dead worker's dump already.
                    self.stats.inc_value("distributed/requeue_skipped_dumped")
                    continue
                request.meta.pop("inflight", None)
                request.dont_filter = True  # already in the seen-set: it must be fetched anyway
                self.queue.push(request)
                moved += 1
            self.server.delete(claimed)
            self.server.srem(self.workers_key, run)
            logger.warning("Worker %s stopped without finishing: %d of its requests put back in the queue", run, moved)
        if moved:
            self.stats.inc_value("distributed/requeued", moved)
        return moved

    def _others_busy(self) -> bool:
        for raw in self.server.smembers(self.workers_key):
            run = raw.decode()
            if run != self.run and self.server.hlen(f"{self.prefix}:inflight:{run}"):
                return True
        return False

    def _spider_idle(self, spider: Any = None) -> None:
        """Idle here: wait while the queue has requests or a live worker may still add some."""
        self.recover_dead_workers()
        leaked = self.server.hlen(self.inflight_key)
        if leaked:  # nothing is in progress here, so whatever is left was settled unseen
            self.stats.inc_value("distributed/inflight_cleared", leaked)
            self.server.delete(self.inflight_key)
        if len(self.queue):
            self._idle_since = None
            raise DontCloseSpider("requests in the shared queue")
        if self._others_busy():
            self._idle_since = self._idle_since or time.monotonic()
            if time.monotonic() - self._idle_since < self.max_idle_wait:
                raise DontCloseSpider("other workers have requests in flight")
            logger.warning("Gave up waiting for other workers after %.0f s idle", self.max_idle_wait)


class InflightSpiderMiddleware:
    """Settles a popped request whose callback yields no article, once its output (new
    requests) has gone to the scheduler. Articles are settled when written to the dump."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> "InflightSpiderMiddleware":
        return cls(crawler)

    def _settle(self, response: Any, items: int) -> None:
        tracker = getattr(self.crawler, "inflight", None)
        if tracker is not None and not items:
            tracker.response_settled(response)

    async def process_spider_output_async(self, response: Any, result: Any) -> Any:
        items = 0
        async for out in result:
            items += _is_item(out)
            yield out
        self._settle(response, items)

    def process_spider_output(self, response: Any, result: Any) -> Any:
        items = 0
        for out in result:
            items += _is_item(out)
            yield out
        self._settle(response, items)


def _is_item(out: Any) -> bool:
    return not (hasattr(out, "url") and hasattr(out, "callback"))  # requests have both


def _dumped_urls(folder: Path, run: str) -> set[str]:
    """The URLs of the articles a worker's dump holds (its complete lines; the .part file of a
    worker that died, or the dump it was salvaged into)."""
    from crawler.extensions import complete_lines

    urls: set[str] = set()
    for path in (folder / f"{run}.jsonl.part", folder / f"{run}.jsonl"):
        if path.is_file():
            for _, row in complete_lines(path):  # (a torn last line's article was not written)
                urls.add(row.get("url") or "")
                urls.update(row.get("pages") or [])
    return urls


def salvage_dead_parts(folder: Path, alive: Any, own_run: str) -> list[Path]:
    """Finish the ``.part`` dumps of workers that died (no heartbeat): their complete lines
    were flushed before their requests were settled, so they are articles nobody else has."""
    from crawler.extensions import finish_part

    salvaged = []
    for part in sorted(folder.glob("*.jsonl.part")):
        run = part.name[: -len(".jsonl.part")]
        if run == own_run or "-" not in run or alive(run):
            continue  # (a run id without a worker suffix is a one-process run: JOBDIR's business)
        final, kept = finish_part(part)
        salvaged.append(final)
        logger.warning("Salvaged %d articles from %s, the dump of a worker that died", kept, part.name)
    return salvaged
