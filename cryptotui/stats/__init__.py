"""Validation: outcomes of every signal, track records with honest statistics, backtests."""
