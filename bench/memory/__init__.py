"""Memory benchmarks: RSS under load (`python -m bench.memory` runs the suite)."""
