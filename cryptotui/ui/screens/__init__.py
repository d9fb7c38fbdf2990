"""Modal screens over the dashboard: help, symbol search, watchlists, alert detail."""
