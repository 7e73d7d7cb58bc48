"""The error tree is closed and drawn truly, and errors carry what a caller acts on as fields (issue 17).

A caller (the CLI, a source's poll, the service's tick) catches ``MonitorError`` and nothing broader, so a class
outside the tree would crash where a user should read a message. And a caller that must act on the URL or the
source of an error reads it from the error, not from its message.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import monitor
from monitor import errors
from monitor.config import NetworkConfig
from monitor.errors import (
    HTTPStatusError,
    ImportFileError,
    ImportLineError,
    MonitorError,
    ParseError,
    SpiderError,
)
from monitor.ingest.extract import extract_html
from monitor.ingest.fetch import Fetcher
from monitor.ingest.importers import read_paths
from monitor.ingest.parse import parse_feed
from tests.httpserver import LoopbackServer, Route

URL = "https://news.example/feed.xml"
PAGE = b"<!DOCTYPE html><html><head><title>Home</title></head><body><p>Welcome</p></body></html>"


def monitor_modules() -> list[str]:
    names = [monitor.__name__]
    names += [info.name for info in pkgutil.walk_packages(monitor.__path__, f"{monitor.__name__}.")]
    return names


def defined_exceptions() -> dict[str, type[BaseException]]:
    """Every exception class a module of monitor defines at its top level, by its qualified name."""
    found: dict[str, type[BaseException]] = {}
    for name in monitor_modules():
        module = importlib.import_module(name)
        for value in vars(module).values():
            if inspect.isclass(value) and issubclass(value, BaseException) and value.__module__ == name:
                found[f"{name}.{value.__qualname__}"] = value
    return found


def test_every_exception_class_in_monitor_derives_from_monitor_error() -> None:
    found = defined_exceptions()
    # The walk reaches the subpackages and the private signals, not only monitor.errors.
    assert {"monitor.ingest.feedxml._Decline", "monitor.ingest.fetch._Blocked", "monitor.errors.ParseError"} <= set(
        found
    )
    outside = sorted(name for name, cls in found.items() if not issubclass(cls, MonitorError))
    assert not outside, f"exception classes outside the MonitorError tree: {outside}"


def drawn_tree() -> dict[str, str | None]:
    """Class name -> the parent the module docstring draws it under (None for the root)."""
    parents: dict[str, str | None] = {}
    stack: list[str] = []
    for line in (errors.__doc__ or "").splitlines():
        match = re.match(r"^ {4}((?:[│ ] {3})*)(?:[├└]── )?([A-Z]\w*Error)\b", line)
        if match is None:
            continue
        depth = len(match.group(1)) // 4 + (1 if "──" in line else 0)
        del stack[depth:]
        parents[match.group(2)] = stack[-1] if stack else None
        stack.append(match.group(2))
    return parents


def test_the_docstring_draws_every_error_under_its_real_parent() -> None:
    classes = {
        cls.__name__: cls
        for cls in vars(errors).values()
        if inspect.isclass(cls) and issubclass(cls, BaseException) and cls.__module__ == errors.__name__
    }
    drawn = drawn_tree()
    assert set(drawn) == set(classes), "monitor/errors.py's drawing and its classes differ"
    for name, parent in drawn.items():
        actual = classes[name].__bases__[0]
        assert (parent or "Exception") == actual.__name__, f"{name} is drawn under {parent}, derives from {actual}"


def test_a_class_defined_elsewhere_is_one_of_errors_own_or_private() -> None:
    """Public errors live in monitor.errors, where the tree is drawn; other modules may keep private signals."""
    public_elsewhere = sorted(
        name for name, cls in defined_exceptions().items()
        if cls.__module__ != errors.__name__ and not cls.__name__.startswith("_")
    )  # fmt: skip
    assert not public_elsewhere, f"define these in monitor/errors.py and draw them there: {public_elsewhere}"


# -- fields ---------------------------------------------------------------------------------------------------


def test_a_feed_parse_error_names_its_url_and_source_as_fields() -> None:
    with pytest.raises(ParseError) as raised:
        parse_feed(PAGE, {"content-type": "text/html"}, URL, source="Example outlet")
    assert raised.value.url == URL
    assert raised.value.source == "Example outlet"
    assert str(raised.value).startswith(f"{URL}: an HTML page, not a feed")  # the message reads as before
    with pytest.raises(ParseError) as unnamed:
        parse_feed(b"   ", {}, URL)
    assert (unnamed.value.url, unnamed.value.source) == (URL, None)
    assert str(unnamed.value) == f"{URL}: empty body, not a feed"


def test_an_article_parse_error_names_its_url() -> None:
    with pytest.raises(ParseError) as raised:
        extract_html(b"", "https://news.example/a/1")
    assert raised.value.url == "https://news.example/a/1"
    assert str(raised.value).startswith("https://news.example/a/1: ")


def test_an_http_error_names_its_url_and_status() -> None:
    network = NetworkConfig(timeout=5.0, allow_private=True)

    async def get(url: str) -> None:
        async with Fetcher(network) as fetcher:
            await fetcher.get(url)

    with LoopbackServer() as server:
        server.route("/gone", Route(status=410, body=b"gone"))
        url = server.url("/gone")
        with pytest.raises(HTTPStatusError) as raised:
            asyncio.run(get(url))
    assert (raised.value.url, raised.value.status) == (url, 410)
    assert str(raised.value).startswith(f"{url}: ")


def test_a_bad_json_line_names_its_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "articles.jsonl"
    path.write_text('{"url": "https://news.example/a/1", "title": "T", "text": "Body text"}\nnot json\n')
    problems = [item for item in read_paths([path]) if isinstance(item, ImportFileError)]
    assert len(problems) == 1 and isinstance(problems[0], ImportLineError)
    assert (problems[0].path, problems[0].line) == (path, 2)
    assert str(problems[0]).startswith(f"{path}:2: not JSON")


def test_a_spider_error_names_its_source() -> None:
    error = SpiderError("scrapy exited 1", source="Example outlet")
    assert error.source == "Example outlet"
    assert str(error) == "spider Example outlet: scrapy exited 1"
