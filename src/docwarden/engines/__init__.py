"""Engines: plain classes that load a model and run one job; no processes, no HTTP."""
