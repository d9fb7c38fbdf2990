"""What the panes need that is not a plain read of `MarketState`: edits sent to the feed,
derived views (overview, chart series), the store. Widgets render; these fetch and derive.
No Textual imports here, so the one-shot commands can share them."""
