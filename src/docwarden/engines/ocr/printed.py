"""A page of print: its lines framed smaller for the recogniser (PrintTextRecognizer),
and read with the recogniser's Latin build first (models.LATIN_REC_PATH).

The full recogniser spends ~13 % of its time in its last layer, a score for each of
18,710 classes at every step; the Latin build scores only the 9 % of them below
models.LATIN_LIMIT and reads Latin lines to the same steps.  What it cannot read is a
glyph it has no class for (a Han, kana or Hangul one): it drops it silently.  Such a
glyph shows as a step where no kept class scores high, so a line whose lowest top
logit is under LATIN_LOGIT_FLOOR is read again by the full model, and once the full
model finds a character outside the Latin set the rest of the image goes to it alone.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
from rapidocr.ch_ppocr_rec import TextRecognizer

from docwarden.engines.ocr.models import is_latin

# Lines of the real set's scans (2,116 lines, all Latin) have their lowest top logit
# under 10 in 1.9 % of lines; lines holding a Han, kana or Hangul glyph read by the
# Latin build were under 10 in all but lines the full model misreads as Latin too
# (synthetic lines at three sizes and the Chinese scans' lines).  A false alarm costs
# one more read, a miss a dropped glyph: the floor leans to the first.
LATIN_LOGIT_FLOOR = 10.0
LOGIT = 2  # the Latin build's third output channel (models.LATIN_OUTPUT)
# A printed page's line is shown to the recogniser 40 px high, centred in its 48 px input
# on copies of its own top and bottom rows: 17 % narrower, so 17 % less work (cost
# follows width), and no worse read (OCR set CER 1.57 % either way, 36 px lost a file;
# real-set scans token F1 0.995 -> 0.996, 2.62 -> 2.22 s a page).  Not for photos: an
# ID card's small fields in blurred or low-resolution shots lost 1 in 750.
REC_PRINT_TEXT_HEIGHT_PX = 40

Crop = npt.NDArray[np.uint8]
Reading = tuple[str, float]


class PrintTextRecognizer(TextRecognizer):
    """rapidocr's recogniser with each line scaled to REC_PRINT_TEXT_HEIGHT_PX, framed to
    the model's input height (rapidocr stretches it to the full height)."""

    def resize_norm_img(self, img: npt.NDArray[np.uint8], max_wh_ratio: float
                        ) -> npt.NDArray[np.float32]:
        channels, height, _ = self.rec_image_shape
        padded_width = math.ceil(REC_PRINT_TEXT_HEIGHT_PX * max_wh_ratio)
        width = min(math.ceil(REC_PRINT_TEXT_HEIGHT_PX * img.shape[1] / img.shape[0]), padded_width)
        top = (height - REC_PRINT_TEXT_HEIGHT_PX) // 2
        framed = cv2.copyMakeBorder(cv2.resize(img, (width, REC_PRINT_TEXT_HEIGHT_PX)), top,
                                    height - REC_PRINT_TEXT_HEIGHT_PX - top, 0, 0,
                                    cv2.BORDER_REPLICATE)
        normalised = framed.astype(np.float32).transpose((2, 0, 1)) / 127.5 - 1.0
        out = np.zeros((channels, height, padded_width), dtype=np.float32)
        out[:, :, :width] = normalised
        return out


def read_one(rec: TextRecognizer, crop: Crop) -> tuple[npt.NDArray[np.float32], Reading]:
    """One line through a recogniser as rapidocr reads a batch of one: the model's
    output (steps, channels) and the decoded reading."""
    _, height, width = rec.rec_image_shape
    ratio = crop.shape[1] / crop.shape[0]
    widest = max(width / height, ratio)
    preds: Any = rec.session(rec.resize_norm_img(crop, widest)[np.newaxis])
    lines, _ = rec.postprocess_op(preds, False, wh_ratio_list=[ratio], max_wh_ratio=widest)
    text, score = lines[0]
    return preds[0], (str(text), float(score))


@dataclass(frozen=True)
class LatinFirst:
    """Reads an image's line crops (engine._ocr's order) with `latin`, falling back to
    `full` line by line, then for good (module docstring)."""

    latin: TextRecognizer
    full: TextRecognizer

    def __call__(self, crops: list[Crop]) -> list[Reading]:
        readings: list[Reading] = []
        latin_so_far = True
        for crop in crops:
            if latin_so_far:
                steps, reading = read_one(self.latin, crop)
                if steps[:, LOGIT].min(initial=np.inf) >= LATIN_LOGIT_FLOOR:
                    readings.append(reading)
                    continue
            reading = read_one(self.full, crop)[1]
            latin_so_far = latin_so_far and is_latin(reading[0])
            readings.append(reading)
        return readings


Reader = Callable[[list[Crop]], list[Reading]]
