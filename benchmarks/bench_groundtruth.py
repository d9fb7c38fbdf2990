"""Recall and false alerts per symbol-hour of every detector on the simulated market (seed 7).

Six default symbols × 6 simulated hours of 1m candles, every scenario kind injected on the
schedule of `cryptotui.stats.groundtruth`, every frame through the codec into the real Engine.
The wall time is the whole run: generating the market, detecting, matching. Re-run after a
detector change: the numbers are deterministic for the seed, so any difference is the change.
"""

from __future__ import annotations

import time

from cryptotui.stats.groundtruth import ground_truth

HOURS = 6.0
SEED = 7


def _num(x: float | None, digits: int) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


def main() -> None:
    started = time.perf_counter()
    report = ground_truth(HOURS, SEED)
    wall = time.perf_counter() - started
    print(
        f"{len(report.symbols)} symbols × {HOURS:g} simulated hours of {report.interval} candles, "
        f"seed {SEED}: {len(report.injected)} injections, {report.signals:,} signals; "
        f"wall {wall:.1f} s ({report.symbol_hours / wall * 3600:,.0f}× real time)\n"
    )
    print(
        "| detector | scenario | signal | injected | detected | recall | median delay s "
        "| signals | matched | collateral | false alerts /sym·h | background /sym·h |"
    )
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in report.rows:
        rate = f"{r.unmatched} ({r.unmatched_per_symbol_hour:.3f})"
        false_alert = r.unmatched_kind == "false_alert"
        print(
            f"| {r.detector} | {r.scenario or ''} | {r.signal} | {r.injected} | {r.detected} "
            f"| {_num(r.recall, 2)} | {_num(r.median_delay_s, 0)} | {r.signals} | {r.matched} "
            f"| {r.collateral} | {rate if false_alert else ''} | {'' if false_alert else rate} |"
        )


if __name__ == "__main__":
    main()
