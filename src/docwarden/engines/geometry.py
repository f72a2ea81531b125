"""The extent of an axis-aligned box, shared by the ID-card and PDF layouts."""

from __future__ import annotations


class Extent:
    """Width, height and centre of anything with x0, y0, x1, y1 (origin top-left).

    A mixin for dataclasses (slotted or frozen alike): it adds no fields.
    """

    __slots__ = ()
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2
