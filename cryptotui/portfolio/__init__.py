"""The user's holdings: transactions, cost basis and profit and loss, valued in one currency.

`ledger` is the accounting (pure: transactions and rates in, positions out) and `history` the
same ledger replayed over time; `pairs` names the markets that price an asset; `csv_import`
reads trade files and `entry` what a person types; `rates` asks the exchange for past prices.
The store keeps the transactions and answers what its candles can (`cryptotui.store.holdings`);
`cryptotui holdings` and the TUI's Portfolio view show them.
"""
