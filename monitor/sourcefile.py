"""``monitor sources add | import | export``: the configuration file's sources, edited from the command line.

- ``add URL``: a feed URL is added as is; a web page is read for its ``<link rel="alternate">`` feed (RSS or
  Atom), the way feed readers subscribe to a site. The page is fetched with monitor's own fetcher, so the
  ``[network]`` rules (private addresses, size and time limits) hold.
- ``import FILE.opml``: every ``<outline xmlUrl=…>`` of an OPML file (Miniflux, FreshRSS, Feedly exports), feeds
  already configured (same URL or name) skipped.
- ``export``: the configured feed sources as OPML 2.0.

Edits go through tomlkit, so the file keeps its comments, order and layout; a new ``[[sources]]`` table is put
after the last one. The edited text is validated as a whole configuration before it replaces the file (written
to a temporary file beside it, then renamed), so a bad edit never leaves a broken config behind. Names are
lower-case words joined by "-" (``www.theverge.com`` → ``theverge``), made unique with a number.
"""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import click

from monitor.config import Config, SourceConfig, parse_config, parse_interval
from monitor.errors import ConfigError, ParseError

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json", "application/rdf+xml")
_FEED_START = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:rss|feed|rdf:RDF)\b", re.DOTALL)


@dataclass(frozen=True, slots=True)
class NewSource:
    name: str
    url: str
    interval: str | None = None


# --- add -------------------------------------------------------------------------------------------------


def add_source(config: Config, url: str, *, name: str | None, interval: str | None, dry_run: bool) -> None:
    """Find the feed of ``url``, check it is not configured yet, and append its ``[[sources]]`` entry."""
    _check_interval(interval, "--interval")
    feed_url = asyncio.run(discover_feed(config, url))
    taken = _taken(config.sources)
    if feed_url in taken.urls:
        raise click.UsageError(f"{feed_url} is already configured as source {taken.urls[feed_url]!r}")
    if name is not None and name in taken.names:
        raise click.BadParameter(f"a source named {name!r} is already configured", param_hint="--name")
    source = NewSource(name or unique_name(feed_url, taken.names), feed_url, interval)
    _write_sources(config, [source], dry_run=dry_run)
    if feed_url != url:
        click.echo(f"{url}: its feed is {feed_url}", err=True)


async def discover_feed(config: Config, url: str) -> str:
    """``url`` when it is a feed, else the first RSS/Atom ``<link rel="alternate">`` of the page it is."""
    from monitor.ingest.fetch import Fetcher
    from monitor.model import Response

    if not url.startswith(("http://", "https://")):
        raise click.BadParameter(f"not an http(s) URL: {url}", param_hint="URL")
    async with Fetcher(config.network) as fetcher:
        page = await fetcher.get(url)
    assert isinstance(page, Response)  # no validators sent, so no 304
    if is_feed(page.body, page.headers.get("Content-Type", "")):
        return page.url
    found = feed_links(page.body, page.url)
    if not found:
        raise ParseError("neither a feed nor a page that links one (no <link rel=\"alternate\" "
                         "type=\"application/rss+xml\"> or atom+xml)", url=url)  # fmt: skip
    return found[0]


def is_feed(body: bytes, content_type: str) -> bool:
    kind = content_type.split(";", 1)[0].strip().lower()
    return kind in FEED_TYPES or bool(_FEED_START.match(body[:2048]))


def feed_links(body: bytes, base: str) -> list[str]:
    """The RSS/Atom feeds a page announces, absolute, in page order (RSS Board autodiscovery)."""
    import lxml.html

    try:
        root = lxml.html.fromstring(body)
    except (ValueError, lxml.etree.ParserError):
        return []
    found: list[str] = []
    for link in root.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").split(";", 1)[0].strip().lower()
        href = (link.get("href") or "").strip()
        if "alternate" in rel and kind in FEED_TYPES and href:
            absolute = urljoin(base, href)
            if absolute.startswith(("http://", "https://")) and absolute not in found:
                found.append(absolute)
    return found


# --- OPML ------------------------------------------------------------------------------------------------


