"""Story identity: coverage of one event joins one story; a different product, region or event does not."""

from __future__ import annotations

import itertools
import json
import random
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.config import load_config
from monitor.judgement import decider, dedup, stories
from monitor.judgement import features as story_features_module
from monitor.judgement.classify import classify_event
from monitor.judgement.features import StoryFeatures, story_features
from monitor.judgement.judge import Judgement
from monitor.judgement.products import Products
from monitor.judgement.stories import StoryIndex
from monitor.model import Event

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
TOPIC = "xiaomi-leica"
# The shipped topic's product vocabulary, as config.toml declares it (the code knows no brand).
SHIPPED = load_config(Path(__file__).resolve().parents[1] / "config.toml", env={}).topics[0]
PRODUCTS = Products(SHIPPED.lines, SHIPPED.product_aliases)


def judged(title: str, text: str, published: datetime | None = None, topic: str = TOPIC) -> Judgement:
    """A relevant judgement built from the real pure stages (the topic query is match.py's concern)."""
    decision = classify_event(title, text, published)
    features = story_features(title, text, decision.event, published, PRODUCTS,
                              ends_partnership=decision.ends_partnership)
    return Judgement(True, topic, ("xiaomi", "leica"), decision.event, decision.cues, features,
                     dedup.signature(text))


class Stream:
    """Feeds articles through assign + add, as the pipeline does, and records the story each one got."""

    def __init__(self) -> None:
        self.index = StoryIndex()
        self.ids = itertools.count(1)

    def ingest(self, title: str, text: str, published: datetime | None = None) -> int:
        judgement = judged(title, text, published)
        decision = self.index.assign(judgement, published)
        article_id = next(self.ids)
        story_id = decision.story_id if decision.story_id is not None else 1000 + article_id
        self.index.add(article_id, story_id, judgement, published)
        return story_id


LAUNCH_14U = (
    "Xiaomi 14 Ultra launches in China with Leica quad camera",
    "Xiaomi has launched the Xiaomi 14 Ultra in China. The phone has four Leica Summilux cameras, a one-inch "
    "main sensor with a variable aperture, Snapdragon 8 Gen 3 and a 5000 mAh battery. Prices start at 6499 "
    "yuan and sales begin on February 23. The Xiaomi 14 Ultra also gets a photography kit with a grip.",
)


def test_14_ultra_and_15_ultra_are_different_stories_even_with_templated_text() -> None:
    stream = Stream()
    first = stream.ingest(*LAUNCH_14U, published=datetime(2025, 2, 22))
    title, text = (s.replace("14 Ultra", "15 Ultra") for s in LAUNCH_14U)
    assert stream.ingest(title, text, published=datetime(2025, 2, 27)) != first


def test_china_launch_and_global_launch_are_different_stories() -> None:
    stream = Stream()
    china = stream.ingest(
        "Xiaomi 15 Ultra launches in China",
        "Xiaomi launched the Xiaomi 15 Ultra in China today with a Leica camera system and a 200 MP periscope "
        "telephoto. It goes on sale in China on Friday.",
        published=datetime(2025, 2, 26),
    )
    world = stream.ingest(
        "Xiaomi 15 Ultra launched globally at MWC in Barcelona",
        "Xiaomi unveiled the Xiaomi 15 Ultra for international markets at the Mobile World Congress in "
        "Barcelona. The Leica-tuned camera phone costs 1499 euros in Europe.",
        published=datetime(2025, 3, 2),
    )
    assert china != world
    again = stream.ingest(
        "Xiaomi 15 Ultra goes official globally with Leica cameras",
        "The global version of the Xiaomi 15 Ultra was unveiled in Barcelona ahead of MWC; prices in Europe "
        "start at 1499 euros.",
        published=datetime(2025, 3, 3),
    )
    assert again == world


