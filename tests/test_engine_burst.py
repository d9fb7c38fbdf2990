"""At a candle boundary every watched series closes at once: the engine emits the alerts of the
whole burst before its bookkeeping (outcome tracking, signals that raised no alert), with
exactly the alerts, in the same order, that the engine gives when it does everything at once."""

from __future__ import annotations

from collections.abc import Callable

from cryptotui.alerts.router import AlertRouter
from cryptotui.alerts.rules import parse_rules
from cryptotui.engine import Engine
from cryptotui.models import Alert, Candle, Signal
from cryptotui.stats.outcomes import Outcome, OutcomeTracker
from tests.test_engine import candles


def bursts() -> list[list[Candle]]:
    """The closes of each boundary (1m and 3m together every third minute); one burst holds
    five 1m closes in a row, as a gap-fill delivers them."""
    ones = candles(900, 1, "1m", volume_sigma=0.6)
    threes = candles(300, 2, "3m", volume_sigma=0.6)
    out: list[list[Candle]] = []
    for i, c in enumerate(ones):
        out.append([c, threes[i // 3]] if i % 3 == 2 else [c])
    gap = [c for b in out[400:405] for c in b]
    return [*out[:400], gap, *out[405:]]


def engine(emit: Callable[[object], None]) -> Engine:
    rules = parse_rules(
        [{"name": "tick", "when": "price > 0", "interval": iv} for iv in ("1m", "3m")]
    )
    return Engine(
        ["BTCUSDT"],
        ["1m", "3m"],
        emit=emit,
        router=AlertRouter(rules, min_confidence=0.55, cooldown_s=0),
        tracker=OutcomeTracker(),
    )


def test_alerts_leave_before_the_bookkeeping_which_then_matches_doing_it_at_once():
    at_once: list = []
    reference = engine(at_once.append)
    for burst in bursts():
        for c in burst:
            reference.on_candle(c, 1)

    got: list = []
    deferred = engine(got.append)
    scheduled: list[Callable[[], None]] = []
    deferred.after_burst = scheduled.append
    for burst in bursts():
        start = len(got)
        for c in burst:
            deferred.on_candle(c, 1)
        during = got[start:]
        ticks = sum(type(ev) is Alert and ev.name == "tick" for ev in during)
        if len({(c.symbol, c.interval) for c in burst}) == len(burst):
            assert len(scheduled) == 1  # one flush per burst, however many series close
            # Within the burst only alerts and the signals that raised them went out.
            assert {type(ev) for ev in during} <= {Alert, Signal} and ticks == len(burst)
        else:  # a series closing twice in one burst has its last candle's work done first
            assert any(type(ev) is Outcome for ev in during) and ticks == len(burst)
        while scheduled:
            scheduled.pop()()

    def of(events: list, kind: type) -> list:
        return [ev for ev in events if type(ev) is kind]

    assert of(got, Alert) == of(at_once, Alert)
    assert {a.kind for a in of(got, Alert)} == {"rule", "pattern"}
    # The same outcomes and signals, in another order: a signal that raised no alert is
    # published after those that did, and the outcomes after the burst's alerts.
    outcome = lambda o: (o.time, o.key.interval, o.key.name, o.key.direction, o.horizon)  # noqa: E731
    assert sorted(of(got, Outcome), key=outcome) == sorted(of(at_once, Outcome), key=outcome)
    assert len(of(got, Outcome)) > 1000
    signal = lambda s: (s.time, s.interval, s.name)  # noqa: E731
    assert sorted(of(got, Signal), key=signal) == sorted(of(at_once, Signal), key=signal)
    assert len(of(got, Signal)) > len([a for a in of(got, Alert) if a.kind == "pattern"]) > 0


def test_without_a_scheduler_everything_happens_at_once():
    out: list = []
    e = engine(out.append)
    for burst in bursts()[:100]:
        for c in burst:
            e.on_candle(c)
    e.flush()  # nothing was left over
    assert not e._later and any(type(ev) is Outcome for ev in out)
