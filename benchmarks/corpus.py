"""Feeds and pages for the benchmarks, shaped like what outlets really serve.

Articles are the judgement-dev texts (../shared/judgement-dev/articles.jsonl: real coverage, relevant and near
misses) topped up with synthetic ones: about a third recombine sentences of the real texts (so they are on
topic and exercise story assignment), the rest are generic tech news built from templates (most of a real
burst matches no topic). Full-content feeds carry the article as HTML in ``content:encoded`` (paragraphs,
links, a figure), as WordPress feeds do; summary-only feeds carry a teaser ending in an ellipsis, and the page
behind each link is a full HTML page with navigation, related links and a footer around the article, so
trafilatura has boilerplate to remove. Everything is deterministic for a given seed.
"""

from __future__ import annotations

import html
import json
import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from harness import SHARED

ARTICLES = SHARED / "judgement-dev" / "articles.jsonl"
BRANDS = ["Samsung", "Apple", "Google", "OnePlus", "Sony", "Oppo", "Vivo", "Honor", "Motorola", "Nothing", "Asus"]
THINGS = ["tablet", "smartwatch", "laptop", "earbuds", "router", "TV", "game console", "e-reader", "drone", "phone"]
VERBS = ["updates", "delays", "recalls", "discounts", "reviews", "patches", "ships", "teases", "cancels", "prices"]
FILLER = (
    "analysts", "battery", "benchmark", "carrier", "chipset", "display", "firmware", "market", "memory", "modem",
    "processor", "quarter", "retail", "security", "software", "storage", "subscription", "supply", "warranty",
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Article:
    key: str
    title: str
    paragraphs: tuple[str, ...]
    published: datetime
    language: str


def real_articles() -> list[Article]:
    """The judgement-dev articles, or none when ../shared is absent (then all are synthetic)."""
    if not ARTICLES.exists():
        return []
    base = datetime(2024, 1, 1, tzinfo=UTC)
    out = []
    for i, line in enumerate(ARTICLES.read_text(encoding="utf-8").splitlines()):
        row = json.loads(line)
        paragraphs = tuple(p.strip() for p in row["text"].split("\n") if p.strip())
        title = row["title"] or paragraphs[0][:120]  # a few page dumps have no separate headline
        out.append(Article(f"real{i}", title, paragraphs, base + timedelta(hours=i), row["language"] or "en"))
    return out


def _sentence_pool(articles: list[Article]) -> list[str]:
    return [s for a in articles for p in a.paragraphs[1:] for s in _SENTENCE.split(p) if 40 < len(s) < 300]


def _generic_sentence(rng: random.Random) -> str:
    words = " ".join(rng.sample(FILLER, 6))
    return (f"{rng.choice(BRANDS)} {rng.choice(VERBS)} its {rng.choice(THINGS)} after reports about {words}, "
            f"according to {rng.randint(2, 40)} sources familiar with the plans.")


def synthetic_article(rng: random.Random, pool: list[str], index: int) -> Article:
    on_topic = pool and rng.random() < 0.33
    count = rng.randint(18, 40)
    if on_topic:
        sentences = rng.sample(pool, min(count, len(pool)))
        title = f"Xiaomi and Leica: {sentences[0][:70].rstrip()} ({index})"
    else:
        sentences = [_generic_sentence(rng) for _ in range(count)]
        title = f"{rng.choice(BRANDS)} {rng.choice(VERBS)} {rng.choice(THINGS)} lineup, report {index}"
    paragraphs = tuple(" ".join(sentences[i : i + 3]) for i in range(0, len(sentences), 3))
    published = datetime(2025, 3, 1, tzinfo=UTC) + timedelta(minutes=7 * index)
    return Article(f"syn{index}", title, paragraphs, published, "en")


def articles(count: int, seed: int = 7) -> list[Article]:
    rng = random.Random(seed)
    real = real_articles()
    pool = _sentence_pool(real)
    out = real[:count]
    out += [synthetic_article(rng, pool, i) for i in range(count - len(out))]
    rng.shuffle(out)
    return out


# ------------------------------------------------------------------------------------------------- markup


def article_html(a: Article) -> str:
    """The article body as an outlet's CMS renders it: paragraphs, a link and a figure."""
    parts = [f"<p>{html.escape(p)}</p>" for p in a.paragraphs]
    parts.insert(min(2, len(parts)), '<figure><img src="https://cdn.example/img/1.jpg" alt="Product shot" '
                 'width="1200" height="800"><figcaption>Image: the outlet</figcaption></figure>')
    parts.append('<p>Read more in our <a href="https://outlet.example/phones/">phones section</a>.</p>')
    return "\n".join(parts)


def teaser(a: Article) -> str:
    text = " ".join(a.paragraphs)
    return html.escape(text[:280].rsplit(" ", 1)[0]) + " …"


def item_xml(a: Article, link: str, *, full: bool) -> str:
    content = f"<content:encoded><![CDATA[{article_html(a)}]]></content:encoded>" if full else ""
    return (
        f"<item><title>{html.escape(a.title)}</title><link>{html.escape(link)}</link>"
        f'<guid isPermaLink="false">{a.key}</guid><pubDate>{format_datetime(a.published)}</pubDate>'
        "<dc:creator>Staff writer</dc:creator><category>Phones</category><category>Cameras</category>"
        f"<description><![CDATA[{teaser(a)}]]></description>{content}</item>"
    )


def feed_xml(title: str, items: list[str]) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<channel><title>{html.escape(title)}</title><link>https://outlet.example/</link>"
        f"<description>Tech news</description><language>en</language>{''.join(items)}</channel></rss>\n"
    ).encode()


