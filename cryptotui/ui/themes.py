"""The light theme `t` switches to: Textual's light theme with text colours that read; and the
ANSI palettes that Rich's named colours (`"green"` in a table cell) are painted with.

Textual's `textual-light` keeps the dark theme's signal colours, which are pale on a light
background: its `$text-success` and `$text-warning` reach only ~3.5:1 against the panes and its
footer keys 2.9:1, under the 4.5:1 WCAG asks of text. The dark theme keeps Textual's but for
the focused cursor row's background. Only those variables change; candles,
volume and bars keep `$success` / `$error` (shapes, not text).
"""

from __future__ import annotations

from dataclasses import replace

from rich.terminal_theme import TerminalTheme
from textual.theme import BUILTIN_THEMES, Theme

DARK_THEME: Theme = replace(
    BUILTIN_THEMES["textual-dark"],
    name="cryptotui-dark",
    # The focused cursor row of tables and option lists: its light text read 3.8:1 on
    # Textual's #0178D4.
    variables={**BUILTIN_THEMES["textual-dark"].variables, "block-cursor-background": "#0162AC"},
)
DARK = DARK_THEME.name

LIGHT_THEME: Theme = replace(
    BUILTIN_THEMES["textual-light"],
    name="cryptotui-light",
    variables={
        **BUILTIN_THEMES["textual-light"].variables,
        "text-success": "#135A28",
        "text-warning": "#6A3F00",
        "text-accent": "#6A3F00",
        "text-error": "#8E1F3C",
        "footer-key-foreground": "#004578",
    },
)
LIGHT = LIGHT_THEME.name

# Rich's named colours in tables and dialogs are painted from these palettes: Textual's light
# one has green at 3.2:1 and yellow at 2:1 on the light panes, its dark one red at 4.47:1. Only
# those entries differ from Textual's (rich.terminal_theme order: black, red, green, yellow,
# blue, magenta, cyan, white; then the bright ones).
_LIGHT_NORMAL = [
    (0, 0, 0), (150, 30, 30), (20, 95, 20), (115, 75, 0),
    (30, 65, 160), (110, 45, 140), (0, 90, 120), (247, 247, 247),
]  # fmt: skip
LIGHT_ANSI = TerminalTheme(
    (247, 247, 247), (0, 0, 0), [*_LIGHT_NORMAL, (85, 85, 85)], [*_LIGHT_NORMAL[1:]]
)
_DARK_RED = (255, 85, 130)
DARK_ANSI = TerminalTheme(
    (12, 12, 12),
    (217, 217, 217),
    [
        (26, 26, 26), _DARK_RED, (152, 224, 36), (253, 151, 31),
        (157, 101, 255), _DARK_RED, (88, 209, 235), (196, 197, 181), (98, 94, 76),
    ],
    [
        _DARK_RED, (152, 224, 36), (224, 213, 97), (157, 101, 255),
        _DARK_RED, (88, 209, 235), (246, 246, 239),
    ],
)  # fmt: skip
