"""One spelling of a web address for code, headings, furniture and line wraps."""

from __future__ import annotations

import pytest

from docwarden.engines.pdf.addresses import ADDRESS_RE, BARE_ADDRESS_RE, wrapped_inside_address


@pytest.mark.parametrize("text", ["https://example.org/a?b=1", "<https://example.org>",
                                  "www.example.com", "file:///tmp/page.html", "ftp://host/x",
                                  "file:/tmp/page.html"])
def test_a_line_that_is_an_address(text: str) -> None:
    assert ADDRESS_RE.match(text) and BARE_ADDRESS_RE.match(text)


@pytest.mark.parametrize("text", ["example.org", "docs.python.org/3/", "EXAMPLE.COM"])
def test_a_bare_domain_is_an_address_only_where_a_heading_is_judged(text: str) -> None:
    assert BARE_ADDRESS_RE.match(text) and not ADDRESS_RE.match(text)


@pytest.mark.parametrize("text", ["Introduction", "3.1 Background", "see example.org",
                                  "e.g.", "https://example.org is the site"])
def test_text_is_no_address(text: str) -> None:
    assert not ADDRESS_RE.match(text) and not BARE_ADDRESS_RE.match(text)


def test_a_wrap_inside_an_address() -> None:
    assert wrapped_inside_address("see https://example.org/docs/", "install.html")
    assert wrapped_inside_address("at www.python.", "org/downloads")
    assert not wrapped_inside_address("Read https://example.org.", "Then go on")
    assert not wrapped_inside_address("or https://example.org/a", "then b")
    assert not wrapped_inside_address("a plain line ends/", "and goes on")