def test_teaser_then_launch_are_two_stories_and_teaser_coverage_joins_the_teaser() -> None:
    stream = Stream()
    teaser = stream.ingest(
        "Xiaomi 14 series launch date set for October 26",
        "Xiaomi confirmed on Weibo that the Xiaomi 14 series will launch on October 26 in China, with Leica "
        "Summilux lenses.",
        published=datetime(2023, 10, 20),
    )
    more = stream.ingest(
        "Xiaomi 14 series is coming on October 26: what to expect",
        "The Xiaomi 14 and 14 Pro will be unveiled on October 26, the company said, with Leica optics.",
        published=datetime(2023, 10, 21),
    )
    launch = stream.ingest(
        "Xiaomi 14 series launched with Snapdragon 8 Gen 3",
        "Xiaomi has launched the Xiaomi 14 and Xiaomi 14 Pro in China with Leica Summilux lenses. Prices start "
        "at 3999 yuan.",
        published=datetime(2023, 10, 26),
    )
    assert more == teaser
    assert launch != teaser


def test_teasers_of_two_variants_with_two_dates_are_two_stories() -> None:
    stream = Stream()
    ultra = stream.ingest(
        "Xiaomi 18 Ultra launches on March 3, Xiaomi confirms",
        "Xiaomi confirmed that the Xiaomi 18 Ultra will launch on March 3 with Leica optics.",
        published=datetime(2027, 2, 20),
    )
    pro = stream.ingest(
        "Xiaomi 18 Pro launch date set for March 10",
        "Xiaomi has set the launch date of the Xiaomi 18 Pro: March 10, with Leica cameras.",
        published=datetime(2027, 2, 21),
    )
    assert pro != ultra
    moved = stream.ingest(
        "Xiaomi 18 Ultra launch date moved: now March 12",
        "Xiaomi confirmed the Xiaomi 18 Ultra will now launch on March 12 instead.",
        published=datetime(2027, 2, 24),
    )
    assert moved != ultra  # a teaser with a new date is news
    again = stream.ingest(
        "Xiaomi 18 Ultra coming on March 3: what to expect",
        "The Xiaomi 18 Ultra will be unveiled on March 3, Xiaomi said.",
        published=datetime(2027, 2, 22),
    )
    assert again == ultra


def test_a_teaser_of_another_model_for_the_same_launch_day_joins() -> None:
    stream = Stream()
    series = stream.ingest(
        "Xiaomi 19 with Leica cameras will go official on December 11",
        "Xiaomi confirmed that the Xiaomi 19 with Leica optics launches on December 11.",
        published=datetime(2028, 12, 7),
    )
    pro = stream.ingest(
        "Xiaomi 19 Pro launch on December 11: official design teasers",
        "Xiaomi has posted design teasers of the Xiaomi 19 Pro ahead of its December 11 launch, with Leica cameras.",
        published=datetime(2028, 12, 8),
    )
    assert pro == series  # one launch event, whichever model the headline leads with
    ultra_later = stream.ingest(
        "Xiaomi 19 Ultra launch date set for December 28",
        "Xiaomi confirmed that the Xiaomi 19 Ultra with Leica optics launches on December 28.",
        published=datetime(2028, 12, 9),
    )
    assert ultra_later != series  # another model on another day: another story


def test_a_product_named_by_either_name_of_its_line_is_one_product() -> None:
    # config.toml groups the line names ("xiaomi", "mi"): "Mi 12S Ultra" and "Xiaomi 12S Ultra" are one phone.
    stream = Stream()
    first = stream.ingest(
        "Mi 12S Ultra launched with a one-inch Leica sensor",
        "Xiaomi has launched the Mi 12S Ultra in China with a one-inch sensor and Leica optics.",
        published=datetime(2022, 7, 4),
    )
    second = stream.ingest(
        "Xiaomi 12S Ultra launched: Leica camera, one-inch sensor",
        "The Xiaomi 12S Ultra is official, with Leica optics and a one-inch sensor.",
        published=datetime(2022, 7, 5),
    )
    assert second == first


def test_two_steps_of_one_partnership_are_two_stories_but_its_coverage_joins() -> None:
    stream = Stream()
    lab = stream.ingest(
        "Leica and Xiaomi open a joint imaging lab",
        "Xiaomi and Leica announced a strategic cooperation step: a joint imaging lab in Wetzlar.",
        published=datetime(2026, 5, 4),
    )
    tablets = stream.ingest(
        "Xiaomi and Leica extend partnership to tablets",
        "Xiaomi and Leica announced that their strategic cooperation now extends to tablets.",
        published=datetime(2026, 5, 8),
    )
    assert tablets != lab
    more = stream.ingest(
        "Xiaomi, Leica to run joint imaging lab",
        "The joint imaging lab of Xiaomi and Leica, a new step of their strategic cooperation, opens in Wetzlar.",
        published=datetime(2026, 5, 5),
    )
    assert more == lab


