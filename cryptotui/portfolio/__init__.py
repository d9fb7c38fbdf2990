"""The user's holdings: transactions, cost basis and profit and loss, valued in one currency.

`ledger` is the accounting (pure: transactions and rates in, positions out), `pairs` names the
markets that price an asset, `csv_import` reads trade files, `rates` finds what the accounting
needs from the exchange and the store. The store keeps the transactions
(`cryptotui.store.holdings`); `cryptotui holdings` and the TUI's Portfolio view show them.
"""
