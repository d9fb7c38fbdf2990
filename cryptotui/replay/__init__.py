"""Record the market as the client saw it, and play it back through the same code.

`recording` is the file (JSON Lines, optionally gzip'd, split by size) and its `Recorder`, which
writes it at the edges of `Stream` and `Rest` (their `Tap`); `player.Player` serves it back to
them in place of the network, deterministically at any speed; `series` rebuilds candle series
for backtests. Nothing is imported here, so reading a recording does not load httpx.
"""
