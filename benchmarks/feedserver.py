"""A fast loopback HTTP server for the benchmarks, run in its own process.

    python benchmarks/feedserver.py DIRECTORY

Serves every file under DIRECTORY at ``/<relative path>`` from memory, with a strong ETag per file, and answers
a matching ``If-None-Match`` with 304 (RFC 9110 §13.1.2). ``GET /_reload`` re-reads the directory, so a
benchmark can change every feed between two cycles. Prints ``PORT <n>`` on stdout once it listens on
127.0.0.1, then serves until stdin closes (the parent exited) or SIGTERM.

It is an aiohttp.web server in a separate process, not the tests' threaded ``http.server``: that one tops out
at a few hundred requests per second, and a server in the client's process would share its GIL, so either
would measure the server instead of the client.
"""

from __future__ import annotations

import asyncio
import hashlib
import signal
import socket
import sys
from pathlib import Path

from aiohttp import web

CONTENT_TYPES = {".xml": "application/rss+xml", ".html": "text/html; charset=utf-8"}


def load(root: Path) -> dict[str, tuple[bytes, str, str]]:
    """Path -> (body, ETag, Content-Type) for every file under ``root``."""
    files = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        body = path.read_bytes()
        etag = '"' + hashlib.blake2b(body, digest_size=8).hexdigest() + '"'
        kind = CONTENT_TYPES.get(path.suffix, "application/octet-stream")
        files["/" + path.relative_to(root).as_posix()] = (body, etag, kind)
    return files


def make_app(root: Path) -> web.Application:
    files = load(root)

    async def reload(_request: web.Request) -> web.Response:
        files.clear()
        files.update(load(root))
        return web.Response(text=f"{len(files)} files")

    async def serve(request: web.Request) -> web.Response:
        found = files.get(request.path)
        if found is None:
            return web.Response(status=404)
        body, etag, kind = found
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(body=body, headers={"ETag": etag, "Content-Type": kind})

    app = web.Application()
    app.router.add_get("/_reload", reload)
    app.router.add_get("/{tail:.*}", serve)
    return app


async def main(root: Path) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    runner = web.AppRunner(make_app(root), access_log=None)
    await runner.setup()
    await web.SockSite(runner, sock, backlog=1024).start()
    print(f"PORT {sock.getsockname()[1]}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    # stdin closing means the parent is gone: never outlive the benchmark that started us.
    loop.add_reader(sys.stdin.fileno(), lambda: stop.set() if not sys.stdin.buffer.read1(1) else None)
    await stop.wait()
    await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1])))
