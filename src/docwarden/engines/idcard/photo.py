"""Before the upright read: turn a card lying at any angle level; after it, weigh a deblurred read.

Both steps start from the first OCR pass the engine makes anyway and cost
another pass only when a cheap signal calls for one: the text lines' angle is
off a quarter turn by more than `rectify.MIN_RECTIFY_DEG`, or the cepstrum of
the text region shows a motion blur (`deblur.estimate_motion`, ~15 ms).  A
deblurred read replaces the plain one only when it reads better (`better`):
a Wiener filter run on a sharp image by a false alarm garbles it, so the
plain read is always kept as the fallback.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PIL import Image

from docwarden.engines.idcard import numbers, rectify
from docwarden.engines.idcard.fields import BACK_FIELDS, FRONT_FIELDS
from docwarden.engines.idcard.layout import LineLike
from docwarden.engines.idcard.reader import FRONT, SideRead, choose_quarter_turns, text_region

Recognize = Callable[[Image.Image], Sequence[LineLike]]
Enlarge = Callable[[Image.Image], Image.Image]


@dataclass(frozen=True)
class Prepared:
    """The image to read (after any turn and crop), its OCR lines, the turn applied."""

    image: Image.Image
    raw: Sequence[LineLike]
    degrees: float = 0.0


def upright_degrees(raw: Sequence[LineLike], size: tuple[int, int], residual: float) -> float:
    """Counter-clockwise turn that levels the lines and stands the card upright."""
    probe = rectify.Rotation(residual, size, size)
    moved = rectify.move_lines(raw, probe.point)
    return residual + 90.0 * choose_quarter_turns(moved, size[0], size[1])


def prepare(image: Image.Image, raw: Sequence[LineLike], recognize: Recognize,
            enlarge: Enlarge, phone_steps: bool = True) -> Prepared:
    """Turn and crop to the text as needed; read again only when something changed."""
    residual = rectify.residual_angle(raw) if phone_steps else None
    degrees = 0.0
    if residual is not None and abs(residual) >= rectify.MIN_RECTIFY_DEG:
        degrees = upright_degrees(raw, image.size, residual)
        image, rotation = rectify.rotate(image, degrees)
        raw = rectify.move_lines(raw, rotation.point)
    region = text_region(raw, image.width, image.height, always=bool(degrees))
    if region is None and not degrees:
        return Prepared(image, raw)
    if region is not None:
        image = enlarge(image.crop(region))
    return Prepared(image, recognize(image), degrees)


def _rank(read: SideRead) -> tuple[bool, bool, float]:
    """Looks like a card; valid ID number (front); mean confidence over the side's fields."""
    names = FRONT_FIELDS if read.side == FRONT else BACK_FIELDS
    number = read.fields.get("id_number") or ""
    valid = read.side != FRONT or numbers.checksum_ok(number)
    mean = sum(read.confidence.get(name, 0.0) for name in names) / len(names)
    return read.good, valid, mean


def better(candidate: SideRead, current: SideRead) -> bool:
    """Whether the candidate (deblurred) read beats the current (plain) one."""
    return _rank(candidate) > _rank(current)
