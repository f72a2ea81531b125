"""Reading a pdfium text page: characters with boxes, font size, weight, visibility.

Every call here goes to pdfium and must run under `PDFIUM_LOCK`; the layout of
the characters read (fragments, lines, right-to-left order) is in layout.py and lines.py.
"""

from __future__ import annotations

import ctypes
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from docwarden.engines.pdf.accents import composed
from docwarden.engines.pdf.layout import SOFT_HYPHEN, UNMAPPED, Char, Line, Wall
from docwarden.engines.pdf.lines import build_lines
from docwarden.engines.pdf.texcodes import tex_text

INVISIBLE_RENDER_MODES = frozenset({3, 7})  # FPDF_TEXTRENDERMODE_INVISIBLE, _CLIP
FORCE_BOLD_FLAG = 1 << 18
ITALIC_FLAG = 1 << 6
FIXED_PITCH_FLAG = 1 << 0
# pdfium marks a hyphen that ends a line with IsHyphen and often reports it as 0x2.
HYPHEN_CODES = frozenset({0x2, 0x2D, 0x2010, 0x2011, 0xAD, 0xFFFE})
MONO_NAME_RE = re.compile(
    r"courier|mono|consol|menlo|monaco|inconsolata|typewriter|^[a-z]{0,4}tt\d+$|code"
    r"|cursor|nimbusmon",  # TeX Gyre Cursor and URW's Nimbus Mono L, Courier's clones
    re.IGNORECASE,
)
# TeX's typewriter fonts by their lowercase names: txfonts' "t1xtt", "t1xbtt", "tcxtt"
# (Sphinx's default), "cmsltt10", "ectt1000"; a slanted copy is "t1xtt-Slant_167".
TEX_MONO_NAME_RE = re.compile(r"^[a-z0-9]{0,5}tt(?:\d+|-\w+)?$")
ITALIC_NAME_RE = re.compile(r"italic|oblique|^[a-z]{0,4}ti\d*$", re.IGNORECASE)
BOLD_WEIGHT = 600
# A digit whose ink starts this far (of its size) above its baseline is a font's
# superscript figure: how Typst sets a footnote's mark (footnotes.py), at full size.
SUPERSCRIPT_INK_RAISE = 0.25
NONCHARACTERS = (0xFDD0, 0xFDEF)  # never text: read as unmapped glyphs
# "Bold", "Black" ... and TeX's bold-extended faces (CMBX12, SFBX1000).
BOLD_NAME_RE = re.compile(r"bold|black|heavy|demi|^[a-z]{0,4}bx\d*$", re.IGNORECASE)
# A face named for a lighter weight is not bold, whatever weight pdfium reports: it
# estimates one from the stems when the font gives none, and put Chromium's embedded
# NotoSans-Regular at 625 (a whole printed page counted as bold, every short line a
# heading).  The weight still decides for faces whose names say nothing.
LIGHTER_NAME_RE = re.compile(r"regular|book|light|thin|medium|roman|normal", re.IGNORECASE)


@dataclass(slots=True)
class _Style:
    size_pt: float
    bold: bool
    italic: bool
    invisible: bool
    quarter_turns: int
    mono: bool = False


@dataclass(slots=True)
class PageText:
    """What one page's text layer holds."""

    width_pt: float
    height_pt: float
    lines: list[Line] = field(default_factory=list)
    visible_chars: int = 0
    unmapped_chars: int = 0  # of the visible ones: glyphs without text (texcodes)
    invisible_chars: int = 0
    invisible_text: list[Line] = field(default_factory=list)
    turns: int = 0  # quarter turns the text was drawn at (and turned back from)


def is_bold(name: str, weight: int, flags: int) -> bool:
    """Whether a face is bold, from its name (subset prefix stripped), the weight pdfium
    reports and its descriptor's flags; a name's own weight wins over the reported one."""
    heavy = weight >= BOLD_WEIGHT and not LIGHTER_NAME_RE.search(name)
    return bool(BOLD_NAME_RE.search(name)) or heavy or bool(flags & FORCE_BOLD_FLAG)


def _font_style(textpage: pdfium.PdfTextPage, index: int) -> tuple[bool, bool, bool]:
    """(bold, italic, monospaced) from the font name, weight and flags."""
    name_buf = ctypes.create_string_buffer(128)
    flags = ctypes.c_int(0)
    pdfium_c.FPDFText_GetFontInfo(textpage, index, name_buf, len(name_buf), ctypes.byref(flags))
    name = name_buf.value.decode("latin-1", "replace").split("+")[-1]
    weight = pdfium_c.FPDFText_GetFontWeight(textpage, index)
    bold = is_bold(name, weight, flags.value)
    italic = bool(ITALIC_NAME_RE.search(name)) or bool(flags.value & ITALIC_FLAG)
    mono = (bool(MONO_NAME_RE.search(name) or TEX_MONO_NAME_RE.match(name))
            or bool(flags.value & FIXED_PITCH_FLAG))
    return bold, italic, mono


