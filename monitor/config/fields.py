"""The machinery that reads a TOML table into a dataclass by its fields: one declaration per key.

A field's name is the key, its default is the default (no default: the key is required) and its annotation is the
type the TOML value is checked against: ``bool``, ``int``, ``float``, ``str``, ``timedelta`` (a duration),
``Path`` (an existing file, relative to the config file), a ``Literal`` of strings (its choices), ``tuple[str,
...]``, ``tuple[tuple[str, ...], ...]`` (alias groups), ``tuple[SomeEnum, ...]``, and ``X | None`` of any of these
(an empty string means none). ``metadata=rule(...)`` adds what an annotation cannot say: a range, a text parser, a
reader of the key's own, or that only spider sources take it. A field of a type no reader knows is a TypeError
when its table is first read. Every error is a ConfigError naming the file and the key path.

Imports only the standard library, ``monitor.errors`` and ``monitor.config.parsers``.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import math
import re
import types
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar, Union, get_args, get_origin, get_type_hints

from monitor.config.parsers import MAX_INTERVAL, MIN_INTERVAL, check_placeholders, expand_placeholders, parse_interval
from monitor.errors import ConfigError

T = TypeVar("T")
C = TypeVar("C")
L = TypeVar("L", bound=str)
N = TypeVar("N", int, float)


# --------------------------------------------------------------------------------------------- rules


_RULE = "monitor.config"  # the metadata key a field's Rule is stored under


@dataclass(frozen=True, slots=True)
class Rule:
    """What a field's annotation cannot say about its key. Every part is optional."""

    low: float = -math.inf  # numbers: the inclusive range
    high: float = math.inf
    shortest: timedelta = MIN_INTERVAL  # durations: the inclusive range
    longest: timedelta = MAX_INTERVAL
    parse: Callable[[str], Any] | None = None  # the key is text, turned into the value by this path-less parser
    read: Callable[[Table, str], Any] | None = None  # the key is read by this, when present
    spider_only: bool = False  # only sources of type = "spider" take the key


def rule(
    *,
    low: float = -math.inf,
    high: float = math.inf,
    shortest: timedelta = MIN_INTERVAL,
    longest: timedelta = MAX_INTERVAL,
    parse: Callable[[str], Any] | None = None,
    read: Callable[[Table, str], Any] | None = None,
    spider_only: bool = False,
) -> dict[str, Rule]:
    """Field metadata: ``timeout: float = field(default=20.0, metadata=rule(low=0.1, high=600))``."""
    return {_RULE: Rule(low, high, shortest, longest, parse, read, spider_only)}


def regular_expressions(table: Table, name: str) -> tuple[str, ...]:
    """Regular expressions, compiled once here so a bad one is refused at load, not at the first crawl."""
    patterns = table.strings(name)
    for index, pattern in enumerate(patterns):
        try:
            re.compile(pattern)
        except re.error as exc:
            raise table.error(f"{name}[{index}]", f"bad regular expression {pattern!r}: {exc}") from exc
    return patterns


# ----------------------------------------------------------------------------------- reading helpers

_TYPE_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "true or false", list: "an array"}
_VALUE_KINDS = {bool: "boolean", int: "integer", float: "float", str: "string", list: "array", dict: "table"}


def _shown(value: Any) -> str:
    return f"{_VALUE_KINDS.get(type(value), type(value).__name__)} {value!r}"


