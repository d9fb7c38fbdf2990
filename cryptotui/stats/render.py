"""A backtest report as a ranked Rich table with interval bars, as CSV / JSON Lines / JSON, and as
terminal plots (plotext): what `cryptotui backtest` prints."""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Sequence
from typing import IO, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from cryptotui.stats.report import Report

BAR_WIDTH = 21
"""Cells of the hit-rate bar: 0 % at the left edge, 100 % at the right."""

CSV_SKIP = ("folds",)


def _num(x: Any, fmt: str) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    return format(x, fmt)


def ci_bar(low: float | None, high: float | None, rate: float | None, base: float | None) -> Text:
    """The Wilson interval as a bar on [0, 1]: ━ the interval, ● the hit rate, │ the baseline.
    Green when the whole interval is above the baseline, red when below, dim otherwise."""
    cells = [" "] * BAR_WIDTH
    if low is None or high is None or rate is None or base is None:
        return Text("".join(cells))

    def at(x: float) -> int:
        return min(BAR_WIDTH - 1, max(0, round(x * (BAR_WIDTH - 1))))

    for i in range(at(low), at(high) + 1):
        cells[i] = "━"
    cells[at(base)] = "│"
    cells[at(rate)] = "●"
    style = "green" if low > base else "red" if high < base else "dim"
    return Text("".join(cells), style=style)