FontStyles = dict[int, tuple[bool, bool, bool]]  # _font_style by font handle


def _face(textpage: pdfium.PdfTextPage, index: int, text_obj: object,
          fonts: FontStyles) -> tuple[bool, bool, bool]:
    """_font_style, once per font: Chromium draws nearly every glyph as a text object
    of its own, so the per-object style cache misses and the font's name was read,
    decoded and matched for each character (a fifth of a long manual's time)."""
    font = pdfium_c.FPDFTextObj_GetFont(text_obj) if text_obj else None
    key = ctypes.cast(font, ctypes.c_void_p).value if font else None
    if key is None:
        return _font_style(textpage, index)
    face = fonts.get(key)
    if face is None:
        face = fonts[key] = _font_style(textpage, index)
    return face


def _style(textpage: pdfium.PdfTextPage, index: int, text_obj: object,
           fonts: FontStyles) -> _Style:
    """Effective font size (font size times the text matrix scale), weight, visibility."""
    matrix = pdfium_c.FS_MATRIX()
    scale = 1.0
    if pdfium_c.FPDFText_GetMatrix(textpage, index, ctypes.byref(matrix)):
        scale = math.hypot(matrix.c, matrix.d) or math.hypot(matrix.a, matrix.b) or 1.0
    size_pt = pdfium_c.FPDFText_GetFontSize(textpage, index) * scale
    invisible = False
    if text_obj:
        invisible = pdfium_c.FPDFTextObj_GetTextRenderMode(text_obj) in INVISIBLE_RENDER_MODES
    angle = pdfium_c.FPDFText_GetCharAngle(textpage, index)
    # pdfium measures the angle clockwise; turns count counter-clockwise quarter turns.
    turns = -round(angle / (math.pi / 2)) % 4 if angle >= 0 else 0
    bold, italic, mono = _face(textpage, index, text_obj, fonts)
    return _Style(size_pt, bold, italic, invisible, turns, mono)


def _char_box(textpage: pdfium.PdfTextPage, index: int) -> tuple[float, float, float, float]:
    """The tight box, around the glyph's ink (also for the rare char whose loose box
    pdfium cannot give)."""
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    pdfium_c.FPDFText_GetCharBox(textpage, index, left, right, bottom, top)
    return left.value, bottom.value, right.value, top.value


