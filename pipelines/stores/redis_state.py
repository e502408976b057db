"""Redis backends of the crawl's shared state, behind the interfaces of the SQLite ones.

Used when several crawler processes share one frontier (``REDIS_URL``, README
"Distributed mode"). Scrapy-free: a redis-py client and plain data in, plain data out.

- ``RedisRepostIndex`` (for ``RepostIndex``): kept texts are visible to every worker the
  moment they are kept. Check-and-insert is one Lua script: a text is inserted only if
  no exact copy exists and no candidate appeared in its LSH buckets since the worker
  verified them; otherwise the worker re-checks (``RaceLost``). Two workers that see two
  copies of one article at the same moment therefore keep exactly one.
- ``RedisUrlStateStore`` (for ``UrlStateStore``): one key per URL, expiring after
  ``ttl`` seconds, so the per-URL state is bounded in time.
- ``RedisTemplateStore`` (for ``SiteTemplateStore``): line counts merged with HINCRBY,
  so workers add up their observations instead of overwriting each other's.

Key layout (``<p>`` is ``REDIS_PREFIX``): ``<p>:rp:params``, ``<p>:rp:next`` (doc
numbers), ``<p>:rp:doc`` (doc number -> article id, run, size, signature),
``<p>:rp:exact`` (exact hash -> doc number), ``<p>:rp:b:<bucket>`` (band key -> doc
numbers; 2**18 buckets keep each hash small enough for Redis' compact encoding),
``<p>:rp:runs`` (committed runs), ``<p>:url:<sha1>``, ``<p>:tpl:<site>:lines``,
``<p>:tpl:<site>:pages``.
"""

from __future__ import annotations

import hashlib
import json
import struct
import time
from dataclasses import dataclass, field
from typing import Any

from pipelines.stores.repost_index import PARAMS, Fingerprint, IndexMismatch, Match, RepostIndex, _Pending
from pipelines.stores.site_template import SiteTemplateModel
from pipelines.stores.url_state import UrlState

BUCKETS = 1 << 18
_DOC = struct.Struct("<16sI")  # article id (hex, 16 chars), size in shingles; then run, then signature


class RaceLost(RuntimeError):
    """Another worker kept a matching text between our check and our insert: check again."""


def _bucket(band_key: int) -> int:
    return band_key % BUCKETS


# KEYS: exact hash, doc hash, next-doc counter, then one bucket hash per band.
# ARGV: exact, doc payload, known doc numbers (comma-joined, "" for none), then band keys.
# Returns {"exact", docnum} | {"retry"} | {"ok", docnum}.
_CLAIM = """
local exact_owner = redis.call('HGET', KEYS[1], ARGV[1])
if exact_owner then return {'exact', exact_owner} end
local known = {}
for d in string.gmatch(ARGV[3], '[^,]+') do known[d] = true end
local nb = #KEYS - 3
for i = 1, nb do
  local docs = redis.call('HGET', KEYS[3 + i], ARGV[3 + i])
  if docs then
    for d in string.gmatch(docs, '[^,]+') do
      if not known[d] then return {'retry'} end
    end
  end
end
local doc = tostring(redis.call('INCR', KEYS[3]))
redis.call('HSET', KEYS[2], doc, ARGV[2])
redis.call('HSET', KEYS[1], ARGV[1], doc)
for i = 1, nb do
  local cur = redis.call('HGET', KEYS[3 + i], ARGV[3 + i])
  if cur then redis.call('HSET', KEYS[3 + i], ARGV[3 + i], cur .. ',' .. doc)
  else redis.call('HSET', KEYS[3 + i], ARGV[3 + i], doc) end
end
return {'ok', doc}
"""

# KEYS: exact hash, doc hash, then one bucket hash per band. ARGV: doc, exact, band keys.
_FORGET = """
if redis.call('HGET', KEYS[1], ARGV[2]) == ARGV[1] then redis.call('HDEL', KEYS[1], ARGV[2]) end
redis.call('HDEL', KEYS[2], ARGV[1])
for i = 3, #KEYS do
  local cur = redis.call('HGET', KEYS[i], ARGV[i])
  if cur then
    local left = {}
    for d in string.gmatch(cur, '[^,]+') do if d ~= ARGV[1] then table.insert(left, d) end end
    if #left == 0 then redis.call('HDEL', KEYS[i], ARGV[i]) else redis.call('HSET', KEYS[i], ARGV[i], table.concat(left, ',')) end
  end
end
return 1
"""


_RELEASE = "if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then redis.call('HDEL', KEYS[1], ARGV[1]) end return 1"


