"""Edit distance for the accuracy checks: shared by the OCR tests and bench/*_accuracy.py."""

from __future__ import annotations


def edit_distance(a: str, b: str) -> int:
    """Edit distance, bit-parallel (Myers/Hyyrö) on Python integers: fast on long texts."""
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return len(a)
    masks: dict[str, int] = {}
    for i, ch in enumerate(b):
        masks[ch] = masks.get(ch, 0) | (1 << i)
    full = (1 << len(b)) - 1
    high = 1 << (len(b) - 1)
    vp, vn, dist = full, 0, len(b)
    for ch in a:
        eq = masks.get(ch, 0)
        xv = eq | vn
        xh = (((eq & vp) + vp) ^ vp) | eq
        hp = vn | (~(xh | vp) & full)
        hn = vp & xh
        if hp & high:
            dist += 1
        elif hn & high:
            dist -= 1
        hp = ((hp << 1) | 1) & full
        hn = (hn << 1) & full
        vp = hn | (~(xv | hp) & full)
        vn = hp & xv
    return dist


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate after NFKC and whitespace normalisation (1.0 for no text)."""
    import unicodedata

    def norm(text: str) -> str:
        return " ".join(unicodedata.normalize("NFKC", text).split())

    ref, hyp = norm(reference), norm(hypothesis)
    return edit_distance(ref, hyp) / max(len(ref), 1)
