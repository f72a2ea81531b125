"""Accent glyphs drawn over a letter (TeX's OT1 fonts) merged into it, on synthetic chars."""

from __future__ import annotations

from docwarden.engines.pdf.accents import composed
from docwarden.engines.pdf.layout import Char

EM = 10.0


def word(text: str, x0: float, *, space: bool = True) -> list[Char]:
    """Chars of `text` side by side; an accent (marked `+` before its letter) shares the
    letter's box, as pdfium's loose boxes give it."""
    chars: list[Char] = []
    x, accent = x0, ""
    for ch in text:
        if ch == "+":
            accent = "pending"
            continue
        if accent == "pending":
            accent = ch
            continue
        if accent:
            chars.append(Char(accent, x, 0, x + 5, EM, EM, False, space_before=space and not chars))
            accent = ""
        chars.append(Char(ch, x, 0, x + 5, EM, EM, False, space_before=space and not chars))
        x += 5
    return chars


def texts(chars: list[Char]) -> str:
    return "".join((" " if c.space_before else "") + c.text for c in chars)


def test_an_accent_over_its_letter_becomes_one_character() -> None:
    chars = word("G+\u00a8odel", 0) + word("caf+\u00b4e", 40) + word("+\u00b4etude", 80)
    assert texts(composed(chars)) == " Gödel café étude"


def test_an_accent_over_a_dotless_i_puts_the_dot_back_as_the_accent() -> None:
    assert texts(composed(word("na+\u00a8\u0131ve", 0))) == " naïve"


def test_marks_under_a_letter_and_two_marks_on_one_letter() -> None:
    assert texts(composed(word("fa+\u00b8cade", 0))) == " façade"
    vietnamese = word("Th+\u02c6e", 0)
    vietnamese.insert(3, Char("\u00b4", 10, 0, 15, EM, EM, False))  # a second accent, after
    assert texts(composed(vietnamese)) == " Thế"


def test_an_accent_drawn_later_in_the_line_finds_its_letter() -> None:
    # TeX draws a capital's caron after the words that follow: "Capek, Dvorak, ˇ".
    chars = word("Capek,", 0) + word("Dvorak,", 40)
    chars.append(Char("\u02c7", 0, 0, 5, EM, EM, False))
    assert texts(composed(chars)) == " Čapek, Dvorak,"


def test_accents_standing_alone_stay() -> None:
    code = word("a^b", 0, space=False)  # a caret between two letters advances: no cover
    assert texts(composed(code)) == "a^b"
    lone = [Char("\u00b4", 0, 0, 5, EM, EM, False), *word("x", 20)]
    assert texts(composed(lone)) == "\u00b4 x"


def test_a_modifier_letter_accent_is_no_letter_to_put_another_on() -> None:
    pair = [Char("\u02c6", 0, 0, 5, EM, EM, False), Char("\u02c7", 0, 0, 5, EM, EM, False)]
    assert texts(composed(pair)) == "\u02c6\u02c7"
