"""Speed measurements (`make bench`). Never run as tests: timings are printed, not asserted."""
