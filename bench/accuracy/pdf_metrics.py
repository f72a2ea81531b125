"""Scores of one Markdown conversion against reference Markdown (used by bench.accuracy.pdf).

- token F1: bag-of-words overlap of the plain text (markup stripped; Han and
  kana characters are one token each, other scripts split on spaces and
  punctuation, so words glued together count as wrong);
- heading recall and precision: reference headings found among ours, and our
  headings that are reference headings (near-identical text, level ignored);
- reading order: word-sequence similarity (1 - word edit distance / length)
  over the words both texts hold, so missing words do not count twice;
- text similarity: 1 - character edit distance on the plain text (kept from the
  first version of this benchmark), list-item and table-cell recall.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from typing import Any

from tests.textmetrics import edit_distance

MATCH_SIMILARITY = 0.9
_HAN = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
TOKEN_RE = re.compile(f"[{_HAN}]|[^\\W{_HAN}]+")


def similarity(a: str, b: str) -> float:
    if not a and not b:
        return 1.0
    return 1.0 - edit_distance(a, b) / max(len(a), len(b))


def norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split())


def _plain_line(line: str) -> str:
    stripped = re.sub(r"^#{1,6}\s+", "", line.strip())
    stripped = re.sub(r"^(?:[-*+]|\d+[.)])\s+", "", stripped)
    stripped = stripped.replace("\\|", "\x00").replace("|", " ").replace("\x00", "|")
    stripped = re.sub(r"\*\*|__|`+|(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w)", "", stripped)
    return stripped.replace("<br>", " ")


def strip_markdown(markdown: str) -> str:
    """Plain text of Markdown: no comments, heading/list markers, emphasis, table pipes."""
    text = re.sub(r"<!--.*?-->", " ", markdown, flags=re.S)
    out = []
    for line in text.splitlines():
        if re.fullmatch(r"\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?", line.strip()):
            continue
        out.append(_plain_line(line))
    return norm(" ".join(out))


def tokens(text: str) -> list[str]:
    return TOKEN_RE.findall(text.lower())


def _heading_text(text: str) -> str:
    return norm(re.sub(r"\*\*|__|`|(?<!\w)[*_]|[*_](?!\w)", "", text)).rstrip(" .:")


def headings(markdown: str) -> list[str]:
    """Heading texts, not counting "# comment" lines inside fenced code."""
    prose = re.sub(r"^(`{3,}|~{3,}).*?^\1[ \t]*$", "", markdown, flags=re.M | re.S)
    found = re.findall(r"^#{1,6}\s+(.+)$", prose, flags=re.M)
    return [h for h in (_heading_text(m) for m in found) if h]


def list_items(markdown: str) -> list[str]:
    return [norm(m) for m in re.findall(r"^\s*(?:[-*+]|\d+[.)])\s+(.+)$", markdown, flags=re.M)]


def table_cells(markdown: str) -> list[str]:
    cells = []
    for raw in markdown.splitlines():
        line = raw.strip()
        if line.startswith("|") and not re.fullmatch(r"[|\s:-]+", line):
            cells += [norm(c) for c in line.strip("|").split("|") if norm(c)]
    return cells


def _matches(item: str, pool: list[str]) -> bool:
    low = item.lower()
    return any(low == p.lower() or similarity(low, p.lower()) >= MATCH_SIMILARITY for p in pool)


def recall(expected: list[str], found: list[str]) -> float | None:
    """Share of expected strings that have a near-identical match among `found`."""
    if not expected:
        return None
    return sum(1 for e in expected if _matches(e, found)) / len(expected)


def precision(expected: list[str], found: list[str]) -> float | None:
    """Share of found strings that match an expected one (None when neither has any)."""
    if not found:
        return None if not expected else 0.0
    return sum(1 for f in found if _matches(f, expected)) / len(found)


def token_f1(ours: list[str], ref: list[str]) -> float:
    if not ours and not ref:
        return 1.0
    common = sum((Counter(ours) & Counter(ref)).values())
    if not common:
        return 0.0
    p, r = common / len(ours), common / len(ref)
    return 2 * p * r / (p + r)


def reading_order(ours: list[str], ref: list[str]) -> float:
    """Word-sequence similarity over the words both sides hold (multiset intersection)."""
    shared = Counter(ours) & Counter(ref)
    if not shared:
        return 0.0 if ref else 1.0

    codes: dict[str, str] = {}  # one private-use character per distinct word, both sides

    def kept(words: list[str]) -> str:
        budget = Counter(shared)
        out = []
        for word in words:
            if budget[word] > 0:
                budget[word] -= 1
                out.append(codes.setdefault(word, chr(0xF0000 + len(codes))))
        return "".join(out)

    codes_ours, codes_ref = kept(ours), kept(ref)
    return similarity(codes_ours, codes_ref)


def compare(reference: str, markdown: str, scanned: bool) -> dict[str, Any]:
    ours, ref = strip_markdown(markdown), strip_markdown(reference)
    tok_ours, tok_ref = tokens(ours), tokens(ref)
    row: dict[str, Any] = {
        "token_f1": round(token_f1(tok_ours, tok_ref), 4),
        "heading_recall": recall(headings(reference), headings(markdown)),
        "heading_precision": precision(headings(reference), headings(markdown)),
        "reading_order": round(reading_order(tok_ours, tok_ref), 4),
        "text_similarity": round(similarity(ours, ref), 4),
        "list_recall": recall(list_items(reference), list_items(markdown)),
        "table_cell_recall": recall(table_cells(reference), table_cells(markdown)),
    }
    if scanned:
        a, b = re.sub(r"\s+", "", ours), re.sub(r"\s+", "", ref)
        row["cer"] = round(edit_distance(a, b) / max(len(b), 1), 4)
    return row
