"""``monitor check TARGET``: explain how one article (a file or an http(s) URL) is judged, without storing it.

A file is read as ``monitor import`` reads it (its first article); a URL is fetched with the configured network
settings and extracted as the feed path extracts pages. The explanation (``monitor.explain``) is printed as
aligned "key: value" lines, or as one JSON object with ``--json``. A path that does not exist and is no URL is a
usage error naming it.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

import click

from monitor.commands.output import echo_json
from monitor.errors import ImportFileError

if TYPE_CHECKING:
    from monitor.model import RawDocument
    from monitor.service.app import App


def run_check(app: App, target: str, *, as_json: bool) -> None:
    """Explain the judgement of the article at ``target`` (a file or an http(s) URL); store nothing."""
    from monitor.explain import explain

    doc = _check_document(app, target)
    result = explain(app.pipeline, doc)
    if as_json:
        echo_json(result)
        return
    for key, value in result.items():
        click.echo(f"{key:>15}: {value if not isinstance(value, list | tuple) else ', '.join(map(str, value))}")


def _check_document(app: App, target: str) -> RawDocument:
    if target.startswith(("http://", "https://")):
        return asyncio.run(_fetch_document(app, target))
    from monitor.ingest.importers import read_paths

    path = Path(target)
    if not path.exists():
        raise click.BadParameter(f"no such file, and not an http(s) URL: {target}", param_hint="TARGET")
    for doc in read_paths([path]):
        if isinstance(doc, ImportFileError):
            raise doc
        return doc
    raise ImportFileError(f"{target}: no article in it")


async def _fetch_document(app: App, url: str) -> RawDocument:
    from monitor.ingest.extract import extract_html
    from monitor.ingest.fetch import Fetcher
    from monitor.ingest.urls import host_of
    from monitor.model import RawDocument, Response

    async with Fetcher(app.config.network) as fetcher:
        page = await fetcher.get(url)
    assert isinstance(page, Response)  # no validators sent, so no 304
    extracted = extract_html(page.body, page.url)
    return RawDocument(
        url=page.url, title=extracted.title, text=extracted.text, source="check",
        outlet=extracted.outlet or host_of(page.url), published=extracted.published,
        language=extracted.language, canonical_url=extracted.canonical_url,
    )
