"""Helpers of bench/run.py: docwarden measured side by side with bare serving layouts.

Imported as the top-level package `compare` (bench/ is on sys.path when
`python bench/run.py` runs, and is put on PYTHONPATH for the bare servers).
"""
