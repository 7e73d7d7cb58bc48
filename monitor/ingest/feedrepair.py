"""When feedparser fails on a feed: the one repair worth retrying with, and a message in the document's terms.

Split from ``monitor.ingest.parse`` (which calls these only after feedparser raised instead of reporting bozo):
``repair_character_references`` rewrites character references that name no character, the known cause
(feedparser #599); ``crash_message`` names what is wrong by its line in the document, else where feedparser
failed. ``markup_codec`` is shared with parse's entity-declaration check. Pure: no I/O, nothing raised.
"""

from __future__ import annotations

import re
import traceback
from pathlib import Path

_BOMS = (
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\xfe\xff", "utf-16"),
    (b"\xff\xfe", "utf-16"),
)


def markup_codec(body: bytes) -> str:
    """The codec in which a document's markup characters can be found: its BOM's or ``<?`` pattern's, else latin-1."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return codec
    if body.startswith(b"<\x00?\x00"):
        return "utf-16-le"
    if body.startswith(b"\x00<\x00?"):
        return "utf-16-be"
    return "latin-1"  # every ASCII-compatible encoding: markup characters are the same bytes


# -- reading again what feedparser failed on ---------------------------------------------------------------------

_CHARREF = re.compile(r"&#(?:[xX]([0-9A-Fa-f]{1,16})|([0-9]{1,20}));")
_SRS_NAME = re.compile(r"""srsName\s*=\s*["']([^"']*)["']""")


def repair_character_references(body: bytes) -> bytes:
    """The document with its impossible character references replaced; ``body`` itself when it has none.

    A pair of references to UTF-16 surrogates (``&#55357;&#56832;``, written by encoders that count UTF-16
    units) becomes the one character it spells; a lone surrogate, or a value past U+10FFFF, becomes U+FFFD,
    as the HTML standard's tokenizer does. Only called after feedparser failed on the document.
    """
    codec = markup_codec(body)
    try:
        text = body.decode(codec)
    except UnicodeDecodeError:
        return body
    repaired = _CHARREF_RUN.sub(_repair_run, text)
    return body if repaired == text else repaired.encode(codec)


_CHARREF_RUN = re.compile(rf"(?:{_CHARREF.pattern})+")


def _repair_run(run: re.Match[str]) -> str:
    values = [_charref_value(ref) for ref in _CHARREF.finditer(run.group())]
    if all(value is not None and _is_valid_char(value) for value in values):
        return run.group()  # nothing impossible here: leave the references as they were written
    out: list[str] = []
    index = 0
    while index < len(values):
        value = values[index]
        following = values[index + 1] if index + 1 < len(values) else None
        if value is not None and 0xD800 <= value <= 0xDBFF and following is not None and 0xDC00 <= following <= 0xDFFF:
            out.append(f"&#{0x10000 + ((value - 0xD800) << 10) + (following - 0xDC00)};")
            index += 2
            continue
        out.append(f"&#{value};" if value is not None and _is_valid_char(value) else "&#xFFFD;")
        index += 1
    return "".join(out)


def _charref_value(ref: re.Match[str]) -> int | None:
    digits_hex, digits_dec = ref.groups()
    value = int(digits_hex, 16) if digits_hex is not None else int(digits_dec)
    return value if value <= 0x7FFFFFFF else None


def _is_valid_char(value: int) -> bool:
    return value <= 0x10FFFF and not 0xD800 <= value <= 0xDFFF


def crash_message(body: bytes, exc: BaseException) -> str:
    """What was wrong, in the document's terms where it can be found, else where feedparser failed."""
    text = body.decode(markup_codec(body), "replace")
    for ref in _CHARREF.finditer(text):
        value = _charref_value(ref)
        if value is None or not _is_valid_char(value):
            line = text.count("\n", 0, ref.start()) + 1
            why = "a UTF-16 surrogate" if value is not None and 0xD800 <= value <= 0xDFFF else "past U+10FFFF"
            return f"character reference {ref.group()} on line {line} names no character ({why})"
    for srs in _SRS_NAME.finditer(text):
        if not re.fullmatch(r"(?:.*:)?\d+", srs.group(1)):
            line = text.count("\n", 0, srs.start()) + 1
            return f'GeoRSS srsName="{srs.group(1)}" on line {line} is not an EPSG code number'
    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f" in {Path(frame.filename).name}:{frame.name}" if frame else ""
    return f"feedparser failed{where}: {type(exc).__name__}: {exc}"
