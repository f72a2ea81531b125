"""Running the `tesseract` binary: installed languages, and one recognition.

The binary runs as a plain child of the worker process: same process group
and session, so its memory counts in the worker's RSS tree that the
supervisor watches, and killing the worker's group (deadline, hard RSS limit)
kills it too.  It never reads the upload itself: it gets a PNG that docwarden
decoded safely and encoded again, on its stdin.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from docwarden.errors import InvalidInput, JobTimeout

# Not recognition languages: orientation/script detection only.
NOT_LANGUAGES = frozenset({"osd"})
LIST_TIMEOUT_S = 30.0
STDERR_TAIL_CHARS = 500


def find_binary() -> str:
    """The tesseract executable; a load error that says what to install otherwise."""
    found = shutil.which("tesseract")
    if not found:
        raise RuntimeError("the tesseract binary is not installed: apt-get install tesseract-ocr "
                           "tesseract-ocr-<lang> (e.g. tesseract-ocr-kor)")
    return found


def installed_languages(binary: str) -> frozenset[str]:
    """Languages with traineddata installed (`tesseract --list-langs`)."""
    completed = subprocess.run([binary, "--list-langs"], capture_output=True, text=True,
                               timeout=LIST_TIMEOUT_S, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"tesseract --list-langs failed: {completed.stderr.strip()}")
    names = [line.strip() for line in completed.stdout.splitlines()[1:]]
    return frozenset(name for name in names if name and name not in NOT_LANGUAGES)


def check_languages(lang: str, installed: frozenset[str]) -> None:
    """A 422 naming what is installed when `lang` asks for anything else."""
    missing = [part for part in lang.split("+") if part not in installed]
    if missing:
        raise InvalidInput(f"tesseract language(s) {', '.join(missing)} not installed here; "
                           f"installed: {', '.join(sorted(installed)) or 'none'} "
                           "(combine them with '+', e.g. rus+eng)")


@dataclass(frozen=True)
class Recognition:
    """Both outputs of one run: TSV (boxes, confidences) and plain text (word spacing).

    TSV splits Korean into syllables; the text output keeps its real spaces.
    """

    tsv: str
    text: str


def recognise(binary: str, png: bytes, lang: str, psm: int, threads: int,
              timeout_s: float) -> Recognition:
    """Read one PNG (on stdin); a JobTimeout when it runs past `timeout_s`.

    On timeout subprocess.run kills the child before raising, so no tesseract
    outlives its job even when the worker survives.
    """
    env = {**os.environ, "OMP_THREAD_LIMIT": str(threads)}
    with tempfile.TemporaryDirectory(prefix="docwarden-tesseract-") as folder:
        base = Path(folder) / "page"
        command = [binary, "stdin", str(base), "-l", lang, "--psm", str(psm), "txt", "tsv"]
        try:
            completed = subprocess.run(command, input=png, capture_output=True, env=env,
                                       timeout=timeout_s, check=False)
        except subprocess.TimeoutExpired:
            raise JobTimeout(f"tesseract ran past its {timeout_s:.0f} s limit and was "
                             "killed") from None
        if completed.returncode != 0:
            stderr = completed.stderr.decode("utf-8", "replace").strip()[-STDERR_TAIL_CHARS:]
            raise RuntimeError(f"tesseract exited with {completed.returncode}: {stderr}")
        return Recognition(base.with_suffix(".tsv").read_text("utf-8", "replace"),
                           base.with_suffix(".txt").read_text("utf-8", "replace"))
