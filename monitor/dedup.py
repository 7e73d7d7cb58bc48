"""Exact and near-duplicate detection of article text. Pure: no I/O.

Two tools, for two questions:

- ``text_hash``: is this *the same* article text (a re-post, a second feed carrying it)? sha256 of the
  normalised text. Short texts get no hash, because two one-line blurbs ("Xiaomi teases its new phone") are
  equal without being the same article.
- ``signature`` / ``similarity`` / ``NearDuplicateIndex``: is this *mostly* the same text (a syndicated copy
  with a different intro, a trimmed excerpt)? A MinHash over word 3-shingles (characters for CJK text),
  searched with MinHash LSH (banding) so a lookup does not scan every stored article.

A signature is the MinHash's 128 uint32 hash values as little-endian bytes (512 bytes), so it can be stored
in a database column and compared again after a restart; the permutations are fixed by ``SEED``.

The MinHash is datasketch 2.0's ``MinHash(num_perm=128, seed=SEED)`` (scheme "affine32": SHA-1 of each shingle,
MurmurHash3's finaliser, then ``a * h + b`` mod 2^32), computed here with numpy in one pass instead of one
Python call per shingle, and bit for bit the same (``tests/test_dedup.py`` compares the two), so signatures
stored by earlier versions stay valid. The LSH index is ours too, in arrays: datasketch's keeps a set and a bytes
object per band per article (about 10 GB at a million articles) and imports scipy (0.7 s) to choose its bands.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import numpy as np

NUM_PERM = 128
SEED = 20220523  # fixed: signatures stored yesterday must stay comparable with today's
SCHEME = "affine32"  # datasketch 2.0's default hashing scheme, which signature() reproduces
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
    if not _CJK.search(normalised):
        return normalised.split()
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
    normalised = normalise_text(text)
    words = _words(normalised)
    cjk = _CJK.search(normalised) is not None and any(_CJK.match(w) for w in words)
    size = CJK_SHINGLE_CHARS if cjk else SHINGLE_WORDS
    if len(words) < size:
        return {" ".join(words)} if words else set()
    return set(map(" ".join, zip(*(words[i:] for i in range(size)), strict=False)))  # zip stops at the shortest


def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """datasketch's affine32 permutations ``h -> a * h + b`` (mod 2^32, ``a`` odd) for ``SEED``."""
    gen = np.random.RandomState(SEED)
    a = gen.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b


_A, _B = _permutations()


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finaliser (uint32 arithmetic wraps, which is the intended mod 2^32)."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def signature(text: str) -> bytes:
    """The text's MinHash as 512 bytes. An empty text gives the empty signature (similar to nothing)."""
    found = shingles(text)
    if not found:
        return _EMPTY.tobytes()
    sha1 = hashlib.sha1
    digests = np.frombuffer(b"".join([sha1(s.encode("utf-8")).digest() for s in found]), dtype=_DTYPE)
    hashed = _fmix32(digests[::5])  # the first 4 of each 20-byte digest, little-endian: datasketch's sha1_hash32
    return (hashed[:, None] * _A + _B).min(axis=0).astype(_DTYPE, copy=False).tobytes()


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


# --- LSH ---------------------------------------------------------------------------------------------------


