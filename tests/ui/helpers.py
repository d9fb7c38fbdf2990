"""Read what is on the (headless) screen as plain text."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from textual.app import App
from textual.widget import Widget


def screen_lines(app: App) -> list[str]:
    strips = app.screen._compositor.render_strips()
    return ["".join(seg.text for seg in strip) for strip in strips]


def screen_text(app: App) -> str:
    return "\n".join(screen_lines(app))


def widget_text(app: App, widget: Widget) -> str:
    """The text inside `widget`'s region on screen (borders included)."""
    r = widget.region
    return "\n".join(line[r.x : r.right] for line in screen_lines(app)[r.y : r.bottom])


def plain(renderable, width: int = 120) -> str:
    """A Rich renderable as plain text (content that may be scrolled out of view)."""
    from rich.console import Console

    console = Console(width=width, record=True, file=open(os.devnull, "w"))  # noqa: SIM115
    console.print(renderable)
    return console.export_text()


async def enter_text(pilot, text: str) -> None:
    """Put `text` into the focused Input and press Enter (typing key by key costs ~60 ms a
    character under Pilot; the tests that are about typing press the keys)."""
    pilot.app.focused.value = text
    await pilot.press("enter")


async def settle(app: App, pilot) -> None:
    """The app's workers done (store queries, snapshot pulls) and their results painted."""
    await app.workers.wait_for_complete()
    await pilot.pause()


def sim_feed_app(cfg: Path, symbols: Sequence[str], *, overview: bool = False, **kwargs):
    """The app as `--demo` runs it, on the config file `cfg`: the in-process simulator through
    a real feed thread into the app's state. `kwargs` go to `CryptoTUI`."""
    import asyncio

    from cryptotui.config import load_config
    from cryptotui.feed import feed_factory, serve
    from cryptotui.sources import SIMULATED, simulated
    from cryptotui.state import MarketState
    from cryptotui.ui.app import CryptoTUI
    from cryptotui.ui.feed_thread import FeedThread

    config = load_config(cfg, env={})
    state = MarketState(list(symbols))
    make = feed_factory(config, list(symbols), ["1m"], state=state, overview=overview)

    async def feed_main(stop: asyncio.Event) -> None:
        await serve(simulated(config), lambda ep: thread.attach(make(ep)), stop)

    thread = FeedThread(feed_main)
    return CryptoTUI(state, thread, source_label=SIMULATED, intervals=["1m"], **kwargs)
