"""Web addresses in a page's text, one spelling of them for every rule that asks.

A line that is an address alone is no code (a URL set in typewriter type), no
heading, and in a browser's margin it is furniture; a line that ends inside
one was wrapped at one of its joints and joins the next without a space.
"""

from __future__ import annotations

import re

# A scheme ("https://", "file://"), "www.", or a local file's scheme with one slash
# (RFC 8089's "file:/tmp/x", and how OCR reads "file:///": CTC decoding folds a run of
# one character into one, so a scanned browser footer's "///" comes back as "/").
_START = r"(?:[a-z][a-z0-9+.-]*://|www\.|file:/)"
_DOMAIN_END = r"\.(?:com|org|net|edu|gov|io)(?:/\S*)?"  # a bare "example.org/path"

_WHOLE = rf"<?{_START}\S+?>?"  # one address and nothing else ("<...>" as RFC 3986 quotes it)

# A line that is one address.
ADDRESS_RE = re.compile(rf"^{_WHOLE}$", re.IGNORECASE)
# ... or a bare domain: a heading that reads "example.org" names a site, not a section.
BARE_ADDRESS_RE = re.compile(rf"^(?:{_WHOLE}|[^\s/:]+{_DOMAIN_END})$", re.IGNORECASE)
# A line ending at one of an address's joints, and the next line going on with it.
ADDRESS_END_RE = re.compile(rf"(?:^|\s)<?{_START}\S*[/.\-_?=&#%~+]$", re.IGNORECASE)
ADDRESS_GOES_ON_RE = re.compile(r"^(?:[a-z0-9]|\S*[/.=&?#_+%-]\w)")
# A line ending anywhere inside an address, and the next going on with a path's or a
# query's run of words ("Instructions+f" / "or+Event+Hosts"): a printer breaks an
# address too long for the line between any two letters.
ADDRESS_TAIL_RE = re.compile(rf"(?:^|\s)<?{_START}\S*\w$", re.IGNORECASE)
PATH_RUN_RE = re.compile(r"^\w+[/+%=&]\w")


def wrapped_inside_address(line: str, following: str) -> bool:
    """`line` breaks an address that `following` goes on with: join them, no space."""
    return bool(ADDRESS_END_RE.search(line) and ADDRESS_GOES_ON_RE.match(following)) or bool(
        ADDRESS_TAIL_RE.search(line) and PATH_RUN_RE.match(following))
