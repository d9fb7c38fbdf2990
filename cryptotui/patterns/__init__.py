"""Pattern detection on closed candles.

`candles.CandlestickScanner` finds TA-Lib's candlestick patterns incrementally.
"""
