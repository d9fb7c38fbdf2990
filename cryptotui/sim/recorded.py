"""A recording as the simulator's market (`python -m cryptotui.sim --replay FILE`): any client
connects to it like to Binance and gets the recorded market, at the server's speed.

Sim time is the exchange's clock of the recording (receive times shifted by the clock offset
the recorded `time` answer shows). Frames go out when sim time passes their receive time, to
whoever subscribed their stream; REST answers come from what the recording holds up to the sim
time: klines from the recorded pages and closed kline frames, aggTrades from the recorded
trades, 24 h tickers from the latest ticker frames, exchangeInfo as recorded, and any other
request from a recorded answer to the same request. Unlike `--replay` in the app, this is a
market for other clients, not a deterministic replay of one client's run.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Container, Iterator
from typing import Any
from urllib.parse import parse_qsl

import msgspec

from cryptotui.binance.codec import encode
from cryptotui.replay.recording import Answer, Damaged, Frame, Line, Recording
from cryptotui.sim import wire
from cryptotui.sim.market import Frame as SimFrame
from cryptotui.sim.rest import JSON_TYPE, HttpReply

log = logging.getLogger(__name__)

TRADES_KEPT = 5000
"""Recorded aggTrades kept per symbol for REST `aggTrades`."""
DEDUPE = 4096
"""Recent frames remembered: overlapping recorded connections carried the same frames."""
_TICKER_REST = {
    "s": "symbol", "p": "priceChange", "P": "priceChangePercent", "w": "weightedAvgPrice",
    "x": "prevClosePrice", "c": "lastPrice", "Q": "lastQty", "b": "bidPrice", "B": "bidQty",
    "a": "askPrice", "A": "askQty", "o": "openPrice", "h": "highPrice", "l": "lowPrice",
    "v": "volume", "q": "quoteVolume", "O": "openTime", "C": "closeTime", "F": "firstId",
    "L": "lastId", "n": "count",
}  # fmt: skip
_TRADE_REST = ("a", "p", "q", "f", "l", "T", "m", "M")


class RecordedMarket:
    """The market and the REST API of `SimExchange` (`market=`, `rest=`), from a recording."""

    def __init__(self, recording: Recording, on_end: Callable[[str], None] | None = None) -> None:
        self.recording = recording
        self.on_end = on_end
        self.header = recording.header
        self._lines: Iterator[Line] = recording.lines()
        self._next: Line | None = None
        self.ended = False
        self.frames = 0
        self._klines: dict[tuple[str, str], dict[int, list]] = {}
        self._trades: dict[str, deque[dict]] = {}
        self._tickers: dict[str, dict] = {}
        self._answers: dict[tuple, Answer] = {}
        self._recent: deque[str] = deque(maxlen=DEDUPE)
        self._seen: set[str] = set()
        self.offset = 0
        """Exchange clock minus the recorder's clock (ms), from the first `time` answer."""
        first_frame = self._preamble()
        self.start_ms = (first_frame.t if first_frame else self.header.created) + self.offset
        self.now = self.start_ms

    def _preamble(self) -> Frame | None:
        """Take in what the client fetched before its first frame; the first frame is kept."""
        while (line := self._read()) is not None:
            if isinstance(line, Frame):
                self._next = line
                return line
            if isinstance(line, Answer):
                if line.path == "time" and line.status == 200 and not self.offset:
                    self.offset = int(msgspec.json.decode(line.body)["serverTime"]) - line.t
                self._answer(line)
        return None

    def _read(self) -> Line | None:
        if self.ended:
            return None
        try:
            return next(self._lines)
        except StopIteration:
            self._end(f"{self.recording.path}: played to the end; REST answers continue")
        except Damaged as exc:
            self._end(f"{exc.where}: {exc.what}; the recording is played up to there")
        return None

    def _end(self, message: str) -> None:
        self.ended = True
        log.info("%s", message)
        if self.on_end is not None:
            self.on_end(message)

    # -------------------------------------------------------------- the market

    def advance(self, to_ms: int, wanted: Container[str]) -> list[SimFrame]:
        """The recorded frames received up to sim time `to_ms`, of the `wanted` streams."""
        out: list[SimFrame] = []
        while True:
            line = self._next if self._next is not None else self._read()
            if line is None:
                break
            if line.t + self.offset > to_ms:
                self._next = line
                break
            self._next = None
            if isinstance(line, Frame):
                self._frame(line.raw, wanted, out)
            elif isinstance(line, Answer):
                self._answer(line)
        self.now = max(self.now, to_ms)
        return out

    def _frame(self, raw: str, wanted: Container[str], out: list[SimFrame]) -> None:
        if raw in self._seen:
            return
        if len(self._recent) == self._recent.maxlen:
            self._seen.discard(self._recent[0])
        self._recent.append(raw)
        self._seen.add(raw)
        try:
            message = msgspec.json.decode(raw)
            stream, data = message["stream"], message["data"]
        except (msgspec.DecodeError, KeyError, TypeError):
            return  # a control reply, or a frame the client could not use either
        self._remember(data)
        if stream in wanted:
            self.frames += 1
            out.append((stream, data))

    def _remember(self, data: Any) -> None:
        if not isinstance(data, dict):
            return
        kind, symbol = data.get("e"), str(data.get("s"))
        if kind == "kline" and data["k"].get("x"):
            k = data["k"]
            row = [k["t"], k["o"], k["h"], k["l"], k["c"], k["v"], k["T"], k["q"], k["n"],
                   k["V"], k["Q"], "0"]  # fmt: skip
            self._klines.setdefault((symbol, k["i"]), {})[k["t"]] = row
        elif kind == "aggTrade":
            trades = self._trades.setdefault(symbol, deque(maxlen=TRADES_KEPT))
            if not trades or data["a"] > trades[-1]["a"]:
                trades.append({key: data[key] for key in _TRADE_REST})
        elif kind == "24hrTicker":
            self._tickers[symbol] = {rest: data[ws] for ws, rest in _TICKER_REST.items()}

    def _answer(self, line: Answer) -> None:
        self._answers[line.key] = line
        if line.path == "klines" and line.status == 200:
            params = dict(line.params)
            series = self._klines.setdefault((params["symbol"], params["interval"]), {})
            rows = msgspec.json.decode(line.body)
            if "endTime" not in params:
                rows = rows[:-1]  # the last row may be a candle still forming
            for row in rows:
                series.setdefault(row[0], row)
        elif line.path == "aggTrades" and line.status == 200:
            params = dict(line.params)
            trades = self._trades.setdefault(params["symbol"], deque(maxlen=TRADES_KEPT))
            merged = {t["a"]: t for t in (*trades, *msgspec.json.decode(line.body))}
            trades.clear()
            trades.extend(merged[a] for a in sorted(merged)[-TRADES_KEPT:])

    def inject(self, scenario: str, symbol: str, *_args: Any, **_params: Any) -> Any:
        raise ValueError("a recorded market plays what was recorded; it takes no scenarios")

    def ground_truth(self) -> dict[str, Any]:
        return {"recording": str(self.recording.path), "scenarios": []}

    # -------------------------------------------------------------- REST

    def handle(self, path: str, query: str) -> HttpReply:
        endpoint = path.removeprefix("/api/v3/")
        params = dict(parse_qsl(query, keep_blank_values=True))
        try:
            body = self._rest(endpoint, params)
        except _Refused as exc:
            return _reply(400, wire.error(exc.code, exc.msg))
        if isinstance(body, Answer):
            return HttpReply(body.status, body.body.encode(), {"Content-Type": JSON_TYPE})
        return _reply(200, body)

    def _rest(self, endpoint: str, params: dict[str, str]) -> Any:
        if endpoint == "ping":
            return {}
        if endpoint == "time":
            return {"serverTime": self.now}
        if endpoint == "klines":
            return self._klines_rest(params)
        if endpoint == "aggTrades":
            return self._trades_rest(params)
        if endpoint == "ticker/24hr" and self._tickers:
            return self._tickers_rest(params)
        if endpoint == "exchangeInfo":
            found = [a for k, a in self._answers.items() if k[0] == "exchangeInfo"]
            if found:
                return found[0]
        answer = self._answers.get((endpoint, tuple(sorted(params.items()))))
        if answer is None:
            raise _Refused(-1100, f"not in this recording: {endpoint}")
        return answer

    def _symbol(self, params: dict[str, str]) -> str:
        symbol = params.get("symbol", "")
        if symbol not in self.header.symbols:
            raise _Refused(-1121, "Invalid symbol.")
        return symbol

    def _klines_rest(self, params: dict[str, str]) -> list:
        series = self._klines.get((self._symbol(params), params.get("interval", "")), {})
        start, end = _int(params, "startTime"), _int(params, "endTime")
        limit = min(1000, _int(params, "limit") or 500)
        rows = [series[t] for t in sorted(series) if (start is None or t >= start)]
        rows = [r for r in rows if end is None or r[0] <= end]
        return rows[:limit] if start is not None else rows[-limit:]

    def _trades_rest(self, params: dict[str, str]) -> list:
        trades = list(self._trades.get(self._symbol(params), ()))
        limit = min(1000, _int(params, "limit") or 500)
        from_id = _int(params, "fromId")
        if from_id is None:
            return trades[-limit:]
        return [t for t in trades if t["a"] >= from_id][:limit]

    def _tickers_rest(self, params: dict[str, str]) -> Any:
        if "symbol" in params:
            return self._tickers.get(self._symbol(params)) or {}
        names = msgspec.json.decode(params["symbols"]) if "symbols" in params else None
        return [t for s, t in self._tickers.items() if names is None or s in names]


class _Refused(Exception):
    def __init__(self, code: int, msg: str) -> None:
        super().__init__(msg)
        self.code, self.msg = code, msg


def _int(params: dict[str, str], name: str) -> int | None:
    value = params.get(name)
    try:
        return int(value) if value is not None else None
    except ValueError:
        raise _Refused(-1100, f"Illegal characters found in parameter '{name}'.") from None


def _reply(status: int, body: Any) -> HttpReply:
    return HttpReply(status, encode(body), {"Content-Type": JSON_TYPE})
