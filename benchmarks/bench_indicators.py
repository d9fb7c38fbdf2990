"""Indicator throughput: cryptotui's incremental indicators, compiled (mypyc) and pure Python,
against the streaming anchors (`talib.stream`, ferro-ta's Rust streaming classes, talipp) and
TA-Lib batch (C over whole arrays, the floor), on one generated 200,000-candle series; and peak
memory of the full set at 50k vs 200k candles (it must not grow with the series).

The headline is the set of 16 indicators every anchor has (`SET16`), updated one closed candle at
a time in one loop, as the engine drives them. `talib.stream` computes the newest value of a
window it is handed: it is given views of the trailing `STREAM_WINDOW` candles (its cost grows
with the window; the longest lookback in the set, TEMA's 57, needs 58).

The opt-in window statistics (`mk`, `hp`, `vp`) and the `trend_reversal` detector are timed on
the first 20,000 candles against what a chart would otherwise do on every candle: recompute
from scratch, with the oracle the tests compare against (pymannkendall, statsmodels' hpfilter on
the whole prefix, a vectorised numpy profile) and, for Mann–Kendall, a plain pure-Python O(N²)
recompute of S and Sen's slope.

talipp is timed on a prefix (it is the slow one) and reported per candle like the others. Its
closest equivalents are used: Stoch(14, 3) is the fast %K with a 3-candle %D (cryptotui and
TA-Lib compute the slow 14/3/3), VWAP is cumulative from the first candle (cryptotui's restarts
at 00:00 UTC), ADX(14, 14) is Wilder's ADX.
"""

from __future__ import annotations

import gc
import random
import time
import tracemalloc
from collections.abc import Callable, Iterator
from functools import partial

import ferro_ta._ferro_ta as ferro
import numpy as np
import pymannkendall
import talib
from statsmodels.tsa.filters.hp_filter import hpfilter
from talib import stream
from talipp import indicators as tp
from talipp.ohlcv import OHLCV

from benchmarks.builds import builds
from cryptotui.indicators import DEFAULT_SPEC, build, build_one
from cryptotui.models import Candle
from cryptotui.patterns.trend import TrendReversal

N = 200_000
TALIPP_N = 20_000
STREAM_N = 20_000
"""Candles the `talib.stream` anchor is timed on (from candle 1,000)."""
STREAM_WINDOW = 64
SET16 = (
    "sma:20,ema:20,wma:20,kama:10,tema:20,rsi:14,macd:12:26:9,bbands:20:2,stoch:14:3:3,atr:14,"
    "adx:14,cci:20,willr:14,roc:10,obv,ad"
)
"""The indicators cryptotui, TA-Lib, ferro-ta and talipp all have (the default set without MFI,
the two VWAPs, volume ROC and the volume spike)."""
MEMORY_N = (50_000, 200_000)
REPEATS = 3
"""Timings are the best of this many runs, in CPU time of this process (`time.process_time`):
the machine is shared, and the best run's CPU time is what everything else disturbs least."""


def candles(n: int, seed: int = 11) -> Iterator[Candle]:
    """1-minute candles of a random walk around BTC prices, with lognormal volume."""
    rng = random.Random(seed)
    close = 30_000.0
    time_ms = 1_700_000_000_000 // 60_000 * 60_000
    for _ in range(n):
        open_ = close
        close = round(max(1.0, close * (1.0 + rng.gauss(0.0, 0.001))), 2)
        high = round(max(open_, close) * (1.0 + abs(rng.gauss(0.0, 0.0005))), 2)
        low = round(min(open_, close) * (1.0 - abs(rng.gauss(0.0, 0.0005))), 2)
        volume = round(rng.lognormvariate(2.0, 1.0), 4)
        yield Candle("BTCUSDT", "1m", time_ms, time_ms + 59_999, open_, high, low, close, volume)
        time_ms += 60_000


