"""Live outcome tracking across restarts: continue the stored track record and resolve the
outcomes of signals whose horizons closed while the app was not running.

Called once at start-up, before the streams open (nothing else touches the tracker then); the
outcomes it returns go to the writer like any the engine emits later.
"""

from __future__ import annotations

from pathlib import Path

from cryptotui.intervals import DAY
from cryptotui.stats.outcomes import Outcome, OutcomeTracker
from cryptotui.stats.record import RecordKey

CATCH_UP_DAYS = 30
"""Stored signals younger than this are picked up again if some outcome is missing."""
BASELINE_CANDLES = 1000
"""Closes before a resumed signal that its as-of baselines are counted over."""


def resume_tracking(path: Path, tracker: OutcomeTracker, now_ms: int) -> list[Outcome]:
    """Load the stored track record into `tracker`, then replay the stored candles after every
    open signal of the last `CATCH_UP_DAYS`: returns the outcomes that became known, and leaves
    the signals whose horizons are still open pending in the tracker."""
    from cryptotui.store.schema import open_db
    from cryptotui.store.track import candles_after, closes_before, open_signals, track_record_rows

    db = open_db(path)
    try:
        tracker.record.load(track_record_rows(db))
        out: list[Outcome] = []
        since = now_ms - CATCH_UP_DAYS * DAY
        for s in open_signals(db, since, len(tracker.horizons)):
            interval = s.interval or tracker.market_interval
            if interval is None:
                continue
            key = RecordKey(s.name, s.direction, s.symbol, interval)
            before = closes_before(db, s.symbol, interval, s.time, BASELINE_CANDLES)
            after = candles_after(db, s.symbol, interval, s.time, tracker.max_h + 1)
            out += tracker.resume(s.id, key, s.time, s.done, before, after)
        return out
    finally:
        db.close()
