"""URL normalisation: one spelling per article address, so the same page found twice is one key.

Pure and total: any string goes in, a string comes out, and ``canonical_url`` is idempotent (a hypothesis
property test holds it to that). The rules, applied in this order:

- scheme and host lower-cased, IDN host to punycode (RFC 3490), default port (80/443) dropped;
- fragment dropped (never sent to the server, RFC 3986 §3.5);
- tracking parameters removed (``utm_*`` and the names in ``TRACKING_PARAMS``), the rest sorted;
- percent-escapes normalised (RFC 3986 §6.2.2: unreserved characters decoded, hex upper-cased);
- ``.``/``..`` segments resolved, ``//`` collapsed, trailing ``/`` stripped except for the root;
- path case kept (paths are case-sensitive on most servers).

courlan 1.4 was measured against these rules and keeps the fragment, ``share``/``spm``/``via`` and trailing
slashes and leaves IDN hosts as Unicode, so the rules are implemented here on ``urllib.parse`` instead.
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, urlsplit, urlunsplit

TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gclsrc", "msclkid", "yclid", "twclid", "ttclid", "li_fat_id",
        "mc_cid", "mc_eid", "igshid", "igsh", "ref", "ref_src", "ref_url", "referrer", "spm", "share",
        "via", "cmpid", "ncid", "guccounter", "guce_referrer", "guce_referrer_sig", "_ga", "_gl",
        "_hsenc", "_hsmi", "hsctatracking", "mkt_tok", "oly_anon_id", "oly_enc_id", "vero_id", "wt_mc",
        "sr_share", "s_cid", "icid", "at_medium", "at_campaign", "soc_src", "soc_trk", "ocid", "xtor",
    }
)  # fmt: skip
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "matomo_", "hmb_", "ga_")
DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443, "ftp": 21}

_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")


def canonical_url(url: str) -> str:
    """The one spelling of ``url`` used as a deduplication key (see the module docstring for the rules)."""
    try:
        parts = urlsplit(url.strip())
        netloc = _netloc(parts)
    except ValueError:  # e.g. an unbalanced "[" in the host: keep the text, the key stays stable
        return url.strip()
    scheme = parts.scheme.lower()
    path = _path(parts.path, absolute=bool(scheme and netloc))
    # strip again: dropping the fragment can expose trailing spaces ("a #" -> "a ")
    return urlunsplit((scheme, netloc, path, _query(parts.query), "")).strip()


def host_of(url: str) -> str:
    """The host of ``url``, lower-case punycode without ``www.`` or port; "" when there is none."""
    try:
        host = urlsplit(canonical_url(url)).hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


def is_tracking_param(name: str) -> bool:
    key = name.lower()
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES)


def _netloc(parts: SplitResult) -> str:
    host = parts.hostname  # already lower-cased by urllib
    if host is None:
        return parts.netloc  # no host part (e.g. "file:///x"): nothing to normalise
    host = _punycode(host.rstrip("."))
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    port = parts.port  # raises ValueError on a non-numeric or out-of-range port
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = f"{userinfo}@{host}" if userinfo else host
    if port is not None and DEFAULT_PORTS.get(parts.scheme.lower()) != port:
        netloc = f"{netloc}:{port}"
    return netloc


def _punycode(host: str) -> str:
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:  # not a valid IDN label (e.g. too long): keep it readable rather than fail
        return host


def _path(path: str, *, absolute: bool) -> str:
    path = _normalise_escapes(path)
    path = re.sub(r"/{2,}", "/", path)
    path = _remove_dot_segments(path)
    if absolute and not path.startswith("/"):
        path = "/" + path
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    return path


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4, simplified for paths without ``//`` (already collapsed)."""
    if "." not in path:
        return path
    out: list[str] = []
    segments = path.split("/")
    for segment in segments:
        if segment == "..":
            if len(out) > 1:
                out.pop()
        elif segment != ".":
            out.append(segment)
    trailing = segments[-1] in (".", "..")
    result = "/".join(out)
    if path.startswith("/") and not result.startswith("/"):
        result = "/" + result
    return result + "/" if trailing and not result.endswith("/") else result


def _query(query: str) -> str:
    """Drop tracking parameters and sort the rest.

    Pairs are kept as written (only escapes normalised) rather than decoded and re-encoded, so ``+`` versus
    ``%20`` and blank values survive and the result is a fixed point.
    """
    pairs = []
    for pair in query.split("&"):
        pair = pair.strip()
        if not pair:
            continue
        pair = _normalise_escapes(pair)
        name = pair.partition("=")[0]
        if not is_tracking_param(_unescape(name)):
            pairs.append(pair)
    return "&".join(sorted(pairs))


def _normalise_escapes(text: str) -> str:
    def fix(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        return char if char in _UNRESERVED else "%" + match.group(1).upper()

    return _ESCAPE.sub(fix, text)


def _unescape(text: str) -> str:
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text.replace("+", " "))
