"""The Textual face: renders MarketState snapshots; computes nothing about the market."""
