"""Rates for the status bar and the health view, from the state's monotonically growing counters."""

from __future__ import annotations

import time
from dataclasses import dataclass

from cryptotui.state import MarketState


@dataclass(slots=True)
class Rates:
    messages_per_s: float = 0.0
    alerts: int = 0
    uptime_s: float = 0.0


class RateMeter:
    """Messages per second over the last ≥ 1 s window (sampled on the snapshot timer)."""

    def __init__(self, clock=time.monotonic) -> None:
        self._clock = clock
        self._last_messages = 0
        self._last_time = clock()
        self.rates = Rates()

    def sample(self, state: MarketState) -> Rates:
        now = self._clock()
        h = state.health
        elapsed = now - self._last_time
        if elapsed >= 1.0:
            self.rates.messages_per_s = (h.messages - self._last_messages) / elapsed
            self._last_messages, self._last_time = h.messages, now
        self.rates.alerts = h.alerts
        self.rates.uptime_s = now - state.started
        return self.rates