class _Reader:
    """Walks a text page once, keeping the per-object style cache and space/break state."""

    def __init__(self, textpage: pdfium.PdfTextPage, bbox: tuple[float, ...]) -> None:
        self.textpage = textpage
        self.raw = textpage.raw  # the bare handle: ctypes calls skip the helper's conversion
        self.rect = pdfium_c.FS_RECTF()
        self.left, self.top = bbox[0], bbox[3]
        self.styles: dict[int, _Style] = {}  # by text object address
        self.fonts: FontStyles = {}
        self.chars: list[tuple[Char, int]] = []
        self.invisible: list[Char] = []
        # By font: each unmapped glyph, its index on the page and its raw code.
        self.unmapped: dict[int, list[tuple[Char, int, int]]] = {}
        self.space = self.real_space = self.brk = False

    def read(self) -> None:
        count = pdfium_c.FPDFText_CountChars(self.raw)
        for index in range(max(count, 0)):
            self._read_one(index)
        for glyphs in self.unmapped.values():
            texts = tex_text([(index, code) for _, index, code in glyphs])
            for (char, _, _), text in zip(glyphs, texts or (), strict=False):
                char.text = text

    def _read_one(self, index: int) -> None:
        textpage = self.raw
        code = pdfium_c.FPDFText_GetUnicode(textpage, index)
        generated = pdfium_c.FPDFText_IsGenerated(textpage, index) == 1
        # A glyph without a mapping reports its raw code, which may be a control code
        # (OT1's "fl" is 13): a glyph all the same, never a break or a space.
        unmapped = (not generated and code != 32
                    and pdfium_c.FPDFText_HasUnicodeMapError(textpage, index) == 1)
        hyphen = not unmapped and (code == 0xFFFE or (
            code in HYPHEN_CODES and pdfium_c.FPDFText_IsHyphen(textpage, index) == 1))
        if not unmapped and self._blank(code, generated, hyphen):
            return
        text_obj = pdfium_c.FPDFText_GetTextObject(textpage, index)
        key = ctypes.c_void_p.from_buffer(text_obj).value or -index - 1
        style = self.styles.get(key)
        if style is None:
            style = self.styles[key] = _style(textpage, index, text_obj, self.fonts)
        raw = code
        if unmapped or NONCHARACTERS[0] <= code <= NONCHARACTERS[1]:  # footnotes.py's own
            code = ord(UNMAPPED)
        if pdfium_c.FPDFText_GetLooseCharBox(textpage, index, self.rect):
            left, bottom, right, top = (self.rect.left, self.rect.bottom, self.rect.right,
                                        self.rect.top)
        else:
            left, bottom, right, top = _char_box(self.textpage, index)
        char = Char(
            SOFT_HYPHEN if hyphen else chr(code),
            left - self.left, self.top - top, right - self.left, self.top - bottom,
            style.size_pt, style.bold, style.italic, self.space, self.real_space, self.brk,
            style.mono, 48 <= code <= 57 and not style.quarter_turns and self._superscript(
                index, style.size_pt),
        )
        self.space = self.real_space = self.brk = False
        if unmapped:  # read in its TeX font's encoding once the page is read (texcodes)
            font = ctypes.cast(pdfium_c.FPDFTextObj_GetFont(text_obj), ctypes.c_void_p).value
            self.unmapped.setdefault(font or 0, []).append((char, index, raw))
        if style.invisible:
            self.invisible.append(char)
        else:
            self.chars.append((char, style.quarter_turns))

    def _blank(self, code: int, generated: bool, hyphen: bool) -> bool:
        """A line break or a space (noted for the next glyph), not a glyph."""
        if code in (10, 13) or (generated and not hyphen and code != 32):
            self.brk = self.brk or code in (10, 13)
            return True
        if code in (32, 9, 0xA0, 0x3000) or (code < 32 and not hyphen):
            self.space = True
            self.real_space = self.real_space or (not generated and code != 0)
            return True
        return False

    def _superscript(self, index: int, size_pt: float) -> bool:
        """The glyph's ink starts well above its baseline (its tight box's foot over its
        origin)."""
        x, y = ctypes.c_double(), ctypes.c_double()
        if not pdfium_c.FPDFText_GetCharOrigin(self.raw, index, x, y):
            return False
        ink_foot = _char_box(self.textpage, index)[1]
        return ink_foot - y.value >= SUPERSCRIPT_INK_RAISE * size_pt


def _rotate_char(char: Char, turns: int, width: float, height: float) -> None:
    """Map a char of text drawn at `turns` quarter turns into the text's upright frame."""
    x0, y0, x1, y1 = char.x0, char.y0, char.x1, char.y1
    if turns == 1:
        char.x0, char.x1, char.y0, char.y1 = height - y1, height - y0, x0, x1
    elif turns == 2:
        char.x0, char.x1, char.y0, char.y1 = width - x1, width - x0, height - y1, height - y0
    elif turns == 3:
        char.x0, char.x1, char.y0, char.y1 = y0, y1, width - x1, width - x0


def turns_of(chars: list[tuple[Char, int]]) -> int:
    """The quarter turns most characters are drawn at."""
    return Counter(t for _, t in chars).most_common(1)[0][0] if chars else 0


def dominant_chars(chars: list[tuple[Char, int]], width: float, height: float) -> list[Char]:
    """Chars in the dominant text direction, turned upright; other directions are dropped."""
    if not chars:
        return []
    turns = turns_of(chars)
    kept = [c for c, t in chars if t == turns]
    if turns:
        for char in kept:
            _rotate_char(char, turns, width, height)
    return kept


def extract_text(
    page: pdfium.PdfPage, textpage: pdfium.PdfTextPage, walls: Sequence[Wall] = ()
) -> PageText:
    """Lines of the visible text layer (and of the invisible one, kept apart)."""
    left, bottom, right, top = page.get_bbox()
    reader = _Reader(textpage, (left, bottom, right, top))
    reader.read()
    width, height = right - left, top - bottom
    chars = composed(dominant_chars(reader.chars, width, height))
    turns = turns_of(reader.chars)
    if turns % 2:
        width, height = height, width
    result = PageText(width, height, visible_chars=len(chars),
                      unmapped_chars=sum(char.text == UNMAPPED for char in chars),
                      invisible_chars=len(reader.invisible), turns=turns)
    result.lines = build_lines(chars, () if turns else walls)
    if len(chars) < len(reader.invisible):
        result.invisible_text = build_lines(reader.invisible)
    return result