def table(report: Report, limit: int | None = None) -> Table:
    t = Table(
        title=f"track record: {report.series} series, {report.candles:,} candles "
        f"(ranked by q-value; bar = Wilson 95 %, │ baseline, ● hit rate)",
        title_justify="left",
        header_style="bold",
    )
    for name, justify in (
        ("pattern", "left"), ("dir", "left"), ("h", "right"), ("n", "right"),
        ("hit %", "right"), ("95 % interval", "left"), ("base %", "right"), ("edge", "right"),
        ("q", "right"), ("mean r %", "right"), ("trades", "right"), ("net %", "right"),
        ("sharpe", "right"), ("max dd %", "right"), ("trend", "left"),
    ):  # fmt: skip
        t.add_column(name, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    rows = report.rows if limit is None else report.rows[:limit]
    for r in rows:
        pct = lambda x: None if x is None else 100 * x  # noqa: E731
        t.add_row(
            r["name"] + (f" {r['symbol']} {r['interval']}" if "symbol" in r else ""),
            r["direction"][:4],
            str(r["horizon"]),
            str(r["n"]),
            _num(pct(r["hit_rate"]), ".1f"),
            ci_bar(r["wilson_low"], r["wilson_high"], r["hit_rate"], r["baseline"]),
            _num(pct(r["baseline"]), ".1f"),
            _num(pct(r["edge"]), "+.1f"),
            _num(r["q_value"], ".3f"),
            _num(pct(r["mean_return"]), "+.3f"),
            _num(r["trades"], "d"),
            _num(pct(r["total_return"]), "+.1f"),
            _num(r["sharpe"], "+.2f"),
            _num(pct(r["max_drawdown"]), ".1f"),
            r["trend"] or "",
        )
    return t


def print_table(report: Report, console: Console, limit: int | None = None) -> None:
    if not report.rows:
        console.print(
            "no pattern fired often enough to report (lower --min-n, or use more candles)"
        )
        return
    console.print(table(report, limit))
    if len(report.folds) > 1:
        console.print(_folds_table(report, limit))
    tested = [r for r in report.rows if r["q_value"] is not None]
    strong = [r for r in tested if r["q_value"] < 0.05 and r["edge"] > 0]
    paid = [r for r in tested if (r["total_return"] or 0) > 0]
    console.print(
        f"{len(tested)} directional rows tested together; {len(strong)} beat their baseline at "
        f"a 5 % false discovery rate; {len(paid)} made money after fees. Overlapping signals "
        "make p-values optimistic: see n_independent in --format json."
    )


def _folds_table(report: Report, limit: int | None) -> Table:
    t = Table(
        title="walk-forward: each fold's own hit rate and edge (earlier folds' edge in brackets)",
        title_justify="left",
        header_style="bold",
    )
    t.add_column("pattern", no_wrap=True)
    t.add_column("h", justify="right")
    for k in range(len(report.folds)):
        t.add_column(f"fold {k + 1}", justify="right", no_wrap=True)
    for r in report.rows if limit is None else report.rows[:limit]:
        if r["q_value"] is None:
            continue
        cells = []
        for f in r.get("folds", []):
            if not f["n"]:
                cells.append("—")
                continue
            prior = "" if f["prior_edge"] is None else f" ({100 * f['prior_edge']:+.1f})"
            cells.append(f"{f['n']}: {100 * f['edge']:+.1f}{prior}")
        t.add_row(f"{r['name']} {r['direction'][:4]}", str(r["horizon"]), *cells)
    return t


def write_rows(report: Report, fmt: str, out: IO[str], meta: dict[str, Any]) -> None:
    """`csv` (fold rows follow the overall rows, with their `fold` number), `jsonl` (one object
    per row, folds inside), `json` (meta and rows)."""
    if fmt == "jsonl":
        for r in report.rows:
            out.write(json.dumps(r, allow_nan=False) + "\n")
    elif fmt == "json":
        json.dump({"meta": meta, "rows": report.rows}, out, allow_nan=False, indent=1)
        out.write("\n")
    else:
        _csv(report.rows, out)


def _csv(rows: Sequence[dict], out: IO[str]) -> None:
    if not rows:
        return
    fields = ["fold"] + [k for k in rows[0] if k not in CSV_SKIP]
    fold_fields = sorted({k for r in rows for f in r.get("folds", []) for k in f} - set(fields))
    writer = csv.DictWriter(out, fieldnames=fields + fold_fields, lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({k: _cell(v) for k, v in r.items() if k not in CSV_SKIP})
    for r in rows:
        for f in r.get("folds", []):
            keys = {
                k: r[k] for k in ("name", "direction", "horizon", "symbol", "interval") if k in r
            }
            writer.writerow({**keys, **{k: _cell(v) for k, v in f.items()}})


def _cell(v: Any) -> Any:
    return "" if v is None else repr(v) if isinstance(v, float) else v


def plots(
    report: Report, top: int = 5, width: int = 100, height: int = 20, colour: bool = True
) -> str:
    """The equity curves of the `top` directional rows, and hit rate by horizon of their
    patterns against the baseline, drawn with plotext for the terminal (`colour=False` strips
    the escape codes, for a file or a pipe)."""
    import plotext as plt

    chosen = [r for r in report.rows if r["q_value"] is not None][:top]
    if not chosen:
        return ""
    plt.clear_figure()
    plt.plotsize(width, height)
    plt.theme("clear")
    plt.title("equity, follow-the-signal after fees (compounded, per trade)")
    for r in chosen:
        key = tuple(r[k] for k in ("name", "direction", "horizon", "symbol", "interval") if k in r)
        _, curve = report.equity[key]
        if len(curve):
            plt.plot(list(range(1, len(curve) + 1)), curve.tolist(),
                     label=f"{r['name']} {r['direction'][:4]} h{r['horizon']}")  # fmt: skip
    plt.xlabel("trade")
    first = plt.build()

    plt.clear_figure()
    plt.plotsize(width, height)
    plt.theme("clear")
    plt.title("hit rate by horizon (dotted: baseline)")
    for name, direction in dict.fromkeys((r["name"], r["direction"]) for r in chosen):
        same = sorted(
            (r for r in report.rows if (r["name"], r["direction"]) == (name, direction)),
            key=lambda r: r["horizon"],
        )
        xs = [r["horizon"] for r in same]
        plt.plot(xs, [r["hit_rate"] for r in same], label=f"{name} {direction[:4]}", marker="dot")
        plt.plot(xs, [r["baseline"] for r in same], marker="·")
    plt.xlabel("horizon (candles)")
    text = first + "\n" + plt.build()
    return text if colour else plt.uncolorize(text)
