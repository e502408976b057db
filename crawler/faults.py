"""What went wrong with a request, as one short kind: the ``faults/<kind>`` stats key.

Every fault a crawl meets ends in one of three outcomes (README "Hostile web"):
retried with backoff (``faults/<kind>`` counts each attempt that failed, then
``faults/recovered`` or the final failure), skipped with a logged reason, or
extracted when the content allows it. This module only names faults; the
middlewares and the spider count them.
"""

from __future__ import annotations

from typing import Any

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    NotSupported,
    ResponseDataLossError,
    UnsupportedURLSchemeError,
)
from twisted.internet import error as tx_error
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived


class Fault(IgnoreRequest):
    """A request given up on for a named reason, raised by our own middlewares."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind


def _kind_of_ignore(exc: IgnoreRequest, request: Any) -> str:
    message = str(exc).lower()
    if "robots.txt" in message:
        return "robots_disallowed"
    if "max redirections" in message:
        return "redirect_loop"
    if "during decompression" in message:
        return "decompression_bomb"  # HttpCompressionMiddleware stops inflating at DOWNLOAD_MAXSIZE
    if "maxsize" in message:
        return "too_large"
    if "offsite" in message or "filtered offsite" in message:
        return "offsite_redirect" if request is not None and request.meta.get("redirect_urls") else "offsite"
    return "ignored"


def fault_kind(exc: BaseException, request: Any = None) -> str:
    """The fault kind of an exception from the download path (the errback's ``failure.value``)."""
    kind = getattr(exc, "kind", None)
    if isinstance(kind, str):
        return kind
    response = getattr(exc, "response", None)
    if response is not None and getattr(response, "status", None):  # HttpError after the retries
        status = response.status
        if 300 <= status < 400:
            # RedirectMiddleware hands a redirect to a non-http(s) scheme back as the response.
            return "redirect_bad_scheme"
        return f"http_{status}"
    if isinstance(exc, IgnoreRequest):
        return _kind_of_ignore(exc, request)
    if isinstance(exc, (DownloadTimeoutError, tx_error.TimeoutError, tx_error.TCPTimedOutError)):
        return "timeout"
    if isinstance(exc, DownloadCancelledError):
        return "too_large"  # the handler cancels a body past DOWNLOAD_MAXSIZE
    if isinstance(exc, ResponseDataLossError):
        # Fewer bytes than Content-Length: a reset (RST) mid-body, or a close (FIN) too early.
        reasons = getattr(exc.__cause__, "reasons", None) or []
        reset = any(r.check(tx_error.ConnectionLost) for r in reasons if hasattr(r, "check"))
        return "connection_reset" if reset else "truncated"
    if isinstance(exc, (ResponseFailed, ResponseNeverReceived, tx_error.ConnectionLost, DownloadFailedError)):
        return "connection_lost"
    if isinstance(exc, (DownloadConnectionRefusedError, tx_error.ConnectionRefusedError)):
        return "connection_refused"
    if isinstance(exc, (CannotResolveHostError, tx_error.DNSLookupError)):
        return "dns"
    if isinstance(exc, (NotSupported, UnsupportedURLSchemeError)):
        return "bad_scheme"
    return type(exc).__name__.lower()
