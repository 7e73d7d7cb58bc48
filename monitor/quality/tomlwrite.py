"""A small TOML writer for the replay's configuration file: ``tomllib`` reads TOML but cannot write it.

``dumps(data)`` writes what ``tomllib.loads`` gives back: strings, integers, floats, booleans, dates and times,
arrays (of any of these, nested, mixed) and tables. Top-level scalars come first, then ``[table]`` sections
(nested tables as ``[a.b]``), then ``[[array]]`` of tables; a table inside an array is written inline. Anything
else is a ``TypeError`` naming the key.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from typing import Any

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def dumps(data: Mapping[str, Any]) -> str:
    lines: list[str] = []
    _table(lines, (), data)
    return "\n".join(lines).lstrip("\n") + "\n"


def _table(lines: list[str], path: tuple[str, ...], data: Mapping[str, Any]) -> None:
    tables = {k: v for k, v in data.items() if isinstance(v, Mapping)}
    arrays = {k: v for k, v in data.items() if _is_table_array(v)}
    for key, value in data.items():
        if key not in tables and key not in arrays:
            lines.append(f"{_key(key)} = {value_text(value, (*path, key))}")
    for key, value in tables.items():
        lines += ["", f"[{_dotted((*path, key))}]"]
        _table(lines, (*path, key), value)
    for key, items in arrays.items():
        for item in items:
            lines += ["", f"[[{_dotted((*path, key))}]]"]
            _table(lines, (*path, key), item)


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(item, Mapping) for item in value)


def value_text(value: Any, path: Sequence[str] = ()) -> str:
    """One value as TOML text (an inline table for a mapping)."""
    if isinstance(value, bool):  # before int: bool is an int subclass
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(value_text(item, path) for item in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_key(k)} = {value_text(v, (*path, k))}" for k, v in value.items()) + "}"
    raise TypeError(f"TOML cannot hold {type(value).__name__} {value!r} (at {_dotted(tuple(path)) or 'top'})")


def _float(value: float) -> str:
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return repr(value)  # repr always has a "." or "e", so the value stays a float when read back


def _string(value: str) -> str:
    out = []
    for char in value:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _string(key)


def _dotted(path: tuple[str, ...]) -> str:
    return ".".join(_key(part) for part in path)