# spec item -> (talipp factory, input kind) and -> TA-Lib batch call on (o, h, l, c, v) arrays.
TALIPP: dict[str, tuple[Callable[[], object], str]] = {
    "sma:20": (lambda: tp.SMA(20), "close"),
    "ema:20": (lambda: tp.EMA(20), "close"),
    "wma:20": (lambda: tp.WMA(20), "close"),
    "kama:10": (lambda: tp.KAMA(10, 2, 30), "close"),
    "tema:20": (lambda: tp.TEMA(20), "close"),
    "rsi:14": (lambda: tp.RSI(14), "close"),
    "macd:12:26:9": (lambda: tp.MACD(12, 26, 9), "close"),
    "bbands:20:2": (lambda: tp.BB(20, 2.0), "close"),
    "stoch:14:3:3": (lambda: tp.Stoch(14, 3), "ohlcv"),
    "atr:14": (lambda: tp.ATR(14), "ohlcv"),
    "adx:14": (lambda: tp.ADX(14, 14), "ohlcv"),
    "cci:20": (lambda: tp.CCI(20), "ohlcv"),
    "willr:14": (lambda: tp.Williams(14), "ohlcv"),
    "roc:10": (lambda: tp.ROC(10), "close"),
    "obv": (lambda: tp.OBV(), "ohlcv"),
    "ad": (lambda: tp.AccuDist(), "ohlcv"),
    "vwap": (lambda: tp.VWAP(), "ohlcv"),
    "vroc:14": (lambda: tp.ROC(14), "volume"),
}

Arrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]
TALIB: dict[str, Callable[[Arrays], object]] = {
    "sma:20": lambda a: talib.SMA(a[3], 20),
    "ema:20": lambda a: talib.EMA(a[3], 20),
    "wma:20": lambda a: talib.WMA(a[3], 20),
    "kama:10": lambda a: talib.KAMA(a[3], 10),
    "tema:20": lambda a: talib.TEMA(a[3], 20),
    "rsi:14": lambda a: talib.RSI(a[3], 14),
    "macd:12:26:9": lambda a: talib.MACD(a[3], 12, 26, 9),
    "bbands:20:2": lambda a: talib.BBANDS(a[3], 20, 2.0, 2.0),
    "stoch:14:3:3": lambda a: talib.STOCH(a[1], a[2], a[3], 14, 3, 0, 3, 0),
    "atr:14": lambda a: talib.ATR(a[1], a[2], a[3], 14),
    "adx:14": lambda a: talib.ADX(a[1], a[2], a[3], 14),
    "cci:20": lambda a: talib.CCI(a[1], a[2], a[3], 20),
    "mfi:14": lambda a: talib.MFI(a[1], a[2], a[3], a[4], 14),
    "willr:14": lambda a: talib.WILLR(a[1], a[2], a[3], 14),
    "roc:10": lambda a: talib.ROC(a[3], 10),
    "obv": lambda a: talib.OBV(a[3], a[4]),
    "ad": lambda a: talib.AD(a[1], a[2], a[3], a[4]),
    "vroc:14": lambda a: talib.ROC(a[4], 14),
}


def _us_per_candle(seconds: float, n: int) -> float:
    return seconds / n * 1e6


def best(run: Callable[[], float]) -> float:
    return min(run() for _ in range(REPEATS))


def time_set(spec: str, series: list[Candle]) -> float:
    """A set of indicators per candle in one loop, as the engine runs it (slower than the sum of
    the indicators timed alone: their code and state compete for the CPU caches)."""
    updates = [ind.update for ind in build(spec)]
    started = time.process_time()
    for candle in series:
        for update in updates:
            update(candle)
    return _us_per_candle(time.process_time() - started, len(series))


def hot_path_figures() -> dict[str, float]:
    """µs per candle of the loaded build: each default indicator alone, SET16 and the full set
    in one loop (`builds` runs this in-process and again on the pure build)."""
    series = list(candles(N))
    figures = {item: best(partial(time_ours, item, series)) for item in DEFAULT_SPEC.split(",")}
    figures["set16"] = best(partial(time_set, SET16, series))
    figures["full"] = best(partial(time_set, DEFAULT_SPEC, series))
    return figures


