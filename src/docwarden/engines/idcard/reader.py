"""From raw OCR lines to a side and its fields, and which way up the card lies.

Pure functions over OCR-like lines; the engine feeds them model output and
decides from `SideRead.quality` whether another quarter turn is worth an OCR
pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from docwarden.engines.idcard.fields import (
    BACK_FIELDS,
    FRONT_FIELDS,
    Fields,
    parse_back,
    parse_front,
)
from docwarden.engines.idcard.label_column import restore_labels
from docwarden.engines.idcard.labels import MIN_SIDE_SCORE, latin_heavy, side_scores, upright_score
from docwarden.engines.idcard.layout import LineLike, group_rows, to_lines, vertical_fraction

FRONT = "front"
BACK = "back"
# A read this good is not worth another OCR pass at another quarter turn.
GOOD_SIDE_SCORE = 4.0
# Card on its side: at least this share of the lines are taller than wide.
VERTICAL_SHARE = 0.5
# Text covering less than this share of the image: a card far away on a background.
SMALL_TEXT_SHARE = 0.35
TEXT_MARGIN_SHARE = 0.12


@dataclass(frozen=True)
class SideRead:
    """One side as read in one orientation."""

    side: str | None
    front_score: float
    back_score: float
    fields: Fields = field(default_factory=dict)
    quarter_turns: int = 0
    # The upright OCR lines of the first pass and the upright size (debug, foreign cards).
    raw: tuple[LineLike, ...] = ()
    size: tuple[float, float] = (0.0, 0.0)
    # Per-field confidence from the recogniser (0-1), before the checks adjust it.
    confidence: dict[str, float] = field(default_factory=dict)
    # How the photo was read: rotation found, blur undone, passes (the answer's metadata).
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def quality(self) -> float:
        found = sum(1 for value in self.fields.values() if value is not None)
        return max(self.front_score, self.back_score) + found

    @property
    def good(self) -> bool:
        return self.side is not None and max(self.front_score, self.back_score) >= GOOD_SIDE_SCORE


def interpret(raw: Sequence[LineLike], width: float, height: float, quarter_turns: int = 0,
              side_hint: str | None = None) -> SideRead:
    """Detect the side shown by upright OCR lines and parse its fields.

    With a `side_hint` (the side the caller says it sent) that side is parsed
    whenever its own markers were read, even if the other side scores higher.
    """
    lines = [line for line in to_lines(raw, width, height, quarter_turns)
             if not latin_heavy(line.text)]
    rows = restore_labels(group_rows(lines))
    front, back = side_scores(rows)
    hinted = {FRONT: front, BACK: back}.get(side_hint or "", 0.0) >= MIN_SIDE_SCORE
    if hinted:
        side: str | None = side_hint
    elif max(front, back) >= MIN_SIDE_SCORE:
        side = FRONT if front >= back else BACK
    else:
        side = None
    if side == FRONT:
        return SideRead(FRONT, front, back, parse_front(rows), quarter_turns)
    if side == BACK:
        return SideRead(BACK, front, back, parse_back(rows), quarter_turns)
    return SideRead(None, front, back, quarter_turns=quarter_turns)


def choose_quarter_turns(raw: Sequence[LineLike], width: float, height: float) -> int:
    """Counter-clockwise quarter turns that make the card upright, from line shapes and markers.

    Lines taller than wide mean the card lies on its side (1 or 3 turns); the
    printed markers (labels above and left of their values) decide between the
    two candidates of each pair.
    """
    pair = (1, 3) if vertical_fraction(raw) > VERTICAL_SHARE else (0, 2)
    scores = [upright_score(to_lines(raw, width, height, turns, deskew=False)) for turns in pair]
    return pair[1] if scores[1] > scores[0] else pair[0]


def empty_fields() -> Fields:
    return dict.fromkeys((*FRONT_FIELDS, *BACK_FIELDS))


def text_region(raw: Sequence[LineLike], width: int, height: int, always: bool = False) -> (
        tuple[int, int, int, int] | None):
    """Where the text is (with a margin), when it covers only a small part of the image.

    A card photographed from afar is small in a large frame; reading the crop
    again gives the recogniser several times more pixels per character.  With
    `always` (an image about to be read again anyway) any smaller box is returned.
    """
    points = [point for line in raw for point in line.box]
    if not points:
        return None
    x0, x1 = min(p[0] for p in points), max(p[0] for p in points)
    y0, y1 = min(p[1] for p in points), max(p[1] for p in points)
    margin = TEXT_MARGIN_SHARE * max(x1 - x0, y1 - y0)
    box = (max(0, int(x0 - margin)), max(0, int(y0 - margin)),
           min(width, int(x1 + margin) + 1), min(height, int(y1 + margin) + 1))
    area = (box[2] - box[0]) * (box[3] - box[1])
    limit = 1.0 if always else SMALL_TEXT_SHARE
    return box if area < limit * width * height else None
