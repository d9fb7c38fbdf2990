"""Market overview (movers, volume leaders, breadth, popular pairs) and the health view."""

from __future__ import annotations

import re
from dataclasses import replace

from rich.segment import Segment

from cryptotui.models import ConnectionStatus, ConnState, SymbolInfo, Ticker
from cryptotui.ui.services.overview import overview
from cryptotui.ui.widgets.health import Health
from cryptotui.ui.widgets.overview import MarketOverview
from tests.ui.helpers import widget_text


def tk(symbol: str, last: float, open_: float, quote_volume: float = 1e6) -> Ticker:
    return Ticker(symbol, 1, last, open_, last, open_, 1.0, quote_volume)


def info(symbol: str, quote: str, status: str = "TRADING") -> SymbolInfo:
    return SymbolInfo(symbol, status, symbol[: -len(quote)], quote, 0.01, 0.01, 2, 2)


def test_movers_breadth_and_filters():
    tickers = [
        tk("AUSDT", 110, 100),
        tk("BUSDT", 90, 100),
        tk("CUSDT", 101, 100, quote_volume=9e9),
        tk("DEADUSDT", 500, 100, quote_volume=10),  # illiquid: not a mover, still counted
        tk("HALTUSDT", 200, 100),  # halted
        tk("ABTC", 2, 1),  # another quote asset
        tk("BTCUSDT", 100, 100),
    ]
    infos = {t.symbol: info(t.symbol, "BTC" if t.symbol == "ABTC" else "USDT") for t in tickers}
    infos["HALTUSDT"] = info("HALTUSDT", "USDT", "BREAK")
    ov = overview(tickers, infos, n=2)
    assert [t.symbol for t in ov.gainers] == ["AUSDT", "CUSDT"]
    assert [t.symbol for t in ov.losers] == ["BUSDT"]  # unchanged pairs are neither
    assert [t.symbol for t in ov.volume] == ["CUSDT", "AUSDT"]
    assert (ov.up, ov.down, ov.total) == (3, 1, 5)
    assert ov.breadth == 0.6
    assert [t.symbol for t in ov.popular] == ["BTCUSDT"]
    # Without exchangeInfo the quote is recognised by its suffix.
    assert overview(tickers, {}, quote="BTC").total == 1


async def test_overview_pane_shows_every_section(sim_app):
    app = sim_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        text = widget_text(app, app.query_one(MarketOverview))
        for title in ("Breadth", "Top gainers", "Top losers", "Volume leaders", "Popular pairs"):
            assert title in text
        assert "of 16 USDT pairs" in text and "LINKUSDT" in text


async def test_health_view_shows_connections_latency_weight_and_database(sim_app):
    app = sim_app()
    state = app.state
    state.apply(ConnectionStatus(2, ConnState.BACKOFF, 5, 3, "server closed", 2.5))
    state.health = replace(
        state.health, reconnects=4, gap_fills=2, gap_candles=7,
        db_path="x.db", db_bytes=2_500_000, db_rows=1234, db_pending=5,
    )  # fmt: skip
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("f4")
        await pilot.pause()
        text = widget_text(app, app.query_one(Health))
        for expected in (
            "stream lag",
            "42 ms",
            "12,345 total",
            "reconnects",
            "4",
            "2 (7 candles, 0 holes)",
            "64/6000 per minute",
            "2.5 MB, 1,234 rows written, 5 queued",
            "backoff",
            "retry in 2.5 s server closed",
            "1h02m",
        ):
            assert expected in text, expected


REFUSED = "connection refused: [Errno 111] Connect call failed ('127.0.0.1', 9443)"


async def test_health_connections_keep_their_columns_and_whole_note_when_offline(sim_app):
    """A connection down with a long reason, one connecting, and no connection at all: every
    state is spelt out (never "…") and the reason is shown to its end, at the bottom pane's
    width at 160×48 and at 80×24 (where the troubled connections come first)."""
    for size in ((160, 48), (80, 24)):
        for conns in (
            [
                ConnectionStatus(1, ConnState.BACKOFF, 13, 4, REFUSED, 7.5),
                ConnectionStatus(2, ConnState.CONNECTING, 2, 1),
            ],
            [],
        ):
            app = sim_app()
            app.state.conns.clear()
            for c in conns:
                app.state.apply(c)
            async with app.run_test(size=size) as pilot:
                await pilot.press("f4")
                await pilot.pause()
                text = widget_text(app, app.query_one(Health))
                words = " ".join(text.replace("│", " ").split())
                expected = ("backoff", "connecting", "9443)", "retry in 7.5 s") if conns else (
                    "offline", "no connection",
                )  # fmt: skip
                for word in expected:
                    assert word in words, (size, word, text)
                table = text.split("stream lag")[0] if size == (80, 24) else text
                assert "…" not in table, (size, text)


async def test_overview_columns_stay_apart_on_screen_and_in_exported_runs(sim_app):
    """Symbol and value keep a blank between them, and every coloured value and every symbol
    begins its own run of cells: an SVG viewer that drops a run's leading blanks (librsvg
    does) would otherwise draw the next column against the value before it."""
    for size in ((160, 48), (120, 40), (80, 24)):
        app = sim_app()
        app.state.apply(tk("1000SATSUSDT", 111.97, 100))  # a long symbol, a wide value
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            pane = app.query_one(MarketOverview)
            region = pane.content_region
            strips = app.screen._compositor.render_strips()[region.y + 1 : region.bottom]
            for strip in strips:
                runs = list(Segment.simplify(strip.crop(region.x, region.right)))
                text = "".join(r.text for r in runs)
                assert not re.search(r"[A-Z][+-]\d|(USDT|BTC|FDUSD)\d", text), (size, text)
                for run in runs[1:]:
                    assert not run.text.startswith(" ") or not run.text.strip(), (size, runs)