def time_stream_set16(arrays: Arrays) -> float:
    """`talib.stream` for SET16, handed views of the trailing STREAM_WINDOW candles."""
    _, high, low, close, volume = arrays
    w = STREAM_WINDOW
    started = time.process_time()
    for end in range(1_000, 1_000 + STREAM_N):
        h, lo, c, v = (
            high[end - w : end],
            low[end - w : end],
            close[end - w : end],
            volume[end - w : end],
        )
        stream.SMA(c, 20)
        stream.EMA(c, 20)
        stream.WMA(c, 20)
        stream.KAMA(c, 10)
        stream.TEMA(c, 20)
        stream.RSI(c, 14)
        stream.MACD(c, 12, 26, 9)
        stream.BBANDS(c, 20, 2.0, 2.0)
        stream.STOCH(h, lo, c, 14, 3, 0, 3, 0)
        stream.ATR(h, lo, c, 14)
        stream.ADX(h, lo, c, 14)
        stream.CCI(h, lo, c, 20)
        stream.WILLR(h, lo, c, 14)
        stream.ROC(c, 10)
        stream.OBV(c, v)
        stream.AD(h, lo, c, v)
    return _us_per_candle(time.process_time() - started, STREAM_N)


def time_ferro_set16(series: list[Candle]) -> float:
    """ferro-ta's streaming classes for SET16, fed the candle's floats."""
    closes = [
        f.update
        for f in (
            ferro.StreamingSMA(20),
            ferro.StreamingEMA(20),
            ferro.StreamingWma(20),
            ferro.StreamingKama(10),
            ferro.StreamingTema(20),
            ferro.StreamingRSI(14),
            ferro.StreamingMACD(12, 26, 9),
            ferro.StreamingBBands(20, 2.0, 2.0),
            ferro.StreamingRoc(10),
        )
    ]
    hlcs = [
        f.update
        for f in (
            ferro.StreamingStoch(14, 3, 3),
            ferro.StreamingATR(14),
            ferro.StreamingAdx(14),
            ferro.StreamingCci(20),
            ferro.StreamingWillr(14),
        )
    ]
    obv, ad = ferro.StreamingObv().update, ferro.StreamingAd().update
    started = time.process_time()
    for candle in series:
        c, h, lo, v = candle.close, candle.high, candle.low, candle.volume
        for update in closes:
            update(c)
        for update in hlcs:
            update(h, lo, c)
        obv(c, v)
        ad(h, lo, c, v)
    return _us_per_candle(time.process_time() - started, len(series))


def time_talipp_set16(series: list[Candle]) -> float:
    items = SET16.split(",")
    ohlcv = talipp_inputs("atr:14", series)
    feeds = [(TALIPP[i][0]().add, TALIPP[i][1]) for i in items]  # type: ignore[attr-defined]
    started = time.process_time()
    for candle, bar in zip(series, ohlcv, strict=True):
        for add, kind in feeds:
            add(bar if kind == "ohlcv" else candle.close)
    return _us_per_candle(time.process_time() - started, len(series))


def time_talib_set16(arrays: Arrays) -> float:
    return sum(time_talib(item, arrays) for item in SET16.split(","))


def headline(figures: dict[str, dict[str, float]], series: list[Candle], arrays: Arrays) -> None:
    rows = [(f"cryptotui, {build}", f["set16"]) for build, f in figures.items()]
    rows += [
        (
            f"talib.stream (C; trailing {STREAM_WINDOW}-candle views)",
            best(partial(time_stream_set16, arrays)),
        ),
        ("ferro-ta streaming classes (Rust)", best(partial(time_ferro_set16, series))),
        (
            f"talipp (first {TALIPP_N:,} candles)",
            best(partial(time_talipp_set16, series[:TALIPP_N])),
        ),
        ("TA-Lib batch, whole series (the floor)", best(partial(time_talib_set16, arrays))),
    ]
    print(
        f"The {len(SET16.split(','))} indicators every anchor has, one closed candle at a time "
        f"(µs per candle, best of {REPEATS}):\n"
    )
    print("| updated by | µs per candle |")
    print("|---|---:|")
    for label, us in rows:
        print(f"| {label} | {us:.2f} |")


