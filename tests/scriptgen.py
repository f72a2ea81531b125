"""Printed text in Korean, Arabic, Cyrillic and Greek, drawn with Debian's Noto fonts.

Used by the tesseract plug-in's tests and by bench/accuracy/plugin.py.  The
sentences are written for this repository (no third-party text, no licence
to carry); the fonts are fonts-noto-cjk (Korean) and fonts-noto-core
(Arabic, Cyrillic, Greek).  Arabic needs Pillow's raqm layout for shaping and
right-to-left order; `missing()` says what a machine lacks instead of
drawing tofu.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, features

NOTO_CORE = Path("/usr/share/fonts/truetype/noto")
NOTO_CJK = Path("/usr/share/fonts/opentype/noto")
FONT_PX = 36
MARGIN_PX = 32
LINE_GAP_PX = 28


@dataclass(frozen=True)
class Script:
    name: str
    lang: str  # tesseract traineddata
    font: Path
    lines: tuple[str, ...]
    font_index: int = 0
    rtl: bool = False


SCRIPTS: dict[str, Script] = {script.name: script for script in (
    Script("korean", "kor", NOTO_CJK / "NotoSansCJK-Regular.ttc",
           ("오늘 아침 시장에서 사과를 샀습니다", "도서관은 오후 여섯 시에 문을 닫습니다",
            "우리는 내일 기차를 타고 부산에 갑니다"), font_index=1),
    Script("arabic", "ara", NOTO_CORE / "NotoNaskhArabic-Regular.ttf",
           ("ذهبنا إلى السوق في الصباح", "المكتبة تغلق أبوابها في المساء",
            "سافر أخي إلى المدينة بالقطار"), rtl=True),
    Script("cyrillic", "rus", NOTO_CORE / "NotoSans-Regular.ttf",
           ("Утром мы купили хлеб и молоко", "Библиотека закрывается в шесть часов",
            "Завтра мы поедем на поезде к морю")),
    Script("greek", "ell", NOTO_CORE / "NotoSans-Regular.ttf",
           ("Το πρωί αγοράσαμε ψωμί και γάλα", "Η βιβλιοθήκη κλείνει στις έξι",
            "Αύριο θα πάμε με το τρένο στη θάλασσα")),
)}


def missing(script: Script) -> str | None:
    """Why this machine cannot draw the script faithfully, or None."""
    if not script.font.is_file():
        package = "fonts-noto-cjk" if script.font.parent == NOTO_CJK else "fonts-noto-core"
        return f"font {script.font} missing (apt-get install {package})"
    if script.rtl and not features.check("raqm"):
        return "Pillow without raqm cannot shape Arabic (install libraqm0 / libfribidi0)"
    return None


def expected_text(script: Script) -> str:
    return "\n".join(script.lines)


def render(script: Script, scale: float = 1.0) -> bytes:
    """A white PNG with the script's lines in black, one under the other."""
    font = ImageFont.truetype(str(script.font), round(FONT_PX * scale), index=script.font_index)
    line_px = round((FONT_PX + LINE_GAP_PX) * scale)
    widths = [font.getlength(line, direction="rtl" if script.rtl else None)
              for line in script.lines]
    size = (round(max(widths)) + 2 * MARGIN_PX, line_px * len(script.lines) + 2 * MARGIN_PX)
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    for index, line in enumerate(script.lines):
        x = size[0] - MARGIN_PX if script.rtl else MARGIN_PX
        draw.text((x, MARGIN_PX + index * line_px), line, fill="black", font=font,
                  anchor="ra" if script.rtl else "la", direction="rtl" if script.rtl else None)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