def test_the_end_of_a_partnership_told_in_several_languages_is_one_story() -> None:
    """Undated, no product, headlines with no word in common: what they share is the news that the partnership
    ends, and that alone joins them, with that reason; other news of the same kind does not join."""
    index = StoryIndex()
    first = judged("Xiaomi and Leica part ways after four years",
                   "Xiaomi and Leica have ended their partnership; the next flagship will use Xiaomi's own brand.")
    assert first.features.ends_partnership
    index.add(1, 7, first, None)
    for title, text in (
        ("Xiaomi et Leica : la fin du partenariat", "Xiaomi et Leica mettent fin à leur partenariat : la fin de "
         "l'alliance est officielle."),
        ("小米与徕卡结束合作", "小米与徕卡宣布结束合作，双方合作到期后不再续约。"),
    ):
        again = judged(title, text)
        assert again.features.ends_partnership and again.event is first.event, title
        decision = index.assign(again, None)
        assert decision.story_id == 7, title
        assert "the end of the partnership" in decision.reason
    other = judged("Xiaomi shows a concept phone with Leica lens mount",
                   "Xiaomi showed a concept device with a Leica M lens mount.")
    assert not other.features.ends_partnership and other.event is first.event
    assert index.assign(other, None).story_id is None
    assert StoryFeatures.from_json(first.features.to_json()) == first.features


def test_an_undated_article_joins_on_the_same_model_and_event() -> None:
    stream = Stream()
    launch = stream.ingest(*LAUNCH_14U, published=datetime(2024, 2, 22))
    undated = stream.ingest(
        "Xiaomi 14 Ultra: Xiaomi launches its Leica camera flagship",
        "Xiaomi has launched the Xiaomi 14 Ultra. The new phone is available now; prices start at 6499 yuan.",
    )
    assert undated == launch


def test_a_leak_about_a_teased_model_and_day_joins_the_teaser_but_never_the_other_way() -> None:
    stream = Stream()
    leak = stream.ingest(
        "Xiaomi 16 Ultra renders leak ahead of launch",
        "Leaked renders reportedly show the Xiaomi 16 Ultra with a Leica camera; a tipster says it could launch "
        "on March 4.",
        published=datetime(2027, 2, 18),
    )
    teaser = stream.ingest(
        "Xiaomi 16 Ultra launch date set for March 4",
        "Xiaomi confirmed that the Xiaomi 16 Ultra will launch on March 4 with Leica optics.",
        published=datetime(2027, 2, 20),
    )
    assert teaser != leak  # the confirmed date is news even after the leak: it alerts

    stream = Stream()
    teaser = stream.ingest(
        "Xiaomi 16 Ultra launch date set for March 4",
        "Xiaomi confirmed that the Xiaomi 16 Ultra will launch on March 4 with Leica optics.",
        published=datetime(2027, 2, 20),
    )
    late_leak = stream.ingest(
        "Xiaomi 16 Ultra: leaked price ahead of the March 4 launch",
        "A leaker claims the Xiaomi 16 Ultra will cost 1,499 euros when it launches on March 4.",
        published=datetime(2027, 2, 22),
    )
    assert late_leak == teaser  # a leak about the teased model and day is coverage of the teaser


def test_a_leak_follows_a_launch_only_when_it_names_the_launchs_day() -> None:
    """Headline words in common do not show that a leak came with the news rather than before it, dated or not;
    the launch's day does, named or as the day the leak was published."""
    leak_title = "Xiaomi 14 Ultra camera renders leak"
    leak_text = "Leaked renders reportedly show the Xiaomi 14 Ultra camera module."
    day = " A tipster says sales begin on February 23."
    for published, text, joins in ((None, leak_text, False),
                                   (None, leak_text + day, True),
                                   (datetime(2024, 2, 26, 12), leak_text, False),
                                   (datetime(2024, 2, 26, 12), leak_text + day, True),
                                   (datetime(2024, 2, 22, 18), leak_text, True)):
        stream = Stream()
        launch = stream.ingest(*LAUNCH_14U, published=datetime(2024, 2, 22))
        assert judged(leak_title, text, published).event is Event.RUMOR
        assert (stream.ingest(leak_title, text, published) == launch) is joins, (published, text)