def import_opml(config: Config, path: Path, *, interval: str | None, dry_run: bool) -> None:
    """Add every feed of an OPML file not configured yet; say what was added and what was skipped."""
    _check_interval(interval, "--interval")
    taken = _taken(config.sources)
    added: list[NewSource] = []
    skipped = 0
    for title, url in opml_feeds(path.read_bytes(), str(path)):
        if url in taken.urls:
            skipped += 1
            continue
        name = unique_name(title or url, taken.names)
        taken.names.add(name)
        taken.urls[url] = name
        added.append(NewSource(name, url, interval))
    if added:
        _write_sources(config, added, dry_run=dry_run)
    from monitor.terminal import plural

    verb = "would add" if dry_run else "added"
    click.echo(f"{path}: {verb} {plural(len(added), 'source')}, {skipped} already configured", err=True)


def opml_feeds(body: bytes, where: str) -> list[tuple[str, str]]:
    """(title, feed URL) of every outline with an http(s) ``xmlUrl``, nested folders included."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        raise ConfigError(f"{where}: not an OPML file: {exc}") from exc
    if root.tag != "opml":
        raise ConfigError(f"{where}: not an OPML file (root element <{root.tag}>, expected <opml>)")
    feeds = []
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or "").strip()
        if url.startswith(("http://", "https://")):
            feeds.append(((outline.get("title") or outline.get("text") or "").strip(), url))
    return feeds


def export_opml(config: Config) -> bytes:
    """The configured feed sources (spiders have no feed to give) as an OPML 2.0 document."""
    from lxml import etree

    opml = etree.Element("opml", version="2.0")
    head = etree.SubElement(opml, "head")
    etree.SubElement(head, "title").text = "monitor sources"
    body = etree.SubElement(opml, "body")
    for source in config.sources:
        if source.type == "feed":
            etree.SubElement(body, "outline", type="rss", text=source.name, title=source.name, xmlUrl=source.url)
    document: bytes = etree.tostring(opml, xml_declaration=True, encoding="utf-8", pretty_print=True)
    return document


# --- names -----------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Taken:
    names: set[str]
    urls: dict[str, str]  # feed URL → source name


def _taken(sources: Iterable[SourceConfig]) -> _Taken:
    sources = list(sources)
    return _Taken({s.name for s in sources}, {s.url: s.name for s in sources})


def unique_name(title_or_url: str, taken: set[str]) -> str:
    """A source name from a feed title or URL: lower-case words joined by "-", numbered when taken."""
    text = title_or_url
    if text.startswith(("http://", "https://")):
        host = (urlsplit(text).hostname or "feed").removeprefix("www.")
        text = host.rsplit(".", 1)[0] if "." in host else host
    base = "-".join(re.findall(r"[a-z0-9]+", text.lower()))[:60].strip("-") or "feed"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    return name


# --- writing the file ------------------------------------------------------------------------------------


def _check_interval(interval: str | None, where: str) -> None:
    if interval is not None:
        try:
            parse_interval(interval)
        except ConfigError as exc:
            raise click.BadParameter(str(exc), param_hint=where) from exc


def _write_sources(config: Config, sources: Sequence[NewSource], *, dry_run: bool) -> None:
    import tomlkit

    path = config.path
    original = path.read_text(encoding="utf-8") if path.exists() else ""
    document = tomlkit.parse(original)
    entries = document.get("sources")
    if entries is None:
        entries = tomlkit.aot()
        document.append("sources", entries)
    for source in sources:
        entries.append(_table(source))
    text = tomlkit.dumps(document)
    if dry_run:
        preview = tomlkit.document()
        preview.append("sources", tomlkit.aot())
        for source in sources:
            preview["sources"].append(_table(source))
        click.echo(tomlkit.dumps(preview), nl=False)
        return
    parse_config(text, path=path, env=_environment(), resolve_channels=False)  # the whole file must still load
    _replace(path, text)
    for source in sources:
        click.echo(f"added source {source.name!r}: {source.url}")


def _table(source: NewSource) -> Any:
    import tomlkit

    table = tomlkit.table()
    table.add("name", source.name)
    table.add("url", source.url)
    if source.interval:
        table.add("interval", source.interval)
    table.trivia.indent = "\n"  # a blank line before the entry, and one after: it reads like the others
    table.add(tomlkit.nl())
    return table


def _environment() -> dict[str, str]:
    return dict(os.environ)


def _replace(path: Path, text: str) -> None:
    """Write beside the file, then rename over it: readers see the old file or the new one, never half."""
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
