"""Named watchlists: the active one is what the feed watches and the watchlist pane shows.

The lists live in memory for the session and are written through to the store on every edit
(when one is open; the demo's go to a file of their own), so a restart restores them; which
list was active is remembered beside them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

DEFAULT_NAME = "default"


class ListStore(Protocol):
    """Where the lists are kept: the database (`UiStore`), or the demo's own file
    (`DemoLists`)."""

    def watchlists(self) -> dict[str, list[str]]: ...
    def save_watchlist(self, name: str, symbols: list[str]) -> None: ...
    def delete_watchlist(self, name: str) -> None: ...
    def active_watchlist(self) -> str | None: ...
    def set_active_watchlist(self, name: str) -> None: ...


class WatchlistError(ValueError):
    """An edit that cannot be made; the message is shown to the user as is."""


class Watchlists:
    def __init__(self, store: ListStore | None, default_symbols: Sequence[str]) -> None:
        self.store = store
        self.lists: dict[str, list[str]] = store.watchlists() if store is not None else {}
        active = store.active_watchlist() if store is not None else None
        if not self.lists:
            self.lists[DEFAULT_NAME] = list(default_symbols)
            self._save(DEFAULT_NAME)
        self.active = active if active in self.lists else next(iter(self.lists))

    @property
    def symbols(self) -> list[str]:
        return self.lists[self.active]

    @property
    def names(self) -> list[str]:
        return sorted(self.lists)

    def _save(self, name: str) -> None:
        if self.store is not None:
            self.store.save_watchlist(name, self.lists[name])

    # ------------------------------------------------------------------ the active list

    def add(self, symbol: str) -> bool:
        """Append `symbol` to the active list; False if it is there already."""
        if symbol in self.symbols:
            return False
        self.symbols.append(symbol)
        self._save(self.active)
        return True

    def remove(self, symbol: str) -> None:
        if symbol in self.symbols:
            self.symbols.remove(symbol)
            self._save(self.active)

    def move(self, symbol: str, delta: int) -> None:
        """Move `symbol` up (delta < 0) or down the active list, clamped at the ends."""
        syms = self.symbols
        if symbol not in syms:
            return
        i = syms.index(symbol)
        j = max(0, min(len(syms) - 1, i + delta))
        if i != j:
            syms.insert(j, syms.pop(i))
            self._save(self.active)

    # ------------------------------------------------------------------ the set of lists

    def _check_name(self, name: str) -> str:
        name = name.strip()
        if not name:
            raise WatchlistError("a watchlist needs a name")
        if len(name) > 40:
            raise WatchlistError("keep watchlist names to 40 characters")
        if name in self.lists:
            raise WatchlistError(f"there is already a watchlist called {name!r}")
        return name

    def create(self, name: str, symbols: Sequence[str] = ()) -> str:
        name = self._check_name(name)
        self.lists[name] = list(symbols)
        self._save(name)
        self.switch(name)
        return name

    def rename(self, old: str, new: str) -> str:
        new = self._check_name(new)
        self.lists[new] = self.lists.pop(old)
        self._save(new)
        if self.store is not None:
            self.store.delete_watchlist(old)
        if self.active == old:
            self.switch(new)
        return new

    def delete(self, name: str) -> None:
        if len(self.lists) == 1:
            raise WatchlistError("the last watchlist cannot be deleted; rename it instead")
        del self.lists[name]
        if self.store is not None:
            self.store.delete_watchlist(name)
        if self.active == name:
            self.switch(self.names[0])

    def switch(self, name: str) -> None:
        if name not in self.lists:
            raise WatchlistError(f"no watchlist called {name!r}")
        self.active = name
        if self.store is not None:
            self.store.set_active_watchlist(name)
