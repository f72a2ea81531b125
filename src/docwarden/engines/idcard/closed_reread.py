"""Second look at a closed-vocabulary field whose reading is no valid value (仏佬 for 仫佬).

The ethnicity is one of 56 names.  `match_ethnicity` already maps a reading
one character away from exactly one name; a reading that is still no name
(仏佬 is one character from both 仫佬 and 仡佬) must not be guessed over, by
edit distance or otherwise.  Instead that field's line is cropped and read
again, enlarged, sharpened and at another margin, since the misread came from
these pixels at that scale; a re-read replaces the value only when it is
itself a valid name and a second re-read agrees, and no re-read says another
name.  Otherwise the reading stays as it was (low confidence and a warning
from the checks): a field is never invented.  Only the rare invalid reading
pays for the extra passes (each reads a crop of one line, not the card).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PIL import Image, ImageFilter

from docwarden.engines.idcard.ethnicities import SUFFIX, is_known
from docwarden.engines.idcard.labels import cjk_only, split_text
from docwarden.engines.idcard.layout import LineLike, normalise_text
from docwarden.engines.idcard.reread import PlacedLine, place

Recognize = Callable[[Image.Image], Sequence[LineLike]]
Box = tuple[int, int, int, int]
# Re-reads that agree on one valid name before it replaces the reading.
AGREEING_READS = 2


@dataclass(frozen=True)
class Variant:
    """One way to read a crop again: margin (line heights), enlargement, sharpening."""

    margin_lines: float
    scale: int
    sharpen: bool


# In the order tried; a low-resolution misread is mostly undone by sharpening an enlarged crop.
VARIANTS = (Variant(0.15, 2, True), Variant(0.4, 2, True), Variant(0.15, 3, False),
            Variant(0.6, 1, True))


def _value_line(lines: Sequence[LineLike], reading: str) -> LineLike | None:
    """The shortest line that ends with the reading: the ethnicity ends its row (the photo
    is to its right), so an address line that merely holds the same characters is not it."""
    ending = [line for line in lines if cjk_only(normalise_text(line.text)).endswith(reading)]
    return min(ending, key=lambda line: len(line.text)) if ending else None


def _crop(image: Image.Image, line: LineLike, variant: Variant) -> tuple[Image.Image, Box]:
    xs, ys = [p[0] for p in line.box], [p[1] for p in line.box]
    pad = variant.margin_lines * (max(ys) - min(ys))
    box = (max(0, int(min(xs) - pad)), max(0, int(min(ys) - pad)),
           min(image.width, int(max(xs) + pad) + 1), min(image.height, int(max(ys) + pad) + 1))
    piece = image.crop(box).convert("RGB")
    if variant.scale > 1:
        size = (piece.width * variant.scale, piece.height * variant.scale)
        piece = piece.resize(size, Image.Resampling.BICUBIC)
    if variant.sharpen:
        piece = piece.filter(ImageFilter.UnsharpMask(radius=2, percent=80, threshold=2))
    return piece, box


def valid_name(text: str, prefix: str) -> str | None:
    """The ethnicity a re-read of the line says, only when it is exactly one of the 56.

    The line may hold its label (民族仫佬) or, on a merged row, the sex before it
    (`prefix`, the line's text before the first reading).
    """
    segments = split_text(text)
    labelled = [segment.text for segment in segments if segment.label == "ethnicity"]
    value = cjk_only(labelled[-1] if labelled else cjk_only(text).removeprefix(prefix))
    stem = value[: -len(SUFFIX)] if value.endswith(SUFFIX) and len(value) > 1 else value
    return stem if is_known(stem) else None


def reread_ethnicity(image: Image.Image, lines: Sequence[LineLike], reading: str | None,
                     recognize: Recognize) -> tuple[str, list[PlacedLine]] | None:
    """A valid ethnicity from re-reads of the line an invalid `reading` came from, with the
    re-read lines that said it (image pixels), or None: keep the reading as it is."""
    if not reading or is_known(reading):
        return None
    line = _value_line(lines, reading)
    if line is None:
        return None
    prefix = cjk_only(normalise_text(line.text)).removesuffix(reading)
    votes: dict[str, list[list[PlacedLine]]] = {}
    for variant in VARIANTS:
        piece, box = _crop(image, line, variant)
        found = place(recognize(piece), box, variant.scale)
        name = valid_name("".join(normalise_text(item.text) for item in found), prefix)
        if name is not None:
            votes.setdefault(name, []).append(found)
            if len(votes[name]) >= AGREEING_READS:
                break
    if len(votes) != 1:
        return None
    ((name, reads),) = votes.items()
    return (name, [item for read in reads for item in read]) if len(reads) >= AGREEING_READS \
        else None
