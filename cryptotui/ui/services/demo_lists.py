"""The demo's watchlists, kept between runs in a file of their own.

`--demo` records market data to a throwaway database (simulated prices must never mix with real
history), which used to take the watchlists made in the demo with it. They are kept here
instead, beside the real database but apart from it: the demo's symbols exist only in the
simulator, so they never land in the lists of a live session either.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import platformdirs


def default_demo_lists_path() -> Path:
    return platformdirs.user_data_path("cryptotui", appauthor=False) / "demo-watchlists.json"


class DemoLists:
    """The part of `UiStore` the `Watchlists` service uses, on a JSON file: `{"active": name,
    "lists": {name: [symbols]}}`, rewritten whole (and atomically) on every edit. A file that
    cannot be read starts the demo with its default list; one that cannot be written keeps the
    lists for this run only (the demo works either way)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            lists = data["lists"]
            self._lists: dict[str, list[str]] = {
                str(name): [str(s) for s in symbols] for name, symbols in lists.items()
            }
            self._active = str(data.get("active") or "")
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            self._lists, self._active = {}, ""

    def watchlists(self) -> dict[str, list[str]]:
        return {name: list(self._lists[name]) for name in sorted(self._lists)}

    def save_watchlist(self, name: str, symbols: list[str]) -> None:
        if symbols:
            self._lists[name] = list(symbols)
        else:
            self._lists.pop(name, None)  # as in the store: an empty list is no list
        self._write()

    def delete_watchlist(self, name: str) -> None:
        self.save_watchlist(name, [])

    def active_watchlist(self) -> str | None:
        return self._active or None

    def set_active_watchlist(self, name: str) -> None:
        self._active = name
        self._write()

    def _write(self) -> None:
        text = json.dumps({"active": self._active, "lists": self._lists}, indent=1)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            scratch = self.path.with_suffix(".tmp")
            scratch.write_text(text, encoding="utf-8")
            os.replace(scratch, self.path)
        except OSError:
            pass
