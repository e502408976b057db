"""Log dropped items at INFO with their reason, not at WARNING with the whole item.

A crawl drops list, tag and error pages by design; a warning with a page of
HTML for each would bury real problems.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.logformatter import LogFormatter


class QuietDropLogFormatter(LogFormatter):
    def dropped(self, item: Any, exception: BaseException, response: Any, spider: Any) -> dict[str, Any]:
        url = item.get("url") if isinstance(item, dict) else getattr(item, "url", "?")
        return {
            "level": logging.INFO if getattr(exception, "expected", True) else logging.WARNING,
            "msg": "Dropped %(url)s: %(reason)s",
            "args": {"url": url, "reason": exception},
        }

    def scraped(self, item: Any, response: Any, spider: Any) -> dict[str, Any]:
        url = getattr(item, "url", None) or (item.get("url") if isinstance(item, dict) else "?")
        return {"level": logging.DEBUG, "msg": "Scraped %(url)s", "args": {"url": url}}