def test_a_dated_article_of_no_event_follows_a_launch_on_headline_words() -> None:
    """What reads as neither leak nor news, published with the launch and sharing its headline words, is its
    coverage; without a date it needs the launch's day."""
    title = "Xiaomi 14 Ultra camera: what Leica brings"
    text = "A look at the Xiaomi 14 Ultra and the Leica lenses of its camera module, made in collaboration."
    for published, joins in ((datetime(2024, 2, 22, 18), True), (None, False)):
        stream = Stream()
        launch = stream.ingest(*LAUNCH_14U, published=datetime(2024, 2, 22))
        assert judged(title, text, published).event is Event.OTHER
        assert (stream.ingest(title, text, published) == launch) is joins, published


def test_a_syndicated_copy_with_another_headline_joins() -> None:
    stream = Stream()
    original = stream.ingest(*LAUNCH_14U, published=datetime(2024, 2, 22))
    copy_title = "Everything you need to know about Xiaomi's new camera phone"
    copy_text = "Reprinted with permission. " + LAUNCH_14U[1] + " Follow us for more."
    assert stream.ingest(copy_title, copy_text, published=datetime(2024, 2, 23)) == original


def test_a_german_translation_of_a_launch_joins() -> None:
    stream = Stream()
    english = stream.ingest(*LAUNCH_14U, published=datetime(2024, 2, 22))
    german = stream.ingest(
        "Xiaomi 14 Ultra offiziell vorgestellt: Leica-Kamera mit 1-Zoll-Sensor",
        "Xiaomi hat das Xiaomi 14 Ultra in China vorgestellt. Das Smartphone hat vier Leica-Kameras und einen "
        "1-Zoll-Sensor. Der Verkauf beginnt am 23. Februar, der Preis liegt bei 6499 Yuan.",
        published=datetime(2024, 2, 23),
    )
    assert german == english


def test_a_month_later_the_same_kind_of_news_is_a_new_story() -> None:
    stream = Stream()
    first = stream.ingest(*LAUNCH_14U, published=datetime(2024, 2, 22))
    title, text = LAUNCH_14U
    assert stream.ingest(title, text.replace("February 23", "March 30"), datetime(2024, 3, 30)) != first


def test_reviews_from_different_outlets_are_separate_stories() -> None:
    stream = Stream()
    a = stream.ingest("Xiaomi 14 Ultra review", "We tested the Xiaomi 14 Ultra and its Leica cameras for weeks.")
    b = stream.ingest("Xiaomi 14 Ultra hands-on review", "Our verdict after a day with the Xiaomi 14 Ultra.")
    assert a != b


def test_other_topics_never_share_a_story() -> None:
    index = StoryIndex()
    judgement = judged(*LAUNCH_14U, published=datetime(2024, 2, 22))
    index.add(1, 7, judgement, datetime(2024, 2, 22))
    other = judged(*LAUNCH_14U, published=datetime(2024, 2, 22), topic="another-topic")
    assert index.assign(other, datetime(2024, 2, 22)).story_id is None
    assert index.assign(judgement, datetime(2024, 2, 22)).story_id == 7


def test_a_rejected_candidate_is_named_with_its_reason() -> None:
    index = StoryIndex()
    index.add(1, 7, judged(*LAUNCH_14U, published=datetime(2024, 2, 22)), datetime(2024, 2, 22))
    decision = index.assign(judged(*LAUNCH_14U, published=datetime(2024, 5, 1)), datetime(2024, 5, 1))
    assert decision.story_id is None
    assert decision.nearest_story == 7 and decision.nearest_score > 0


