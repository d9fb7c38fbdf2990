"""Alerts: user rules from the config (`rules`), which signals and rule hits reach the user
(`router`), and delivery to the configured channels (`delivery`)."""
