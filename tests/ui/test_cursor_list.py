"""CursorList (the watchlist's and alerts pane's base): the cursor scrolls the list with it."""

from __future__ import annotations

from rich.segment import Segment
from textual.app import App, ComposeResult
from textual.strip import Strip

from cryptotui.ui.widgets.cursor_list import CursorList


class Numbers(CursorList):
    HEADER_ROWS = 1

    def item_key(self, index: int) -> tuple:
        return (index,)

    def render_item(self, index: int, selected: bool, width: int) -> Strip:
        return Strip([Segment(f"{'>' if selected else ' '} item {index}".ljust(width))])


class ListApp(App):
    def compose(self) -> ComposeResult:
        yield Numbers()


async def test_cursor_below_the_last_visible_row_scrolls_the_list_and_back():
    app = ListApp()
    async with app.run_test(size=(30, 11)) as pilot:
        items = app.query_one(Numbers)
        items.set_count(100)
        items.focus()
        await pilot.pause()
        rows = items.size.height - items.HEADER_ROWS  # 10 item rows under the header
        for _ in range(25):
            await pilot.press("down")
        await pilot.pause()
        assert items.cursor == 25
        assert items.scroll_offset.y == 25 - rows + 1  # the cursor on the last visible row
        await pilot.press("home")
        await pilot.pause()
        assert (items.cursor, items.scroll_offset.y) == (0, 0)
        items.scroll_to(y=40, animate=False, immediate=True)  # Textual's own scrolling (wheel)
        await pilot.pause()
        assert items.scroll_offset.y == 40
