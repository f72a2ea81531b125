"""The `idcard` engine: second-generation Chinese resident ID cards, front and back.

It composes the OCR engine (same process, same loaded models) with pure
layout parsing.  A photo may show the card on its side or upside down: the
first OCR pass tells which way up it lies, one more pass reads it upright,
and other quarter turns are tried only when a read does not look like a card.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

from PIL import Image, ImageDraw, ImageFont

from docwarden.engines.base import Engine, JobInput
from docwarden.engines.idcard import (
    closed_reread,
    confidence,
    deblur,
    foreign,
    photo,
    rectify,
    regions,
)
from docwarden.engines.idcard.layout import LineLike, skew_deg
from docwarden.engines.idcard.reader import FRONT, SideRead, choose_quarter_turns, interpret
from docwarden.engines.idcard.record import AUTO, SIDES, check_side, merge, requested_side
from docwarden.engines.idcard.reread import REREAD_SCALE, place, value_crops
from docwarden.engines.images import open_image
from docwarden.engines.ocr.engine import OcrEngine
from docwarden.errors import InvalidInput, UnsupportedMediaType
from docwarden.jobdata import EngineResult
from docwarden.media import sniff
from docwarden.settings import Settings

# Cards smaller than this (long side) are enlarged before OCR: thin strokes survive better.
SMALL_LONG_SIDE_PX = 640
UPSCALE_LONG_SIDE_PX = 1000
# Fewer lines than this on the first pass: no text worth turning the image for.
MIN_LINES_FOR_RETRY = 3
_TRANSPOSE = {1: Image.Transpose.ROTATE_90, 2: Image.Transpose.ROTATE_180,
              3: Image.Transpose.ROTATE_270}
SAMPLE_NUMBER = "110101199005121513"
SAMPLE_FONTS = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
                "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc")


def turned(image: Image.Image, quarter_turns: int) -> Image.Image:
    """The image turned counter-clockwise by 90° * quarter_turns."""
    method = _TRANSPOSE.get(quarter_turns % 4)
    return image.transpose(method) if method is not None else image


def enlarge_small(image: Image.Image) -> Image.Image:
    """Upscale a low-resolution card so its text reaches the recogniser's comfortable size."""
    long_side = max(image.width, image.height)
    if long_side >= SMALL_LONG_SIDE_PX:
        return image
    scale = UPSCALE_LONG_SIDE_PX / long_side
    size = (round(image.width * scale), round(image.height * scale))
    return image.convert("RGB").resize(size, Image.Resampling.BICUBIC)


def sample_card() -> Image.Image:
    """A plain card-sized image with an ID number (and a date when a CJK font is installed)."""
    image = Image.new("RGB", (856, 540), (236, 242, 246))
    draw = ImageDraw.Draw(image)
    path = next((p for p in SAMPLE_FONTS if Path(p).is_file()), None)
    font = ImageFont.truetype(path, 34) if path else ImageFont.load_default(size=34)
    if path:
        draw.text((60, 180), "出生   1990年5月12日", fill="black", font=font)
    draw.text((240, 440), SAMPLE_NUMBER, fill="black", font=font)
    return image


def with_ocr_text(answer: dict[str, Any], read: SideRead, params: dict[str, Any]) -> (
        dict[str, Any]):
    """With `debug`: the raw OCR lines of the read, top to bottom, as `ocr_text`."""
    if params.get("debug"):
        lines = sorted(read.raw, key=lambda line: (min(p[1] for p in line.box),
                                                   min(p[0] for p in line.box)))
        answer["ocr_text"] = [line.text for line in lines]
    return answer


