"""The light theme `t` switches to: Textual's light theme with text colours that read.

Textual's `textual-light` keeps the dark theme's signal colours, which are pale on a light
background: its `$text-success` and `$text-warning` reach only ~3.5:1 against the panes and its
footer keys 2.9:1, under the 4.5:1 WCAG asks of text. Only those variables change; candles,
volume and bars keep `$success` / `$error` (shapes, not text).
"""

from __future__ import annotations

from dataclasses import replace

from textual.theme import BUILTIN_THEMES, Theme

DARK = "textual-dark"

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
