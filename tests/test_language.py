"""Whether the event cues can read an article's language (``monitor.judgement.language``): a cue-less article in a
language they were never written in says nothing of its event."""

from __future__ import annotations

import pytest

from monitor.judgement.classify import classify_event
from monitor.judgement.language import cues_can_read
from monitor.model import Event


@pytest.mark.parametrize(("text", "read"), [
    ("The Kestrel K7 Ultra has a new camera with a one-inch sensor and a bright lens.", True),
    ("Das Kestrel K7 Ultra hat eine neue Kamera mit einem Ein-Zoll-Sensor und einem lichtstarken Objektiv.", True),
    ("Le Kestrel K7 Ultra a un nouvel appareil photo avec un capteur d'un pouce et un objectif lumineux.", True),
    ("Il Kestrel K7 Ultra ha una nuova fotocamera con un sensore da un pollice e un obiettivo luminoso.", True),
    ("El Kestrel K7 Ultra tiene una nueva cámara con un sensor de una pulgada y un objetivo luminoso.", True),
    ("Kestrel K7 Ultra 配备全新的一英寸大底主摄和明亮的镜头。", True),
    ("Kestrel K7 Ultraは1インチセンサーと明るいレンズを備えた新しいカメラを搭載している。", True),
    ("O Kestrel K7 Ultra tem uma nova câmera com um sensor de uma polegada e uma lente luminosa.", False),
    ("У Kestrel K7 Ultra новая камера с дюймовым сенсором и светосильным объективом.", False),
    ("Kestrel K7 Ultra में एक इंच सेंसर और चमकदार लेंस वाला नया कैमरा है।", False),
    ("De Kestrel K7 Ultra heeft een nieuwe camera met een sensor van een inch en een lichtsterke lens.", False),
    ("", False),
])
def test_the_cue_languages_are_read_and_others_not(text: str, read: bool) -> None:
    assert cues_can_read(text) is read


def test_silence_in_a_language_the_cues_do_not_know_is_no_launch() -> None:
    """A Spanish article naming no event reads as the product as it is; the same in Portuguese says nothing the cues
    could read, so it stays "other" (a Portuguese teaser must not alert as a launch)."""
    spanish = classify_event("El Kestrel K7 Ultra y sus módulos de cámara intercambiables",
                             "El Kestrel K7 Ultra tiene módulos de cámara intercambiables con tornillos y imanes.",
                             None)
    assert spanish.event is Event.LAUNCH
    portuguese = classify_event("O Kestrel K7 Ultra e os seus módulos de câmera intercambiáveis",
                                "O Kestrel K7 Ultra tem módulos de câmera intercambiáveis com parafusos e ímãs.", None)
    assert (portuguese.event, portuguese.unspoken) == (Event.OTHER, False)
