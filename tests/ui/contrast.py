"""WCAG contrast of what is on the (headless) screen.

The compositor's strips carry the colours each cell is painted with after the app's line
filters (ANSI colours turned into the theme's truecolor, dim text blended), so these are the
colours a terminal shows. Legible text needs a contrast ratio of at least 4.5:1 (WCAG 2 AA).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from rich.color import Color
from textual.app import App
from textual.geometry import Region

AA = 4.5

RGB = tuple[int, int, int]


def luminance(rgb: RGB) -> float:
    """WCAG 2 relative luminance of an sRGB colour."""

    def linear(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: RGB, b: RGB) -> float:
    """WCAG 2 contrast ratio, 1 (same) to 21 (black on white)."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@dataclass(frozen=True, slots=True)
class Cell:
    x: int
    y: int
    char: str
    fg: RGB
    bg: RGB

    @property
    def ratio(self) -> float:
        return contrast_ratio(self.fg, self.bg)


def _rgb(colour: Color | None, default: RGB) -> RGB:
    if colour is None or colour.triplet is None:
        return default
    return tuple(colour.triplet)  # type: ignore[return-value]


def cells(app: App, region: Region | None = None) -> Iterator[Cell]:
    """Every visible (non-blank) character inside `region` (default: the screen)."""
    screen_bg = app.screen.styles.background.rgb
    area = region or app.screen.region
    for y, strip in enumerate(app.screen._compositor.render_strips()):
        if not area.y <= y < area.bottom:
            continue
        x = 0
        for seg in strip:
            style = seg.style
            for ch in seg.text:
                if area.x <= x < area.right and not ch.isspace() and ch != "⠀":
                    bg = _rgb(style.bgcolor if style else None, screen_bg)
                    fg = _rgb(style.color if style else None, (255, 255, 255))
                    if style is not None and style.reverse:
                        fg, bg = bg, fg
                    if style is not None and style.dim:
                        fg = tuple((f + b) // 2 for f, b in zip(fg, bg, strict=True))  # type: ignore[assignment]
                    yield Cell(x, y, ch, fg, bg)
                x += 1


def is_text(char: str) -> bool:
    """Letters, digits, the punctuation of numbers and times and the direction marks; not the
    block, box and braille glyphs of bars, borders and plotted lines (shapes, not text)."""
    return char.isalnum() or char in "%+-.,:;()/'_–…▲▼◆●"


def illegible(app: App, region: Region | None = None, minimum: float = AA) -> list[Cell]:
    """The text characters in `region` whose contrast with their background is below
    `minimum`."""
    return [c for c in cells(app, region) if is_text(c.char) and c.ratio < minimum]


def describe(bad: list[Cell]) -> str:
    """Failing cells as readable runs: `y=3 x=27 '+1.41%' 3.9:1 (27,107,51) on (200,200,200)`."""
    runs: list[list[Cell]] = []
    for c in bad:
        if runs and runs[-1][-1].y == c.y and c.x - runs[-1][-1].x <= 2:
            runs[-1].append(c)
        else:
            runs.append([c])
    return "\n".join(
        f"y={r[0].y} x={r[0].x} {''.join(c.char for c in r)!r} "
        f"{min(c.ratio for c in r):.1f}:1 {r[0].fg} on {r[0].bg}"
        for r in runs
    )


def text_at(app: App, text: str, region: Region | None = None) -> Region:
    """Where `text` first appears on screen (inside `region`), as a one-line region."""
    area = region or app.screen.region
    lines = app.screen._compositor.render_strips()
    for y in range(area.y, area.bottom):
        line = "".join(seg.text for seg in lines[y])
        x = line.find(text, area.x, area.right)
        if x >= 0:
            return Region(x, y, len(text), 1)
    raise AssertionError(f"{text!r} is not on screen in {area}")
