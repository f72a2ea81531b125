"""The PDF benchmark's scores (bench/accuracy/pdf_metrics.py)."""

from __future__ import annotations

from bench.accuracy.pdf_metrics import headings


def test_comment_lines_in_fenced_code_are_no_headings() -> None:
    """A shell or config example fenced as code holds "# comment" lines; counted as
    headings they cost a tool that fences code its heading precision (curl's manual)."""
    markdown = ("# Options\n\nA config file:\n\n```\n# this is a comment\nurl = x\n```\n\n"
                "## Files\n\n~~~~\n# another\n~~~~\n")
    assert headings(markdown) == ["Options", "Files"]
