"""The indicator protocol: what the engine and `analyze` rely on.

Kept apart from `base.py` because it must stay interpreted: mypyc turns a compiled Protocol into
an ordinary class, which `runtime_checkable` refuses.
"""

from __future__ import annotations

from typing import Any, ClassVar, Protocol, runtime_checkable

from cryptotui.models import Candle


@runtime_checkable
class Indicator(Protocol):
    """What the engine and `analyze` rely on; every class in this package implements it."""

    name: ClassVar[str]
    """Registry name, also the first part of every column name (`sma`, `macd`, ...)."""
    params: tuple[int | float, ...]
    lookback: int
    """Committed candles before the first value: the first value comes from update number
    `lookback + 1` (TA-Lib's lookback for the same parameters)."""

    @property
    def outputs(self) -> tuple[str, ...]:
        """Suffixes of the outputs, `("",)` for a single value; multi-output indicators return
        a NamedTuple whose fields are in this order (a class attribute; read only here, so a
        class may declare its exact tuple)."""
        ...

    @property
    def columns(self) -> tuple[str, ...]: ...

    def update(self, candle: Candle) -> Any: ...

    def preview(self, candle: Candle) -> Any: ...

    def reset(self) -> None: ...

    def cells(self, value: Any) -> tuple[float | None, ...]: ...
