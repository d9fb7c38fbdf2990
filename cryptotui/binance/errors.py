"""The one base class of what the exchange adapter raises when a request does not succeed."""

from __future__ import annotations


class ExchangeError(Exception):
    """A request to the exchange did not succeed: refused (`rest.BinanceError`), the IP banned
    (`limits.IpBanned`) or the exchange unreachable after retries (`rest.RestUnavailable`).
    Code that reports the problem and carries on catches this; code that must tell them apart
    catches the subclass. The message always says what to do."""
