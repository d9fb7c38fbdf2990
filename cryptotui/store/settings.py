"""The `[store]` section typed: the config loader checks its value types (from the defaults
file); the rules types cannot express are checked here, with messages in the loader's style.

Light on purpose (no SQLite imports): the command line imports it on every start.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
    """`config.raw["store"]` validated; `db` (the --db flag) wins over `store.path`.

    Raises ConfigError naming the setting and what to write instead.
    """
    raw: Mapping[str, Any] = config.raw["store"]
    if db is not None:
        path = Path(db).expanduser()
    elif raw["path"].strip():
        path = Path(raw["path"].strip()).expanduser()
    else:
        path = default_db_path()
    if raw["batch_rows"] < 1:
        raise ConfigError(f"store.batch_rows: {raw['batch_rows']} is not allowed; use 1 or more")
    if raw["batch_seconds"] <= 0:
        raise ConfigError(
            f"store.batch_seconds: {raw['batch_seconds']} is not allowed; use a number above 0"
        )
    if raw["max_pending_rows"] < raw["batch_rows"]:
        raise ConfigError(
            f"store.max_pending_rows: {raw['max_pending_rows']} is below store.batch_rows "
            f"({raw['batch_rows']}); make it at least batch_rows"
        )
    return StoreConfig(
        enabled=raw["enabled"],
        path=path,
        retention_days=parse_retention(raw["retention_days"]),
        batch_rows=raw["batch_rows"],
        batch_seconds=raw["batch_seconds"],
        max_pending_rows=raw["max_pending_rows"],
        catch_up_days=raw["catch_up_days"],
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