def page_html(a: Article, url: str) -> bytes:
    nav = "".join(f'<li><a href="/section/{i}">Section {i}</a></li>' for i in range(40))
    related = "".join(f'<li><a href="/news/{i}">Related story number {i} about gadgets</a></li>' for i in range(15))
    footer = "".join(f'<a href="/legal/{i}">Legal link {i}</a> ' for i in range(25))
    return (
        f'<!DOCTYPE html><html lang="{a.language}"><head><meta charset="utf-8"><title>{html.escape(a.title)} | '
        f'Outlet</title><link rel="canonical" href="{html.escape(url)}">'
        f'<meta property="og:title" content="{html.escape(a.title)}">'
        f'<meta property="article:published_time" content="{a.published.isoformat()}">'
        '<script>window.dataLayer=[];function gtag(){dataLayer.push(arguments)}</script>'
        f'<style>body{{font-family:sans-serif}} .nav li{{display:inline}}</style></head><body>'
        f'<header><ul class="nav">{nav}</ul></header><main><article><h1>{html.escape(a.title)}</h1>'
        f'<time datetime="{a.published.isoformat()}">{a.published:%d %B %Y}</time>{article_html(a)}</article>'
        f'<aside><h2>Related</h2><ul>{related}</ul></aside><div class="comments">12 comments</div></main>'
        f"<footer>{footer}<p>© 2025 Outlet Media</p></footer></body></html>"
    ).encode()


# ------------------------------------------------------------------------------------------------- on disk


def write_feeds(root: Path, base_url: str, feeds: int, per_feed: int, *, full: bool, old: bool = True,
                seed: int = 7) -> list[tuple[str, str]]:
    """Write ``feeds`` feeds of ``per_feed`` new items (plus one old item each when ``old``) under ``root``.

    Summary-only feeds also get their pages under ``root/pages``. Returns (source name, feed URL) pairs.
    """
    pool = articles(feeds * per_feed, seed)
    (root / "pages").mkdir(parents=True, exist_ok=True)
    sources = []
    for f in range(feeds):
        items = []
        for a in pool[f * per_feed : (f + 1) * per_feed]:
            link = f"{base_url}/pages/{a.key}.html"
            items.append(item_xml(a, link, full=full))
            if not full:
                (root / "pages" / f"{a.key}.html").write_bytes(page_html(a, link))
        if old:
            items.append(item_xml(old_article(f), f"{base_url}/pages/old{f}.html", full=True))
        (root / f"feed{f}.xml").write_bytes(feed_xml(f"Outlet {f}", items))
        sources.append((f"outlet{f}", f"{base_url}/feed{f}.xml"))
    return sources


def old_article(f: int) -> Article:
    """The one item each feed had before the burst: already stored, so the burst shows it as a duplicate."""
    rng = random.Random(f)
    paragraphs = tuple(" ".join(_generic_sentence(rng) for _ in range(3)) for _ in range(4))
    return Article(f"old{f}", f"Outlet {f} weekly gadget roundup", paragraphs,
                   datetime(2025, 2, 1, tzinfo=UTC) + timedelta(hours=f), "en")


def write_old_feeds(root: Path, base_url: str, feeds: int) -> list[tuple[str, str]]:
    """Each feed with only its old item: what the sources served before the burst (and the unchanged cycle)."""
    sources = []
    for f in range(feeds):
        item = item_xml(old_article(f), f"{base_url}/pages/old{f}.html", full=True)
        (root / f"feed{f}.xml").write_bytes(feed_xml(f"Outlet {f}", [item]))
        sources.append((f"outlet{f}", f"{base_url}/feed{f}.xml"))
    return sources
