"""`cryptotui backtest`: every signal's outcomes over history, as a track record with honest
statistics (`cryptotui.stats`), or `--demo` detector recall against the simulator's ground truth.

    cryptotui backtest candles.csv [--interval 1h]
    cryptotui backtest --symbols BTCUSDT,ETHUSDT --interval 1h --days 365 [--backfill]
    cryptotui backtest --demo --hours 6 --seed 7
    cryptotui backtest --replay recording.jsonl.gz

Bad input is one line on stderr, exit 2, and no output file.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptotui import validators
from cryptotui.commands.base import Command, config_of, fail, store_of

if TYPE_CHECKING:
    from cryptotui.models import Candle
    from cryptotui.stats.backtest import Job

FORMATS = ("table", "csv", "jsonl", "json")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from cryptotui.stats.backtest import DEFAULT_DETECTORS, cores
    from cryptotui.stats.outcomes import HORIZONS

    parser.add_argument(
        "input",
        metavar="INPUT",
        nargs="?",
        help="candle CSV (the formats `analyze` reads); or --symbols for stored candles",
    )
    parser.add_argument(
        "--symbols", type=validators.symbols, help="stored candles of these symbols (comma list)"
    )
    parser.add_argument(
        "--replay",
        type=Path,
        metavar="FILE",
        help="the candles of a recording (`cryptotui record`); --symbols, --interval filter them",
    )
    parser.add_argument(
        "--symbol", type=validators.symbol, help="with INPUT: the symbol it holds (default: name)"
    )
    parser.add_argument(
        "--interval",
        type=validators.interval,
        help="the candles' interval (required with --symbols; INPUT: inferred from its times)",
    )
    when = parser.add_mutually_exclusive_group()
    when.add_argument("--days", type=validators.positive_float, help="the last N days stored")
    when.add_argument(
        "--since", type=validators.moment, help="from this date or age (2024-01-01, 90d)"
    )
    parser.add_argument("--until", type=validators.moment, help="up to this date (exclusive)")
    parser.add_argument(
        "--backfill",
        action="store_true",
        help="with --symbols: fetch missing candles from the exchange first (needs --days/--since)",
    )
    parser.add_argument(
        "--detectors",
        type=validators.names,
        help=f"detectors to run, or `none` (default: {','.join(DEFAULT_DETECTORS)}; "
        "with --demo every detector)",
    )
    parser.add_argument(
        "--patterns",
        type=validators.names,
        default=(),
        metavar="NAMES",
        help="candlestick patterns (TA-Lib names, or `all`; default: the 25 common ones)",
    )
    parser.add_argument(
        "--rules",
        metavar="FILE|configured",
        help="backtest alert rules too: a TOML file with `rules = [...]` (or an [alerts] "
        "section), or `configured` for the rules in your configuration",
    )
    parser.add_argument(
        "--horizons",
        type=validators.positive_ints,
        default=HORIZONS,
        help=f"candles after each signal to measure (default: {','.join(map(str, HORIZONS))})",
    )
    parser.add_argument(
        "--folds", type=validators.positive_int, default=1, help="walk-forward folds (default 1)"
    )
    parser.add_argument(
        "--fee-bps",
        type=validators.non_negative_float,
        default=10.0,
        help="fee per side of each strategy trade, in basis points (default 10 = 0.1 %%)",
    )
    parser.add_argument(
        "--min-n",
        type=validators.positive_int,
        default=20,
        help="hide rows with fewer signals (default 20; they still count in the q-values)",
    )
    parser.add_argument(
        "--by-symbol", action="store_true", help="one row per symbol and interval as well"
    )
    parser.add_argument("--format", choices=FORMATS, default="table", help="default: table")
    parser.add_argument("--output", "-o", metavar="FILE", help="write there instead of stdout")
    parser.add_argument("--top", type=validators.positive_int, help="table: only the best N rows")
    parser.add_argument(
        "--plot", action="store_true", help="equity curves and hit rate by horizon (plotext)"
    )
    parser.add_argument(
        "--save",
        action="store_true",
        help="store the signals and outcomes: the live confidence's track record starts from them",
    )
    parser.add_argument(
        "--workers",
        type=validators.positive_int,
        default=cores(),
        help="processes for several series (default: one per core this process may use)",
    )
    parser.add_argument(
        "--hours",
        type=validators.positive_float,
        default=6.0,
        help="with --demo: simulated hours to judge the detectors on (default 6)",
    )


class BadInput(Exception):
    """One line for the user; exit 2."""


def run(args: argparse.Namespace) -> int:
    from cryptotui.analyze import InputError
    from cryptotui.outfile import OutputError

    try:
        if args.demo:
            return _ground_truth(args)
        jobs = _jobs(args)
        return _backtest(args, jobs)
    except (BadInput, InputError, OutputError, ValueError) as exc:
        return fail(str(exc))


# --- inputs ----------------------------------------------------------------------------------


def _jobs(args: argparse.Namespace) -> list[Job]:
    from cryptotui.stats.backtest import DEFAULT_DETECTORS, Job

    rules = tuple(_rules(args.rules, args)) if args.rules else ()
    detectors = DEFAULT_DETECTORS if args.detectors is None else args.detectors
    _check_detectors(detectors, args.patterns)
    common = {
        "detectors": tuple(detectors),
        "patterns": tuple(args.patterns),
        "horizons": tuple(sorted(set(args.horizons))),
        "rules": rules,
        "keep_factors": args.save,
    }
    if args.replay is not None:
        return _replayed(args, common)
    if args.input is not None:
        if args.symbols:
            raise BadInput("use either INPUT or --symbols, not both")
        candles = _from_csv(Path(args.input), args.symbol, args.interval)
        return [Job(candles[0].symbol, candles[0].interval, tuple(candles), **common)]
    if not args.symbols:
        raise BadInput(
            "name a candle CSV, or --symbols with --interval for stored candles "
            "(or --demo for the simulator's ground truth); see `cryptotui backtest --help`"
        )
    if args.interval is None:
        raise BadInput("--symbols needs --interval, e.g. --interval 1h")
    return _stored(args, common)


def _replayed(args: argparse.Namespace, common: dict[str, Any]) -> list[Job]:
    """A job per series the recording holds: its REST pages and closed kline frames."""
    from cryptotui.commands.base import say
    from cryptotui.replay.recording import Recording
    from cryptotui.replay.series import candle_series
    from cryptotui.stats.backtest import Job

    if args.input is not None:
        raise BadInput("use either INPUT or --replay, not both")
    series, damage = candle_series(Recording(args.replay))
    if damage is not None:
        say(f"{damage.where}: {damage.what}; backtesting the candles before it")
    jobs = [
        Job(symbol, interval, tuple(candles), **common)
        for (symbol, interval), candles in series.items()
        if len(candles) >= 2
        and (not args.symbols or symbol in args.symbols)
        and args.interval in (None, interval)
    ]
    if not jobs:
        raise BadInput(f"{args.replay}: no recorded candle series (of those named) to backtest")
    return jobs


def _check_detectors(detectors: tuple[str, ...], patterns: tuple[str, ...]) -> None:
    from cryptotui.patterns import CANDLE_DETECTORS, MARKET_DETECTORS
    from cryptotui.patterns.candles import specs_for

    for name in detectors:
        if name in MARKET_DETECTORS:
            raise BadInput(
                f"detector {name} needs trades or tickers, which candles do not carry; "
                f"choose from {', '.join(CANDLE_DETECTORS)}"
            )
        if name not in CANDLE_DETECTORS:
            raise BadInput(f"unknown detector {name}; choose from {', '.join(CANDLE_DETECTORS)}")
    if patterns and patterns != ("all",):
        specs_for(patterns)  # ValueError names the unknown ones


def _from_csv(path: Path, symbol: str | None, interval: str | None) -> list[Candle]:
    from cryptotui.analyze import candle_chunks
    from cryptotui.intervals import INTERVAL_MS

    candles = [c for chunk in candle_chunks(path) for c in chunk]
    if len(candles) < 2:
        raise BadInput(f"{path}: {len(candles)} candle(s); a backtest needs a series")
    if interval is None:
        gaps = sorted(b.open_time - a.open_time for a, b in itertools.pairwise(candles))
        step = gaps[len(gaps) // 2]
        named = [iv for iv, ms in INTERVAL_MS.items() if ms == step]
        if not named:
            raise BadInput(
                f"{path}: candles are {step} ms apart, not a Binance interval; pass --interval"
            )
        interval = named[0]
    step = INTERVAL_MS.get(interval, 0)
    name = symbol or _symbol_of(path)
    for c in candles:
        c.symbol, c.interval = name, interval
        c.close_time = c.close_time or c.open_time + step - 1
    return candles


def _symbol_of(path: Path) -> str:
    """BTCUSDT-1h-2024-01.csv → BTCUSDT (Binance's public-data file names), else the stem."""
    stem = path.name.split(".")[0]
    return (stem.split("-")[0] or stem).upper()


def _stored(args: argparse.Namespace, common: dict[str, Any]) -> list[Job]:
    """A job per symbol over its stored candles (the worker reads them); the range is checked
    here so that a symbol with nothing stored is one clear line before any work starts."""
    from cryptotui.stats.backtest import Job
    from cryptotui.store import open_db
    from cryptotui.store.queries import latest_open_time

    config, settings = store_of(args)
    if args.backfill:
        _backfill(args, config, settings.path)
    db = open_db(settings.path, create=False)
    jobs = []
    try:
        for symbol in args.symbols:
            newest = latest_open_time(db, symbol, args.interval)
            if newest is None:
                raise BadInput(
                    f"{settings.path}: no stored {symbol} {args.interval} candles; add --backfill "
                    f"--days 365, or run `cryptotui backfill {symbol} --interval {args.interval}`"
                )
            # Ages count back from the newest stored candle: the data's clock, not this machine's.
            since = args.since.resolve(newest) if args.since is not None else None
            if args.days is not None:
                since = int(newest - args.days * 86_400_000)
            until = args.until.resolve(newest) if args.until is not None else None
            (count,) = db.execute(
                "SELECT COUNT(*) FROM candles WHERE symbol = ? AND interval = ? "
                "AND open_time >= ? AND open_time < ?",
                (symbol, args.interval, since or 0, until if until is not None else 1 << 62),
            ).fetchone()
            if count < 2:
                raise BadInput(f"{symbol} {args.interval}: no stored candles in that time range")
            jobs.append(
                Job(
                    symbol,
                    args.interval,
                    db=str(settings.path),
                    since=since,
                    until=until,
                    stored=count,
                    **common,
                )
            )
    finally:
        db.close()
    return jobs


def _backfill(args: argparse.Namespace, config: Any, path: Path) -> None:
    import asyncio
    import time

    from cryptotui.binance.rest import Rest
    from cryptotui.store.backfill import backfill

    if args.days is None and args.since is None:
        raise BadInput("--backfill needs --days or --since: how much history to fetch")

    async def go() -> None:
        rest = Rest(config.exchange.rest_url)
        try:
            now = await rest.server_time()
            start = (
                args.since.resolve(now) if args.since is not None
                else int(now - args.days * 86_400_000)
            )  # fmt: skip
            end = args.until.resolve(now) if args.until is not None else now
            for p in await backfill(path, rest, list(args.symbols), args.interval, start, end):
                if p.error:
                    raise BadInput(f"backfill of {p.symbol}: {p.error}")
        finally:
            await rest.aclose()

    started = time.monotonic()
    asyncio.run(go())
    print(f"backfill done in {time.monotonic() - started:.1f} s", file=sys.stderr)


def _rules(spec: str, args: argparse.Namespace) -> list:
    import tomllib

    from cryptotui.alerts.rules import RuleError, parse_rules

    if spec == "configured":
        items = config_of(args).alerts.rules
        where = "the configured [alerts] rules"
    else:
        path = Path(spec)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise BadInput(f"cannot read rules file {path}: {exc.strerror or exc}") from None
        except tomllib.TOMLDecodeError as exc:
            raise BadInput(f"{path}: not valid TOML ({exc})") from None
        items = data.get("rules", data.get("alerts", {}).get("rules"))
        where = str(path)
        if not items:
            raise BadInput(f"{path}: no `rules = [...]` (or [alerts] rules) to backtest")
    try:
        rules = parse_rules(items)
    except RuleError as exc:
        raise BadInput(f"{where}: {exc}") from None
    if not rules:
        raise BadInput(f"{where}: no rules to backtest")
    return rules


# --- running and output ----------------------------------------------------------------------


def _backtest(args: argparse.Namespace, jobs: list[Job]) -> int:
    from cryptotui.outfile import open_output
    from cryptotui.stats.backtest import run_many, size
    from cryptotui.stats.render import plots, print_table, write_rows
    from cryptotui.stats.report import build_report

    total = sum(size(j) for j in jobs)
    with _progress(total, len(jobs)) as advance:
        results = run_many(jobs, workers=args.workers, progress=advance)
    report = build_report(
        results, folds=args.folds, fee_bps=args.fee_bps, min_n=args.min_n, by_symbol=args.by_symbol
    )
    if args.save:
        _save(args, results)
    meta = {
        "series": [f"{j.symbol} {j.interval}" for j in jobs],
        "candles": report.candles,
        "horizons": list(jobs[0].horizons),
        "folds": [{"start": a, "end": b} for a, b in report.folds],
        "fee_bps": args.fee_bps,
        "min_n": args.min_n,
    }
    with open_output(args.output) as out:
        if args.format == "table":
            console = _console(out, args.output is None)
            print_table(report, console, args.top)
            if args.plot:
                console.file.write(plots(report, colour=console.is_terminal) + "\n")
        else:
            write_rows(report, args.format, out, meta)
            if args.plot:
                print(plots(report, colour=sys.stderr.isatty()), file=sys.stderr)
    return 0


def _console(out: Any, to_stdout: bool):
    from rich.console import Console

    from cryptotui.commands.output import PipeConsole

    if to_stdout:
        return PipeConsole(file=out, force_terminal=sys.stdout.isatty(), width=_width())
    return Console(file=out, force_terminal=False, width=_width())


def _width() -> int:
    import shutil

    return max(160, shutil.get_terminal_size((160, 40)).columns)


def _save(args: argparse.Namespace, results: list) -> None:
    from cryptotui.store import open_db
    from cryptotui.store.track import save_backtest

    _, settings = store_of(args)
    db = open_db(settings.path)
    try:
        signals, outcomes = save_backtest(db, results)
    finally:
        db.close()
    print(
        f"saved {signals} signal(s) and {outcomes} outcome(s) to {settings.path}", file=sys.stderr
    )


class _progress:
    """A bar over all candles on an interactive stderr, however many processes advance it.

    Redrawn by `advance` (at most every `REDRAW` s), not by a refresh thread of its own: the
    workers are forked only from a process running no other thread (`backtest.start_method`).
    Everything that advances it is called often: the workers report every 20,000 candles."""

    REDRAW = 0.1

    def __init__(self, total: int, series: int, what: str = "backtest") -> None:
        self.total, self.series, self.what = total, series, what
        self._progress: Any = None
        self._drawn = 0.0

    def __enter__(self):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        console = Console(file=sys.stderr)
        if not console.is_terminal:
            return lambda n: None
        self._progress = Progress(
            f"{self.what} {self.series} series",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
            auto_refresh=False,
        )
        self._progress.start()
        self._task = self._progress.add_task("candles", total=self.total)
        return self._advance

    def _advance(self, n: int) -> None:
        import time

        self._progress.advance(self._task, n)
        now = time.monotonic()
        if now - self._drawn >= self.REDRAW:
            self._drawn = now
            self._progress.refresh()

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()


def _ground_truth(args: argparse.Namespace) -> int:
    """`--demo`: the detectors' recall and false alerts against the simulator's injections."""
    import csv
    import json

    from cryptotui.outfile import open_output
    from cryptotui.stats.groundtruth import ground_truth

    seed = args.seed if args.seed is not None else 7
    with _progress(1000, 1, "simulate") as advance:
        done = [0]

        def progress(fraction: float) -> None:
            now = int(fraction * 1000)
            advance(now - done[0])
            done[0] = now

        report = ground_truth(
            args.hours, seed, args.symbols, args.interval or "1m", progress,
            detectors=args.detectors,
        )  # fmt: skip
    rows = report.to_rows()
    with open_output(args.output) as out:
        if args.format == "table":
            _console(out, args.output is None).print(report.table())
        elif args.format == "json":
            meta = {"hours": args.hours, "seed": seed, "symbols": report.symbols}
            json.dump({"meta": meta, "rows": rows}, out, indent=1)
            out.write("\n")
        elif args.format == "jsonl":
            out.writelines(json.dumps(r) + "\n" for r in rows)
        elif rows:
            writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    return 0


COMMAND = Command(
    "track record of every signal over history: hit rates, baselines, q-values, strategy",
    add_arguments,
    run,
)
