"""The `[store]` section resolved for the writer: the config loader checks its value types; the
rules types cannot express are checked here, with messages in the loader's style.

Light on purpose (no SQLite imports): the command line imports it on every start.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from cryptotui.config import Config, ConfigError
from cryptotui.intervals import INTERVALS


def default_db_path() -> Path:
    """`<user data dir>/cryptotui.db` (`appauthor=False`: no `cryptotui\\cryptotui` on Windows)."""
    return platformdirs.user_data_path("cryptotui", appauthor=False) / "cryptotui.db"


@dataclass(slots=True, frozen=True)
class StoreConfig:
    enabled: bool
    path: Path
    retention_days: Mapping[str, float]
    """Interval → days of candles kept; intervals absent are kept forever."""
    batch_rows: int
    batch_seconds: float
    max_pending_rows: int
    catch_up_days: float = 7.0
    """At start, candles missed since the newest stored one are fetched this far back."""


def store_config(config: Config, db: Path | None = None) -> StoreConfig:
    """`config.store` resolved for the writer; `db` (the --db flag) wins over `store.path`.

    Raises ConfigError naming the setting and what to write instead.
    """
    store = config.store
    if db is not None:
        path = Path(db).expanduser()
    elif store.path.strip():
        path = Path(store.path.strip()).expanduser()
    else:
        path = default_db_path()
    if store.batch_rows < 1:
        raise ConfigError(f"store.batch_rows: {store.batch_rows} is not allowed; use 1 or more")
    if store.batch_seconds <= 0:
        raise ConfigError(
            f"store.batch_seconds: {store.batch_seconds} is not allowed; use a number above 0"
        )
    if store.max_pending_rows < store.batch_rows:
        raise ConfigError(
            f"store.max_pending_rows: {store.max_pending_rows} is below store.batch_rows "
            f"({store.batch_rows}); make it at least batch_rows"
        )
    return StoreConfig(
        enabled=store.enabled,
        path=path,
        retention_days=parse_retention(store.retention_days),
        batch_rows=store.batch_rows,
        batch_seconds=store.batch_seconds,
        max_pending_rows=store.max_pending_rows,
        catch_up_days=store.catch_up_days,
    )


def parse_retention(entries: tuple[str, ...]) -> dict[str, float]:
    """`("1s=2", "1m=30")` → `{"1s": 2.0, "1m": 30.0}`; ConfigError on a malformed entry."""
    result: dict[str, float] = {}
    for entry in entries:
        interval, sep, days_text = entry.partition("=")
        interval = interval.strip()
        try:
            days = float(days_text)
        except ValueError:
            days = -1.0
        if not sep or interval not in INTERVALS or not (math.isfinite(days) and days >= 0):
            raise ConfigError(
                f'store.retention_days: {entry!r} is not INTERVAL=DAYS; write it like "1m=30" '
                f"with an interval among {', '.join(INTERVALS)} and 0 or more days"
            )
        result[interval] = days
    return result
