"""The profile store (pipelines/stores/profiles.py): real SQLite, and its Redis twin on a real redis-server."""

from __future__ import annotations

import sqlite3

import pytest

from pipelines.stores.heal import check_store, heal
from pipelines.stores.profiles import ProfileStore, ProfileStoreError, RedisProfileStore
from pipelines.text.profile import Observation, ProfileBook

LOC = (("body", "", ""), ("div", "content_#", "content"))


def learned_book() -> ProfileBook:
    book = ProfileBook(min_pages=3, audit_every=10)
    site = book.site("cnmn")
    for k in range(3):
        book._learn(site, Observation(LOC, total=800 + k, missing=0, cut=((7, 12), (8, 3)), kept=(1, 2, 3), paragraphs=5, dated=True))
    book.report("cnmn", "http://www.cnmn.test/news/2024/1.html", "ok", None)
    book.dirty.add("cnmn")
    return book


def test_profiles_survive_a_save_and_a_load(tmp_path):
    book = learned_book()
    store = ProfileStore(tmp_path / "profiles.sqlite")
    store.save(book)
    assert not book.dirty
    again = store.load(ProfileBook(min_pages=3, audit_every=10))
    assert again.fast_profile("cnmn") == book.fast_profile("cnmn")
    assert again.fast_profile("cnmn").locators[0] == (LOC, frozenset({7, 8}))
    assert again.site("cnmn").article_shapes == {"/news/#/#.html": 1}
    assert set(store.sites()) == {"cnmn"}


def test_a_store_of_another_version_is_refused_and_healed_empty(tmp_path):
    path = tmp_path / "profiles.sqlite"
    ProfileStore(path).save(learned_book())
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value='site-profile/0' WHERE key='algorithm'")
    conn.close()
    with pytest.raises(ProfileStoreError, match="site-profile/0"):
        ProfileStore(path).load(ProfileBook())
    assert check_store("profiles", path).state == "other-version"
    rebuilt = heal(tmp_path, tmp_path / "dumps", ["profiles"])
    assert [r.store for r in rebuilt] == ["profiles"] and rebuilt[0].moved_to.exists()
    assert check_store("profiles", path).state == "ok"
    assert ProfileStore(path).load(ProfileBook()).sites == {}  # relearned from the next pages


def test_a_scribbled_store_is_unreadable_and_healed(tmp_path):
    path = tmp_path / "profiles.sqlite"
    ProfileStore(path).save(learned_book())
    data = bytearray(path.read_bytes())
    data[100:4000] = b"\xff" * 3900
    path.write_bytes(bytes(data))
    assert check_store("profiles", path).state == "unreadable"
    heal(tmp_path, tmp_path / "dumps", ["profiles"])
    assert ProfileStore(path).load(ProfileBook()).sites == {}


def test_the_redis_twin_keeps_profiles_and_drops_another_versions(redis_server):
    import redis

    client = redis.Redis.from_url(redis_server)
    book = learned_book()
    RedisProfileStore(client, "t").save(book)
    again = RedisProfileStore(client, "t").load(ProfileBook(min_pages=3, audit_every=10))
    assert again.fast_profile("cnmn") == learned_book().fast_profile("cnmn")
    client.set("t:prof:algorithm", "site-profile/0")
    store = RedisProfileStore(client, "t")
    assert store.load(ProfileBook()).sites == {} and store.dropped_other_version
    assert client.get("t:prof:algorithm").decode().startswith("site-profile/1")
