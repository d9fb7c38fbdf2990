"""Symbol search, adding/removing/reordering, named watchlists, and their persistence."""

from __future__ import annotations

from textual.widgets import OptionList

from cryptotui.ui.screens.prompt import ConfirmScreen
from cryptotui.ui.screens.search import SearchScreen
from cryptotui.ui.screens.watchlists import WatchlistsScreen
from cryptotui.ui.services.search import search
from cryptotui.ui.services.watchlists import Watchlists
from cryptotui.ui.widgets.chart import Chart
from cryptotui.ui.widgets.watchlist import Watchlist
from tests.ui.helpers import enter_text, sim_feed_app
from tests.ui.market import sim_state


def test_fuzzy_search_ranks_base_asset_then_prefix_then_letters():
    state = sim_state(with_alerts=False)
    found = search("eth", state.info, state.info)
    assert found[:3] == ["ETHUSDT", "ETHFDUSD", "ETHBTC"]  # ETH pairs, common quotes first
    assert found.index("ETHFIUSDT") > 2  # a different asset that starts with ETH
    assert search("btcu", state.info, state.info)[0] == "BTCUSDT"
    assert search("dgusdt", state.info, state.info) == ["DOGEUSDT"]  # letters in order
    assert search("zzz", state.info, state.info) == []
    assert search("", state.info, state.info)[0] == "BTCUSDT"  # popular pairs by default