@lru_cache
def lsh_bands(threshold: float, num_perm: int = NUM_PERM) -> tuple[int, int]:
    """(bands, rows per band) minimising false positives + false negatives around ``threshold``, as datasketch's
    ``MinHashLSH`` chooses them (equal weights), integrated with numpy instead of scipy: (25, 5) for 0.5."""
    s = np.linspace(0.0, 1.0, 4001)
    below, above = s <= threshold, s >= threshold
    best, error = (0, 0), float("inf")
    for b in range(1, num_perm + 1):
        rs = np.arange(1, num_perm // b + 1)[:, None]
        candidate = 1.0 - (1.0 - s**rs) ** b  # probability that two texts of similarity s share a band
        fp = np.trapezoid(np.where(below, candidate, 0.0), s, axis=1)
        fn = np.trapezoid(np.where(above, 1.0 - candidate, 0.0), s, axis=1)
        errors = 0.5 * fp + 0.5 * fn
        r = int(np.argmin(errors))
        if errors[r] < error:
            best, error = (b, r + 1), float(errors[r])
    return best


_MERGE_EVERY = 20_000  # articles kept in the insertion buffer before it is merged into the sorted arrays


class NearDuplicateIndex:
    """Keys of stored signatures, searchable for likely near duplicates in sub-linear time (MinHash LSH).

    ``query`` returns the keys that share at least one band (``r`` consecutive hash values, ``b`` bands chosen
    for ``threshold``) with the signature, exactly the candidates datasketch's ``MinHashLSH`` returns; LSH is
    approximate, so callers that need a score re-check with ``similarity`` (``similar`` does, from the stored
    signatures). Empty signatures are not indexed: they would all collide with each other.

    Memory is arrays, about 0.9 kB per stored signature: the signatures (512 bytes), and one 64-bit hash per
    band in a sorted array (with the row it came from) searched with ``np.searchsorted``. New rows go to a small
    dict first and are merged into the sorted arrays every ``_MERGE_EVERY`` rows. A band hash is only a pointer:
    candidates are checked against the stored values, so a hash collision costs time, never a wrong answer.
    """

    def __init__(self, threshold: float = 0.5) -> None:
        self.threshold = threshold
        self._bands, self._rows_per_band = lsh_bands(threshold)
        self._width = self._bands * self._rows_per_band
        # Random odd multipliers: a band's hash is sum(value_j * m_j) mod 2^64, plus a per-band salt.
        gen = np.random.default_rng(SEED)
        self._mix = gen.integers(0, 2**63, (self._bands, self._rows_per_band), dtype=np.uint64) * 2 + 1
        self._salt = gen.integers(0, 2**63, self._bands, dtype=np.uint64)
        self._ids: set[int] = set()
        self._keys = np.zeros(0, dtype=np.int64)  # row -> key
        self._sigs = np.zeros((0, NUM_PERM), dtype=_DTYPE)  # row -> signature (capacity grows by half)
        self._size = 0
        self._sorted_hashes = np.zeros(0, dtype=np.uint64)
        self._sorted_rows = np.zeros(0, dtype=np.int32)
        self._recent: dict[int, list[int]] = {}  # band hash -> rows, not yet merged
        self._recent_rows = 0

    def _hashes(self, values: np.ndarray) -> np.ndarray:
        bands = values[: self._width].reshape(self._bands, self._rows_per_band).astype(np.uint64)
        return (bands * self._mix).sum(axis=1, dtype=np.uint64) + self._salt

    def add(self, key: int, sig: bytes) -> None:
        values = _values(sig)
        if key in self._ids or np.array_equal(values, _EMPTY):
            return  # adding twice is a no-op, so rebuilding from storage and live ingest can overlap
        row = self._size
        if row == len(self._sigs):
            capacity = max(1024, row + row // 2)
            self._sigs = np.resize(self._sigs, (capacity, NUM_PERM))
            self._keys = np.resize(self._keys, capacity)
        self._sigs[row] = values
        self._keys[row] = key
        self._size += 1
        self._ids.add(key)
        for h in self._hashes(values).tolist():
            self._recent.setdefault(h, []).append(row)
        self._recent_rows += 1
        if self._recent_rows >= _MERGE_EVERY:
            self._merge()

    def add_many(self, items: Iterable[tuple[int, bytes]]) -> None:
        for key, sig in items:
            self.add(key, sig)

    def _merge(self) -> None:
        hashes = np.fromiter((h for h, rows in self._recent.items() for _ in rows), dtype=np.uint64)
        rows = np.fromiter((r for rs in self._recent.values() for r in rs), dtype=np.int32)
        order = np.argsort(hashes, kind="stable")
        at = np.searchsorted(self._sorted_hashes, hashes[order], side="right")
        self._sorted_hashes = np.insert(self._sorted_hashes, at, hashes[order])
        self._sorted_rows = np.insert(self._sorted_rows, at, rows[order])
        self._recent, self._recent_rows = {}, 0

    def _candidate_rows(self, values: np.ndarray) -> np.ndarray:
        hashes = self._hashes(values)
        found: list[int] = []
        for h in hashes.tolist():
            found.extend(self._recent.get(h, ()))
        if len(self._sorted_hashes):
            lo = np.searchsorted(self._sorted_hashes, hashes, side="left")
            hi = np.searchsorted(self._sorted_hashes, hashes, side="right")
            for i in np.flatnonzero(hi > lo).tolist():
                found.extend(self._sorted_rows[lo[i] : hi[i]].tolist())
        if not found:
            return np.zeros(0, dtype=np.int64)
        rows = np.unique(np.asarray(found, dtype=np.int64))
        # Keep the rows that really share a band (a hash collision is not a candidate).
        shape = (len(rows), self._bands, self._rows_per_band)
        stored = self._sigs[rows, : self._width].reshape(shape)
        same_band = (stored == values[: self._width].reshape(shape[1:])).all(axis=2).any(axis=1)
        return rows[same_band]

    def similar(self, sig: bytes) -> list[tuple[int, float]]:
        """(key, estimated similarity) of each candidate, in the order the keys were added."""
        values = _values(sig)
        if not self._size or np.array_equal(values, _EMPTY):
            return []
        rows = self._candidate_rows(values)
        if not len(rows):
            return []
        same = np.count_nonzero(self._sigs[rows] == values, axis=1) / NUM_PERM
        return list(zip(self._keys[rows].tolist(), same.tolist(), strict=True))

    def query(self, sig: bytes) -> list[int]:
        return [key for key, _ in self.similar(sig)]

    def __contains__(self, key: object) -> bool:
        return key in self._ids

    def __len__(self) -> int:
        return self._size
