"""Exact and near-duplicate text detection: what a reader would call "the same article"."""

from __future__ import annotations

import random
import re
import unicodedata

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.judgement import dedup

ARTICLE = (
    "Xiaomi has officially launched the Xiaomi 14 Ultra in China. The phone carries a quad camera co-engineered "
    "with Leica, led by a one-inch sensor with a variable aperture, and a 5000 mAh battery with 90W charging. "
    "Prices start at 6499 yuan for the 12GB/256GB model, and sales begin on Friday. A global launch is planned "
    "for the Mobile World Congress in Barcelona, where Xiaomi will also show a photography kit with a grip "
    "and a shutter button. The company says the Leica Summilux lenses on all four cameras are its best yet."
)
OTHER = (
    "Huawei has confirmed that its P50 series will arrive later this year. The company showed the design of "
    "the rear camera module at its HarmonyOS event, with two large rings holding four lenses, but it said "
    "nothing about the chipset or the price, and it gave no date for the launch because of chip shortages."
)


def test_text_hash_ignores_case_whitespace_and_punctuation() -> None:
    reflowed = ARTICLE.upper().replace(". ", ".\n\n  ").replace(",", " ,")
    assert dedup.text_hash(reflowed) == dedup.text_hash(ARTICLE)
    assert dedup.text_hash(ARTICLE) != dedup.text_hash(OTHER + " " + OTHER)


