"""Trend reversal: the Mann–Kendall trend test over the last closes flips with significance."""

from __future__ import annotations

from collections import deque

from cryptotui.indicators import MannKendall
from cryptotui.models import Candle, Direction, Signal
from cryptotui.patterns.base import CandleDetector, candle_detector, candle_signal


class TrendReversal(CandleDetector):
    """Bullish when the Mann–Kendall test over the last `window` closes becomes significantly
    increasing (two-sided p < `alpha`) after it was last significantly decreasing; bearish the
    other way round.

    The test's direction is remembered from its last significant window, so candles without a
    significant trend in between (the turn itself) do not reset it; each flip fires once, on
    the first candle whose window is significant the other way. Factors: `tau` (Kendall's tau,
    the trend strength: -1 … +1), `p`, `slope` (Sen's slope, price per candle), `z` (|z| of the
    test: the significance score) and `move` (Sen's slope over the window, as a fraction of the
    close).
    """

    name = "trend_reversal"
    __slots__ = ("alpha", "interval", "last", "opens", "symbol", "test", "window")

    def __init__(
        self, symbol: str, interval: str, *, window: int = 50, alpha: float = 0.01
    ) -> None:
        if not 0.0 < alpha < 1.0:
            raise ValueError(f"trend_reversal alpha must be between 0 and 1, got {alpha}")
        if window < 3:
            raise ValueError(f"trend_reversal window must be at least 3 candles, got {window}")
        self.symbol = symbol
        self.interval = interval
        self.window = window
        self.alpha = alpha
        self.test = MannKendall(window, slopes=False)  # the slope only when a signal fires
        self.last = 0
        """+1 / -1: direction of the last significant window; 0 before the first one."""
        self.opens: deque[int] = deque(maxlen=window)
        """Open times of the candles in the window: the signal spans them."""

    def on_candle(self, c: Candle) -> list[Signal]:
        value = self.test.update(c)
        self.opens.append(c.open_time)
        if value is None or value.p >= self.alpha or value.tau == 0.0:
            return []
        trend = 1 if value.tau > 0.0 else -1
        before, self.last = self.last, trend
        if before != -trend:
            return []
        z = abs(self.test.z)
        slope = self.test.sen_slope()
        factors = {
            "z": z,
            "tau": value.tau,
            "p": value.p,
            "slope": slope,
            "move": slope * (self.window - 1) / c.close if c.close else 0.0,
        }
        direction, word = (Direction.BULLISH, "up") if trend > 0 else (Direction.BEARISH, "down")
        description = (
            f"trend turned {word}: Mann-Kendall tau {value.tau:+.2f}, p {value.p:.2g} "
            f"over {self.window} candles"
        )
        return [candle_signal(self.name, direction, c, factors, description, self.opens[0])]


candle_detector("trend_reversal")(TrendReversal)
