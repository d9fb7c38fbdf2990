"""The Binance adapter: REST client, stream client, JSON codec and weight limits."""