# Letters of several scripts, digits, the typographic punctuation of news text, and characters NFKC or casefold
# change (ligature, full-width digit, Arabic-Indic digit, long s, dotted capital I, German sharp s).
SCRIPTS = "Ab9_ -.,;:'\"\n\t\u00a0’“”–—…€éßİſﬁ１٣小米徕卡ガ한"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(SCRIPTS), max_size=60))
def test_normalised_text_is_its_words_in_any_script(text: str) -> None:
    """Text hashes and signatures stored by earlier versions stay valid: the normalised text is exactly the
    folded text's runs of letters and digits, whatever path finds them."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    assert dedup.normalise_text(text) == " ".join(re.findall(r"[^\W_]+", folded))


def test_short_blurbs_get_no_hash_so_they_cannot_collide() -> None:
    assert dedup.text_hash("Xiaomi teases its new Leica phone") is None
    assert dedup.text_hash("") is None


def test_syndicated_copy_with_new_intro_is_near_duplicate() -> None:
    copy = "Via our partners at PhoneNews. " + ARTICLE + " Read more on our site."
    assert dedup.similarity(dedup.signature(ARTICLE), dedup.signature(copy)) >= 0.7
    assert dedup.similarity(dedup.signature(ARTICLE), dedup.signature(OTHER)) < 0.1


def test_excerpt_of_an_article_is_similar() -> None:
    excerpt = ARTICLE[: len(ARTICLE) * 2 // 3]
    assert dedup.similarity(dedup.signature(ARTICLE), dedup.signature(excerpt)) >= 0.5


def test_chinese_text_is_shingled_by_character() -> None:
    zh = "小米正式发布小米14 Ultra,搭载徕卡四摄影像系统,一英寸主摄,售价6499元起,周五开售。"
    rewritten = "消息:" + zh + "更多详情请关注。"
    assert dedup.similarity(dedup.signature(zh), dedup.signature(rewritten)) >= 0.6
    assert "小 米 正" in dedup.shingles(zh)


def test_empty_text_is_similar_to_nothing() -> None:
    empty = dedup.signature("")
    assert dedup.similarity(empty, empty) == 0.0
    index = dedup.NearDuplicateIndex()
    index.add(1, empty)
    assert len(index) == 0 and index.query(empty) == []


def test_signature_is_stable_bytes_across_calls() -> None:
    sig = dedup.signature(ARTICLE)
    assert isinstance(sig, bytes) and len(sig) == dedup.NUM_PERM * 4
    assert dedup.signature(ARTICLE) == sig  # fixed seed: stored signatures stay comparable after a restart


def test_index_finds_near_duplicates_only() -> None:
    index = dedup.NearDuplicateIndex(threshold=0.5)
    index.add(1, dedup.signature(ARTICLE))
    index.add(2, dedup.signature(OTHER))
    index.add(1, dedup.signature(OTHER))  # re-adding a key is a no-op
    assert len(index) == 2
    assert index.query(dedup.signature("Breaking: " + ARTICLE)) == [1]
    assert index.query(dedup.signature("A completely unrelated text about gardening in spring.")) == []


VOCABULARY = "xiaomi leica camera phone launch china global ultra pro price"
words = st.lists(st.sampled_from(VOCABULARY.split()),
                 min_size=3, max_size=60)


@settings(max_examples=60, deadline=None)
@given(words, words)
def test_similarity_is_a_symmetric_fraction(a: list[str], b: list[str]) -> None:
    sa, sb = dedup.signature(" ".join(a)), dedup.signature(" ".join(b))
    assert dedup.similarity(sa, sb) == dedup.similarity(sb, sa)
    assert 0.0 <= dedup.similarity(sa, sb) <= 1.0
    assert dedup.similarity(sa, sa) == 1.0


# --- signatures and LSH are datasketch's, computed our way: stored signatures stay valid ---------------------

MIXED = "xiaomi leica 小米 徕卡 camera phone 14 ultra launch été Straße İstanbul ſ 12S Ultra, Pro+ !"


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(MIXED.split()), max_size=80))
def test_signature_is_datasketchs_minhash(words: list[str]) -> None:
    datasketch = pytest.importorskip("datasketch")
    text = " ".join(words)
    minhash = datasketch.MinHash(num_perm=dedup.NUM_PERM, seed=dedup.SEED, scheme=dedup.SCHEME)
    minhash.update_batch(s.encode("utf-8") for s in dedup.shingles(text))
    assert dedup.signature(text) == np.asarray(minhash.hashvalues, dtype="<u4").tobytes()


def test_lsh_bands_are_the_ones_datasketch_chooses() -> None:
    lsh = pytest.importorskip("datasketch.lsh")
    for threshold in (0.1, 0.3, 0.5, 0.7, 0.9):
        assert dedup.compute_lsh_bands(threshold) == lsh._optimal_param(threshold, dedup.NUM_PERM, 0.5, 0.5)
        assert dedup.lsh_bands(threshold) == dedup.compute_lsh_bands(threshold)


def test_the_bands_worked_out_once_are_the_computed_ones() -> None:
    for (threshold, num_perm), bands in dedup.KNOWN_BANDS.items():
        assert dedup.compute_lsh_bands(threshold, num_perm) == bands


def _variants(rng: random.Random, count: int) -> list[str]:
    """Texts in families: each a base text with a few words changed, so that some pairs share bands."""
    vocabulary = [f"w{i}" for i in range(400)]
    texts = []
    while len(texts) < count:
        base = rng.choices(vocabulary, k=60)
        for _ in range(rng.randint(1, 4)):
            words = list(base)
            for _ in range(rng.randint(0, 12)):
                words[rng.randrange(len(words))] = rng.choice(vocabulary)
            texts.append(" ".join(words))
    return texts[:count]


def test_index_returns_the_candidates_datasketchs_lsh_returns(monkeypatch: pytest.MonkeyPatch) -> None:
    datasketch = pytest.importorskip("datasketch")
    monkeypatch.setattr(dedup, "_MERGE_EVERY", 37)  # exercise the merged arrays and the buffer together
    rng = random.Random(3)
    texts = _variants(rng, 400)
    texts[100:300:5] = [texts[7]] * 40  # forty copies of one text: a crowded slot in the sorted band hashes
    ours, theirs = dedup.NearDuplicateIndex(0.5), datasketch.MinHashLSH(threshold=0.5, num_perm=dedup.NUM_PERM)
    for key, text in enumerate(texts[:300]):
        sig = dedup.signature(text)
        ours.add(key, sig)
        theirs.insert(key, datasketch.LeanMinHash(seed=dedup.SEED, hashvalues=np.frombuffer(sig, dtype="<u4"),
                                                  scheme=dedup.SCHEME))
    found = 0
    for text in texts:
        sig = dedup.signature(text)
        expected = sorted(theirs.query(datasketch.LeanMinHash(seed=dedup.SEED, hashvalues=np.frombuffer(
            sig, dtype="<u4"), scheme=dedup.SCHEME)))
        assert sorted(ours.query(sig)) == expected
        assert dict(ours.similar(sig)) == {k: dedup.similarity(sig, dedup.signature(texts[k])) for k in expected}
        found += len(expected)
    assert found > 400  # near duplicates were found, not only the texts themselves