async def test_search_add_then_remove(sim_app):
    app = sim_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("a")
        assert isinstance(app.screen, SearchScreen)
        await pilot.press(*"eth")
        options = app.screen.query_one(OptionList)
        shown = [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert shown[:3] == ["ETHUSDT", "ETHFDUSD", "ETHBTC"]
        await enter_text(pilot, "link")
        wl = app.query_one(Watchlist)
        assert app.state.symbols[-1] == "LINKUSDT" and app.lists.symbols[-1] == "LINKUSDT"
        assert wl.selected_symbol == "LINKUSDT"
        assert app.query_one(Chart).symbol == "LINKUSDT"
        await pilot.press("d")
        await pilot.pause()
        assert "LINKUSDT" not in app.state.symbols and "LINKUSDT" not in app.lists.symbols
        assert any("LINKUSDT removed" in n.message for n in app._notifications)
        before = list(app.lists.symbols)
        wl.cursor = 1
        await pilot.press("d")  # from the middle: u puts it back in its place
        await pilot.pause()
        assert app.lists.symbols == before[:1] + before[2:]
        await pilot.press("u")
        await pilot.pause()
        assert app.lists.symbols == before and app.state.symbols == before
        assert wl.selected_symbol == before[1]
        await pilot.press("u")  # once only
        assert app.lists.symbols == before
        assert any("nothing to undo" in n.message for n in app._notifications)
        await pilot.press("a", "escape")
        assert not isinstance(app.screen, SearchScreen)


async def test_reorder_with_shift_j_and_k(sim_app):
    app = sim_app()
    async with app.run_test(size=(120, 40)) as pilot:
        wl = app.query_one(Watchlist)
        await pilot.press("J")
        await pilot.pause()
        assert app.state.symbols[:2] == ["ETHUSDT", "BTCUSDT"]
        assert wl.selected_symbol == "BTCUSDT"  # the selection moves with the symbol
        await pilot.press("K", "K")
        await pilot.pause()
        assert app.state.symbols[:2] == ["BTCUSDT", "ETHUSDT"]


async def test_create_switch_rename_delete_watchlists(sim_app):
    app = sim_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("w")
        assert isinstance(app.screen, WatchlistsScreen)
        await pilot.press("n")
        await enter_text(pilot, "alts")
        assert app.lists.active == "alts" and app.state.symbols == []
        await pilot.press("escape", "a")
        await enter_text(pilot, "sol")
        assert app.state.symbols == ["SOLUSDT"]
        assert "alts" in str(app.query_one(Watchlist).border_title)
        # Switch back to the default list (names are sorted: alts, default).
        await pilot.press("w", "down", "enter")
        assert app.lists.active == "default" and app.state.symbols[0] == "BTCUSDT"
        # Rename "alts" and delete it.
        await pilot.press("w")
        options = app.screen.query_one(OptionList)
        options.highlighted = app.lists.names.index("alts")
        await pilot.press("r")
        await enter_text(pilot, "alts-2")
        assert "alts-2" in app.lists.names and "alts" not in app.lists.names
        options.highlighted = app.lists.names.index("alts-2")
        await pilot.press("d")  # asks first: n keeps the list
        assert isinstance(app.screen, ConfirmScreen) and "alts-2" in app.screen.question
        await pilot.press("n")
        assert app.lists.names == ["alts-2", "default"] and isinstance(app.screen, WatchlistsScreen)
        await pilot.press("d", "y")
        assert app.lists.names == ["default"]
        await pilot.press("d")  # the last list cannot go
        assert app.lists.names == ["default"]
        assert any("last watchlist" in n.message for n in app._notifications)


async def test_watchlists_are_stored_and_restored(make_store, sim_app):
    store = make_store()
    lists = Watchlists(store, ["BTCUSDT", "ETHUSDT"])
    app = sim_app(sim_state(lists.symbols), store=store, lists=lists)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("w", "n")
        await enter_text(pilot, "majors")
        await pilot.press("escape", "a")
        await enter_text(pilot, "bnb")
        await pilot.press("a")
        await enter_text(pilot, "xrp")
    store.writer().flush(5)
    again = Watchlists(make_store(), ["SHOULD", "NOT", "BE", "USED"])
    assert again.active == "majors"
    assert again.lists == {"default": ["BTCUSDT", "ETHUSDT"], "majors": ["BNBUSDT", "XRPUSDT"]}


async def test_list_edits_show_at_once_while_the_feed_catches_up(tmp_path):
    """On the simulator through the feed thread (which subscribes a moment after an edit): a
    new empty list shows no rows of the previous one, switching back shows every row priced
    in one step, and an added symbol takes the cursor, so `K` moves that one."""
    from tests.conftest import until

    cfg = tmp_path / "config.toml"
    cfg.write_text("[demo]\nspeed = 20.0\n")
    symbols = ["BTCUSDT", "ETHUSDT", "BNBUSDT"]
    app = sim_feed_app(cfg, symbols, overview=True, lists=Watchlists(None, symbols))
    state = app.state
    async with app.run_test(size=(120, 40)) as pilot:
        wl = app.query_one(Watchlist)
        await until(lambda: all(r.version for r in state.rows()), timeout=30, what="prices")
        await until(lambda: "SOLUSDT" in state.tickers, timeout=30, what="the market's tickers")

        def shown() -> list[str]:
            return [i.row.symbol for i in wl.items]

        frames: list[tuple[str, list[str], bool]] = []
        """Every snapshot the pane took: (active list, its symbols, all priced)."""
        take = wl.update_items
        wl.update_items = lambda items, *a: (
            frames.append((app.lists.active, [i.row.symbol for i in items],
                           all(i.row.version for i in items))),
            take(items, *a),
        )[1]  # fmt: skip
        await pilot.press("w", "n")
        await enter_text(pilot, "empty")
        assert app.lists.active == "empty" and shown() == []
        await until(lambda: state.symbols == [], what="the feed to drop the old list")
        assert [f for f in frames if f[0] == "empty" and f[1]] == []
        await pilot.press("w")
        app.screen.query_one(OptionList).highlighted = app.lists.names.index("default")
        await pilot.press("enter")
        await until(lambda: state.symbols == symbols, what="the feed to watch the list again")
        last_empty = max(i for i, f in enumerate(frames) if f[0] == "empty")
        back = frames[last_empty + 1 :]
        assert back and all(f == ("default", symbols, True) for f in back)  # in one step
        await pilot.press("a")
        await enter_text(pilot, "sol")
        assert shown()[-1] == "SOLUSDT" and wl.selected_symbol == "SOLUSDT"
        await pilot.press("K")
        await pilot.pause()
        assert app.lists.symbols == ["BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT"]
        assert wl.selected_symbol == "SOLUSDT"


def test_demo_lists_file_round_trips_and_a_damaged_one_starts_afresh(tmp_path):
    from cryptotui.ui.services.demo_lists import DemoLists

    path = tmp_path / "demo-watchlists.json"
    lists = Watchlists(DemoLists(path), ["BTCUSDT"])
    lists.create("alts", ["SOLUSDT"])
    lists.add("XRPUSDT")
    lists.create("empty")  # an empty list is not kept, as in the database
    again = Watchlists(DemoLists(path), ["NOT", "USED"])
    assert again.lists == {"alts": ["SOLUSDT", "XRPUSDT"], "default": ["BTCUSDT"]}
    assert again.active == "alts"  # "empty" was not kept: the first list instead
    path.write_text('{"lists": [1, 2')
    assert Watchlists(DemoLists(path), ["BTCUSDT"]).lists == {"default": ["BTCUSDT"]}
