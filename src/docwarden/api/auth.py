"""Optional Bearer API key, compared in constant time; never logged."""

from __future__ import annotations

import hmac

from fastapi import Request

from docwarden.errors import Unauthorized


async def require_api_key(request: Request) -> None:
    """Async on purpose: a plain `def` dependency costs every request a threadpool hop."""
    expected: str | None = request.app.state.ctx.settings.api_key
    if not expected:
        return
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        token.strip().encode(), expected.encode()
    ):
        raise Unauthorized("missing or wrong API key: send 'Authorization: Bearer <key>'")