def time_ours(item: str, series: list[Candle]) -> float:
    update = build_one(item).update
    started = time.process_time()
    for candle in series:
        update(candle)
    return _us_per_candle(time.process_time() - started, len(series))


def talipp_inputs(item: str, series: list[Candle]) -> list[object]:
    kind = TALIPP[item][1]
    if kind == "ohlcv":
        return [OHLCV(c.open, c.high, c.low, c.close, c.volume, c.open_time) for c in series]
    return [getattr(c, kind) for c in series]


def time_talipp(item: str, inputs: list[object]) -> float:
    add = TALIPP[item][0]().add  # type: ignore[attr-defined]
    started = time.process_time()
    for value in inputs:
        add(value)
    return _us_per_candle(time.process_time() - started, len(inputs))


def time_talib(item: str, arrays: Arrays) -> float:
    started = time.process_time()
    TALIB[item](arrays)
    return _us_per_candle(time.process_time() - started, len(arrays[0]))


def peak_memory(n: int) -> int:
    """Peak bytes allocated while streaming n candles through the full set (candles are
    generated on the fly, so only indicator state can grow)."""
    indicators = build()
    gc.collect()
    tracemalloc.start()
    for candle in candles(n):
        for indicator in indicators:
            indicator.update(candle)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


TREND_N = 20_000
TREND_ITEMS = ("mk:20", "mk:50", "mk:100", "hp:1600", "vp:50:24")
ANCHOR_CANDLES = 200
"""Candles each recompute anchor is timed on (they are slow), starting at candle 2,000."""


def time_preview(item: str, series: list[Candle]) -> float:
    """µs per `preview` of a forming candle, on a warmed-up indicator (the live engine previews
    every kline update)."""
    indicator = build_one(item)
    half = len(series) // 2
    for candle in series[:half]:
        indicator.update(candle)
    preview = indicator.preview
    started = time.process_time()
    for candle in series[half:]:
        preview(candle)
    return _us_per_candle(time.process_time() - started, len(series) - half)


def time_detector(series: list[Candle]) -> float:
    on_candle = TrendReversal("BTCUSDT", "1m").on_candle
    started = time.process_time()
    for candle in series:
        on_candle(candle)
    return _us_per_candle(time.process_time() - started, len(series))


def naive_mann_kendall(window: list[float]) -> tuple[int, float]:
    """S and Sen's slope from scratch: every pair once, then a sort of the N(N-1)/2 slopes."""
    n = len(window)
    s = 0
    slopes = []
    for i in range(n):
        xi = window[i]
        for j in range(i + 1, n):
            d = window[j] - xi
            s += (d > 0) - (d < 0)
            slopes.append(d / (j - i))
    slopes.sort()
    half, odd = divmod(len(slopes), 2)
    return s, slopes[half] if odd else (slopes[half - 1] + slopes[half]) / 2


def numpy_profile(high: np.ndarray, low: np.ndarray, volume: np.ndarray, bins: int) -> float:
    """The volume profile's histogram and POC by price-space overlaps, all bins at once."""
    edges = np.linspace(low.min(), high.max(), bins + 1)
    span = np.maximum(high - low, 1e-300)
    overlap = np.minimum(high[:, None], edges[1:]) - np.maximum(low[:, None], edges[:-1])
    hist = (np.clip(overlap, 0.0, None) * (volume / span)[:, None]).sum(axis=0)
    return float(edges[int(np.argmax(hist))])


def time_anchor(item: str, arrays: Arrays) -> tuple[str, float]:
    """(what, µs per candle) of recomputing `item` from scratch on candles 2,000 … 2,200."""
    name, *params = item.split(":")
    close = arrays[3]
    stop = 2_000 + ANCHOR_CANDLES
    started = time.process_time()
    if name == "mk":
        n = int(params[0])
        for t in range(2_000, stop):
            pymannkendall.original_test(close[t - n : t])
        what = "pymannkendall.original_test on the window"
    elif name == "hp":
        for t in range(2_000, stop):
            hpfilter(close[:t], float(params[0]))
        what = "statsmodels hpfilter on the prefix (~2,000 closes; grows with it)"
    else:
        n, bins = int(params[0]), int(params[1])
        for t in range(2_000, stop):
            numpy_profile(arrays[1][t - n : t], arrays[2][t - n : t], arrays[4][t - n : t], bins)
        what = "numpy profile of the window"
    return what, _us_per_candle(time.process_time() - started, ANCHOR_CANDLES)


