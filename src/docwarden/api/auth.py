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
    if not hmac.compare_digest(presented_key(request).encode(), expected.encode()):
        raise Unauthorized("missing or wrong API key: send 'Authorization: Bearer <key>'")


def presented_key(request: Request) -> str:
    """`Authorization: Bearer <key>`, or `X-API-Key` as the sfzocr clients send it."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        return token.strip()
    return request.headers.get("x-api-key", "").strip()
