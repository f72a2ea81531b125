"""The `tesseract` engine: OCR for the scripts the built-in OCR cannot read.

The built-in `ocr` engine (PP-OCR Chinese/English models) returns nothing
for Korean and Arabic and mostly garbage for Cyrillic and Greek; tesseract
reads all four, and any other language whose traineddata is installed
(Debian: tesseract-ocr-<lang>).  The answer has the `ocr` engine's shape,
`{text, lines: [{text, score, box}], width, height}`, so clients can switch
engines without changing their parsing.

Nothing heavy is imported at module level: the API process imports this
class to build the routes; Pillow and the binary are used in the worker.
"""

from __future__ import annotations

import io
import time
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import Field, ValidationError

from docwarden.engines.base import Engine, EngineResult, JobInput
from docwarden.engines.spec import EngineParams
from docwarden.errors import InvalidInput, JobTimeout, UnsupportedMediaType
from docwarden_tesseract import tesseract_cli
from docwarden_tesseract.tsv import parse_tsv

if TYPE_CHECKING:
    from PIL import Image

LANG_PATTERN = r"^[A-Za-z0-9_]{1,32}(\+[A-Za-z0-9_]{1,32}){0,7}$"
AUTO_PSM, BLOCK_PSM = 3, 6
# Below this confidence an automatic layout is read again as one block (see `_read`).
RETRY_BELOW_CONFIDENCE = 0.9
# The binary must finish before the supervisor's deadline kills the whole worker:
# a timeout inside the job answers 504 for that job and keeps the worker loaded.
DEADLINE_SHARE = 0.9
SAMPLE_TEXT = "docwarden 123"


class TesseractParams(EngineParams):
    lang: str = Field(
        "eng", max_length=260, pattern=LANG_PATTERN,
        description="installed traineddata: one language (kor, ara, rus, ell, eng, ...) or "
                    "several joined with '+', e.g. rus+eng")
    psm: int | None = Field(
        None, ge=3, le=13,
        description="tesseract page segmentation mode (3 automatic ... 13 raw line); default: "
                    "automatic, retried as one uniform block (6) when that finds no text")


def confidence(lines: list[dict[str, Any]]) -> float:
    """Mean line score weighted by characters; 0 for no text."""
    chars = sum(len(line["text"]) for line in lines)
    return sum(line["score"] * len(line["text"]) for line in lines) / chars if chars else 0.0


def _validated(raw: dict[str, Any]) -> TesseractParams:
    try:
        return TesseractParams.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise InvalidInput(f"invalid tesseract parameters: {problems}") from None


def _png(image: Image.Image) -> bytes:
    """Greyscale PNG of the decoded image (alpha flattened onto white) for tesseract."""
    from PIL import Image

    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        flat = Image.new("RGBA", rgba.size, "white")
        flat.alpha_composite(rgba)
        image = flat
    buffer = io.BytesIO()
    image.convert("L").save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


class TesseractEngine(Engine):
    """OCR with tesseract for Korean, Arabic, Cyrillic, Greek and any installed language."""

    summary: ClassVar[str] = ("Recognise text with tesseract in any installed language "
                              "(kor, ara, rus, ell, ...); same answer as /v1/ocr")
    params_model: ClassVar[type[EngineParams]] = TesseractParams
    # Measured: the loaded worker is ~42 MB (Python, docwarden, pydantic); a job adds
    # the decoded page in the worker and a tesseract child of 25-40 MB for a short
    # text, 57-71 MB for an A4 page at 300 dpi (rus, rus+eng, kor); see docs/plugins.md.
    load_rss_hint_mb: ClassVar[int] = 45
    job_rss_hint_mb: ClassVar[int] = 120
    thread_safe: ClassVar[bool] = True  # every job is its own tesseract process

    _binary: str = ""
    _languages: frozenset[str] = frozenset()

    def load(self) -> None:
        self._binary = tesseract_cli.find_binary()
        self._languages = tesseract_cli.installed_languages(self._binary)
        if not self._languages:
            raise RuntimeError("tesseract has no traineddata installed: apt-get install "
                               "tesseract-ocr-eng (or -kor, -ara, -rus, -ell, ...)")

    @property
    def languages(self) -> frozenset[str]:
        return self._languages

    def run(self, job: JobInput) -> EngineResult:
        from docwarden.engines.images import open_image
        from docwarden.media import sniff

        params = _validated(job.params)
        tesseract_cli.check_languages(params.lang, self._languages)
        if not job.data:
            raise InvalidInput("no image: send the image bytes as the job's file")
        if not sniff(job.data).is_image:
            raise UnsupportedMediaType("the tesseract engine reads images")
        image = open_image(job.data, self.settings.max_image_pixels)
        lines = self._read(_png(image), params)
        return {"text": "\n".join(line["text"] for line in lines), "lines": lines,
                "width": image.width, "height": image.height}

    def _read(self, png: bytes, params: TesseractParams) -> list[dict[str, Any]]:
        """Lines of the page; automatic layout first, then one block when that looks wrong.

        Tesseract's automatic page segmentation breaks some clean Korean text
        into fragments (or reports an empty page) that mode 6 reads correctly;
        its confidence then drops.  Below RETRY_BELOW_CONFIDENCE the page is
        read again as one block and the more confident reading wins (a tie
        keeps the automatic one).
        """
        deadline = time.monotonic() + self.settings.job_timeout_s * DEADLINE_SHARE
        lines = self._lines(png, params.lang, params.psm or AUTO_PSM, deadline)
        if params.psm is not None or confidence(lines) >= RETRY_BELOW_CONFIDENCE:
            return lines
        block = self._lines(png, params.lang, BLOCK_PSM, deadline)
        return block if confidence(block) > confidence(lines) else lines

    def _lines(self, png: bytes, lang: str, psm: int, deadline: float) -> list[dict[str, Any]]:
        left_s = deadline - time.monotonic()
        if left_s <= 0:
            raise JobTimeout("tesseract used up its time limit")
        found = tesseract_cli.recognise(self._binary, png, lang, psm,
                                        self.settings.intra_op_threads, left_s)
        return parse_tsv(found.tsv, found.text)

    def sample_job(self) -> JobInput:
        """A printed English line, for `docwarden plan`."""
        from PIL import Image, ImageDraw, ImageFont

        image = Image.new("L", (640, 160), "white")
        ImageDraw.Draw(image).text((24, 40), SAMPLE_TEXT, fill="black",
                                   font=ImageFont.load_default(size=64))
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return JobInput(data=buffer.getvalue(), params={"lang": "eng"})
