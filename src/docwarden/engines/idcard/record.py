"""One answer from one or both sides: side checks, merged fields, checks and warnings.

Pure (no model imports) so the answer's shape and its refusals are unit-tested fast.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from docwarden.engines.idcard import confidence
from docwarden.engines.idcard.checks import field_warnings, number_checks
from docwarden.engines.idcard.reader import BACK, FRONT, SideRead, empty_fields
from docwarden.errors import InvalidInput

SIDES = (FRONT, BACK)
AUTO = "auto"


def requested_side(params: dict[str, Any]) -> str:
    """The `side` parameter: front, back or auto (the default, detect from the content)."""
    side = str(params.get("side") or AUTO).strip().lower()
    if side not in (*SIDES, AUTO):
        raise InvalidInput(f"side must be front, back or auto, not {side!r}")
    return side


def check_side(read: SideRead, requested: str, what: str) -> None:
    """Refuse an image that is not a card, or the other side than the one asked for."""
    if read.side is None:
        raise InvalidInput(
            f"{what} does not look like a Chinese resident ID card: neither an ID number nor "
            "the printed labels (姓名, 公民身份号码, 签发机关, 有效期限) could be read; send a "
            "sharp, well-lit image of one side of the card"
        )
    if requested in SIDES and read.side != requested:
        raise InvalidInput(
            f"{what} looks like the {read.side} of an ID card; send it with side={read.side} "
            "or side=auto"
        )


def merge(reads: Sequence[SideRead], today: dt.date) -> dict[str, Any]:
    """One record from one or both sides: fields, checks, warnings, confidence, metadata.

    `confidence` covers the fields of the sides read (0 for an unread one);
    `metadata` tells per side how the photo was read (angle, blur undone).
    """
    fields = empty_fields()
    raw_confidence: dict[str, float] = {}
    for read in reads:
        fields.update(read.fields)
        raw_confidence.update(read.confidence)
    sides = tuple(str(read.side) for read in reads)
    checks, number_warnings = number_checks(fields, today)
    scores = confidence.adjusted(fields, raw_confidence, checks)
    return {
        "side": "both" if len(set(sides)) == len(SIDES) else sides[0],
        "fields": fields,
        "checks": checks,
        "warnings": (field_warnings(fields, sides, today) + number_warnings
                     + confidence.low_confidence_warning(scores, fields)),
        "confidence": scores,
        "metadata": {str(read.side): read.metadata for read in reads},
    }
