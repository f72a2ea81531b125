"""Boxes on a page, shared by the ID-card and PDF layouts: extents, gaps, groups."""

from __future__ import annotations

from collections.abc import Iterable, Iterator


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


def uncovered_gaps(spans: Iterable[tuple[float, float]]) -> Iterator[tuple[float, float]]:
    """The x ranges between spans that no span covers, left to right (a page's gutters).

    Ranges before the first span and after the last are not gaps.
    """
    depth, start = 0, None
    edges = [edge for a, b in spans for edge in ((a, 1), (b, -1))]
    # Ends sort before starts at the same x: spans that touch leave no gap.
    for x, step in sorted(edges):
        before, depth = depth, depth + step
        if before and not depth:
            start = x
        elif depth and not before and start is not None:
            if x > start:
                yield start, x
            start = None


class DisjointSets:
    """Union-find over 0..n-1: groups of things joined pairwise (touching boxes, rules)."""

    def __init__(self, count: int) -> None:
        self.parent = list(range(count))

    def find(self, index: int) -> int:
        parent = self.parent
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    def union(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)

    def groups(self) -> list[list[int]]:
        found: dict[int, list[int]] = {}
        for index in range(len(self.parent)):
            found.setdefault(self.find(index), []).append(index)
        return list(found.values())
