"""Draw a candlestick chart into Strips: candles, overlays, volume, RSI/MACD, markers, axes.

Chosen over plotext by measurement (`python -m benchmarks ui`): plotext builds its whole canvas
as a string and the result is parsed again for colours (tens of ms per frame); this draws cells
straight into a character grid (a few ms at 160×48) and gets what plotext cannot do well in a
terminal cell:

- half-block candles: each cell holds two price steps (▀ ▄ █), wicks in box drawing (│ ╵ ╷);
- a body thinner than one half-cell is a doji and is drawn as a cross (┼ ┴ ┬ ─), never as a
  misleading one-step body;
- overlays (SMA/EMA/Bollinger, RSI, MACD lines) in braille dots, four steps per cell, behind the
  candles;
- pattern markers (▲ bullish under the low, ▼ bearish over the high, ◆ neutral);
- on demand, the chart patterns: support/resistance levels as dotted rows (┈), trendlines and
  formation outlines in braille, each formation's target as a dashed tick (╌) after the candle
  that confirmed it;
- on demand, the volume profile of the candles in view as a sideways histogram along the left
  edge, over the oldest candles (the longest bar, in the neutral style, is the point of control).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from cryptotui import fmt
from cryptotui.intervals import INTERVAL_MS
from cryptotui.models import Direction
from cryptotui.ui.services.chart_data import Drawings, Marker, Point

BRAILLE_LEFT = (0x01, 0x02, 0x04, 0x40)
BRAILLE_RIGHT = (0x08, 0x10, 0x20, 0x80)
EIGHTHS = " ▁▂▃▄▅▆▇█"
LEFT_EIGHTHS = " ▏▎▍▌▋▊▉█"
ZOOM_STEPS = (1, 2, 4)
"""Columns per candle: dense, candle + gap, three-wide body + gap."""
MA_MODES = ("sma", "ema", "both", "off")
DAY_MS = 86_400_000
MONTH_MS = 28 * DAY_MS
"""The shortest month: `1M` candles have no fixed length (intervals.py)."""
SUB_MODES = ("rsi", "macd", "off")


@dataclass(slots=True, frozen=True)
class ChartStyles:
    base: Style
    up: Style
    down: Style
    axis: Style
    muted: Style
    legend: Style
    sma: Style
    ema: Style
    bb: Style
    rsi: Style
    macd: Style
    signal: Style
    vol_up: Style
    vol_down: Style
    bull: Style
    bear: Style
    neutral: Style
    rise: Style
    """Text (legend values, the last-price tag) of a rising candle; `up` paints its body."""
    fall: Style


@dataclass(slots=True, frozen=True)
class ChartOptions:
    ma: str = "sma"
    bollinger: bool = False
    sub: str = "rsi"
    volume: bool = True
    step: int = 1
    patterns: bool = False
    """Support/resistance levels, trendlines and chart formations (with their targets)."""
    profile: bool = False
    """The volume profile of the candles in view, sideways along the left edge."""


@dataclass(slots=True, frozen=True)
class Layout:
    width: int
    height: int
    axis: int
    plot: int
    price_rows: int
    volume_rows: int
    sub_rows: int


def layout(width: int, height: int, opts: ChartOptions, label_width: int) -> Layout | None:
    """Split the area: legend, price, volume, sub-pane, time axis. None if too small to draw."""
    inner = height - 2
    volume = min(4, max(1, inner // 7)) if opts.volume and inner >= 8 else 0
    sub = min(8, max(3, inner // 4)) if opts.sub != "off" else 0
    if inner - volume - sub < 4:
        sub = 0
    price = inner - volume - sub
    axis = label_width + 1
    plot = width - axis
    if price < 2 or plot < 8:
        return None
    return Layout(width, height, axis, plot, price, volume, sub)


class Canvas:
    """A grid of cells (character, style), turned into Strips with equal-style runs merged."""

    def __init__(self, width: int, height: int, base: Style) -> None:
        self.width = width
        self.height = height
        self.chars = [[" "] * width for _ in range(height)]
        self.styles = [[base] * width for _ in range(height)]
        self.base = base

    def put(self, x: int, y: int, ch: str, style: Style) -> None:
        if 0 <= x < self.width and 0 <= y < self.height:
            self.chars[y][x] = ch
            self.styles[y][x] = style

    def empty(self, x: int, y: int) -> bool:
        return 0 <= x < self.width and 0 <= y < self.height and self.chars[y][x] == " "

    def text(self, x: int, y: int, text: str, style: Style) -> int:
        """Write `text` from column x (clipped); returns the column after it."""
        for ch in text:
            self.put(x, y, ch, style)
            x += 1
        return x

    def strips(self) -> list[Strip]:
        out = []
        for chars, styles in zip(self.chars, self.styles, strict=True):
            segments = []
            start = 0
            for x in range(1, self.width + 1):
                if x == self.width or styles[x] is not styles[start]:
                    segments.append(Segment("".join(chars[start:x]), styles[start]))
                    start = x
            out.append(Strip(segments, self.width))
        return out


class Braille:
    """Dots accumulated per cell (4 rows × 2 columns of dots each), drawn into empty cells."""

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int], tuple[int, Style]] = {}

    def dot(self, col: int, row4: int, right: bool, style: Style) -> None:
        key = (col, row4 // 4)
        bits = (BRAILLE_RIGHT if right else BRAILLE_LEFT)[row4 % 4]
        old = self.cells.get(key)
        self.cells[key] = ((old[0] if old else 0) | bits, style)

    def draw(self, canvas: Canvas, top: int) -> None:
        for (col, row), (bits, style) in self.cells.items():
            if canvas.empty(col, top + row):
                canvas.put(col, top + row, chr(0x2800 + bits), style)


def render_chart(
    points: Sequence[Point],
    markers: Sequence[Marker],
    width: int,
    height: int,
    opts: ChartOptions,
    styles: ChartStyles,
    decimals: int | None,
    interval: str,
    *,
    offset: int = 0,
    drawings: Drawings | None = None,
) -> list[Strip]:
    """The whole chart as `height` Strips of `width` cells.

    `offset` is how many candles the right edge is scrolled back from the newest one; `points`
    holds every candle of the series (the visible window is cut here, so indicator values
    computed over the full series stay exact at the left edge). `drawings` are shown with
    `opts.patterns`.
    """
    canvas = Canvas(width, height, styles.base)
    if not points:
        canvas.text(1, height // 2, "waiting for candles…", styles.axis)
        return canvas.strips()

    def price_fmt(price: float) -> str:
        return fmt.price(price, decimals)

    end = max(1, len(points) - offset)
    probe = layout(width, height, opts, 8)
    n = max(1, (probe.plot if probe else width) // opts.step)
    start = max(0, end - n)
    window = points[start:end]
    lo, hi = _range(window, opts)
    labels = max(len(price_fmt(hi)), len(price_fmt(lo)), 5)
    lay = layout(width, height, opts, labels)
    if lay is None:
        canvas.text(0, 0, "enlarge to see the chart", styles.axis)
        return canvas.strips()
    n = max(1, lay.plot // opts.step)
    start = max(0, end - n)
    window = points[start:end]
    lo, hi = _range(window, opts)

    top = 1
    _legend(canvas, window[-1], opts, styles, price_fmt, offset)
    _candles(canvas, window, lay, top, lo, hi, opts, styles)
    if opts.ma != "off" or opts.bollinger:
        _overlays(canvas, window, lay, top, lo, hi, opts, styles)
    if opts.profile:
        _profile(canvas, window, lay, top, lo, hi, styles)
    if opts.patterns and drawings is not None:
        _patterns(canvas, drawings, start, len(window), lay, top, lo, hi, opts, styles)
    _markers(canvas, markers, start, end, window, lay, top, lo, hi, opts, styles)
    _price_axis(canvas, window, lay, top, lo, hi, styles, price_fmt)
    row = top + lay.price_rows
    if lay.volume_rows:
        _volume(canvas, window, lay, row, opts, styles)
        row += lay.volume_rows
    if lay.sub_rows:
        if opts.sub == "rsi":
            _rsi(canvas, window, lay, row, opts, styles)
        else:
            _macd(canvas, window, lay, row, opts, styles, price_fmt)
        row += lay.sub_rows
    _time_axis(canvas, window, lay, height - 1, opts, styles, interval)
    return canvas.strips()


# ---------------------------------------------------------------------------------- pieces


def _range(window: Sequence[Point], opts: ChartOptions) -> tuple[float, float]:
    lo = min(p.candle.low for p in window)
    hi = max(p.candle.high for p in window)
    for p in window:
        for v in _overlay_values(p, opts):
            lo, hi = min(lo, v), max(hi, v)
    if hi <= lo:
        pad = abs(hi) * 0.001 or 1.0
        lo, hi = lo - pad, hi + pad
    return lo, hi


def _overlay_values(p: Point, opts: ChartOptions) -> list[float]:
    out = []
    if opts.ma in ("sma", "both") and p.sma is not None:
        out.append(p.sma)
    if opts.ma in ("ema", "both") and p.ema is not None:
        out.append(p.ema)
    if opts.bollinger and p.bb is not None:
        out.extend((p.bb[0], p.bb[2]))
    return [v for v in out if math.isfinite(v)]


def _scale(lo: float, hi: float, steps: int) -> Callable[[float], int]:
    """Price → step index from the top (0) to the bottom (steps - 1)."""
    span = hi - lo
    last = steps - 1

    def at(price: float) -> int:
        return min(last, max(0, round((hi - price) / span * last)))

    return at


def _columns(i: int, step: int) -> tuple[int, list[int]]:
    """(wick column, body columns) of the i-th visible candle."""
    x = i * step
    if step >= 4:
        return x + 1, [x, x + 1, x + 2]
    return x, [x]


def _candles(canvas, window, lay, top, lo, hi, opts, styles) -> None:
    steps = lay.price_rows * 2
    half = _scale(lo, hi, steps)
    step_price = (hi - lo) / (steps - 1)
    for i, p in enumerate(window):
        c = p.candle
        style = styles.up if c.close >= c.open else styles.down
        wick_x, body_xs = _columns(i, opts.step)
        wt, wb = half(c.high), half(c.low)
        # The body's height comes from the open-close distance itself (not from rounding both
        # ends), so a body thinner than one half-cell is a doji wherever it sits.
        body = round(abs(c.close - c.open) / step_price)
        if body == 0:
            _doji(canvas, wick_x, body_xs, top, wt, wb, half((c.open + c.close) / 2), style)
            continue
        bt = half(max(c.open, c.close))
        bb = min(steps - 1, bt + body - 1)
        for r in range(wt // 2, wb // 2 + 1):
            up, down = 2 * r, 2 * r + 1
            body_up, body_down = bt <= up <= bb, bt <= down <= bb
            if body_up or body_down:
                ch = "█" if body_up and body_down else "▀" if body_up else "▄"
                for x in body_xs:
                    canvas.put(x, top + r, ch, style)
            else:
                wick_up, wick_down = wt <= up <= wb, wt <= down <= wb
                ch = "│" if wick_up and wick_down else "╵" if wick_up else "╷"
                canvas.put(wick_x, top + r, ch, style)


def _profile(canvas, window, lay, top, lo, hi, styles) -> None:
    """Each candle's volume spread evenly over the price rows its range covers; bars up to a
    quarter of the plot wide, in eighths of a cell, drawn over the oldest candles in view (as
    charting platforms overlay it): behind them, the bars would hide where most volume traded."""
    half = _scale(lo, hi, lay.price_rows * 2)
    rows = [0.0] * lay.price_rows
    for p in window:
        c = p.candle
        first, last = half(c.high) // 2, half(c.low) // 2
        share = c.volume / (last - first + 1)
        for r in range(first, last + 1):
            rows[r] += share
    peak = max(rows) or 1.0
    eighths = max(1, lay.plot // 4) * 8
    poc = rows.index(max(rows))
    for r, v in enumerate(rows):
        n = round(v / peak * eighths)
        style = styles.neutral if r == poc else styles.muted
        for x in range(n // 8):
            canvas.put(x, top + r, "█", style)
        if n % 8:
            canvas.put(n // 8, top + r, LEFT_EIGHTHS[n % 8], style)


def _doji(canvas, wick_x, body_xs, top, wt, wb, body, style) -> None:
    """Open ≈ close: a cross at the price, with the wick leaving above and/or below."""
    row = body // 2
    above, below = wt < 2 * row, wb > 2 * row + 1
    ch = "┼" if above and below else "┴" if above else "┬" if below else "─"
    for r in range(wt // 2, wb // 2 + 1):
        if r != row:
            canvas.put(wick_x, top + r, "│", style)
    for x in body_xs:
        canvas.put(x, top + row, ch if x == wick_x else "─", style)


def _line(braille: Braille, values, lay, lo, hi, step, style) -> None:
    """A braille line through one value per candle, interpolated across the gap columns."""
    quarter = _scale(lo, hi, lay.price_rows * 4)
    _trace(braille, [(_columns(i, step)[0], v) for i, v in enumerate(values)], quarter, style)


def _trace(braille: Braille, xy: list[tuple[int, float | None]], to_row, style) -> None:
    for (x0, v0), (x1, v1) in zip(xy, [*xy[1:], (None, None)], strict=True):
        if v0 is None or not math.isfinite(v0):
            continue
        braille.dot(x0, to_row(v0), False, style)
        if x1 is None or v1 is None or not math.isfinite(v1):
            continue
        span = x1 - x0
        for k in range(2 * span - 1):  # right dot of x0, then both dots of the gap columns
            frac = (k + 1) / (2 * span)
            col = x0 + (k + 1) // 2
            braille.dot(col, to_row(v0 + (v1 - v0) * frac), k % 2 == 0, style)


def _overlays(canvas, window, lay, top, lo, hi, opts, styles) -> None:
    braille = Braille()
    if opts.bollinger:
        for band in (0, 2):
            values = [p.bb[band] if p.bb else None for p in window]
            _line(braille, values, lay, lo, hi, opts.step, styles.bb)
        if opts.ma not in ("sma", "both"):
            values = [p.bb[1] if p.bb else None for p in window]
            _line(braille, values, lay, lo, hi, opts.step, styles.bb)
    if opts.ma in ("sma", "both"):
        _line(braille, [p.sma for p in window], lay, lo, hi, opts.step, styles.sma)
    if opts.ma in ("ema", "both"):
        _line(braille, [p.ema for p in window], lay, lo, hi, opts.step, styles.ema)
    braille.draw(canvas, top)


def _patterns(canvas, drawings: Drawings, start, shown, lay, top, lo, hi, opts, styles) -> None:
    """Trendlines and formation outlines in braille, each formation's target as a dashed tick
    after its confirmation candle, and levels as dotted rows behind everything."""
    braille = Braille()
    quarter = _scale(lo, hi, lay.price_rows * 4)
    last = shown - 1

    def x(i: int) -> int:
        return _columns(i - start, opts.step)[0]

    for first, price, slope in drawings.lines:
        a = max(first, start)
        b = start + last
        if a <= b:
            ends = [(x(i), price + slope * (i - first)) for i in (a, b)]
            _trace(braille, ends, quarter, styles.muted)
    half = _scale(lo, hi, lay.price_rows * 2)
    for f in drawings.formations:
        if not start <= f.index <= start + last:
            continue
        style = styles.bull if f.direction is Direction.BULLISH else styles.bear
        if f.direction is Direction.NEUTRAL:
            style = styles.neutral
        run: list[tuple[int, float | None]] = []  # key points in order; a step back starts anew
        for i, price in f.points:
            if start <= i <= start + last:
                if run and x(i) < run[-1][0]:
                    _trace(braille, run, quarter, style)
                    run = []
                run.append((x(i), price))
        _trace(braille, run, quarter, style)
        if lo <= f.target <= hi:
            row = top + half(f.target) // 2
            for col in range(x(f.index) + 1, min(lay.plot, x(f.index) + 7)):
                if canvas.empty(col, row):
                    canvas.put(col, row, "╌", style)
    braille.draw(canvas, top)
    for price, role in drawings.levels:
        if lo <= price <= hi:
            row = top + half(price) // 2
            style = styles.bull if role is Direction.BULLISH else styles.bear
            for col in range(lay.plot):
                if canvas.empty(col, row):
                    canvas.put(col, row, "┈", style)


def _markers(canvas, markers, start, end, window, lay, top, lo, hi, opts, styles) -> None:
    half = _scale(lo, hi, lay.price_rows * 2)
    bottom = top + lay.price_rows - 1
    for m in markers:
        if not start <= m.index < end:
            continue
        i = m.index - start
        c = window[i].candle
        x = _columns(i, opts.step)[0]
        if m.direction is Direction.BULLISH:
            canvas.put(x, min(bottom, top + half(c.low) // 2 + 1), "▲", styles.bull)
        elif m.direction is Direction.BEARISH:
            canvas.put(x, max(top, top + half(c.high) // 2 - 1), "▼", styles.bear)
        else:
            canvas.put(x, top + half(c.close) // 2, "◆", styles.neutral)


def _price_axis(canvas, window, lay, top, lo, hi, styles, price_fmt) -> None:
    steps = lay.price_rows * 2 - 1
    x = lay.plot
    every = max(2, lay.price_rows // 5)
    for r in range(0, lay.price_rows, every):
        price = hi - (2 * r + 0.5) / steps * (hi - lo)
        canvas.text(x, top + r, " " + price_fmt(price).rjust(lay.axis - 1), styles.axis)
    last = window[-1].candle
    row = _scale(lo, hi, lay.price_rows * 2)(last.close) // 2
    tag = styles.rise if last.close >= last.open else styles.fall
    label = " " + price_fmt(last.close).rjust(lay.axis - 1)
    canvas.text(x, top + row, label, tag + Style(reverse=True))


def _volume(canvas, window, lay, row, opts, styles) -> None:
    peak = max((p.candle.volume for p in window), default=0.0) or 1.0
    eighths = lay.volume_rows * 8
    for i, p in enumerate(window):
        c = p.candle
        h = round(c.volume / peak * eighths)
        style = styles.vol_up if c.close >= c.open else styles.vol_down
        for k in range(lay.volume_rows):
            fill = max(0, min(8, h - 8 * k))
            if fill:
                for x in _columns(i, opts.step)[1]:
                    canvas.put(x, row + lay.volume_rows - 1 - k, EIGHTHS[fill], style)
    canvas.text(0, row, "Vol", styles.axis)
    canvas.text(lay.plot, row, " " + fmt.volume(peak).rjust(lay.axis - 1), styles.axis)


def _guide(canvas, row: int, lay, style) -> None:
    for x in range(lay.plot):
        if canvas.empty(x, row):
            canvas.put(x, row, "┈", style)


def _rsi(canvas, window, lay, row, opts, styles) -> None:
    quarter = _scale(0.0, 100.0, lay.sub_rows * 4)
    braille = Braille()
    values = [p.rsi for p in window]
    xy = [(_columns(i, opts.step)[0], v) for i, v in enumerate(values)]
    _trace(braille, xy, quarter, styles.rsi)
    braille.draw(canvas, row)
    for level in (70.0, 30.0):
        r = row + quarter(level) // 4
        _guide(canvas, r, lay, styles.muted)
        canvas.text(lay.plot, r, " " + f"{level:.0f}".rjust(lay.axis - 1), styles.axis)
    last = next((v for v in reversed(values) if v is not None), None)
    canvas.text(0, row, f"RSI 14 {last:.1f}" if last is not None else "RSI 14", styles.legend)


def _macd(canvas, window, lay, row, opts, styles, price_fmt) -> None:
    vals = [p.macd for p in window]
    nums = [abs(x) for v in vals if v is not None for x in v if math.isfinite(x)]
    peak = max(nums, default=1.0) or 1.0
    half = _scale(-peak, peak, lay.sub_rows * 2)
    zero = half(0.0)
    for i, v in enumerate(vals):
        if v is None:
            continue
        style = styles.vol_up if v[2] >= 0 else styles.vol_down
        a, b = sorted((zero, half(v[2])))
        for r in range(a // 2, b // 2 + 1):
            up, down = a <= 2 * r <= b, a <= 2 * r + 1 <= b
            ch = "█" if up and down else "▀" if up else "▄"
            for x in _columns(i, opts.step)[1]:
                canvas.put(x, row + r, ch, style)
    quarter = _scale(-peak, peak, lay.sub_rows * 4)
    braille = Braille()
    for k, style in ((0, styles.macd), (1, styles.signal)):
        xy = [(_columns(i, opts.step)[0], v[k] if v else None) for i, v in enumerate(vals)]
        _trace(braille, xy, quarter, style)
    braille.draw(canvas, row)
    _guide(canvas, row + zero // 2, lay, styles.muted)
    # Each value named, in its line's colour, with the price's decimals (MACD is in price units).
    x = canvas.text(0, row, "MACD 12 26 9", styles.legend)
    last = next((v for v in reversed(vals) if v is not None), None)
    if last is not None:
        hist_style = styles.rise if last[2] >= 0 else styles.fall
        sign = "+" if last[2] >= 0 else ""
        for name, text, style in (
            ("macd", price_fmt(last[0]), styles.macd),
            ("signal", price_fmt(last[1]), styles.signal),
            ("hist", sign + price_fmt(last[2]), hist_style),
        ):
            x = canvas.text(x, row, f"  {name} {text}", style)


LABEL_GAP = 6
"""Blank cells at least between two time-axis labels."""


def time_label(when: datetime, before: datetime | None, step_ms: int, crosses: bool) -> str:
    """The axis label of a candle opening at `when`, the label to its left opening at `before`
    (None: the first). Each says what changed since its neighbour, with the context to place
    it: intraday candles show the time, and the date too on the first label of each day (or
    of the window, when it spans days); daily and weekly ones the date, with the year when it
    turns; monthly ones year and month. `crosses`: the window spans more than its first
    label's day (intraday) or year (daily)."""
    if step_ms >= MONTH_MS:
        return when.strftime("%Y-%m")
    if step_ms >= DAY_MS:
        new_year = when.year != before.year if before is not None else crosses
        return when.strftime("%Y-%m-%d" if new_year else "%m-%d")
    new_day = when.date() != before.date() if before is not None else crosses
    return when.strftime("%m-%d %H:%M" if new_day else "%H:%M")


