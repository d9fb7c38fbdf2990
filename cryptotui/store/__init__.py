"""SQLite history: closed candles, signals, alerts, outcomes and watchlists.

    writer = Writer(store_config(config).path, on_problem=...)   # one per process
    feed.consumers.append(writer)                                # stores closed candles
    writer.put(SignalRow(...)); writer.close()                   # on shutdown

`schema` opens and migrates the file, `writer` is the one batched writer of the live path,
`queries` reads (`load_candles`, `signal_history`), `retention` forgets old candles, `export`
writes files, `backfill` fills from REST, `commands` holds the CLI subcommands.
"""

from cryptotui.store.queries import load_candles, signal_history
from cryptotui.store.records import AlertRow, OutcomeRow, SignalRow, WatchlistRow
from cryptotui.store.schema import StoreError, default_db_path, open_db
from cryptotui.store.settings import StoreConfig, store_config
from cryptotui.store.writer import Writer

__all__ = [
    "AlertRow",
    "OutcomeRow",
    "SignalRow",
    "StoreConfig",
    "StoreError",
    "WatchlistRow",
    "Writer",
    "default_db_path",
    "load_candles",
    "open_db",
    "signal_history",
    "store_config",
]
