"""canonical_url: one article reached by different links gives one key; different articles do not."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.provisional import urls as hypothesis_urls

from monitor.ingest.urls import canonical_url, clean_url, host_of


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTP://WWW.Example.COM/News/Story", "https://example.com/News/Story"),  # path case kept
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com:80/a", "https://example.com/a"),
        ("http://example.com:8080/a", "http://example.com:8080/a"),  # another port: another server, its scheme
        ("https://example.com/a#comments", "https://example.com/a"),
        ("https://example.com/a/", "https://example.com/a"),
        ("https://example.com/", "https://example.com/"),
        ("https://example.com", "https://example.com/"),
        ("https://example.com//a///b", "https://example.com/a/b"),
        ("https://example.com/a/./b/../c", "https://example.com/a/c"),
        ("https://example.com/%7Euser/%2fpath", "https://example.com/~user/%2Fpath"),
        ("https://bücher.example/Seite", "https://xn--bcher-kva.example/Seite"),
        ("  https://example.com/a  ", "https://example.com/a"),
    ],
)
def test_canonical_url_rules(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_tracking_parameters_are_removed_and_the_rest_sorted() -> None:
    url = (
        "https://example.com/story?utm_source=twitter&utm_MEDIUM=social&id=42&fbclid=abc&gclid=x"
        "&mc_cid=1&mc_eid=2&igshid=3&ref_src=twsrc&spm=a.b&cmpid=rss&ncid=t&guccounter=1&page=2"
    )
    assert canonical_url(url) == "https://example.com/story?id=42&page=2"


def test_where_the_path_does_not_name_the_page_ambiguous_parameters_stay() -> None:
    # "/story" is not a slug: ?ref= / ?share= / ?via= may name the page here (?ref=v2 is another version)
    url = "https://example.com/story?ref=hn&share=1&via=me&utm_source=x"
    assert canonical_url(url) == "https://example.com/story?ref=hn&share=1&via=me"


def test_on_an_article_path_only_content_parameters_stay() -> None:
    url = "https://example.com/2024/05/leica-phone-review?CMP=tw&smid=x&ref=hn&share=1&page=2&lang=de"
    assert canonical_url(url) == "https://example.com/2024/05/leica-phone-review?lang=de&page=2"


def test_the_link_a_feed_gives_and_the_url_a_fetch_ends_on_are_one_key() -> None:
    # issue 15, item 3: a raw non-ASCII link and the percent-encoded URL the fetcher ends on
    raw = "http://news.test/news/Kamera-für-alle.html"
    fetched = "http://news.test/news/Kamera-f%C3%BCr-alle.html"
    assert canonical_url(raw) == canonical_url(fetched) == "https://news.test/news/Kamera-f%C3%BCr-alle.html"


def test_meaningful_parameters_and_their_values_survive() -> None:
    assert canonical_url("https://example.com/a?q=leica+m11&empty=") == "https://example.com/a?empty=&q=leica+m11"
    assert canonical_url("https://example.com/a?q=leica%20m11&empty=") == "https://example.com/a?empty=&q=leica+m11"
    assert canonical_url("https://example.com/a?p=1") != canonical_url("https://example.com/a?p=2")


def test_only_tracking_parameters_leaves_no_question_mark() -> None:
    assert canonical_url("https://example.com/a/?utm_campaign=x#top") == "https://example.com/a"


def test_the_same_article_by_different_links_gives_one_key() -> None:
    links = [
        "https://www.gizmochina.com/2022/05/23/xiaomi-leica/?utm_source=rss&utm_medium=rss",
        "HTTPS://WWW.GIZMOCHINA.COM:443/2022/05/23/xiaomi-leica#respond",
        "https://www.gizmochina.com/2022/05/23/xiaomi-leica/",
    ]
    assert len({canonical_url(link) for link in links}) == 1


def test_malformed_urls_do_not_raise() -> None:
    for url in ("http://[::1", "http://host:notaport/x", "", "not a url", "mailto:someone@example.com"):
        assert isinstance(canonical_url(url), str)


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://www.TheVerge.com/2022/x", "theverge.com"),
        ("http://blog.example.com:8080/", "blog.example.com"),
        ("https://münchen.de/", "xn--mnchen-3ya.de"),
        ("file:///tmp/a.txt", ""),
    ],
)
def test_host_of(url: str, host: str) -> None:
    assert host_of(url) == host


_url_parts = st.text(alphabet="aZ09-._~%/?&=#:+@!$;, éü[]", max_size=30)
_awkward_urls = st.builds(lambda a, b: f"https://Ex.com{a}?{b}", _url_parts, _url_parts)


@settings(max_examples=400, deadline=None)
@given(st.one_of(hypothesis_urls(), _awkward_urls, _url_parts.map(lambda s: "HTTP://" + s), st.text()))
def test_canonical_url_is_idempotent(url: str) -> None:
    once = canonical_url(url)
    assert canonical_url(once) == once


@pytest.mark.parametrize(
    "url",
    [
        "http://www.example.com/2024/05/leica-phone-review/?utm_source=rss#comments",
        "https://m.example.com/news/Kamera-für-alle.html;jsessionid=A1",
        "https://amp.example.com/amp/2024/05/leica-phone-review",
        "http://example.com:8080/a?ref=x",
    ],
)
def test_clean_url_is_a_link_that_keys_like_the_url(url: str) -> None:
    cleaned = clean_url(url)
    assert canonical_url(cleaned) == canonical_url(url)
    assert cleaned.split("://")[0] == url.split("://")[0]  # scheme and host kept as written: a link to follow
    assert urlsplit(cleaned).hostname == urlsplit(url).hostname
    assert clean_url(cleaned) == cleaned


@pytest.mark.parametrize("url", ["HTTP:;/", "A:////", "HTTP://0/;/", "HTTP://0/;/0", "HTTP://0/;[/", "http://x/a;;b"])
def test_odd_spellings_found_by_the_property_test_are_fixed_points(url: str) -> None:
    once = canonical_url(url)
    assert canonical_url(once) == once
