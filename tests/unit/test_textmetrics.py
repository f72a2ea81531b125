"""The edit distance the accuracy tests and benchmarks share."""

from __future__ import annotations

import pytest

from tests.textmetrics import edit_distance


@pytest.mark.parametrize(("a", "b", "distance"), [
    ("", "", 0), ("abc", "", 3), ("", "abc", 3), ("abc", "abc", 0),
    ("kitten", "sitting", 3), ("flaw", "lawn", 2), ("intention", "execution", 5),
    ("中华人民共和国", "中华人民共合国", 1), ("公民身份号码", "身份号码", 2),
    ("a" * 100, "a" * 99 + "b", 1),            # past one 64-bit word
    ("ab" * 80, "ba" * 80, 2),                 # a shift: delete one end, insert the other
    ("x" * 70 + "y" * 70, "y" * 70, 70),
])
def test_known_distances_both_ways(a: str, b: str, distance: int) -> None:
    assert edit_distance(a, b) == distance
    assert edit_distance(b, a) == distance
