"""Chaos benchmarks: the real server under hostile load, workers killed from outside."""
