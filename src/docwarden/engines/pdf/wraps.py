"""Re-flowing a paragraph's wrapped lines into one string.

Chinese and Japanese join without a space, Korean as its document's own words
tell (Lexicon), an address broken at one of its joints joins whole, and a word
broken at a hyphen joins without it unless the hyphen is the word's own: a
compound ("floating-" / "point") that a browser or word processor wrapped
where the text has a hyphen, which a typesetter's hyphenation ("docu-" /
"ment") leaves no trace of.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from enum import Enum

from docwarden.engines.pdf.addresses import wrapped_inside_address
from docwarden.engines.pdf.layout import SOFT_HYPHEN

# Scripts written without spaces between words (Han, kana, CJK punctuation); Hangul
# separates words with spaces and is not among them.
CJK_RE = re.compile(
    "[\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]"
)
HANGUL_RE = re.compile("[\uac00-\ud7a3]")
MIN_MIDWORD_WRAPS = 2  # wraps inside known words that show a document wraps anywhere
WORD_EDGE_MARKS = ".,;:!?()[]\"'“”‘’"
# Letters, maybe hyphen-joined, maybe an option's ("--log-level").
LATIN_WORD_RE = re.compile(r"^-{0,2}[^\W\d_]+(?:-[^\W\d_]+)*$")


def _is_cjk(char: str) -> bool:
    return bool(CJK_RE.match(char))


def _bare(token: str) -> str:
    return token.strip(WORD_EDGE_MARKS)


def _hyphen_halves(before: str, after: str) -> tuple[str, str] | None:
    """The lower-case halves of a word `before` breaks at a hyphen and `after` ends."""
    if not (before.endswith(("-", SOFT_HYPHEN)) and after[:1].isalpha()):
        return None
    head = _bare(before[:-1].rsplit(maxsplit=1)[-1]).lower()
    tail = _bare(after.split(maxsplit=1)[0]).lower()
    return (head, tail) if LATIN_WORD_RE.match(head) and LATIN_WORD_RE.match(tail) else None


class Lexicon:
    """The words a document spells whole inside its lines, and how it wraps.

    LibreOffice and browsers wrap Korean between any two syllables, Word and
    most typesetters between words, and a wrapped line keeps no trace of which.
    A wrap inside a word the document spells whole elsewhere shows the first
    kind; in such a document the halves of a wrap join unless one of them is a
    word of its own, elsewhere only a wrap inside a known word joins.

    Latin words wrapped at a hyphen: a typesetter that hyphenates shows it by
    breaking words the document spells whole elsewhere; browsers and word
    processors hyphenate nothing unless told to, and break lines only at the
    hyphens of compounds (which the document may spell so elsewhere).  Where the
    document's words do not tell, its other wraps at hyphens do (some at a
    compound's and none inside a whole word: keep), else its maker
    (`hyphenates`, see document.hyphenates).  Two halves that are words of their
    own tell nothing: "further-more", "us-able".
    """

    def __init__(self, texts: Iterable[str], spaced: Iterable[bool] = (),
                 hyphenates: bool = True) -> None:
        lines = list(texts)
        self.words: set[str] = set()
        for text in lines:
            tokens = text.split()  # a line's first and last tokens may be halves
            self.words.update(_bare(t) if HANGUL_RE.search(t) else _bare(t).lower()
                              for t in tokens[1:-1])
        splits = [self._halves(before, after) for before, after in itertools.pairwise(lines)]
        self.anywhere = splits.count(WordSplit.INSIDE) >= MIN_MIDWORD_WRAPS
        # Whether a space the stream keeps at a wrap marks one between words: Typst keeps
        # one only there, LibreOffice at every wrap ("불량률 " / "이" of "불량률이").
        self.spaces_tell = not any(split == WordSplit.INSIDE and flag for split, flag in zip(
            splits, list(spaced)[1:], strict=False))
        halves = [pair for before, after in itertools.pairwise(lines)
                  if (pair := _hyphen_halves(before.rstrip(), after.lstrip())) is not None]
        told = [told for pair in halves if (told := self._told_hyphen(pair)) is not None]
        # Wraps at compounds' own hyphens and none inside a word spelled whole, or a
        # maker that hyphenates nothing (`hyphenates` False) and no such wrap: lines
        # broken at hyphens only, whose other wraps keep theirs too.
        self.hyphenated = False in told
        self.keeps_hyphens = not self.hyphenated and (True in told or not hyphenates)

    def _halves(self, before: str, after: str) -> WordSplit:
        before, after = before.rstrip(), after.lstrip()  # `before` may be a long paragraph
        if not (before and after and HANGUL_RE.match(before[-1]) and HANGUL_RE.match(after[0])):
            return WordSplit.NONE
        head, tail = before.rsplit(maxsplit=1)[-1], after.split(maxsplit=1)[0]
        halves = [part for part in (_bare(head), _bare(tail)) if part in self.words]
        if _bare(head + tail) in self.words and len(halves) < 2:
            return WordSplit.INSIDE
        return WordSplit.BETWEEN if halves else WordSplit.UNKNOWN

    def glued(self, before: str, after: str, spaced: bool = False) -> bool:
        """Whether `after` continues the word `before` ends with; `spaced`: the stream
        has a space character between them."""
        if spaced and self.spaces_tell:
            return False
        split = self._halves(before, after)
        return split == WordSplit.INSIDE or (self.anywhere and split == WordSplit.UNKNOWN)

    def _told_hyphen(self, pair: tuple[str, str]) -> bool | None:
        """Whether the document's words tell a hyphen at a wrap is the word's own: it
        spells the word with it elsewhere, or whole; None when neither or both."""
        joined, compound = "".join(pair) in self.words, "-".join(pair) in self.words
        return compound if joined != compound else None

    def own_hyphen(self, before: str, after: str) -> bool:
        """Whether the hyphen `before` ends with is the word's own ("floating-point"),
        not a typesetter's ("docu-ment"): as the document's words tell, else as its
        other wraps at hyphens do.  Where no word is seen hyphenated, a word with a
        hyphen of its own ("mdit-py-" / "plugins", "--log-" / "config") is broken
        there only (groff hyphenates inside compounds: "root-squash-" / "ing")."""
        pair = _hyphen_halves(before, after)
        if pair is None:
            return False
        told = self._told_hyphen(pair)
        if told is None and not self.hyphenated and any("-" in half for half in pair):
            return True
        return self.keeps_hyphens if told is None else told


class WordSplit(Enum):
    """Where a line wrap falls in Hangul text, as far as the document's words tell."""

    NONE = "no Hangul on both sides"
    BETWEEN = "between two words"
    INSIDE = "inside a word"
    UNKNOWN = "unknown"


