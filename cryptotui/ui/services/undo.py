"""The way back from the last removal: `d` acts at once and `u` undoes it for a while, instead
of a question before every removal (only removals that lose much, like a whole watchlist, ask
first)."""

from __future__ import annotations

import time
from collections.abc import Callable

UNDO_SECONDS = 10.0
"""How long `u` undoes a removal: as long as its toast is shown."""


class Undo:
    """One pending undo; a newer removal replaces it."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._pending: tuple[float, str, Callable[[], None]] | None = None

    def offer(self, label: str, undo: Callable[[], None]) -> None:
        self._pending = (self.clock() + UNDO_SECONDS, label, undo)

    def take(self) -> tuple[str, Callable[[], None]] | None:
        """(label, undo) if one is pending and not expired; it is then gone."""
        pending, self._pending = self._pending, None
        if pending is None or self.clock() > pending[0]:
            return None
        return pending[1], pending[2]
