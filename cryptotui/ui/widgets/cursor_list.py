"""A line-API list with a cursor and one cached Strip per item, for panes that change often.

DataTable invalidates every cached line when one cell changes (~42 ms for 50 rows, measured);
here each item is re-rendered only when its `item_key` changes (~0.07 ms a line). Subclasses
say how an item looks (`render_item`), what makes it look different (`item_key`) and,
optionally, a header line that stays in place while the items scroll.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from cryptotui.ui.widgets.layered import layered

DIM = Style(dim=True)


class CursorList(ScrollView, can_focus=True):
    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("home,g", "cursor_home", "First", show=False),
        Binding("end,G", "cursor_end", "Last", show=False),
        Binding("pageup,ctrl+b", "cursor_page(-1)", "Page up", show=False),
        Binding("pagedown,ctrl+f", "cursor_page(1)", "Page down", show=False),
    ]
    ALLOW_MAXIMIZE = True
    HEADER_ROWS = 0
    EMPTY_TEXT = ""
    """Shown (dimmed) while the list has no items: what will appear, or how to add some."""

    cursor: reactive[int] = reactive(0)

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.count = 0
        self._cache: dict[int, tuple[tuple, Strip]] = {}
        self._styles: dict[tuple[str, ...], Style] = {}

    # ------------------------------------------------------------------ styles

    def style_of(self, *components: str) -> Style:
        """The widget's style with `components` (component classes, backgrounds first) laid
        over it (`layered`), cached.

        Textual computes these by walking the DOM (~0.1 ms each); a repaint of 50 rows asks
        for them hundreds of times, so they are kept until the CSS changes (theme, focus).
        """
        style = self._styles.get(components)
        if style is None:
            style = self._styles[components] = layered(self, *components)
        return style

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self._cache.clear()

    # ------------------------------------------------------------------ for subclasses

    def item_key(self, index: int) -> tuple:
        """Everything that changes how item `index` looks (its cached Strip is reused while
        this stays equal)."""
        raise NotImplementedError

    def render_item(self, index: int, selected: bool, width: int) -> Strip:
        raise NotImplementedError

    def render_header(self, width: int) -> Strip:
        return Strip.blank(width, self.rich_style)

    def cursor_moved(self, index: int) -> None:
        """Called when the cursor lands on an item (post a message here)."""

    # ------------------------------------------------------------------ updates

    def set_count(self, count: int) -> None:
        """The number of items changed (or their order): drop every cached line.

        Changing `virtual_size` makes Textual lay out the whole screen again (every pane
        repainted, ~100 ms at 160×48), which is only needed when the scrollbar appears or
        goes; otherwise the scroll range is updated in place.
        """
        self.count = count
        self._cache.clear()
        new = Size(self.size.width, count + self.HEADER_ROWS)
        rows = self.scrollable_content_region.height
        if rows and (self.virtual_size.height > rows) == (new.height > rows):
            self.set_reactive(ScrollView.virtual_size, new)
            if self.show_vertical_scrollbar:
                self.vertical_scrollbar.window_virtual_size = new.height
                self.vertical_scrollbar.refresh()
        else:
            self.virtual_size = new
        self.cursor = min(self.cursor, max(0, count - 1))
        self.refresh()

    def refresh_changed(self) -> int:
        """Refresh the lines whose key changed since they were drawn; returns how many."""
        changed = 0
        width = self.size.width
        for i in range(self.count):
            cached = self._cache.get(i)
            if cached is None or cached[0] != (*self.item_key(i), i == self.cursor, width):
                self.refresh_line(i + self.HEADER_ROWS)
                changed += 1
        return changed

    # ------------------------------------------------------------------ actions

    def action_cursor(self, delta: int) -> None:
        if self.count:
            self.cursor = max(0, min(self.count - 1, self.cursor + delta))

    def action_cursor_home(self) -> None:
        self.cursor = 0

    def action_cursor_end(self) -> None:
        self.cursor = max(0, self.count - 1)

    def action_cursor_page(self, direction: int) -> None:
        self.action_cursor(direction * max(1, self.size.height - self.HEADER_ROWS - 1))

    def watch_cursor(self, old: int, new: int) -> None:
        self.refresh_line(old + self.HEADER_ROWS)
        self.refresh_line(new + self.HEADER_ROWS)
        self._keep_visible(new)
        if self.count:
            self.cursor_moved(new)

    def _keep_visible(self, index: int) -> None:
        """Scroll just enough to show item `index` (not named `_scroll_to`: Textual's scrolling
        calls a method of that name on every widget)."""
        top = self.scroll_offset.y
        rows = max(1, self.size.height - self.HEADER_ROWS)
        if index < top:
            self.scroll_to(y=index, animate=False, immediate=True)
        elif index >= top + rows:
            self.scroll_to(y=index - rows + 1, animate=False, immediate=True)

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, self.count + self.HEADER_ROWS)
        self._cache.clear()

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < self.HEADER_ROWS:
            return
        index = offset.y - self.HEADER_ROWS + self.scroll_offset.y
        if 0 <= index < self.count:
            self.cursor = index

    # ------------------------------------------------------------------ rendering

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y < self.HEADER_ROWS:
            return self.render_header(width)
        index = y - self.HEADER_ROWS + self.scroll_offset.y
        if index >= self.count:
            base = self.style_of()
            if index == 0 and self.EMPTY_TEXT:
                return self.line([Segment(" " + self.EMPTY_TEXT, base + DIM)], width, base)
            return Strip.blank(width, base)
        selected = index == self.cursor
        key = (*self.item_key(index), selected, width)
        cached = self._cache.get(index)
        if cached is not None and cached[0] == key:
            return cached[1]
        strip = self.render_item(index, selected, width)
        self._cache[index] = (key, strip)
        return strip

    def line(self, segments: list[Segment], width: int, style) -> Strip:
        """Segments padded or cropped to the pane's width."""
        return Strip(segments).adjust_cell_length(width, style)