def test_features_round_trip_through_json_and_rebuild_the_same_memory() -> None:
    judgement = judged(*LAUNCH_14U, published=datetime(2024, 2, 22))
    features = judgement.features
    assert (features.generation, features.variant) == ("xiaomi 14", "ultra") and "xiaomi 14 ultra" in features.models
    assert features.region == "china" and features.event is Event.LAUNCH
    assert StoryFeatures.from_json(features.to_json()) == features

    class Row:  # what Store.story_memory() yields
        article_id, story_id, topic, event = 1, 7, TOPIC, "launch"
        features = judgement.features.to_json()
        signature = judgement.signature
        published = datetime(2024, 2, 22)

    rebuilt = StoryIndex()
    rebuilt.add_stored(Row())
    rebuilt.add_stored(Row())  # idempotent
    assert len(rebuilt) == 1
    assert rebuilt.assign(judgement, datetime(2024, 2, 23)).story_id == 7


def test_irrelevant_documents_get_no_story() -> None:
    index = StoryIndex()
    judgement = judged(*LAUNCH_14U)
    irrelevant = Judgement(False, None, (), Event.OTHER, (), StoryFeatures(), judgement.signature)
    index.add(1, None, irrelevant, None)
    assert len(index) == 0
    assert index.assign(irrelevant, None).story_id is None


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds not present")
def test_the_five_seeds_are_two_stories() -> None:
    from monitor.ingest.extract import extract_plaintext

    stream = Stream()
    pages = {p.name[:3]: extract_plaintext(p.read_text(encoding="utf-8")) for p in sorted(SEEDS.glob("*.txt"))}
    stories = {key: stream.ingest(page.title, page.text, page.published) for key, page in pages.items()}
    assert stories["001"] == stories["002"] == stories["003"] == stories["004"]
    assert stories["000"] != stories["001"]


def test_judge_picks_the_first_matching_topic_and_signs_irrelevant_documents() -> None:
    from monitor.config import TopicConfig
    from monitor.judgement.judge import Judge
    from monitor.model import RawDocument

    judge = Judge([TopicConfig("leica-only", "leica"), TopicConfig("xiaomi-leica", "xiaomi leica",
                                                                   subjects=SHIPPED.subjects)])
    title, text = LAUNCH_14U
    doc = RawDocument(url="https://example.test/a", title=title, text=text, source="s", outlet="o",
                      published=datetime(2024, 2, 22))
    judgement = judge.judge(doc)
    assert (judgement.relevant, judgement.topic, judgement.event) == (True, "leica-only", Event.LAUNCH)
    # "leica-only" declares no product lines, and "Leica" names no model here: the generic form finds the product
    # (a capitalised name, a number and a variant).
    assert judgement.features.generation == "xiaomi 14" and judgement.cues
    other = judge.judge(RawDocument(url="https://example.test/b", title="Gardening in spring",
                                    text="Plant tulips in autumn for colour in April.", source="s", outlet="o"))
    assert not other.relevant and other.topic is None
    assert len(other.signature) == dedup.NUM_PERM * 4


# --- the index finds what scoring every stored story would find ---------------------------------------------


def _random_stream(seed: int, count: int) -> list[tuple[Judgement, datetime | None]]:
    """Relevant articles of a few products, events, regions and days, some of them copies of earlier texts."""
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(30)]
    texts = [" ".join(rng.choices(words, k=60)) for _ in range(20)]
    out = []
    for _ in range(count):
        published = None if rng.random() < 0.2 else datetime(2024, 3, 1) + timedelta(days=rng.randrange(60))
        event = rng.choice([Event.LAUNCH, Event.TEASER, Event.RUMOR, Event.PARTNERSHIP, Event.REVIEW])
        features = StoryFeatures(
            generation=rng.choice([None, "14", "15"]), region=rng.choice(["china", "global", None]), event=event,
            title_tokens=tuple(sorted(set(rng.sample(words, rng.randint(0, 5))))),
            days=tuple({(3, rng.randint(1, 28)) for _ in range(rng.randint(0, 2))}),
            published=published.date() if published and rng.random() < 0.8 else None,
        )
        text = rng.choice(texts) + " " + " ".join(rng.choices(words, k=rng.choice([0, 5, 60])))
        out.append((Judgement(True, rng.choice([TOPIC, "other"]), (), event, (), features, dedup.signature(text)),
                    published))
    return out


