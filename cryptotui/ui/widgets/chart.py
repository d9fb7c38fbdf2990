"""The chart pane: candles of the selected symbol and interval with volume, overlays, an RSI or
MACD sub-pane, alert markers, (key p) the chart patterns and (key r) the volume profile; keys
scroll and zoom through the held history.

The app calls `show` only when the series changed (a candle closed or the forming one moved),
at most once per snapshot; the widget draws the whole chart once into Strips (`candles.py`)
and serves `render_line` from them until data, size, options or position change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from cryptotui import fmt
from cryptotui.ui.messages import AlertAtPrice
from cryptotui.ui.services.chart_data import Drawings, Marker, Point
from cryptotui.ui.widgets.candles import (
    MA_MODES,
    SUB_MODES,
    ZOOM_STEPS,
    ChartOptions,
    ChartStyles,
    render_chart,
)
from cryptotui.ui.widgets.layered import layered


class Chart(Widget, can_focus=True):
    BINDINGS = [
        Binding("left,h", "scroll_candles(1)", "Back", show=False),
        Binding("right,l", "scroll_candles(-1)", "Forward", show=False),
        Binding("pageup,H", "scroll_page(1)", "Page back", show=False),
        Binding("pagedown,L", "scroll_page(-1)", "Page forward", show=False),
        Binding("home", "oldest", "Oldest", show=False),
        Binding("end", "live", "Live"),
        Binding("plus,equals_sign", "zoom(1)", "Zoom in"),
        Binding("minus", "zoom(-1)", "Zoom out"),
        Binding("m", "cycle_ma", "MA", tooltip="SMA 20 → EMA 20 → both → none"),
        Binding("b", "toggle_bollinger", "Bollinger", tooltip="20, 2σ bands"),
        Binding("i", "cycle_sub", "RSI/MACD", tooltip="sub-pane: RSI 14 → MACD 12 26 9 → none"),
        Binding("v", "toggle_volume", "Volume"),
        Binding(
            "p",
            "toggle_patterns",
            "Patterns",
            tooltip="support/resistance levels, trendlines, chart formations and their targets",
        ),
        Binding("r", "toggle_profile", "Profile", tooltip="volume profile of the candles in view"),
        Binding(
            "c", "alert", "Alert", tooltip="when the symbol crosses the close the legend shows"
        ),
    ]
    ALLOW_MAXIMIZE = True
    COMPONENT_CLASSES = {
        "chart--up",
        "chart--down",
        "chart--axis",
        "chart--muted",
        "chart--legend",
        "chart--sma",
        "chart--ema",
        "chart--bb",
        "chart--rsi",
        "chart--macd",
        "chart--signal",
        "chart--vol-up",
        "chart--vol-down",
        "chart--bull",
        "chart--bear",
        "chart--neutral",
        "chart--rise",
        "chart--fall",
    }

    options: reactive[ChartOptions] = reactive(ChartOptions, always_update=True)
    scrolled_back: reactive[int] = reactive(0)
    """Candles the right edge is scrolled back from the newest (0: follow live). Not named
    `offset`: that is every Textual widget's CSS offset."""

    class OlderWanted(Message):
        """Scrolled to the oldest candle held: the app may fetch older ones from the store."""

    class PatternsWanted(Message):
        """Pattern drawings were switched on: the app supplies them with the next `show`."""

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.symbol = ""
        self.interval = ""
        self.points: Sequence[Point] = ()
        self.markers: Sequence[Marker] = ()
        self.drawings: Drawings | None = None
        self.decimals: int | None = None
        self._strips: list[Strip] | None = None
        self._drawn_for: tuple = ()
        self._chart_styles: ChartStyles | None = None
        self.renders = 0
        """How many times the chart was drawn (tests and the benchmark read it)."""

    def show(
        self,
        symbol: str,
        interval: str,
        points: Sequence[Point],
        markers: Sequence[Marker],
        decimals: int | None,
        drawings: Drawings | None = None,
    ) -> None:
        """New data for the chart; redrawn on the next paint. `drawings`: the patterns to
        show when they are switched on (None: none known)."""
        same_series = (symbol, interval) == (self.symbol, self.interval)
        if same_series and self.scrolled_back and self.points and points:
            # Scrolled back: keep the same candles in view as new ones arrive.
            grown = len(points) - len(self.points)
            if grown > 0 and points[0].candle.open_time == self.points[0].candle.open_time:
                self.set_reactive(Chart.scrolled_back, self.scrolled_back + grown)
        elif not same_series:
            self.set_reactive(Chart.scrolled_back, 0)
        self.symbol, self.interval = symbol, interval
        self.points, self.markers, self.decimals = points, markers, decimals
        self.drawings = drawings
        title = Text.assemble(("Chart ", "bold"), fmt.safe(symbol), " · ", interval)
        self.border_title = title
        self._strips = None
        self.refresh()

    # ------------------------------------------------------------------ actions

    def _visible(self) -> int:
        return max(1, (self.size.width - 10) // self.options.step)

    def action_scroll_candles(self, direction: int) -> None:
        self._scroll(direction * max(1, self._visible() // 10))

    def action_scroll_page(self, direction: int) -> None:
        self._scroll(direction * max(1, self._visible() - 2))

    def _scroll(self, delta: int) -> None:
        limit = max(0, len(self.points) - 1)
        self.scrolled_back = max(0, min(limit, self.scrolled_back + delta))
        if delta > 0 and self.scrolled_back >= limit - self._visible():
            self.post_message(self.OlderWanted())

    def action_oldest(self) -> None:
        self._scroll(len(self.points))

    def action_live(self) -> None:
        self.scrolled_back = 0

    def action_zoom(self, direction: int) -> None:
        steps = ZOOM_STEPS
        i = steps.index(self.options.step) if self.options.step in steps else 0
        i = max(0, min(len(steps) - 1, i + direction))
        self.options = replace(self.options, step=steps[i])

    def action_cycle_ma(self) -> None:
        mode = MA_MODES[(MA_MODES.index(self.options.ma) + 1) % len(MA_MODES)]
        self.options = replace(self.options, ma=mode)

    def action_toggle_bollinger(self) -> None:
        self.options = replace(self.options, bollinger=not self.options.bollinger)

    def action_cycle_sub(self) -> None:
        mode = SUB_MODES[(SUB_MODES.index(self.options.sub) + 1) % len(SUB_MODES)]
        self.options = replace(self.options, sub=mode)

    def action_toggle_volume(self) -> None:
        self.options = replace(self.options, volume=not self.options.volume)

    def action_toggle_patterns(self) -> None:
        self.options = replace(self.options, patterns=not self.options.patterns)
        if self.options.patterns:
            self.post_message(self.PatternsWanted())

    def action_alert(self) -> None:
        """The rule form for the newest visible candle's close (the legend's C)."""
        if self.points:
            shown = self.points[max(0, len(self.points) - 1 - self.scrolled_back)]
            self.post_message(AlertAtPrice(self.symbol, shown.candle.close))

    def action_toggle_profile(self) -> None:
        self.options = replace(self.options, profile=not self.options.profile)

    def watch_options(self) -> None:
        o = self.options
        parts = [f"zoom {o.step}", o.ma.upper() if o.ma != "off" else "no MA"]
        if o.bollinger:
            parts.append("BB")
        if o.sub != "off":
            parts.append(o.sub.upper())
        if o.patterns:
            parts.append("patterns")
        if o.profile:
            parts.append("profile")
        self.border_subtitle = " · ".join(parts)
        self._strips = None
        self.refresh()

    def watch_scrolled_back(self) -> None:
        self._strips = None
        self.refresh()

    # ------------------------------------------------------------------ rendering

    def _styles(self) -> ChartStyles:
        """Styles from the component classes; computed once per CSS change (~0.2 ms each)."""
        if self._chart_styles is not None:
            return self._chart_styles

        def get(name: str) -> Style:
            return layered(self, f"chart--{name}")

        self._chart_styles = ChartStyles(
            base=self.rich_style,
            up=get("up"),
            down=get("down"),
            axis=get("axis"),
            muted=get("muted"),
            legend=get("legend"),
            sma=get("sma"),
            ema=get("ema"),
            bb=get("bb"),
            rsi=get("rsi"),
            macd=get("macd"),
            signal=get("signal"),
            vol_up=get("vol-up"),
            vol_down=get("vol-down"),
            bull=get("bull"),
            bear=get("bear"),
            neutral=get("neutral"),
            rise=get("rise"),
            fall=get("fall"),
        )
        return self._chart_styles

    def render_line(self, y: int) -> Strip:
        width, height = self.size.width, self.size.height
        key = (width, height)
        if self._strips is None or self._drawn_for != key:
            self._strips = render_chart(
                self.points,
                self.markers,
                width,
                height,
                self.options,
                self._styles(),
                self.decimals,
                self.interval,
                offset=self.scrolled_back,
                drawings=self.drawings,
            )
            self._drawn_for = key
            self.renders += 1
        return self._strips[y] if y < len(self._strips) else Strip.blank(width, self.rich_style)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips = None
        self._chart_styles = None
