"""Component-class styles resolved the way Textual paints a widget, for line-API renderers.

`get_component_rich_style(name, partial=True)` hands back a component's colours raw: an alpha
colour (`$accent 30%`, `$boost`) loses its alpha and an automatic one (`$text-muted` is
`auto 60%`) is not resolved at all, so a cursor row became solid white and muted text stayed
white on the light theme. Here each component is laid over the widget's own style in order:
its background blended onto the one below, its text colour blended (or, when automatic, picked
for contrast) against the background it lands on, `text-opacity` applied.
"""

from __future__ import annotations

from rich.style import Style
from textual.color import Color
from textual.widget import Widget


def layered(widget: Widget, *components: str) -> Style:
    """`widget`'s style with `components` (component-class names) laid over it in order."""
    _, background = widget.background_colors
    own = widget.styles
    auto_alpha = own.color.a if own.auto_color else None
    colour = Color.from_rich_color(widget.rich_style.color) if widget.rich_style.color else None
    text = Style()
    for name in components:
        styles = widget.get_component_styles(name)
        if styles.has_rule("background"):
            background = background + styles.background
        if styles.has_rule("color"):
            auto = styles.auto_color  # `color: auto 60%` is stored as white 60% plus this flag
            auto_alpha = styles.color.a if auto else None
            colour = None if auto else background + styles.color
        if auto_alpha is not None:
            colour = background + background.get_contrast_text(auto_alpha)
        if styles.has_rule("text_opacity") and colour is not None:
            colour = background + colour.multiply_alpha(styles.text_opacity)
        text += styles.text_style
    if auto_alpha is not None or colour is None:
        colour = background + background.get_contrast_text(auto_alpha or 0.87)
    return widget.rich_style + text + Style(color=colour.rich_color, bgcolor=background.rich_color)
