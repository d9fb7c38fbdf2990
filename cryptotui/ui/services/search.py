"""Fuzzy symbol search over every symbol the exchange lists (the `/` prompt).

Ranking, best first: exact symbol, base asset equal to the query (`eth` → ETHUSDT, ETHBTC, …),
symbol prefix, substring, then letters in order (`btcu` → BTCUSDT). Within a rank, popular
pairs, then pairs in common quote assets, then shorter and alphabetical names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from cryptotui.models import SymbolInfo
from cryptotui.ui.services.overview import POPULAR

QUOTE_ORDER = ("USDT", "USDC", "FDUSD", "BTC", "ETH", "BNB", "EUR", "TRY")


def _subsequence(query: str, text: str) -> bool:
    it = iter(text)
    return all(ch in it for ch in query)


def rank(query: str, symbol: str, info: SymbolInfo | None) -> int | None:
    """0 (best) … 4, or None when `symbol` does not match `query` (both upper-case)."""
    if symbol == query:
        return 0
    if info is not None and info.base_asset == query:
        return 1
    if symbol.startswith(query):
        return 2
    if query in symbol:
        return 3
    if _subsequence(query, symbol):
        return 4
    return None


def search(
    query: str,
    symbols: Iterable[str],
    info: Mapping[str, SymbolInfo],
    limit: int = 50,
) -> list[str]:
    """Best matches for `query` (case-insensitive); within a rank, halted symbols come last."""
    q = "".join(query.split()).upper()
    if not q:
        return [s for s in POPULAR if s in info or not info][:limit]
    popular = {s: i for i, s in enumerate(POPULAR)}
    scored = []
    for sym in symbols:
        si = info.get(sym)
        r = rank(q, sym, si)
        if r is None:
            continue
        quote = si.quote_asset if si is not None else ""
        halted = si is not None and not si.trading
        q_rank = QUOTE_ORDER.index(quote) if quote in QUOTE_ORDER else len(QUOTE_ORDER)
        scored.append((r, halted, popular.get(sym, len(popular)), q_rank, len(sym), sym))
    scored.sort()
    return [row[-1] for row in scored[:limit]]
