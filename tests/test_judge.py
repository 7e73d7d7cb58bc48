"""The judge reads a document once for every configured topic: each topic still sees the whole document."""

from __future__ import annotations

from monitor.config import TopicConfig
from monitor.judgement.judge import Judge
from monitor.model import RawDocument

# Two makers' topics; the first one's query reads the document (and fills its lookups) before the second's.
TOPICS = [
    TopicConfig("camera-maker", 'hasselblad ("find x*" OR oppo)', subjects=[["hasselblad", "哈苏"], ["oppo"]]),
    TopicConfig("phone-maker", 'xiaomi (leica OR "xiaomi 1*")', subjects=[["xiaomi", "小米"], ["leica", "徕卡"]]),
]


def _doc(title: str, text: str) -> RawDocument:
    return RawDocument(url="https://example.test/a", title=title, text=text, source="s", outlet="o")


def test_a_document_about_the_second_topic_is_that_topics() -> None:
    judgement = Judge(TOPICS).judge(_doc(
        "Xiaomi 15 Ultra launches with Leica optics",
        "Xiaomi has launched the Xiaomi 15 Ultra in China. Its quad camera was co-engineered with Leica, and "
        "Xiaomi says the Leica Summilux lenses are its best yet. Hasselblad is not involved.",
    ))
    assert (judgement.relevant, judgement.topic) == (True, "phone-maker")
    assert set(judgement.terms) >= {"xiaomi", "leica"}


def test_the_first_matching_topic_wins_and_an_irrelevant_document_keeps_the_first_querys_terms() -> None:
    judge = Judge(TOPICS)
    both = judge.judge(_doc("Oppo Find X8 with Hasselblad, Xiaomi 15 with Leica",
                            "Oppo and Hasselblad tuned the Find X8; Xiaomi and Leica the Xiaomi 15."))
    assert both.topic == "camera-maker"
    neither = judge.judge(_doc("Hasselblad shows a new medium-format camera", "Hasselblad's X2D II is out."))
    assert (neither.relevant, neither.topic) == (False, None)
    assert neither.terms == ("hasselblad",)


def test_an_article_naming_no_event_is_a_launch_only_when_it_names_a_product() -> None:
    """No word of any event reads as the product as it is (``classify``); without a product it is other news."""
    judge = Judge(TOPICS)
    product = judge.judge(_doc("Das Oppo Find X8 ist ein Heilmittel für schlechtes Design",
                               "Oppo und Hasselblad zeigen, wie es geht: das Find X8 ist schlicht und schön."))
    assert (product.topic, product.event.value) == ("camera-maker", "launch")
    assert product.cues == ("no word of any event: the product as it is",)
    store = judge.judge(_doc("Oppo and Hasselblad open a store in Paris",
                             "The shop on the Rue de Rivoli shows Oppo phones next to Hasselblad cameras."))
    assert (store.topic, store.event.value, store.features.event.value) == ("camera-maker", "other", "other")
    assert store.cues == ()
