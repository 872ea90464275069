"""The five ways a network call can fail (DESIGN.md §3), raised by every connector.

Callers decide from the class alone, never from a network's own codes:
- Transient: the request was not processed; trying again later is safe.
- RateLimited: not processed; try again at `retry_at`, not before.
- AuthExpired: the connection must be reconnected by the owner; stop retrying it.
- Rejected: the network refused this content for good; tell the owner why and how to fix it.
- UnknownOutcome: it may have happened (timeout, reset, 5xx, Facebook codes 1/2);
  reconcile with the network before anything else, never retry blind.
The network's own code travels in `code` so that the French explanation table can be looked up.
"""

from __future__ import annotations

from datetime import datetime


class ConnectorError(Exception):
    def __init__(self, message: str = "", *, code: str = "", network: str = "") -> None:
        super().__init__(message or code or self.__class__.__name__)
        self.code = code
        self.network = network


class Transient(ConnectorError):
    pass


class RateLimited(ConnectorError):
    def __init__(
        self, message: str = "", *, retry_at: datetime, code: str = "", network: str = ""
    ) -> None:
        super().__init__(message, code=code, network=network)
        self.retry_at = retry_at


class AuthExpired(ConnectorError):
    pass


class Rejected(ConnectorError):
    pass


class UnknownOutcome(ConnectorError):
    pass