def suggest(name: str, known: Collection[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class Table:
    """One TOML table being read: knows its file, its key path and the environment, so every error it raises
    names the exact key. Unknown keys are rejected when the table is opened."""

    def __init__(self, path: str, env: Mapping[str, str], prefix: str, data: Mapping[str, Any],
                 known: Collection[str]) -> None:
        self.path, self.env, self.prefix, self.data = path, env, prefix, data
        for key in data:
            if key not in known:
                options = ", ".join(sorted(known))
                raise self.error(key, f"unknown key{suggest(key, known)}; known keys here: {options}")

    def key(self, name: str) -> str:
        return f"{self.prefix}.{name}" if self.prefix else name

    def error(self, name: str, message: str) -> ConfigError:
        return ConfigError(message, path=self.path, key=self.key(name) if name else self.prefix or None)

    def sub(self, name: str, known: Collection[str]) -> Table:
        value = self.data.get(name, {})
        if not isinstance(value, dict):
            raise self.error(name, f"expected a table [{self.key(name)}], got {_shown(value)}")
        return Table(self.path, self.env, self.key(name), value, known)

    def get(self, name: str, kind: type[T], default: T) -> T:
        if name not in self.data:
            return default
        value = self.data[name]
        # bool is an int subclass in Python; TOML keeps them apart and so do we. An integer is a fine float.
        if kind is float and type(value) is int:
            return float(value)  # type: ignore[return-value]
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            raise self.error(name, f"expected {_TYPE_NAMES[kind]}, got {_shown(value)}")
        return value

    def require(self, name: str) -> str:
        if name not in self.data:
            raise self.error(name, "required key is missing")
        return self.text(name, "")

    def text(self, name: str, default: str) -> str:
        value = self.get(name, str, default).strip()
        if not value and name in self.data:
            raise self.error(name, "must not be empty")
        return value

    def strings(self, name: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
        values = self.get(name, list, list(default))
        for index, item in enumerate(values):
            if not isinstance(item, str):
                raise self.error(f"{name}[{index}]", f"expected a string, got {_shown(item)}")
        return tuple(dict.fromkeys(values))  # order kept, repeats dropped

    def choice(self, name: str, options: tuple[L, ...], default: L) -> L:
        value = self.get(name, str, default)
        for option in options:
            if value == option:
                return option
        raise self.error(name, f"bad value {value!r} (one of {' | '.join(map(repr, options))})")

    def number(self, name: str, kind: type[N], default: N, low: float, high: float) -> N:
        value = self.get(name, kind, default)
        if not low <= value <= high:
            raise self.error(name, f"{value!r} is out of range ({low:g} to {high:g})")
        return value

    def interval(self, name: str, default: timedelta, minimum: timedelta = MIN_INTERVAL,
                 maximum: timedelta = MAX_INTERVAL) -> timedelta:
        if name not in self.data:
            return default
        text = self.get(name, str, "")
        return self.wrap(name, lambda: parse_interval(text, minimum=minimum, maximum=maximum))

    def expanded(self, name: str) -> str:
        """A required string with ``${VAR}`` placeholders filled from the environment."""
        text = self.require(name)
        return self.wrap(name, lambda: expand_placeholders(text, self.env))

    def placeholders_checked(self, name: str) -> str:
        """A required string whose ``${VAR}`` placeholders are well formed, returned as written (not filled)."""
        text = self.require(name)
        return self.wrap(name, lambda: check_placeholders(text))

    def wrap(self, name: str, parse: Callable[[], T]) -> T:
        """Run a path-less parser and re-raise its ConfigError with this file and key."""
        try:
            return parse()
        except ConfigError as exc:
            raise self.error(name, str(exc)) from exc


class _Named(Protocol):
    @property
    def name(self) -> str: ...


Named = TypeVar("Named", bound=_Named)


def named_list(root: Table, key: str, cls: type[Named], build: Callable[[Table], Named]) -> tuple[Named, ...]:
    """An array of tables, each read into ``cls`` by ``build``, whose ``name`` values must be unique."""
    items = root.data.get(key, [])
    if not isinstance(items, list):
        raise root.error(key, f"expected an array of tables ([[{key}]]), got {_shown(items)}")
    built: list[Named] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise root.error(f"{key}[{index}]", f"expected a table, got {_shown(item)}")
        value = build(Table(root.path, root.env, f"{key}[{index}]", item, keys_of(cls)))
        if value.name in seen:
            raise root.error(f"{key}[{index}].name", f"duplicate name {value.name!r} (also {key}[{seen[value.name]}])")
        seen[value.name] = index
        built.append(value)
    return tuple(built)


# ------------------------------------------------------------------------------- fields into readers

# Reads a key that is present in the table; a missing key takes the field's default before a reader is asked.
_Reader = Callable[[Table, str], Any]


def keys_of(cls: type, without: Collection[str] = ()) -> tuple[str, ...]:
    """The keys a table allows: its dataclass's fields."""
    return tuple(name for name in _fields_by_name(cls) if name not in without)


def rule_of(f: dataclasses.Field[Any]) -> Rule:
    found = f.metadata.get(_RULE, Rule())
    if not isinstance(found, Rule):
        raise TypeError(f"{f.name}: metadata[{_RULE!r}] must come from rule()")
    return found


def default_of(cls: type, name: str) -> Any:
    """A field's declared default (its default_factory called); required fields have none."""
    f = _fields_by_name(cls)[name]
    return f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default


@functools.cache
def _fields_by_name(cls: type) -> dict[str, dataclasses.Field[Any]]:
    """Cached: every table of every config asks, and dataclasses.fields() builds its tuple anew each time."""
    return {f.name: f for f in dataclasses.fields(cls)}


@functools.cache
def _readers(cls: type) -> tuple[tuple[dataclasses.Field[Any], _Reader], ...]:
    """Every field of ``cls`` with the reader its annotation and rule call for, built once per class, so a field
    of a type no reader knows is a TypeError at the first read of the table even when its key is absent."""
    hints = get_type_hints(cls)
    return tuple((f, _reader(cls, f.name, hints[f.name], rule_of(f))) for f in dataclasses.fields(cls))


def values_of(table: Table, cls: type, skip: Collection[str] = ()) -> dict[str, Any]:
    """The fields of ``cls`` read from ``table`` (but those in ``skip``, which the caller reads itself)."""
    values: dict[str, Any] = {}
    for f, reader in _readers(cls):
        if f.name in skip:
            continue
        if f.name in table.data:
            values[f.name] = reader(table, f.name)
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise table.error(f.name, "required key is missing")
        else:
            values[f.name] = default_of(cls, f.name)
    return values


def _reader(cls: type, name: str, hint: Any, how: Rule) -> _Reader:
    if how.read is not None:
        return how.read
    inner = _optional(hint)
    if inner is None:
        return _typed_reader(cls, name, hint, how)
    present = _typed_reader(cls, name, inner, how)

    def read_optional(table: Table, key: str) -> Any:
        value = table.data[key]
        return None if isinstance(value, str) and not value.strip() else present(table, key)

    return read_optional


def _optional(hint: Any) -> Any:
    """``X`` for an annotation ``X | None``, else None."""
    args = get_args(hint)
    if get_origin(hint) in (Union, types.UnionType) and len(args) == 2 and type(None) in args:
        return args[0] if args[1] is type(None) else args[1]
    return None


def _typed_reader(cls: type, name: str, hint: Any, how: Rule) -> _Reader:
    """The reader for a field's annotation (``X`` of ``X | None``), checked against the TOML value's type."""
    parse = how.parse
    if parse is not None:
        return lambda table, key: table.wrap(key, lambda: parse(table.text(key, "")))
    if hint is bool:
        return lambda table, key: table.get(key, bool, False)
    if hint is int or hint is float:
        return lambda table, key: table.number(key, hint, hint(0), how.low, how.high)
    if hint is str:
        return lambda table, key: table.text(key, "")
    if hint is timedelta:
        return lambda table, key: table.interval(key, timedelta(0), how.shortest, how.longest)
    if hint is Path:
        return _file
    if get_origin(hint) is Literal and all(isinstance(option, str) for option in get_args(hint)):
        options: tuple[str, ...] = get_args(hint)
        return lambda table, key: table.choice(key, options, options[0])
    if hint == tuple[str, ...]:
        return lambda table, key: table.strings(key)
    if hint == tuple[tuple[str, ...], ...]:
        return _alias_groups
    item = get_args(hint)[0] if get_origin(hint) is tuple and get_args(hint)[1:] == (Ellipsis,) else None
    if isinstance(item, type) and issubclass(item, Enum):
        return functools.partial(_members, item)
    raise TypeError(f"{cls.__name__}.{name}: no config reader for {hint!r}; declare metadata=rule(parse=...) "
                    "or rule(read=...)")


def _file(table: Table, name: str) -> Path:
    """An existing file; a relative path is relative to the config file, as a user reading it expects."""
    path = Path(table.text(name, "")).expanduser()
    path = path if path.is_absolute() else Path(table.path).parent / path
    if not path.is_file():
        raise table.error(name, f"no such file: {path}")
    return path


def _alias_groups(table: Table, name: str) -> tuple[tuple[str, ...], ...]:
    """``["huawei", ["xiaomi", "小米"]]``: each item a word or phrase, or a group of them that mean the same."""
    groups = []
    for index, item in enumerate(table.get(name, list, [])):
        members = [item] if isinstance(item, str) else item
        if not isinstance(members, list) or not members or not all(isinstance(m, str) and m.strip()
                                                                   for m in members):
            raise table.error(f"{name}[{index}]", f"expected a word or an array of words, got {_shown(item)}")
        groups.append(tuple(dict.fromkeys(m.strip() for m in members)))
    return tuple(groups)


def _members(kind: type[Enum], table: Table, name: str) -> tuple[Enum, ...]:
    """An array of an enum's values (``alert_on = ["launch"]``), repeats dropped."""
    known = tuple(str(member.value) for member in kind)
    for index, value in enumerate(values := table.strings(name)):
        if value not in known:
            raise table.error(f"{name}[{index}]",
                              f"unknown {kind.__name__.lower()} {value!r} (one of {', '.join(known)})")
    return tuple(kind(value) for value in values)


def read_table(cls: type[C], data: Mapping[str, Any], *, path: str = "<string>", key: str = "",
               env: Mapping[str, str] | None = None) -> C:
    """One TOML table read into the dataclass ``cls`` by its fields alone: the keys it allows, their defaults and
    their types (see the module docstring). ``path`` and ``key`` name the table in error messages; ``env`` is what
    ``${VAR}`` placeholders read."""
    table = Table(path, {} if env is None else env, key, data, keys_of(cls))
    return cls(**values_of(table, cls))
