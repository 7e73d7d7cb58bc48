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
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import AnyStr

import numpy as np

NUM_PERM = 128
SEED = 20220523  # fixed: signatures stored yesterday must stay comparable with today's
SCHEME = "affine32"  # datasketch 2.0's default hashing scheme, which signature() reproduces
SHINGLE_WORDS = 3
CJK_SHINGLE_CHARS = 3
MIN_HASH_WORDS = 40  # fewer words than this is a blurb, not an article: no exact-text identity

_DTYPE = np.dtype("<u4")
_EMPTY = np.full(NUM_PERM, np.iinfo(np.uint32).max, dtype=_DTYPE)  # what MinHash holds before any update
_EMPTY_BYTES = _EMPTY.tobytes()
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_CJK_CLASS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"  # kana, han, hangul
_CJK = re.compile(f"[{_CJK_CLASS}]")
_CJK_SPLIT = re.compile(f"[{_CJK_CLASS}]|[^{_CJK_CLASS}]+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_ASCII_SEPARATORS = bytes(c if chr(c).isalnum() else 32 for c in range(256))  # a byte that is no word: a space


def normalise_text(text: str) -> str:
    """Case-folded, NFKC-normalised words joined by single spaces; punctuation and layout dropped.

    Two copies of one article that differ only in whitespace, curly quotes or full-width digits normalise
    to the same string.
    """
    return " ".join(_word_runs(_casefolded(text)))


def _casefolded(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _word_runs(folded: str) -> list[str]:
    """``_TOKEN.findall(folded)``: the runs of letters and digits (``[^\\W_]`` is ``str.isalnum``).

    Most text is ASCII words, at most with typographic punctuation (’ “ ” – —): for it, the runs are found by a
    byte translation and a split, a third cheaper than the expression; letters outside ASCII take the expression.
    """
    if not folded.isascii():
        others = set(_NON_ASCII.findall(folded))
        if any(char.isalnum() for char in others):
            return _TOKEN.findall(folded)
        for char in others:  # punctuation: it separates words, as a space does
            folded = folded.replace(char, " ")
    return folded.encode("ascii").translate(_ASCII_SEPARATORS).decode("ascii").split()


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


@lru_cache(maxsize=2)
def _normalised_words(text: str) -> tuple[str, tuple[str, ...], bool]:
    """``normalise_text``, its ``_words`` and whether they are CJK text (shingled by character), kept for the
    last two texts: the pipeline asks for a document's ``text_hash`` and then its ``signature``, and normalising
    is a third of what both cost. Normalised text in ASCII (most of it: typographic punctuation is gone by then)
    holds no CJK character, which spares two searches of the whole text for one."""
    runs = _word_runs(_casefolded(text))
    normalised = " ".join(runs)  # normalise_text
    if normalised.isascii():
        return normalised, tuple(runs), False  # the runs are its words: no space inside, none empty
    words = tuple(_words(normalised))
    return normalised, words, _CJK.search(normalised) is not None and any(_CJK.match(w) for w in words)


def text_hash(text: str) -> str | None:
    """sha256 hex of the normalised text, or None when the text is too short to identify an article."""
    normalised, words, _ = _normalised_words(text)
    if len(words) < MIN_HASH_WORDS:
        return None
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


def shingles(text: str) -> set[str]:
    """Overlapping 3-word shingles; CJK characters count as words, so Chinese text shingles by character."""
    words, size = _shingle_words(text)
    return _shingled(words, size, " ")


def _encoded_shingles(text: str) -> set[bytes]:
    """``shingles``, UTF-8 encoded as the MinHash hashes them: built from the encoded words, so a text is
    encoded once rather than each of its few hundred shingles."""
    words, size = _shingle_words(text)
    encoded = "\n".join(words).encode("utf-8").split(b"\n") if words else []  # no word holds a line break
    return _shingled(encoded, size, b" ")


def _shingle_words(text: str) -> tuple[tuple[str, ...], int]:
    """The text's words and the shingle size for them: characters for CJK text, else words."""
    _, words, cjk = _normalised_words(text)
    return words, CJK_SHINGLE_CHARS if cjk else SHINGLE_WORDS


def _shingled(words: Sequence[AnyStr], size: int, space: AnyStr) -> set[AnyStr]:
    if len(words) < size:
        return {space.join(words)} if words else set()
    return set(map(space.join, zip(*(words[i:] for i in range(size)), strict=False)))  # zip stops at the shortest


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
    mixed: np.ndarray = h ^ (h >> np.uint32(16))
    return mixed


def signature(text: str) -> bytes:
    """The text's MinHash as 512 bytes. An empty text gives the empty signature (similar to nothing)."""
    found = _encoded_shingles(text)
    if not found:
        return _EMPTY.tobytes()
    # OpenSSL's SHA-1 (hashlib), not CPython's own (_sha1): the latter takes 0.7 M fewer instructions per article
    # (OpenSSL sets up and cleans up an object per shingle) but ~15 % more time here, where OpenSSL hashes with the
    # CPU's SHA instructions.
    sha1 = hashlib.sha1
    digests = np.frombuffer(b"".join([sha1(s).digest() for s in found]), dtype=_DTYPE)
    hashed = _fmix32(digests[::5])  # the first 4 of each 20-byte digest, little-endian: datasketch's sha1_hash32
    # Every shingle under every permutation, added to in place: a second array of that size (160 kB for an
    # article) costs fresh memory pages, more than the addition (measured: ~25 of an article's ~310 us).
    permuted = np.multiply.outer(hashed, _A)
    permuted += _B
    minima: np.ndarray = permuted.min(axis=0)
    return minima.astype(_DTYPE, copy=False).tobytes()


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


# --- LSH ---------------------------------------------------------------------------------------------------


#: ``lsh_bands`` of the thresholds monitor uses, worked out once: the integration costs ~0.1 s, which every
#: ``monitor crawl`` paid when building its story index, even when no feed had changed. A test recomputes them.
KNOWN_BANDS = {(0.5, NUM_PERM): (25, 5)}


def lsh_bands(threshold: float, num_perm: int = NUM_PERM) -> tuple[int, int]:
    """(bands, rows per band) minimising false positives + false negatives around ``threshold``, as datasketch's
    ``MinHashLSH`` chooses them (equal weights), integrated with numpy instead of scipy: (25, 5) for 0.5."""
    return KNOWN_BANDS.get((threshold, num_perm)) or compute_lsh_bands(threshold, num_perm)


@lru_cache
def compute_lsh_bands(threshold: float, num_perm: int = NUM_PERM) -> tuple[int, int]:
    """``lsh_bands`` worked out, not looked up."""
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


_MERGE_EVERY = 20_000  # signatures kept in the insertion buffer before it is merged into the sorted arrays
_CHUNK = 1 << 14  # signatures per storage chunk: growing never copies what is stored
_WINDOW = 16  # sorted hashes a lookup reads from the start of a directory slot; no slot holds more


class NearDuplicateIndex:
    """Keys of stored signatures, searchable for likely near duplicates in sub-linear time (MinHash LSH).

    ``query`` returns the keys that share at least one band (``r`` consecutive hash values, ``b`` bands chosen
    for ``threshold``) with the signature, exactly the candidates datasketch's ``MinHashLSH`` returns; LSH is
    approximate, so callers that need a score re-check with ``similarity`` (``similar`` does, from the stored
    signatures). Empty signatures are not indexed: they would all collide with each other.

    Memory is arrays, about 0.9 kB per stored signature: the signature (512 bytes), and one 64-bit hash per
    band in a sorted array (with the row it came from). A lookup reads the slot of a directory on the hashes'
    top bits (two to four hashes per slot on average), then ``_WINDOW`` hashes from there: a fixed number of
    numpy calls over all bands at once, whatever the size (each call costs more than the memory it reads). A slot
    never holds more than the window: the hashes of a crowded one (copies of one text share their band hashes)
    stay in the dict that also holds the rows added since the last merge, which a lookup reads band by band.
    New rows are merged into the sorted arrays every ``_MERGE_EVERY`` rows. A band hash is only a pointer:
    candidates are checked against the stored values, so a hash collision costs time, never a wrong answer.
    """

    def __init__(self, threshold: float = 0.5) -> None:
        self.threshold = threshold
        self._bands, self._rows_per_band = lsh_bands(threshold)
        self._width = self._bands * self._rows_per_band
        # Random odd multipliers, different in every band: a band's hash is sum(value_j * m_j) mod 2^64.
        self._mix = (
            np.random.default_rng(SEED).integers(0, 2**63, (self._bands, self._rows_per_band), dtype=np.uint64) * 2 + 1
        )
        self._ids: set[int] = set()
        self._sigs: list[np.ndarray] = []  # chunks of _CHUNK signatures; row r is _sigs[r // _CHUNK][r % _CHUNK]
        self._keys: list[np.ndarray] = []  # likewise the key of each row
        self._size = 0
        self._sorted_hashes = np.zeros(0, dtype=np.uint64)  # merged band hashes, sorted, then _WINDOW of padding
        self._sorted_rows = np.zeros(0, dtype=np.int32)  # the row of each
        self._windows: np.ndarray | None = None  # _sorted_hashes[i : i + _WINDOW] for every i, a view (no copy)
        self._directory = np.zeros(2, dtype=np.int32)  # slot (a hash's top bits) -> its first index
        self._shift = np.uint64(63)  # hash >> shift is its directory slot
        self._loose: dict[int, int | list[int]] = {}  # band hash -> row(s): not merged yet, or of a crowded slot
        self._unmerged = 0  # rows added since the last merge

    def _hashes(self, values: np.ndarray) -> np.ndarray:
        hashes: np.ndarray = np.vecdot(values[: self._width].reshape(self._bands, self._rows_per_band), self._mix)
        return hashes

    def add(self, key: int, sig: bytes) -> None:
        values = _values(sig)
        if key in self._ids or sig == _EMPTY_BYTES:
            return  # adding twice is a no-op, so rebuilding from storage and live ingest can overlap
        row = self._size
        chunk, offset = divmod(row, _CHUNK)
        if chunk == len(self._sigs):
            self._sigs.append(np.empty((_CHUNK, NUM_PERM), dtype=_DTYPE))
            self._keys.append(np.empty(_CHUNK, dtype=np.int64))
        self._sigs[chunk][offset] = values
        self._keys[chunk][offset] = key
        self._size += 1
        self._ids.add(key)
        _file_loose(self._loose, self._hashes(values).tolist(), row)
        self._unmerged += 1
        if self._unmerged >= _MERGE_EVERY:
            self._merge()

    def _merge(self) -> None:
        """Move the dict's hashes into the sorted arrays, then the hashes of slots fuller than the window back."""
        pairs = [(h, r) for h, rows in self._loose.items() for r in ((rows,) if isinstance(rows, int) else rows)]
        hashes = np.fromiter((h for h, _ in pairs), dtype=np.uint64, count=len(pairs))
        rows = np.fromiter((r for _, r in pairs), dtype=np.int32, count=len(pairs))
        order = np.argsort(hashes, kind="stable")
        size = len(self._sorted_hashes) - _WINDOW if len(self._sorted_hashes) else 0  # without the padding
        at = np.searchsorted(self._sorted_hashes[:size], hashes[order], side="right")
        merged = np.insert(self._sorted_hashes[:size], at, hashes[order])
        merged_rows = np.insert(self._sorted_rows[:size], at, rows[order])
        bits = max(1, (len(merged) // 2).bit_length() - 1)  # two to four hashes per directory slot
        shift = np.uint64(64 - bits)
        slots = (merged >> shift).astype(np.intp)
        counts = np.bincount(slots, minlength=1 << bits)
        self._loose, self._unmerged = {}, 0
        crowded = counts > _WINDOW
        if crowded.any():
            spill = crowded[slots]
            for h, r in zip(merged[spill].tolist(), merged_rows[spill].tolist(), strict=True):
                _file_loose(self._loose, (h,), r)
            merged, merged_rows = merged[~spill], merged_rows[~spill]
            counts[crowded] = 0
        self._shift = shift
        self._directory = np.concatenate(([0], np.cumsum(counts))).astype(np.int32)
        # A lookup reads _WINDOW hashes from the start of its slot; the padding lets it read past the last one.
        padding = np.zeros(_WINDOW, dtype=np.uint64)
        self._sorted_hashes = np.concatenate((merged, padding))
        self._sorted_rows = np.concatenate((merged_rows, padding.astype(np.int32)))
        self._windows = np.lib.stride_tricks.sliding_window_view(self._sorted_hashes, _WINDOW)

    def _sorted_matches(self, hashes: np.ndarray, windows: np.ndarray) -> list[int]:
        """Rows whose merged band hashes equal one of ``hashes``. A window may run into the next slots, whose
        hashes differ in their top bits, so comparing with the slot's own hash is enough; no slot is longer."""
        starts = self._directory.take(hashes >> self._shift)
        hit = windows[starts] == hashes[:, None]
        if not np.count_nonzero(hit):  # a quarter of hit.any()'s cost
            return []
        band, step = np.nonzero(hit)
        rows: list[int] = self._sorted_rows.take(starts[band] + step).tolist()
        return rows

    def _candidate_rows(self, values: np.ndarray) -> list[int]:
        hashes = self._hashes(values)
        found: list[int] = []
        if self._loose:
            loose = self._loose
            for h in loose.keys() & hashes.tolist():  # one C loop; a hash is rarely there
                rows = loose[h]
                found += [rows] if isinstance(rows, int) else rows
        if self._windows is not None:
            found += self._sorted_matches(hashes, self._windows)
        if not found:
            return []
        # Keep the rows that really share a band (a hash collision is not a candidate), in row order.
        rows = sorted(set(found))
        stored = np.stack([self._row(r) for r in rows])[:, : self._width].reshape(-1, self._bands, self._rows_per_band)
        same_band = (stored == values[: self._width].reshape(self._bands, self._rows_per_band)).all(axis=2).any(axis=1)
        return [r for r, same in zip(rows, same_band.tolist(), strict=True) if same]

    def _row(self, row: int) -> np.ndarray:
        signature: np.ndarray = self._sigs[row // _CHUNK][row % _CHUNK]
        return signature

    def similar(self, sig: bytes) -> list[tuple[int, float]]:
        """(key, estimated similarity) of each candidate, in the order the keys were added."""
        values = _values(sig)
        if not self._size or sig == _EMPTY_BYTES:
            return []
        out = []
        for row in self._candidate_rows(values):
            same = int(np.count_nonzero(self._row(row) == values)) / NUM_PERM
            out.append((int(self._keys[row // _CHUNK][row % _CHUNK]), same))
        return out

    def query(self, sig: bytes) -> list[int]:
        return [key for key, _ in self.similar(sig)]

    def __contains__(self, key: object) -> bool:
        return key in self._ids

    def __len__(self) -> int:
        return self._size


def _file_loose(loose: dict[int, int | list[int]], hashes: Iterable[int], row: int) -> None:
    """Note ``row`` under each of ``hashes``: one row is the int itself (most hashes have one), more a list."""
    for h in hashes:
        rows = loose.setdefault(h, row)
        if rows != row:
            if isinstance(rows, int):
                loose[h] = [rows, row]
            else:
                rows.append(row)
