"""Spider sources: one ``scrapy crawl`` in a subprocess per poll, its JSON-lines stdout read back as documents.

Why a subprocess: a Twisted reactor cannot be restarted within one process, and a spider that hangs or leaks
must not take the service with it. The child runs in its own session (process group), so on the deadline
the whole group — Scrapy and anything it started — gets SIGTERM, then SIGKILL after a short grace.

Everything that can go wrong with the child is a value, not an exception: ``SpiderRun.error`` says "timed
out", "exited with status 1", "unparsable output on line 3" or the start URL's own failure (the spiders log
``FAILURE_MARKER`` on stderr when the sitemap or listing page itself cannot be read). Documents parsed before
a failure are kept. ``monitor`` never imports ``spiders``: the contract is the command line and JSON lines.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import monitor
from monitor.model import RawDocument

FAILURE_MARKER = "MONITOR_SPIDER_FAILED"  # kept in step with spiders.article.FAILURE_MARKER
STDERR_TAIL_CHARS = 4000
KILL_GRACE = 1.0  # seconds between SIGTERM and SIGKILL; Scrapy's graceful stop needs well under this
# Scrapy is asked to close itself this long before the deadline, so its items reach stdout before we kill.
CLOSE_MARGIN = 2.0


class SpiderSource(Protocol):
    """The fields of ``monitor.config.SourceConfig`` a spider source uses."""

    @property
    def name(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def outlet(self) -> str: ...
    @property
    def spider(self) -> str | None: ...
    @property
    def max_age(self) -> timedelta: ...
    @property
    def url_patterns(self) -> Sequence[str]: ...
    @property
    def link_selector(self) -> str | None: ...
    @property
    def next_selector(self) -> str | None: ...
    @property
    def max_pages(self) -> int: ...


class SpiderNetwork(Protocol):
    """The fields of ``monitor.config.NetworkConfig`` a crawl uses."""

    @property
    def user_agent(self) -> str: ...
    @property
    def allow_private(self) -> bool: ...
    @property
    def timeout(self) -> float: ...
    @property
    def max_bytes(self) -> int: ...


@dataclass(frozen=True, slots=True)
class SpiderRun:
    documents: list[RawDocument]
    error: str | None  # None when the crawl finished and every line parsed
    returncode: int | None  # None when we had to kill it
    duration: float  # seconds, wall clock
    stderr_tail: str  # the end of Scrapy's log, for the source's last-error record

    @property
    def ok(self) -> bool:
        return self.error is None


def run_spider(
    source: SpiderSource,
    network: SpiderNetwork,
    *,
    deadline: float,
    python: str = sys.executable,
    settings: Mapping[str, str] | None = None,
) -> SpiderRun:
    """Run ``source``'s spider for at most ``deadline`` seconds (plus ``KILL_GRACE``) and collect its documents.

    ``settings`` adds Scrapy settings after the ones derived from ``network`` (tests use it to drop the
    politeness delays on loopback). Never raises for the child's failures; see the module docstring.
    """
    started = time.monotonic()
    command = spider_command(source, network, deadline=deadline, python=python, settings=settings)
    try:
        stdout, stderr, returncode = _run(command, deadline)
    except OSError as exc:  # no such interpreter, not executable, out of processes
        return SpiderRun([], f"spider could not start: {exc}", None, time.monotonic() - started, "")
    documents, bad_line = parse_items(stdout, source=source.name)
    tail = stderr.decode("utf-8", "replace")[-STDERR_TAIL_CHARS:]
    error = _error(returncode, bad_line, stderr.decode("utf-8", "replace"), deadline)
    return SpiderRun(documents, error, returncode, time.monotonic() - started, tail)


def spider_command(
    source: SpiderSource,
    network: SpiderNetwork,
    *,
    deadline: float,
    python: str = sys.executable,
    settings: Mapping[str, str] | None = None,
) -> list[str]:
    command = [python, "-m", "scrapy", "crawl", source.spider or ""]
    for key, value in spider_arguments(source).items():
        command += ["-a", f"{key}={value}"]
    for key, value in {**network_settings(network, deadline), **(settings or {})}.items():
        command += ["-s", f"{key}={value}"]
    return command


def spider_arguments(source: SpiderSource) -> dict[str, str]:
    """The ``-a`` options the spiders in ``spiders/`` understand (see docs/spiders.md)."""
    args = {
        "url": source.url,
        "source": source.name,
        "outlet": source.outlet,
        "max_age": str(source.max_age.total_seconds()),
        "url_patterns": json.dumps(list(source.url_patterns)),
    }
    if source.spider == "listing":
        args["link_selector"] = source.link_selector or ""
        args["next_selector"] = source.next_selector or ""
        args["max_pages"] = str(source.max_pages)
    return args


def network_settings(network: SpiderNetwork, deadline: float) -> dict[str, str]:
    return {
        "USER_AGENT": network.user_agent,
        "ALLOW_PRIVATE": "True" if network.allow_private else "False",
        "DOWNLOAD_TIMEOUT": str(network.timeout),
        "DOWNLOAD_MAXSIZE": str(network.max_bytes),
        # Scrapy's own graceful stop (CloseSpider extension) flushes the items it has; our kill is the backstop.
        "CLOSESPIDER_TIMEOUT": str(max(deadline - CLOSE_MARGIN, deadline / 2)),
    }


def parse_items(stdout: bytes, *, source: str) -> tuple[list[RawDocument], int | None]:
    """Documents from JSON lines, and the number of the first line that is not an item (None if all are)."""
    documents: list[RawDocument] = []
    for number, line in enumerate(stdout.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            documents.append(_document(json.loads(line), source=source))
        except (ValueError, TypeError, KeyError):  # JSONDecodeError is a ValueError
            return documents, number
    return documents, None


def _document(item: dict[str, Any], *, source: str) -> RawDocument:
    published = item.get("published")
    return RawDocument(
        url=_string(item["url"]),
        title=_string(item["title"]),
        text=_string(item["text"]),
        source=source,
        outlet=_string(item.get("outlet") or ""),
        published=_aware(datetime.fromisoformat(published)) if published else None,
        language=item.get("language") or None,
        guid=item.get("guid") or None,
        canonical_url=item.get("canonical_url") or None,
    )


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _error(returncode: int | None, bad_line: int | None, stderr: str, deadline: float) -> str | None:
    if returncode is None:
        return f"spider timed out after {deadline:g} s and was killed"
    if returncode != 0:
        return f"spider exited with status {returncode}: {_last_line(stderr)}"
    if bad_line is not None:
        return f"spider output line {bad_line} is not an item"
    failures = [line for line in stderr.splitlines() if FAILURE_MARKER in line]
    if failures:
        return "spider failed: " + failures[0].split(FAILURE_MARKER, 1)[1].strip()
    return None


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


# ------------------------------------------------------------------------------------------- subprocess


def project_root() -> Path | None:
    """The directory holding scrapy.cfg beside the monitor package (a checkout), or None when installed."""
    root = Path(monitor.__file__).resolve().parents[1]
    return root if (root / "scrapy.cfg").is_file() else None


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["SCRAPY_SETTINGS_MODULE"] = "spiders.settings"
    # Unbuffered stdout: each item reaches the pipe as it is exported, so a crawl killed at the deadline
    # still hands over what it had (measured: with the default 8 KiB buffer a killed crawl lost them all).
    env["PYTHONUNBUFFERED"] = "1"
    root = project_root()
    if root is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))
    return env


def _run(command: list[str], deadline: float) -> tuple[bytes, bytes, int | None]:
    """Run ``command`` in its own session; on the deadline kill its process group. None = killed."""
    root = project_root()
    process = subprocess.Popen(
        command,
        cwd=root,
        env=_environment(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=deadline)
        return stdout, stderr, process.returncode
    except subprocess.TimeoutExpired:
        stdout, stderr = _kill(process)
        return stdout, stderr, None


def _kill(process: subprocess.Popen[bytes]) -> tuple[bytes, bytes]:
    """SIGTERM the group, then SIGKILL it; what the child wrote before dying is still returned."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):  # the group is already gone
            os.killpg(process.pid, sig)
        try:
            return process.communicate(timeout=KILL_GRACE)
        except subprocess.TimeoutExpired:
            continue
    # A descendant left the group (setsid) and still holds our pipes: stop reading rather than wait on it.
    process.wait()
    return b"", b""