def _every_story(index: StoryIndex, judgement: Judgement, published: datetime | None) -> list[tuple[float, int, str]]:
    """(score, story, reason) of every stored story that passes every gate: a scan, no buckets, no LSH shortcut."""
    probe = decider.Probe(judgement.topic or "", stories._with_date(judgement.features, published))
    copies: dict[int, float] = {}
    for article_id, similarity in index._near.similar(judgement.signature):
        story_id = index._article_story[article_id]
        copies[story_id] = max(copies.get(story_id, 0.0), similarity)
    scored = [(*decider.decide(story, probe, copies.get(story_id, 0.0), index.window), story_id)
              for story_id, story in index._stories.items()]
    return [(score, story_id, reason) for score, reason, story_id in scored if reason.startswith("join")]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_index_finds_the_story_that_scoring_every_story_finds(seed: int) -> None:
    index = StoryIndex()
    unique = 0
    for article_id, (judgement, published) in enumerate(_random_stream(seed, 300), 1):
        decision = index.assign(judgement, published)
        joins = _every_story(index, judgement, published)
        best = max((score for score, _, _ in joins), default=None)
        if best is None:
            assert decision.story_id is None
        else:
            winners = [(story_id, reason) for score, story_id, reason in joins if score == best]
            if decision.story_id is not None:
                assert decision.score == best and (decision.story_id, decision.reason) in winners
            if len(winners) == 1:  # equal scores are settled by candidate order, which a scan does not have
                unique += 1
                assert (decision.story_id is not None) == (best >= index.join_score)
        index.add(article_id, decision.story_id or 1000 + article_id, judgement, published)
    assert unique > 100 and index.story_count > 40  # joins and new stories both happened


# --- region cues are pre-filtered by a literal each must contain: the same counts as searching every cue ---------

DEV = Path(__file__).resolve().parents[2] / "shared" / "judgement-dev" / "articles.jsonl"


def _every_region_cue(part: str) -> dict[str, int]:
    patterns = story_features_module._REGION_PATTERNS
    return {region: sum(1 for p in found if p.search(part)) for region, found in patterns.items()}


@pytest.mark.skipif(not DEV.is_file(), reason="../shared/judgement-dev/articles.jsonl not present")
def test_region_cues_found_as_searching_every_cue_finds_on_the_development_set() -> None:
    rows = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    parts = [p for row in rows for p in (row["title"] or "", (row["text"] or "")[: story_features_module.LEAD_CHARS])]
    parts += [p.upper() for p in parts]
    hits = 0
    for part in parts:
        expected = _every_region_cue(part)
        assert story_features_module._region_hits(part) == expected, part[:200]
        hits += sum(expected.values())
    assert hits > 30


_REGION_PIECES = [lit for lits in story_features_module._REGION_LITERALS.values() for lit in lits] + [
    "globalen", "internationally", "internationale", "mondiale", "ın chına", "İN CHİNA", "MWC", "x", "-"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_REGION_PIECES), st.sampled_from([str, str.upper, str.title]),
                          st.sampled_from([" ", "", "-", ".", "x", "\n", "ſ"])), max_size=10))
def test_region_cues_found_as_searching_every_cue_finds_on_generated_text(pieces: list) -> None:  # type: ignore[type-arg]
    part = "".join(case(piece) + glue for piece, case, glue in pieces)
    assert story_features_module._region_hits(part) == _every_region_cue(part)


# --- the index's own structures give what their definitions give --------------------------------------------------

_WORDS = [f"w{i}" for i in range(40)]
_member = st.builds(
    lambda days, words: StoryFeatures(event=Event.LAUNCH, days=tuple(sorted(set(days))),
                                      title_tokens=tuple(sorted(set(words)))),
    st.lists(st.tuples(st.integers(1, 12), st.integers(1, 31)), max_size=3),
    st.lists(st.sampled_from(_WORDS), max_size=12),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_member, min_size=1, max_size=6), _member)
