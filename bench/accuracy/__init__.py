"""Accuracy benchmarks: quality against references (`python -m bench.accuracy` runs the suite)."""
