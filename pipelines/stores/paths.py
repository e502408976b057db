"""Where a crawl keeps its state and its dumps: one home for the STATE_DIR and DUMPS_DIR rules.

Scrapy-free: ``settings`` is anything with ``get(name)`` (Scrapy's Settings, a dict).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

# The SQLite stores in STATE_DIR, by the names the stats, the manifest and `scrapy state` use.
STORE_FILES = {
    "reposts": "reposts.sqlite",
    "urls": "urls.sqlite",
    "templates": "templates.sqlite",
    "profiles": "profiles.sqlite",
    "site_metadata": "site_metadata.sqlite",
}


def state_dir(settings: Any) -> Path:
    return Path(settings.get("STATE_DIR") or ".state")


def store_path(settings: Any, store: str) -> Path:
    """``STATE_DIR/<store>.sqlite`` for one of ``STORE_FILES``."""
    return state_dir(settings) / STORE_FILES[store]


def dumps_root(settings: Any) -> Path:
    return Path(settings.get("DUMPS_DIR") or "dumps")


def dump_folder(settings: Any, spider_name: str) -> Path:
    """``DUMPS_DIR/<spider>``, absolute: where a spider's runs leave dumps, manifests, archives."""
    return dumps_root(settings).resolve() / spider_name