def _compound_break(before: str, after: str) -> bool:
    """A hyphen pdfium marks as a line's soft one, wrapped inside a compound whose next
    part starts with a capital or a digit ("Real-" / "ESRGAN", "ISO-" / "8859"): no
    hyphenation breaks a word there (an all-capitals word's does: "INTER-" /
    "NATIONAL"), so the hyphen is the text's own."""
    return bool(before) and (after[0].isdigit() or (
        after[0].isupper() and not (before[-1].isupper() and after[:2].isupper())))


def _broken_word(out: str, text: str) -> bool:
    """`out` ends with a hyphen a word was broken at (pdfium's soft one, or a hyphen
    after a letter with a lower-case letter or a compound's next part after it)."""
    if out.endswith(SOFT_HYPHEN):
        return True
    return out.endswith("-") and len(out) > 1 and out[-2].isalpha() and (
        text[0].islower() or _compound_break(out[:-1], text))


def join_lines(texts: Sequence[str], lexicon: Lexicon | None = None,
               spaced: Sequence[bool] = ()) -> str:
    """Re-flow wrapped lines into one paragraph string.

    `spaced[i]`: the content stream has a space character before line i, at the wrap
    (a space pdfium generates from a gap says nothing); for Korean the lexicon weighs it.
    """
    pairs = [(t.strip(), bool(spaced) and spaced[i]) for i, t in enumerate(texts) if t.strip()]
    if not pairs:
        return ""
    texts = [t for t, _ in pairs]
    cjk = sum(len(CJK_RE.findall(t)) for t in texts)
    latin = sum(1 for t in texts for ch in t if ch.isascii() and ch.isalpha())
    cjk_block = cjk > latin
    out = texts[0]
    for text, between_words in pairs[1:]:
        if out.endswith(SOFT_HYPHEN) and wrapped_inside_address(out[:-1] + "-", text):
            out = out[:-1] + "-"  # an address's own: no printer hyphenates inside one
        if wrapped_inside_address(out, text):
            out += text
        elif _broken_word(out, text):
            own = _compound_break(out[:-1], text) or (
                lexicon is not None and lexicon.own_hyphen(out, text))
            out = out[:-1] + ("-" if own else "") + text
        elif cjk_block or _is_cjk(out[-1]) or _is_cjk(text[0]) or (
                lexicon is not None and lexicon.glued(out, text, between_words)):
            out += text
        else:
            out += " " + text
    return out.replace(SOFT_HYPHEN, "")