class IdCardEngine(Engine):
    name: ClassVar[str] = "idcard"
    thread_safe: ClassVar[bool] = OcrEngine.thread_safe

    def __init__(self, settings: Settings, phone_steps: bool = True) -> None:
        super().__init__(settings)
        self._ocr = OcrEngine(settings)
        # Off only to measure the engine without rectification and deblurring (bench).
        self.phone_steps = phone_steps

    def load(self) -> None:
        self._ocr.load()
        regions.current_table()
        regions.history_table()

    def run(self, job: JobInput) -> EngineResult:
        today = dt.date.today()
        fast = bool(job.params.get("fast_mode"))
        if job.files:
            unknown = sorted(set(job.files) - set(SIDES))
            if unknown:
                raise InvalidInput(f"batch files must be named front and/or back, not {unknown}")
            reads = [self.read_side(job.files[side], side, f"the file sent as {side}", fast)
                     for side in SIDES if side in job.files]
            return merge(reads, today)
        if not job.data:
            raise InvalidInput("no image: send a photo or scan of the ID card as the job's file")
        if str(job.params.get("side")) in foreign.FOREIGN_SIDES:
            return self.read_foreign(job.data, str(job.params["side"]), job.params)
        side = requested_side(job.params)
        read = self.read_side(job.data, side, "this image", fast, foreign_ok=side == AUTO)
        if side == AUTO and foreign.looks_foreign(read.raw):
            return self.read_foreign(job.data, None, job.params, read)
        return with_ocr_text(merge([read], today), read, job.params)

    def read_side(self, data: bytes, requested: str, what: str, fast: bool = False,
                  foreign_ok: bool = False) -> SideRead:
        """Decode, OCR upright, parse; raise InvalidInput for a non-card or the wrong side."""
        read = self.best_read(self.open_card(data), None if requested == AUTO else requested, fast)
        if not (foreign_ok and foreign.looks_foreign(read.raw)):
            check_side(read, requested, what)
        return read

    def read_foreign(self, data: bytes, requested: str | None, params: dict[str, Any],
                     read: SideRead | None = None) -> EngineResult:
        """A foreigner's permanent residence card (`requested` None: detect new or old)."""
        read = read or self.best_read(self.open_card(data), None, fast=True)
        answer = foreign.answer(read.raw, *read.size, requested)
        if not foreign.is_card(answer["fields"]):
            raise InvalidInput("this image does not look like a foreigner's permanent residence "
                               "ID card: neither its number nor its printed fields could be "
                               "read; send a sharp, well-lit image of the card's front")
        return with_ocr_text(answer, read, params)

    def open_card(self, data: bytes) -> Image.Image:
        if not sniff(data).is_image:
            raise UnsupportedMediaType("the idcard engine reads images (JPEG, PNG, ...), not PDFs")
        return enlarge_small(open_image(data, self.settings.max_image_pixels))

    def best_read(self, image: Image.Image, side_hint: str | None, fast: bool = False) -> SideRead:
        """The upright read: angle, text region and orientation come from a first pass.

        A motion blur found in the text region is undone and the card read again;
        the better of the two reads is kept.  Fast mode skips the deblurring, the
        other quarter turns and the re-reads of the values.
        """
        first = self._ocr.recognize(image)
        prepared = photo.prepare(image, first, self._ocr.recognize, enlarge_small,
                                 self.phone_steps)
        best = self._upright_read(prepared.image, prepared.raw, side_hint, fast)
        motion = (deblur.estimate_motion(deblur.to_gray(prepared.image))
                  if self.phone_steps and not fast else None)
        chosen = False
        if motion is not None:
            sharp = deblur.deblurred(prepared.image, motion)
            other = self._upright_read(sharp, self._ocr.recognize(sharp), side_hint, fast)
            chosen = photo.better(other, best)
            best = other if chosen else best
        angle = rectify.card_angle(prepared.degrees, best.quarter_turns,
                                   float(best.metadata.get("skew_deg", 0.0)))
        return replace(best, metadata={
            "rotation_deg": angle, "rectified": bool(prepared.degrees),
            "motion_blur": motion.as_dict() if motion else None, "deblurred": chosen})

    def _upright_read(self, image: Image.Image, raw: Sequence[LineLike],
                      side_hint: str | None, fast: bool = False) -> SideRead:
        """Read at the quarter turn the lines suggest; others only if that is not a card."""
        turns = choose_quarter_turns(raw, image.width, image.height)
        best = self._read_turned(image, turns, side_hint, None if turns else raw, fast)
        if best.good or fast or len(raw) < MIN_LINES_FOR_RETRY or foreign.looks_foreign(best.raw):
            return best
        for other in (t for t in range(4) if t != turns):
            read = self._read_turned(image, other, side_hint)
            if read.quality > best.quality:
                best = read
            if best.good:
                break
        return best

    def _read_turned(self, image: Image.Image, quarter_turns: int, side_hint: str | None,
                     raw: Sequence[LineLike] | None = None, fast: bool = False) -> SideRead:
        """Read the image turned by `quarter_turns` (reusing `raw` when already read)."""
        upright = turned(image, quarter_turns)
        lines: list[LineLike] = list(raw if raw is not None else self._ocr.recognize(upright))
        first = tuple(lines)
        read = interpret(lines, upright.width, upright.height, side_hint=side_hint)
        if read.side == FRONT and not fast:
            crops = value_crops(lines, upright.width, upright.height, read.fields)
            for crop in crops:
                piece = upright.crop(crop)
                size = (piece.width * REREAD_SCALE, piece.height * REREAD_SCALE)
                found = self._ocr.recognize(piece.resize(size, Image.Resampling.BICUBIC))
                lines += place(found, crop, REREAD_SCALE)
            if crops:
                read = interpret(lines, upright.width, upright.height, side_hint=side_hint)
            read = self._reread_closed(upright, lines, read)
        return replace(read, quarter_turns=quarter_turns, raw=first,
                       size=(upright.width, upright.height),
                       confidence=confidence.from_lines(read.fields, lines),
                       metadata={"skew_deg": skew_deg(lines)})

    def _reread_closed(self, upright: Image.Image, lines: list[LineLike], read: SideRead) -> (
            SideRead):
        """An ethnicity read as no valid name, read again (closed_reread); `lines` gains the
        re-read lines that said the new value, so its confidence is theirs."""
        found = closed_reread.reread_ethnicity(upright, lines, read.fields.get("ethnicity"),
                                               self._ocr.recognize)
        if found is None:
            return read
        value, said = found
        lines += said
        return replace(read, fields={**read.fields, "ethnicity": value})

    def sample_job(self) -> JobInput:
        buffer = io.BytesIO()
        sample_card().save(buffer, format="PNG")
        return JobInput(data=buffer.getvalue(), params={"side": AUTO})

    def close(self) -> None:
        self._ocr.close()
