"""URL identity measured on a table of real URL spellings (tests/url_table.py): missed and false merges.

``python -m tests.test_url_identity`` prints the figures docs/quality.md quotes ("URL identity").
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from monitor.ingest.urls import canonical_url
from tests.url_table import DIFFERENT_PAGES, SAME_ARTICLE


def one_key_groups(key: Callable[[str], str]) -> list[str]:
    return [name for name, spellings in SAME_ARTICLE.items() if len({key(url) for url in spellings}) == 1]


def false_merges(key: Callable[[str], str]) -> list[str]:
    return [name for name, (a, b) in DIFFERENT_PAGES.items() if key(a) == key(b)]


def test_the_table_is_the_size_the_docs_quote() -> None:
    assert (len(SAME_ARTICLE), len(DIFFERENT_PAGES)) == (37, 14)


def test_no_two_different_pages_share_a_key() -> None:
    assert false_merges(canonical_url) == []


def test_at_least_30_of_37_groups_get_one_key() -> None:
    missed = sorted(set(SAME_ARTICLE) - set(one_key_groups(canonical_url)))
    assert len(SAME_ARTICLE) - len(missed) >= 30, missed


@pytest.mark.parametrize("name", sorted(SAME_ARTICLE))
def test_each_group_is_one_key(name: str) -> None:
    assert len({canonical_url(url) for url in SAME_ARTICLE[name]}) == 1


@pytest.mark.parametrize("name", sorted(DIFFERENT_PAGES))
def test_each_pair_of_different_pages_keeps_two_keys(name: str) -> None:
    a, b = DIFFERENT_PAGES[name]
    assert canonical_url(a) != canonical_url(b)


def main() -> None:
    from courlan import normalize_url
    from w3lib.url import canonicalize_url

    def courlan_strict(url: str) -> str:
        try:
            return normalize_url(url, strict=True)
        except ValueError:
            return url

    rows: list[tuple[str, Callable[[str], str]]] = [
        ("w3lib canonicalize_url alone", canonicalize_url),
        ("courlan normalize_url(strict=True) alone", courlan_strict),
        ("monitor.ingest.urls.canonical_url", canonical_url),
    ]
    print(f"| key | groups keyed as one (of {len(SAME_ARTICLE)}) | false merges (of {len(DIFFERENT_PAGES)}) |")
    print("|---|---|---|")
    for name, key in rows:
        print(f"| {name} | {len(one_key_groups(key))} | {len(false_merges(key))} |")


if __name__ == "__main__":
    main()
