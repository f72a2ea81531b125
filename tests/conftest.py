"""Suite-wide set-up."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    """Import every lazily loaded part of anyio now, before any test runs.

    anyio ships a pytest plugin, so pytest rewrites (re-parses) every anyio
    module it imports; anyio 4.16 imports most of itself lazily, on first use,
    which can be inside a test's event loop while other threads run. One such
    parse failed a fresh-clone CI run with CPython 3.11.7's
    `SystemError: AST constructor recursion depth mismatch` (its ast module
    keeps that count per interpreter, not per thread). Parsed here, at start-up,
    nothing else is running.
    """
    import anyio

    for name in dir(anyio):
        getattr(anyio, name)
