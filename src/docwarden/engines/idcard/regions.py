"""GB/T 2260 region codes: the first six digits of an identity number.

Two tables ship in `docwarden/data` (MIT, see GB2260-LICENSE.txt): the current
codes, and every code used since 1980 with its name history.  A number keeps
the code it was issued with for life, so a code that has since been abolished
is still a valid region, named after the history table.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

# City-level rows that are placeholders, not names a person would write.
_PLACEHOLDER_NAMES = frozenset({"市辖区", "县", "省直辖县级行政单位", "省直辖县级行政区划"})
HistoryEntry = tuple[str, int | None, int | None]


@dataclass(frozen=True)
class Region:
    """A resolved region code: full province/city/county name and whether it is current."""

    code: str
    name: str
    current: bool

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name,
                "status": "current" if self.current else "abolished"}


def _load(filename: str) -> Any:
    text = resources.files("docwarden").joinpath("data", filename).read_text(encoding="utf-8")
    return json.loads(text)


@cache
def current_table() -> dict[str, str]:
    """Code -> name of the codes in force today."""
    table: dict[str, str] = _load("gb2260.json")
    return table


@cache
def history_table() -> dict[str, list[HistoryEntry]]:
    """Code -> [(name, first_year, last_year)] of every code used since 1980."""
    raw: dict[str, list[list[Any]]] = _load("gb2260_history.json")
    return {code: [(str(n), start, end) for n, start, end in rows] for code, rows in raw.items()}


def region_known(code: str) -> bool:
    """Whether `code` is, or ever was, a GB/T 2260 code."""
    return code in current_table() or code in history_table()


def _name_in_year(code: str, year: int | None) -> str | None:
    """A code's name from the history table, as it was in `year` (latest name otherwise)."""
    entries = history_table().get(code)
    if not entries:
        return None
    if year is not None:
        for name, start, end in entries:
            if (start is None or start <= year) and (end is None or year <= end):
                return name
    return entries[-1][0]


def _parts(code: str) -> list[str]:
    """Province, city and county codes of `code`, without repeats (a province is one part)."""
    parts = [code[:2] + "0000", code[:4] + "00", code]
    return list(dict.fromkeys(parts))


def _full_name(code: str, name_of: Callable[[str], str | None]) -> str:
    names = [name_of(part) for part in _parts(code)]
    kept = [name for name in names if name and name not in _PLACEHOLDER_NAMES]
    return "".join(kept)


def lookup(code: str, year: int | None = None) -> Region | None:
    """Full name of a region code: the current table first, then the history table.

    `year` (the holder's birth year) picks the right name for a code that was
    reused for another county over time.
    """
    current = current_table()
    if code in current:
        return Region(code, _full_name(code, current.get), current=True)
    if code not in history_table():
        return None

    def name_of(part: str) -> str | None:
        historical = _name_in_year(part, year)
        return historical if historical is not None else current.get(part)

    return Region(code, _full_name(code, name_of), current=False)