@dataclass
class RedisRepostIndex(RepostIndex):
    """A RepostIndex whose store is Redis and whose kept texts are shared at once."""

    client: Any = None
    prefix: str = "zhnews"
    run: str = ""
    alive: Any = None  # callable(run) -> bool: is the worker of that run still running?
    docnums: dict[str, int] = field(default_factory=dict)  # this run's kept article id -> doc number
    # The doc numbers the last find() verified, with the text they were for: add() follows
    # find() for the same text (DedupStage decides in between, without yielding).
    _known: tuple[int, set[str]] = (0, set())

    def _k(self, name: str) -> str:
        return f"{self.prefix}:rp:{name}"

    def open(self) -> "RedisRepostIndex":
        params = json.dumps(PARAMS, sort_keys=True)
        self.client.set(self._k("params"), params, nx=True)
        stored = self.client.get(self._k("params"))
        if stored is not None and stored.decode() != params:
            raise IndexMismatch(f"Redis {self.prefix}: repost index built with {stored.decode()}, this version uses {params}")
        self._claim = self.client.register_script(_CLAIM)
        self._forget = self.client.register_script(_FORGET)
        self._release = self.client.register_script(_RELEASE)
        return self

    def close(self) -> None:
        pass  # the client belongs to the caller

    # Runs: a run's texts are in the index from the moment they are kept; a run is
    # "committed" once its dump is in place. Recovery from dumps is a SQLite-store matter.
    def start_run(self, run: str) -> None:
        self.run = run

    def unfinished_runs(self) -> list[str]:
        return []

    def forget_run(self, run: str) -> None:
        pass

    def committed_runs(self) -> set[str]:
        return {r.decode() for r in self.client.hkeys(self._k("runs"))}

    # -- queries ---------------------------------------------------------------------

    def _candidates(self, fp: Fingerprint) -> set[bytes]:
        if not fp.signature:
            return set()
        keys = fp.band_keys
        pipe = self.client.pipeline(transaction=False)
        for key in keys:
            pipe.hget(self._k(f"b:{_bucket(key)}"), key)
        docs: set[bytes] = set()
        for value in pipe.execute():
            if value:
                docs.update(value.split(b","))
        return docs

    def _stale(self, aid: str, run: str, me: str | None) -> bool:
        """This very article, kept by a worker that died before dumping it: its request was
        put back in the queue and is being fetched again now, so the old entry is no evidence."""
        if me is None or aid != me or run == self.run or self.alive is None:
            return False
        return not self.client.hexists(self._k("runs"), run) and not self.alive(run)

    def find(self, fp: Fingerprint, article_id: str | None = None) -> Match | None:
        owner = self.client.hget(self._k("exact"), fp.exact)
        docs = self._candidates(fp)
        if owner:
            docs.add(owner)
        self._known = (fp.exact, {d.decode() for d in docs})
        if not docs:
            return None
        ordered = sorted(docs)
        rows = self.client.hmget(self._k("doc"), ordered)
        best: Match | None = None
        for doc, payload in zip(ordered, rows):
            if payload is None:
                continue
            aid, size, run, sig = self._unpack(payload)
            if self._stale(aid, run, article_id):
                if doc == owner:  # free the exact slot, or no worker could keep this text again
                    self._release(keys=[self._k("exact")], args=[fp.exact, doc])
                continue
            pending = run == self.run
            if doc == owner:
                return Match(aid, 1.0, "exact", pending)
            if sig:
                best = self._better(best, self._verify(fp, aid, size, sig, pending))
        return best

    @staticmethod
    def _pack(aid: str, fp: Fingerprint, run: str) -> bytes:
        run_b = run.encode()
        sig = fp.stored_signature if fp.signature else b""
        return _DOC.pack(aid.encode(), fp.size) + bytes([len(run_b)]) + run_b + sig

    @staticmethod
    def _unpack(payload: bytes) -> tuple[str, int, str, bytes]:
        aid, size = _DOC.unpack_from(payload)
        n = payload[_DOC.size]
        run = payload[_DOC.size + 1 : _DOC.size + 1 + n].decode()
        return aid.decode(), size, run, payload[_DOC.size + 1 + n :]

    # -- this run ----------------------------------------------------------------------

    def add(self, article_id: str, fp: Fingerprint) -> None:
        """Keep a text, atomically: raises RaceLost when another worker got there first."""
        keys = fp.band_keys
        known = self._known[1] if self._known[0] == fp.exact else set()
        self._known = (0, set())
        result = self._claim(
            keys=[self._k("exact"), self._k("doc"), self._k("next"), *(self._k(f"b:{_bucket(k)}") for k in keys)],
            args=[fp.exact, self._pack(article_id, fp, self.run), ",".join(sorted(known)), *keys],
        )
        if result[0] != b"ok":
            raise RaceLost(f"{article_id}: {result[0].decode()}")
        self.docnums[article_id] = int(result[1])
        self.pending[article_id] = _Pending.of(article_id, fp)

    def discard(self, article_id: str) -> None:
        p = self.pending.pop(article_id, None)
        doc = self.docnums.pop(article_id, None)
        if p is None or doc is None:
            return
        keys = list(p.bands)
        self._forget(
            keys=[self._k("exact"), self._k("doc"), *(self._k(f"b:{_bucket(k)}") for k in keys)],
            args=[doc, p.exact, *keys],
        )

    def replace(self, article_id: str, fp: Fingerprint) -> None:
        """The finaliser stripped late template lines: index the text as dumped. If the final text
        now matches another kept one, that one stands for it (the article is dumped all the same)."""
        if article_id in self.pending:
            self.discard(article_id)
            for _ in range(5):
                if self.find(fp, article_id) is not None:
                    return
                try:
                    self.add(article_id, fp)
                    return
                except RaceLost:
                    continue

    def commit(self, run: str, dump: str, article_ids: set[str] | None = None) -> int:
        """This run's dump is in place: texts kept but not dumped are withdrawn."""
        for aid in [a for a in self.pending if article_ids is not None and a not in article_ids]:
            self.discard(aid)
        n = len(self.pending)
        self.client.hset(self._k("runs"), run, json.dumps({"dump": dump, "articles": n}))
        self.pending.clear()
        self.docnums.clear()
        return n


