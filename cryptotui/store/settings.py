"""The `[store]` section resolved for the writer: the database path (the --db flag, the
setting, or the platform default) and retention as a mapping. The config loader has checked
every value already.

Light on purpose (no SQLite imports): the command line imports it on every start.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from cryptotui.config import Config
from cryptotui.config.checks import parse_retention


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
    """`config.store` resolved for the writer; `db` (the --db flag) wins over `store.path`."""
    store = config.store
    if db is not None:
        path = Path(db).expanduser()
    elif store.path.strip():
        path = Path(store.path.strip()).expanduser()
    else:
        path = default_db_path()
    return StoreConfig(
        enabled=store.enabled,
        path=path,
        retention_days=parse_retention(store.retention_days),
        batch_rows=store.batch_rows,
        batch_seconds=store.batch_seconds,
        max_pending_rows=store.max_pending_rows,
        catch_up_days=store.catch_up_days,
    )
