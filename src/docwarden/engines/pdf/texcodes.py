"""The text of glyphs pdfium cannot map to Unicode, when their font is a TeX font.

pdfTeX without the cm-super fonts (T1 text, `\\usepackage[T1]{fontenc}`) embeds
TeX's fonts as Type 3 bitmaps whose glyph names ("a67") say nothing: pdfium flags
every glyph as unmapped and reports its raw code, and every such glyph had been
dropped, so a whole report came out empty.  Ghostscript's Type 3 fonts from dvips
map most glyphs, but not all (a paper's bold section titles had gone).  The codes are in
TeX's own encodings, OT1 (Computer Modern) or T1 (Cork), which agree with ASCII on
letters and digits; `tex_text` reads them in those.  A font is read so only when
it sets words on the page (letters in a row, most of its glyphs letters or
digits): a symbol font's marks (cmsy's `\\thanks` "∗" and "†", codes 3 and 121)
stay unmapped glyphs (footnotes.py pairs them with their notes).
"""

from __future__ import annotations

from collections.abc import Sequence

MIN_WORD = 3  # letters in a row, in one font: it sets words (a symbol font sets marks)
MIN_ALNUM_SHARE = 0.6  # of its glyphs letters or digits (a math symbol font's are not)
OT1_LIGATURES = range(0x0B, 0x10)  # ff fi fl ffi ffl: a font that sets them is OT1
OT1 = {0x0B: "ff", 0x0C: "fi", 0x0D: "fl", 0x0E: "ffi", 0x0F: "ffl", 0x10: "ı",
       0x11: "ȷ", 0x19: "ß", 0x1A: "æ", 0x1B: "œ", 0x1C: "ø", 0x1D: "Æ", 0x1E: "Œ",
       0x1F: "Ø", 0x22: "”", 0x27: "’", 0x5C: "“", 0x60: "‘", 0x7B: "–", 0x7C: "—"}
T1 = {0x10: "“", 0x11: "”", 0x12: "„", 0x13: "«", 0x14: "»", 0x15: "–", 0x16: "—",
      0x19: "ı", 0x1A: "ȷ", 0x1B: "ff", 0x1C: "fi", 0x1D: "fl", 0x1E: "ffi", 0x1F: "ffl",
      0x27: "’", 0x60: "‘", 0x7F: "-", 0xD7: "Œ", 0xDF: "SS", 0xF7: "œ", 0xFF: "ß"}
# Cork's 0x80-0xBF: accented letters of Central European languages, then ¡ ¿ £.
T1.update(zip(range(0x80, 0xC0),
              "ĂĄĆČĎĚĘĞĹĽŁŃŇŊŐŔŘŚŠŞŤŢŰŮŸŹŽŻĲİđ§ăąćčďěęğĺľłńňŋőŕřśšşťţűůÿźžżĳ¡¿£", strict=True))


def tex_text(glyphs: Sequence[tuple[int, int]]) -> list[str] | None:
    """Each glyph's text, for one font's unmapped glyphs on a page as (position in
    the page's text, raw code), or None when the font sets no words: no MIN_WORD
    letters in a row, or too few letters and digits among its glyphs."""
    codes = [code for _, code in glyphs]
    if sum(_alnum(code) for code in codes) < MIN_ALNUM_SHARE * len(codes) or not _word(glyphs):
        return None
    table = OT1 if any(code in OT1_LIGATURES for code in codes) else T1
    return [table.get(code, chr(code)) for code in codes]


def _alnum(code: int) -> bool:
    return chr(code).isalnum()  # Cork's accented letters too ("ó" is 0xF3 there)


def _word(glyphs: Sequence[tuple[int, int]]) -> bool:
    """MIN_WORD letters drawn one after another."""
    run, last = 0, -2
    for position, code in glyphs:
        letter = chr(code).isalpha()
        run = run + 1 if letter and position == last + 1 else int(letter)
        last = position
        if run >= MIN_WORD:
            return True
    return False
