"""Exact and near-duplicate detection of article text. Pure: no I/O.

Two tools, for two questions:

- ``text_hash``: is this *the same* article text (a re-post, a second feed carrying it)? sha256 of the
  normalised text. Short texts get no hash, because two one-line blurbs ("Xiaomi teases its new phone") are
  equal without being the same article.
- ``signature`` / ``similarity`` / ``NearDuplicateIndex``: is this *mostly* the same text (a syndicated copy
  with a different intro, a trimmed excerpt)? A MinHash over word 3-shingles (characters for CJK text),
  searched with datasketch's MinHash LSH so a lookup does not scan every stored article.

A signature is the MinHash's 128 uint32 hash values as little-endian bytes (512 bytes), so it can be stored
in a database column and compared again after a restart; the permutations are fixed by ``SEED``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from datasketch import LeanMinHash

NUM_PERM = 128
SEED = 20220523  # fixed: signatures stored yesterday must stay comparable with today's
SCHEME = "affine32"  # datasketch 2.0's default hashing scheme; named so stored values are read back right
SHINGLE_WORDS = 3
CJK_SHINGLE_CHARS = 3
MIN_HASH_WORDS = 40  # fewer words than this is a blurb, not an article: no exact-text identity

_DTYPE = np.dtype("<u4")
_EMPTY = np.full(NUM_PERM, np.iinfo(np.uint32).max, dtype=_DTYPE)  # what MinHash holds before any update
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_CJK_CLASS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"  # kana, han, hangul
_CJK = re.compile(f"[{_CJK_CLASS}]")
_CJK_SPLIT = re.compile(f"[{_CJK_CLASS}]|[^{_CJK_CLASS}]+")


def normalise_text(text: str) -> str:
    """Case-folded, NFKC-normalised words joined by single spaces; punctuation and layout dropped.

    Two copies of one article that differ only in whitespace, curly quotes or full-width digits normalise
    to the same string.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_TOKEN.findall(folded))


def _words(normalised: str) -> list[str]:
    """Words, with CJK runs split into single characters (CJK text has no spaces between words)."""
    out: list[str] = []
    for token in normalised.split():
        if _CJK.search(token):
            out.extend(_split_cjk(token))
        else:
            out.append(token)
    return out


def _split_cjk(token: str) -> list[str]:
    # Keep Latin/digit runs inside a CJK token ("小米12s") whole, one item per CJK character.
    return _CJK_SPLIT.findall(token)


def text_hash(text: str) -> str | None:
    """sha256 hex of the normalised text, or None when the text is too short to identify an article."""
    normalised = normalise_text(text)
    if len(_words(normalised)) < MIN_HASH_WORDS:
        return None
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


def shingles(text: str) -> set[str]:
    """Overlapping 3-word shingles; CJK characters count as words, so Chinese text shingles by character."""
    words = _words(normalise_text(text))
    size = CJK_SHINGLE_CHARS if any(_CJK.match(w) for w in words) else SHINGLE_WORDS
    if len(words) < size:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


def signature(text: str) -> bytes:
    """The text's MinHash as 512 bytes. An empty text gives the empty signature (similar to nothing)."""
    from datasketch import MinHash  # imported on first use: it pulls in scipy (~0.7 s), which an unchanged
    # crawl never needs (measured in docs/performance.md)

    minhash = MinHash(num_perm=NUM_PERM, seed=SEED)
    minhash.update_batch(s.encode("utf-8") for s in shingles(text))
    return np.asarray(minhash.hashvalues, dtype=_DTYPE).tobytes()


def _values(sig: bytes) -> np.ndarray:
    values = np.frombuffer(sig, dtype=_DTYPE)
    if values.shape != (NUM_PERM,):
        raise ValueError(f"a signature is {NUM_PERM * 4} bytes, got {len(sig)}")
    return values


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of the two texts' shingle sets, 0.0–1.0 (0.0 when either is empty)."""
    va, vb = _values(a), _values(b)
    if np.array_equal(va, _EMPTY) or np.array_equal(vb, _EMPTY):
        return 0.0
    return float(np.count_nonzero(va == vb)) / NUM_PERM


def is_empty(sig: bytes) -> bool:
    return bool(np.array_equal(_values(sig), _EMPTY))


def _lean(sig: bytes) -> LeanMinHash:
    from datasketch import LeanMinHash

    return LeanMinHash(seed=SEED, hashvalues=_values(sig), scheme=SCHEME)


class NearDuplicateIndex:
    """Keys of stored signatures, searchable for likely near duplicates in sub-linear time (MinHash LSH).

    ``query`` returns candidates whose estimated similarity is likely at or above ``threshold``; LSH is
    approximate, so callers that need a score re-check with ``similarity``. Empty signatures are not indexed:
    they would all collide with each other.
    """

    def __init__(self, threshold: float = 0.5) -> None:
        self.threshold = threshold
        self._index: Any = None  # the datasketch MinHashLSH, built on first add (see signature() on imports)
        self._keys: set[int] = set()

    @property
    def _lsh(self) -> Any:
        if self._index is None:
            from datasketch import MinHashLSH

            self._index = MinHashLSH(threshold=self.threshold, num_perm=NUM_PERM)
        return self._index

    def add(self, key: int, sig: bytes) -> None:
        if key in self._keys or is_empty(sig):
            return  # adding twice is a no-op, so rebuilding from storage and live ingest can overlap
        self._lsh.insert(key, _lean(sig), check_duplication=False)
        self._keys.add(key)

    def add_many(self, items: Iterable[tuple[int, bytes]]) -> None:
        for key, sig in items:
            self.add(key, sig)

    def query(self, sig: bytes) -> list[int]:
        if is_empty(sig) or not self._keys:
            return []
        return [int(k) for k in self._lsh.query(_lean(sig))]

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __len__(self) -> int:
        return len(self._keys)
