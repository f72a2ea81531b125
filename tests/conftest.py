"""Fixtures shared by every test directory."""

from tests.conftest_redis import redis_server

__all__ = ["redis_server"]