def test_a_shared_day_and_shared_headline_words_score_as_the_members_features_say(
        members: list[StoryFeatures], article: StoryFeatures) -> None:
    # A story keeps its members' days and words in one tuple, or a frozenset once large (six members of up to
    # twelve words cross that line): the evidence must be what the members' features say either way.
    story = decider.StoryMemory(1, TOPIC, Event.LAUNCH)
    for features in members:
        story.absorb(features)
    days = {day for features in members for day in features.days}
    words = {word for features in members for word in features.title_tokens}
    mine = set(article.title_tokens)
    expected = decider.W_SHARED_DAY if days & set(article.days) else 0.0
    expected = expected + decider.W_TITLE_OVERLAP * (len(mine & words) / len(mine) if mine and words else 0.0)
    assert decider._evidence(story, decider.Probe(TOPIC, article), 0.0) == expected


def _walked_window(bucket: stories._Bucket, day: int, offsets: tuple[int, ...]) -> list[decider.StoryMemory]:
    """The window by its definition: the stories first published on day + offset, nearest days first."""
    out: list[decider.StoryMemory] = []
    for offset in offsets:
        held = bucket.by_day.get(day + offset)
        out += held if isinstance(held, list) else [held] if held is not None else []
    return out


def test_windows_and_recent_lists_are_what_their_definitions_give_while_stories_move() -> None:
    """A bucket's window (a bisection over its sorted days) and its most recent stories (a list kept until the
    filing order changes) against walking the window day by day and reading the filing order, while 400 stories
    of one event gain articles that move their first day and their product (so their bucket)."""
    rng = random.Random(5)
    index = StoryIndex()
    start = datetime(2024, 3, 1)
    truncated = 0
    for article_id in range(1, 1601):
        published = start + timedelta(days=rng.randrange(40)) if rng.random() < 0.9 else None
        features = StoryFeatures(generation=rng.choice(["14", "15", "15", None]), event=Event.LAUNCH,
                                 published=published.date() if published else None)
        index.add(article_id, rng.randrange(1, 400), Judgement(True, TOPIC, (), Event.LAUNCH, (), features,
                                                                dedup.signature("")), published)
        for bucket in index._buckets.values():
            recent = list(itertools.islice(reversed(bucket.recent.values()), stories.UNDATED_CANDIDATES))
            assert bucket.most_recent() == recent
        if article_id % 200:
            continue
        for bucket in index._buckets.values():
            assert bucket.days == sorted(bucket.by_day)
            for day in range(start.toordinal() - 12, start.toordinal() + 52):
                window = bucket.near(day, index._span, index._offsets)
                walked = _walked_window(bucket, day, index._offsets)
                if len(walked) > stories.WINDOW_CANDIDATES:  # cut to the nearest days: the order is the walk's
                    assert window == walked[: stories.WINDOW_CANDIDATES]
                    truncated += 1
                else:  # every story of the window, in an order assign does not depend on
                    assert sorted(map(id, window)) == sorted(map(id, walked))
    assert truncated > 100 and len(index._buckets) >= 4  # crowded windows and several buckets were checked


def test_a_teaser_targets_the_days_announced_not_those_guessed() -> None:
    from datetime import datetime

    from monitor.judgement.features import story_features
    from monitor.model import Event

    features = story_features("Kestrel K7 Ultra to launch this month",
                              "Kestrel confirmed the launch on April 6. The release date may be between April 17-21.",
                              Event.TEASER, datetime(2027, 4, 6))
    assert features.targets == ()
    assert (4, 17) in features.days  # still a day the article is about


def test_a_launch_date_announced_days_after_an_undated_teaser_is_news() -> None:
    """"Coming in April" is one teaser; the day itself, announced a week later, is the next one (and alerts).
    Coverage of the first teaser a day later that names the day is still the first story."""
    month = ("Xiaomi 18 Ultra confirmed for an April launch",
             "Xiaomi confirmed that the Xiaomi 18 Ultra with Leica optics will launch in April.")
    day = ("Xiaomi 18 Ultra launch date set for April 18",
           "Xiaomi has set the launch date of the Xiaomi 18 Ultra with Leica optics: April 18.")
    week_later = Stream()
    assert week_later.ingest(*month, published=datetime(2027, 3, 1)) != week_later.ingest(
        *day, published=datetime(2027, 3, 9))
    next_day = Stream()
    assert next_day.ingest(*month, published=datetime(2027, 3, 1)) == next_day.ingest(
        *day, published=datetime(2027, 3, 2))