class RedisUrlStateStore:
    """The UrlStateStore interface on Redis: one expiring key per URL."""

    def __init__(self, client: Any, prefix: str, ttl: float) -> None:
        self.client = client
        self.prefix = prefix
        self.ttl = int(ttl)

    def _key(self, url: str) -> str:
        return f"{self.prefix}:url:{hashlib.sha1(url.encode('utf-8')).hexdigest()[:20]}"

    def open(self) -> "RedisUrlStateStore":
        return self

    def close(self) -> None:
        pass

    def get(self, url: str) -> UrlState | None:
        raw = self.client.get(self._key(url))
        if raw is None:
            return None
        values = json.loads(raw)
        return UrlState(url, *values)

    def record(self, states: list[UrlState]) -> None:
        pipe = self.client.pipeline(transaction=False)
        for s in states:
            values = [s.canonical_url if s.canonical_url != s.url else s.url, s.article_id, s.content_hash,
                      s.fetched_at, s.etag, s.last_modified, s.dump]
            pipe.set(self._key(s.url), json.dumps(values, ensure_ascii=False, separators=(",", ":")), ex=self.ttl)
        pipe.execute()

    def touch(self, urls: list[str], when: float | None = None) -> None:
        for url in urls:
            state = self.get(url)
            if state is not None:
                self.record([UrlState(**{**vars(state), "fetched_at": when or time.time()})])


class RedisTemplateStore:
    """The SiteTemplateStore interface on Redis. Each worker loads the merged counts when it
    starts and adds what it observed (the difference) when it ends."""

    def __init__(self, client: Any, prefix: str) -> None:
        self.client = client
        self.prefix = prefix
        self._loaded: dict[str, dict[int, int]] = {}

    def _k(self, site: str, what: str) -> str:
        return f"{self.prefix}:tpl:{site}:{what}"

    def load(self, min_pages: int, max_lines_per_site: int = 200_000) -> SiteTemplateModel:
        model = SiteTemplateModel(min_pages=min_pages, max_lines_per_site=max_lines_per_site)
        for key in self.client.scan_iter(match=f"{self.prefix}:tpl:*:lines", count=1000):
            site = key.decode()[len(self.prefix) + 5 : -len(":lines")]
            counts = {int(k): int(v) for k, v in self.client.hgetall(key).items()}
            model.counts[site].update(counts)
            self._loaded[site] = dict(counts)
            model.seen_pages[site].update(int(p) for p in self.client.smembers(self._k(site, "pages")))
        return model

    def save(self, model: SiteTemplateModel) -> None:
        pipe = self.client.pipeline(transaction=False)
        for site in sorted(model.dirty):
            before = self._loaded.get(site, {})
            for key, n in model.counts[site].items():
                delta = n - before.get(key, 0)
                if delta > 0:
                    pipe.hincrby(self._k(site, "lines"), key, delta)
            if model.seen_pages[site]:
                pipe.sadd(self._k(site, "pages"), *model.seen_pages[site])
        pipe.execute()
        model.dirty.clear()


def worker_key(prefix: str, run: str) -> str:
    """The heartbeat key of the worker running ``run``: present while it runs (it expires)."""
    return f"{prefix}:worker:{run}"


class SharedState:
    """One Redis client and the state backends of one crawler process (worker)."""

    def __init__(self, url: str, prefix: str, run: str, url_ttl: float) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=10, health_check_interval=30)
        self.prefix = prefix
        self.run = run
        self.url_ttl = url_ttl

    def alive(self, run: str) -> bool:
        return bool(self.client.exists(worker_key(self.prefix, run)))

    def repost_index(self, threshold: float, containment_threshold: float) -> RedisRepostIndex:
        index = RedisRepostIndex(None, threshold, containment_threshold, client=self.client, prefix=self.prefix,
                                 run=self.run, alive=self.alive)
        return index.open()

    def url_states(self) -> RedisUrlStateStore:
        return RedisUrlStateStore(self.client, self.prefix, self.url_ttl)

    def templates(self) -> RedisTemplateStore:
        return RedisTemplateStore(self.client, self.prefix)


def shared_state(crawler: Any) -> SharedState:
    """The crawler's SharedState, made on first use (every stage of a worker shares it)."""
    state = getattr(crawler, "shared_state", None)
    if state is None:
        s = crawler.settings
        run = getattr(crawler.spider, "run_id", "") if crawler.spider else ""
        state = crawler.shared_state = SharedState(s.get("REDIS_URL"), s.get("REDIS_PREFIX"), run, s.getfloat("URL_STATE_TTL"))
    return state
