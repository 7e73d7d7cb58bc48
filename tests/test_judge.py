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
