"""SQLite history: closed candles, signals, alerts, outcomes and watchlists.

    settings = store_config(config, args.db)
    writer = open_writer(settings, on_problem=...)    # one per process
    feed.consumers.append(writer)                     # closed candles, Signals, Alerts
    ...
    writer.close()                                    # on shutdown: drains the queue

`schema` opens and migrates the file, `writer` is the one batched writer of the live path,
`live` builds it from `[store]` and prunes periodically, `queries` reads (`load_candles`,
`signal_history`), `retention` forgets old candles, `export` writes files, `backfill` fills
from REST. The commands that use them live in `cryptotui.commands`.
"""

from importlib import import_module
from typing import Any

_HOME = {
    "AlertRow": "records",
    "OutcomeRow": "records",
    "SignalRow": "records",
    "WatchlistRow": "records",
    "StoreConfig": "settings",
    "default_db_path": "settings",
    "store_config": "settings",
    "StoreError": "schema",
    "NotADatabase": "schema",
    "open_db": "schema",
    "Writer": "writer",
    "keep_pruned": "live",
    "open_writer": "live",
    "load_candles": "queries",
    "signal_history": "queries",
}
"""Public names → their module, imported on first use (PEP 562): importing a light part of the
package (`settings`, `records`: the command line needs them) must not pull in sqlite-utils,
which imports pandas."""

__all__ = sorted(_HOME)


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module 'cryptotui.store' has no attribute {name!r}")
    return getattr(import_module(f"cryptotui.store.{_HOME[name]}"), name)
