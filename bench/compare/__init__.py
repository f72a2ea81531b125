"""docwarden side by side: bench.compare.run (bare serving layouts), bench.compare.peers
(LitServe, Ray Serve), celery_overhead, profile_api, and the helpers they share.

Run from the repository root (`python -m bench.compare.run`); the bare servers and the
peers are started as `python -m bench.compare.<module>` with the root on PYTHONPATH.
"""