def test_a_products_later_generations_are_known_as_the_topics_but_not_earlier_or_sibling_ones() -> None:
    """Once coverage of the Find X6 or the Xiaomi 12S was the topic's, so is the Find X8's and the Xiaomi 15's;
    the Xiaomi 11 (before the partnership) and the 12T (beside it) are not, nor is anything of another topic."""
    known = stories.KnownProducts()
    known.add("oppo-hasselblad", "x6")
    known.add("xiaomi-leica", "xiaomi 12s")
    assert known.knows("oppo-hasselblad", "x6") and known.knows("oppo-hasselblad", "x8")
    assert not known.knows("oppo-hasselblad", "x5") and not known.knows("oppo-hasselblad", "n3")
    assert known.knows("xiaomi-leica", "xiaomi 12s") and known.knows("xiaomi-leica", "xiaomi 15")
    assert not known.knows("xiaomi-leica", "xiaomi 11") and not known.knows("xiaomi-leica", "xiaomi 12t")
    assert not known.knows("xiaomi-leica", "x8") and not known.knows("vivo-zeiss", "xiaomi 15")


def test_a_generation_numbered_in_roman_is_followed_by_its_successors_only() -> None:
    """Once the Xperia-style "1 II" was the topic's, the "1 IV" is too; the plain "1" (before it) and the "5 III"
    (another line) are not."""
    known = stories.KnownProducts()
    known.add("sony-zeiss", "sony 1 ii")
    assert known.knows("sony-zeiss", "sony 1 ii") and known.knows("sony-zeiss", "sony 1 iv")
    assert not known.knows("sony-zeiss", "sony 1") and not known.knows("sony-zeiss", "sony 5 iii")


def test_an_article_that_says_no_more_than_the_phone_joins_the_story_with_more_coverage() -> None:
    """Two teaser stories of one phone, as much in common with each: the undated report joins the one that
    has more coverage (the big date teaser), not whichever was filed last (a small design teaser)."""
    stream = Stream()
    big = [stream.ingest(f"Xiaomi 18 Ultra launch date set for March {day}", text, published=datetime(2027, 2, 20))
           for day, text in ((3, "Xiaomi confirmed the Xiaomi 18 Ultra with Leica optics launches on March 3."),
                             (3, "The Xiaomi 18 Ultra arrives on March 3, Xiaomi said on Weibo, with Leica cameras."),
                             (3, "Xiaomi will unveil the Xiaomi 18 Ultra and its Leica cameras on March 3."))]
    assert big[0] == big[1] == big[2]
    small = stream.ingest("Xiaomi 18 Ultra design officially revealed in new poster",
                          "Xiaomi revealed the back of the Xiaomi 18 Ultra with its round Leica camera in a poster.",
                          published=datetime(2027, 3, 5))  # outside the big story's window: a story of its own
    assert small != big[0]
    undated = stream.ingest("Xiaomi 18 Ultra: what we know so far",
                            "The Xiaomi 18 Ultra is confirmed by Xiaomi, with Leica optics again.")
    assert undated == big[0]


def test_other_news_of_one_product_joins_only_on_a_day_or_a_headline_word() -> None:
    """Two articles of no event about the same phone are not one story for the phone alone (an update and a sales
    figure a week apart); a shared headline word or day makes them one."""
    first = ("Xiaomi 14 Ultra camera: what Leica brings", "A look at the Xiaomi 14 Ultra and its Leica lenses, "
             "made in collaboration.")
    other = ("Xiaomi 14 Ultra in Europe: where it sells best", "Where the Xiaomi 14 Ultra with Leica optics, made in "
             "collaboration, sells best.")
    same = ("Xiaomi 14 Ultra camera: the Leica lenses, one by one", "The Xiaomi 14 Ultra's Leica lenses, made in "
            "collaboration, one by one.")
    for title, text in (first, other, same):
        assert judged(title, text, datetime(2024, 3, 1)).event is Event.OTHER
    stream = Stream()
    story = stream.ingest(*first, published=datetime(2024, 3, 1))
    assert stream.ingest(*other, published=datetime(2024, 3, 8)) != story
    assert stream.ingest(*same, published=datetime(2024, 3, 9)) == story