def time_naive_mk(n: int, series: list[Candle]) -> float:
    closes = [c.close for c in series[2_000 - n : 2_000 + ANCHOR_CANDLES]]
    started = time.process_time()
    for t in range(n, len(closes)):
        naive_mann_kendall(closes[t - n : t])
    return _us_per_candle(time.process_time() - started, len(closes) - n)


def trend_table(series: list[Candle], arrays: Arrays) -> None:
    head = series[:TREND_N]
    print(
        f"\nOpt-in window statistics on the first {TREND_N:,} candles (µs per candle, best of "
        f"{REPEATS}); recompute anchors on {ANCHOR_CANDLES} candles from candle 2,000.\n"
    )
    print("| indicator | update | preview | recompute anchor | anchor µs | anchor / update |")
    print("|---|---:|---:|---|---:|---:|")
    for item in TREND_ITEMS:
        ours = best(partial(time_ours, item, head))
        live = best(partial(time_preview, item, head))
        what, anchor = time_anchor(item, arrays)
        ratio = anchor / ours
        print(f"| {item} | {ours:.2f} | {live:.2f} | {what} | {anchor:.0f} | {ratio:.0f}× |")
        if item.startswith("mk:"):
            naive = time_naive_mk(int(item.split(":")[1]), series)
            what = "pure-Python O(N²) S and Sen's slope"
            print(f"| | | | {what} | {naive:.0f} | {naive / ours:.1f}× |")
    detector = best(partial(time_detector, head))
    print(f"| trend_reversal detector (window 50) | {detector:.1f} | | | | |")


def _cell(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def main() -> None:
    series = list(candles(N))
    fields = ("open", "high", "low", "close", "volume")
    arrays: Arrays = tuple(np.array([getattr(c, f) for c in series]) for f in fields)  # type: ignore[assignment]
    items = DEFAULT_SPEC.split(",")
    print(f"{N:,} generated 1m candles. µs per candle, best of {REPEATS} runs (lower is better).\n")
    figures = builds(__name__, "hot_path_figures")
    headline(figures, series, arrays)
    names = list(figures)
    print(f"\nEach indicator alone; talipp timed on the first {TALIPP_N:,} candles.\n")
    print(
        f"| indicator | {' | '.join(f'cryptotui {b}' for b in names)} | talipp add | TA-Lib batch |"
    )
    print(f"|---|{'---:|' * len(names)}---:|---:|")
    talib_total = 0.0
    for item in items:
        theirs = floor = None
        if item in TALIPP:
            inputs = talipp_inputs(item, series[:TALIPP_N])
            theirs = best(partial(time_talipp, item, inputs))
        if item in TALIB:
            floor = best(partial(time_talib, item, arrays))
            talib_total += floor
        ours = " | ".join(f"{figures[b][item]:.3f}" for b in names)
        print(f"| {item} | {ours} | {_cell(theirs)} | {_cell(floor)} |")
    sums = " | ".join(f"**{sum(figures[b][i] for i in items):.2f}**" for b in names)
    print(f"| **sum, full set** | {sums} | | **{talib_total:.3f}** |")
    loops = " | ".join(f"**{figures[b]['full']:.2f}**" for b in names)
    print(f"| **full set in one loop, as the engine drives it** | {loops} | | |")

    trend_table(series, arrays)

    print("\n| candles streamed | peak traced memory (full set) |")
    print("|---:|---:|")
    peaks = [peak_memory(n) for n in MEMORY_N]
    for n, peak in zip(MEMORY_N, peaks, strict=True):
        print(f"| {n:,} | {peak / 1024:.1f} KiB |")
    print(f"\nPeak memory ratio {MEMORY_N[1]:,} / {MEMORY_N[0]:,}: {peaks[1] / peaks[0]:.2f}")


if __name__ == "__main__":
    main()