def _time_axis(canvas, window, lay, row, opts, styles, interval) -> None:
    step_ms = INTERVAL_MS.get(interval, MONTH_MS if interval == "1M" else DAY_MS)
    first = _utc(window[0].candle.open_time)
    last = _utc(window[-1].candle.open_time)
    crosses = first.date() != last.date() if step_ms < DAY_MS else first.year != last.year
    x_next = 0
    before: datetime | None = None
    for i, p in enumerate(window):
        x = _columns(i, opts.step)[0]
        if x < x_next:
            continue
        when = _utc(p.candle.open_time)
        label = "╵" + time_label(when, before, step_ms, crosses)
        if x + len(label) > lay.plot:
            break
        canvas.text(x, row, label, styles.axis)
        before = when
        x_next = x + len(label) + LABEL_GAP


def _utc(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def _legend(canvas, last: Point, opts, styles, price_fmt, offset) -> None:
    """OHLC, change and overlay values of the newest visible candle, as much as fits: the
    close and change first, then overlays, then open/high/low."""
    c = last.candle
    move = styles.rise if c.close >= c.open else styles.fall
    chunks: list[tuple[int, list[tuple[str, Style]]]] = []  # (priority, pieces), display order
    if offset:
        chunks.append((0, [(f"◀{offset} ", styles.axis)]))
    for prio, label, value in (
        (5, "O", c.open),
        (6, "H", c.high),
        (7, "L", c.low),
        (1, "C", c.close),
    ):
        chunks.append((prio, [(label, styles.axis), (price_fmt(value) + " ", move)]))
    if c.open:
        chunks.append((1, [(fmt.pct((c.close - c.open) / c.open * 100) + " ", move)]))
    if opts.ma in ("sma", "both") and last.sma is not None:
        chunks.append((2, [("SMA20 ", styles.sma), (price_fmt(last.sma) + " ", styles.sma)]))
    if opts.ma in ("ema", "both") and last.ema is not None:
        chunks.append((3, [("EMA20 ", styles.ema), (price_fmt(last.ema) + " ", styles.ema)]))
    if opts.bollinger and last.bb is not None:
        chunks.append((4, [("BB20,2 ", styles.bb)]))
    room = canvas.width
    keep: set[int] = set()
    for i in sorted(range(len(chunks)), key=lambda i: chunks[i][0]):
        width = sum(len(t) for t, _ in chunks[i][1])
        if width <= room:
            keep.add(i)
            room -= width
    x = 0
    for i, (_, pieces) in enumerate(chunks):
        if i in keep:
            for text, style in pieces:
                x = canvas.text(x, 0, text, style)
