"""The transactions table: a v2 database gains it, changes are all or nothing and keep the
ledger consistent, imported keys are stored once; and the `[portfolio]` settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from cryptotui.config import ConfigError, load_config
from cryptotui.portfolio.ledger import Oversold, Transaction
from cryptotui.store.holdings import (
    UnknownTransaction,
    add_transactions,
    load_transactions,
    remove_transaction,
)
from cryptotui.store.schema import connect, migrate, open_db


def tx(t: int, side: str, qty: float, price: float = 100.0) -> Transaction:
    return Transaction(t, "BTC", side, qty, price, "USDT")


def test_a_v2_database_gains_the_table_and_keeps_its_data(tmp_path: Path):
    old = connect(tmp_path / "old.db")
    migrate(old, target=2)
    old.execute("INSERT INTO watchlists (name, position, symbol) VALUES ('main', 0, 'BTCUSDT')")
    old.conn.commit()
    old.close()
    db = open_db(tmp_path / "old.db")
    assert load_transactions(db) == []
    assert db.execute("SELECT symbol FROM watchlists").fetchall() == [("BTCUSDT",)]


def test_changes_are_all_or_nothing(tmp_path: Path):
    db = open_db(tmp_path / "h.db")
    (first,) = add_transactions(db, [(tx(1, "buy", 1.0), None)])
    assert first.id == 1
    late_sell = tx(3, "sell", 1.0)
    add_transactions(db, [(late_sell, None)])
    before = load_transactions(db)
    early_sell = tx(2, "sell", 0.5)
    with pytest.raises(Oversold) as caught:  # the stored sell at 3 would then be short
        add_transactions(db, [(Transaction(2, "ETH", "buy", 5.0, 90.0, "USDT"), "k1"),
                              (early_sell, None)])  # fmt: skip
    assert caught.value.tx.id == 2 and caught.value.held == pytest.approx(0.5)
    assert load_transactions(db) == before  # the good buy of the batch was not kept either
    with pytest.raises(Oversold):
        remove_transaction(db, 1)
    with pytest.raises(UnknownTransaction):
        remove_transaction(db, 9)
    assert load_transactions(db) == before
    assert remove_transaction(db, 2).side == "sell"
    assert [t.id for t in load_transactions(db)] == [1]


def test_keys_are_stored_once(tmp_path: Path):
    db = open_db(tmp_path / "h.db")
    batch = [(tx(1, "buy", 1.0), "a"), (tx(1, "buy", 1.0), "b"), (tx(2, "buy", 2.0), None)]
    assert len(add_transactions(db, batch)) == 3
    assert add_transactions(db, batch[:2]) == []
    assert len(add_transactions(db, batch[2:])) == 1  # typed in by hand: no key, no dedupe
    assert len(load_transactions(db)) == 4
    with pytest.raises(ValueError, match="share a dedupe key"):
        add_transactions(db, [(tx(5, "buy", 1.0), "c"), (tx(6, "buy", 1.0), "c")])


def test_portfolio_settings(tmp_path: Path):
    config = load_config(None, env={})
    assert (config.portfolio.currency, config.portfolio.method) == ("USDT", "fifo")
    env = {"CRYPTOTUI_PORTFOLIO_CURRENCY": "eur", "CRYPTOTUI_PORTFOLIO_METHOD": "Average"}
    config = load_config(None, env=env)
    assert (config.portfolio.currency, config.portfolio.method) == ("EUR", "average")
    path = tmp_path / "config.toml"
    path.write_text('[portfolio]\ncurrency = "USDT"\nmethod = "lifo"\n')
    with pytest.raises(ConfigError, match=r"config.toml:3.*portfolio.method.*fifo"):
        load_config(path, env={})
