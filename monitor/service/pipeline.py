"""One pipeline for every document, whichever source delivered it.

``RawDocument`` ─► exact dedup ─► judge (relevance, event, story features) ─► story assignment ─► store
(article + story + outbox rows) ─► the in-memory story index learns the article.

The pipeline decides nothing itself: the pure stages decide, the store persists. It is synchronous on purpose:
a source's documents are saved in one transaction, with their alerts in the outbox, so a crash neither loses
nor doubles an alert; and matching relevant articles to stories happens under the store's story lock
(``Store.story_writes``) after catching up with what other workers stored, so several workers on one PostgreSQL
never create the same story twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from monitor.alerts.policy import StoryView, alerts_for_new_story
from monitor.ingest.urls import canonical_url
from monitor.model import Outcome, RawDocument
from monitor.records import (
    ArticleKeys,
    NewAlert,
    NewArticle,
    NewStory,
    SaveArticle,
    SavedArticle,
    StoryMemoryRow,
)

if TYPE_CHECKING:
    from monitor.config import ChannelConfig, TopicConfig
    from monitor.judgement.judge import Judge, Judgement
    from monitor.judgement.stories import StoryDecision, StoryIndex


class ArticleStore(Protocol):
    def find_duplicate(self, keys: ArticleKeys) -> int | None: ...

    def known_entries(self, keys: Sequence[ArticleKeys]) -> list[bool]: ...

    def article_writes(self) -> AbstractContextManager[SaveArticle]: ...

    def story_memory(self, since: datetime | None = None, after_article_id: int = 0) -> Iterable[StoryMemoryRow]: ...

    def story_writes(self) -> AbstractContextManager[None]: ...


@dataclass(frozen=True, slots=True)
class ItemResult:
    """What happened to one document; ``monitor crawl`` prints one line of it."""

    source: str
    url: str
    title: str
    outcome: Outcome
    topic: str | None = None
    story_id: int | None = None
    event: str | None = None
    known_story: bool = False  # joined a story that already existed
    alerts: int = 0
    error: str | None = None


def _covers(checked: ArticleKeys | None, keys: ArticleKeys) -> bool:
    """``checked`` looked for every key of ``keys`` except, at most, the text hash."""
    return checked is not None and (checked.source, checked.guid, checked.canonical_url) == (
        keys.source,
        keys.guid,
        keys.canonical_url,
    )


def _publication_order(item: tuple[int, RawDocument, ArticleKeys, Judgement]) -> tuple[bool, datetime, int]:
    """Oldest first, undated last, feed order between equals: the story a batch starts is told by the report
    that broke it, and a later article joins it rather than the other way round."""
    position, doc, *_ = item
    published = doc.published
    if published is not None and published.tzinfo is None:
        published = published.replace(tzinfo=UTC)
    return (published is None, published or _FAR_FUTURE, position)


_FAR_FUTURE = datetime.max.replace(tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Pipeline:
    def __init__(
        self,
        store: ArticleStore,
        judge: Judge,
        new_index: Callable[[], StoryIndex],
        topics: Sequence[TopicConfig],
        channels: Sequence[ChannelConfig] = (),
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.store = store
        self.judge = judge
        self._new_index = new_index  # called at first need: building an index imports numpy
        self._index: StoryIndex | None = None
        self._memory_loaded = False
        self._memory_upto = 0  # highest article id the index has learned from the store
        self.topics: Mapping[str, TopicConfig] = {t.name: t for t in topics}
        self.channels: Mapping[str, ChannelConfig] = {c.name: c for c in channels}
        self.clock = clock

    @property
    def index(self) -> StoryIndex:
        """The story index, taught every stored relevant article on first use.

        Lazily: a crawl whose feeds are all unchanged (the common case) never pays for building it or reading the
        memory.
        """
        if not self._memory_loaded:
            self.load_memory()
        return self._built_index()

    def prepare(self) -> None:
        """Import what judging needs and build the story index now rather than at the first document (a long-
        running service calls this before it starts polling; a one-off crawl of unchanged feeds never needs it)."""
        self.judge.prepare()
        self._built_index()

    def load_memory(self) -> int:
        """Learn the stored relevant articles the index has not seen yet (e.g. other workers' writes)."""
        index = self._built_index()
        count = 0
        for row in self.store.story_memory(after_article_id=self._memory_upto):
            index.add_stored(row)
            self._memory_upto = max(self._memory_upto, row.article_id)
            count += 1
        self._memory_loaded = True
        return count

    def _built_index(self) -> StoryIndex:
        if self._index is None:
            self._index = self._new_index()
        return self._index

    @staticmethod
    def entry_keys(source: str, guid: str | None, url: str) -> ArticleKeys:
        """What a feed entry can be recognised by before its page is fetched: GUID and canonical URL."""
        return ArticleKeys(source, guid, canonical_url(url), None)

    def known_entries(self, keys: Sequence[ArticleKeys]) -> list[bool]:
        """Cheap check before fetching entries' pages (``entry_keys``): the same GUID or canonical URL is stored."""
        return self.store.known_entries(keys)

    @staticmethod
    def keys(doc: RawDocument) -> ArticleKeys:
        """Every identity the document can be recognised by (GUID in its source, canonical URL, text)."""
        from monitor.judgement.dedup import text_hash  # here, not with the module: dedup brings numpy (see ``judge``)

        return ArticleKeys(doc.source, doc.guid, canonical_url(doc.canonical_url or doc.url), text_hash(doc.text))

    def ingest(
        self, doc: RawDocument, *, silent: bool, dry_run: bool = False, checked: ArticleKeys | None = None
    ) -> ItemResult:
        """Judge and store one document (``ingest_all`` of one)."""
        return self.ingest_all([(doc, checked)], silent=silent, dry_run=dry_run)[0]

    def ingest_all(
        self, documents: Sequence[tuple[RawDocument, ArticleKeys | None]], *, silent: bool, dry_run: bool = False
    ) -> list[ItemResult]:
        """Judge a source's documents one by one, then store them together; one result each, in order.

        They are saved in ONE transaction (``Store.article_writes``), under the story lock when any is relevant:
        a commit costs more than an article's inserts, and the story catch-up is read once. A store failure
        raises and saves none of them (the caller must then not record the poll as done, so they come again).
        ``dry_run`` judges against what is stored and writes nothing.

        Each document's ``checked``: the ``entry_keys`` that ``known_entries`` has just found nowhere. When they
        are still its GUID and canonical URL (its page did not name another), looking up again would only add
        the text hash, and the save checks that too (unique key): a copy under another URL is then reported
        duplicate all the same, after being judged for nothing, and a new article, by far the common case,
        saves a round trip. A dry run writes nothing, so it always looks.
        """
        results: list[ItemResult | None] = []
        judged: list[tuple[int, RawDocument, ArticleKeys, Judgement]] = []
        for doc, checked in documents:
            keys = self.keys(doc)
            if (dry_run or not _covers(checked, keys)) and self.store.find_duplicate(keys) is not None:
                results.append(ItemResult(doc.source, doc.url, doc.title, Outcome.DUPLICATE))
            else:
                judged.append((len(results), doc, keys, self.judge.judge(doc)))
                results.append(None)
        judged.sort(key=_publication_order)  # feeds list newest first: a story starts with its first report
        done = self._try(judged) if dry_run else self._store(judged, silent=silent)
        for (position, *_), result in zip(judged, done, strict=True):
            results[position] = result
        return [result for result in results if result is not None]

    def place(self, doc: RawDocument, judgement: Judgement) -> tuple[Judgement, StoryDecision | None]:
        """The judgement as what is stored makes it (``Judge.confirm``: a product the topic's stored coverage was
        about), and the story it joins or starts; no story for an irrelevant document."""
        judgement = self.judge.confirm(doc, judgement, self.index.knows_product)
        return judgement, self.index.assign(judgement, doc.published) if judgement.relevant else None

    def _try(self, judged: Sequence[tuple[int, RawDocument, ArticleKeys, Judgement]]) -> list[ItemResult]:
        """What storing would do, without storing (each document against what is stored, not each other)."""
        done = []
        for _, doc, _keys, judgement in judged:
            judgement, decision = self.place(doc, judgement)
            done.append(self._result(doc, judgement, decision, story_id=decision.story_id if decision else None))
        return done

    def _store(
        self, judged: Sequence[tuple[int, RawDocument, ArticleKeys, Judgement]], *, silent: bool
    ) -> list[ItemResult]:
        if not judged:
            return []
        relevant = any(judgement.relevant or judgement.unconfirmed for *_, judgement in judged)
        # Match and save under the store's story lock, after learning what other workers stored meanwhile:
        # two workers must never both create (and alert) the same story.
        with self.store.story_writes() if relevant else nullcontext():
            if relevant:
                self.load_memory()
            learned = False
            try:
                with self.store.article_writes() as save:
                    done = []
                    for _, doc, keys, judgement in judged:
                        judgement, decision = self.place(doc, judgement)
                        story, alerts = self._story_and_alerts(doc, judgement, decision, silent=silent)
                        saved = save(self._article(doc, keys, judgement, decision), story, alerts)
                        if saved.created and judgement.relevant:  # later documents may join its story
                            self.index.add(saved.article_id, saved.story_id, judgement, doc.published)
                            self._memory_upto = max(self._memory_upto, saved.article_id)
                            learned = True
                        done.append(self._saved(doc, judgement, decision, saved))
            except BaseException:
                if learned:  # the index learned articles whose transaction rolled back: relearn from the store
                    self._forget_memory()
                raise
        return done

    def _forget_memory(self) -> None:
        self._index = None
        self._memory_upto = 0
        self._memory_loaded = False

    def _saved(
        self, doc: RawDocument, judgement: Judgement, decision: StoryDecision | None, saved: SavedArticle
    ) -> ItemResult:
        if not saved.created:  # a concurrent writer stored it first
            return ItemResult(doc.source, doc.url, doc.title, Outcome.DUPLICATE)
        return self._result(doc, judgement, decision, story_id=saved.story_id, alerts=saved.alerts_created)

    @staticmethod
    def _result(
        doc: RawDocument,
        judgement: Judgement,
        decision: StoryDecision | None,
        *,
        story_id: int | None,
        alerts: int = 0,
    ) -> ItemResult:
        return ItemResult(
            doc.source,
            doc.url,
            doc.title,
            Outcome.NEW if judgement.relevant else Outcome.IRRELEVANT,
            topic=judgement.topic,
            story_id=story_id,
            event=str(judgement.event) if judgement.relevant else None,
            known_story=decision is not None and decision.story_id is not None,
            alerts=alerts,
        )

    def _article(
        self, doc: RawDocument, keys: ArticleKeys, judgement: Judgement, decision: StoryDecision | None
    ) -> NewArticle:
        return NewArticle(
            source=doc.source,
            outlet=doc.outlet,
            url=doc.url,
            canonical_url=keys.canonical_url,
            guid=doc.guid,
            text_hash=keys.text_hash,
            title=doc.title,
            text=doc.text,
            published=doc.published,
            language=doc.language,
            fetched_at=self.clock(),
            relevant=judgement.relevant,
            topic=judgement.topic,
            event=str(judgement.event) if judgement.relevant else None,
            cues=tuple(judgement.cues),
            terms=tuple(judgement.terms),
            features=judgement.features.to_json(),
            signature=judgement.signature,
            join_reason=_in_words(decision),
        )

    def _story_and_alerts(
        self, doc: RawDocument, judgement: Judgement, decision: StoryDecision | None, *, silent: bool
    ) -> tuple[NewStory | int | None, list[NewAlert]]:
        if decision is None or judgement.topic is None:
            return None, []
        if decision.story_id is not None:
            return decision.story_id, []  # coverage of a known story never alerts again
        topic = self.topics[judgement.topic]
        story = NewStory(
            topic=topic.name,
            event=str(judgement.event),
            title=doc.title,
            features=judgement.features.to_json(),
            first_published=doc.published,
            cues=tuple(judgement.cues),
            alertable=judgement.event in topic.alert_on,
        )
        view = StoryView(
            title=doc.title,
            event=judgement.event,
            url=doc.url,
            outlet=doc.outlet,
            published=doc.published,
            summary=doc.text[:1000],
            topic=topic.name,
            cues=tuple(judgement.cues),
        )
        alerts = alerts_for_new_story(topic, view, silent=silent, now=self.clock(), channels=self.channels)
        return story, alerts


def _in_words(decision: StoryDecision | None) -> str | None:
    """Why the article joined its story, or why it started one (the nearest candidate and what differed)."""
    if decision is None:
        return None
    if decision.story_id is not None:
        return decision.reason.removeprefix("join: ")
    if decision.nearest_story is None:
        return "new story: no earlier story of the same topic, event and product"
    return decision.reason
