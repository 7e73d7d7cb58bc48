"""Event classification: the rules a person would apply to a headline and its first paragraph."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.judgement.classify import LEAD_CHARS, _fired, classify_event, named_days
from monitor.judgement.cues import CUES
from monitor.model import Event

SHARED = Path(__file__).resolve().parents[2] / "shared"
SEEDS = SHARED / "seeds"
DEV = SHARED / "judgement-dev" / "articles.jsonl"


@pytest.mark.parametrize(
    ("title", "text", "event"),
    [
        ("Xiaomi 14 Ultra launches with Leica quad camera", "The phone is now on sale in China.", Event.LAUNCH),
        ("Xiaomi 13 Pro goes official at MWC", "Price and availability for Europe were announced.", Event.LAUNCH),
        ("Xiaomi 15 series launch date set for October 29", "Xiaomi confirmed the event on Weibo.", Event.TEASER),
        ("Xiaomi 12S series will launch on July 4", "Lei Jun posted the invitation.", Event.TEASER),
        ("Xiaomi and Leica announce long-term strategic cooperation", "A new era of imaging.",
         Event.PARTNERSHIP),
        ("Xiaomi 15 Ultra renders leak ahead of launch", "A tipster shared the images.", Event.RUMOR),
        ("Xiaomi 14 Ultra review: the best camera phone", "We tested it for two weeks.", Event.REVIEW),
        # German, French, Chinese
        ("Xiaomi 14 Ultra offiziell vorgestellt", "Das Smartphone ist ab sofort erhältlich.", Event.LAUNCH),
        ("Xiaomi 15 Ultra im Test", "Die Leica-Kamera überzeugt.", Event.REVIEW),
        ("Xiaomi 15 Ultra : la date de lancement dévoilée par une fuite", "Une affiche non officielle.",
         Event.RUMOR),
        ("小米与徕卡宣布战略合作", "双方将共同研发影像旗舰。", Event.PARTNERSHIP),
        ("小米12S系列官宣", "小米宣布将于7月4日举办发布会。", Event.TEASER),
    ],
)
def test_events_in_four_languages(title: str, text: str, event: Event) -> None:
    assert classify_event(title, text, None).event is event


def test_future_tense_is_a_teaser_not_a_launch() -> None:
    assert classify_event("Xiaomi 14 will be released next week", "", None).event is Event.TEASER
    assert classify_event("Xiaomi 14 released", "It is on sale now.", None).event is Event.LAUNCH


def test_official_date_beats_a_leak_in_the_same_headline() -> None:
    title = "Xiaomi 15 Series Global Launch Date Announced; Leaked Renders Show Xiaomi 15 Ultra"
    assert classify_event(title, "", None).event is Event.TEASER


def test_a_named_day_ahead_of_publication_marks_a_teaser() -> None:
    text = "Xiaomi's new phones with Leica cameras arrive on July 4, the company said."
    decision = classify_event("Xiaomi's Leica phones", text, datetime(2022, 6, 28))
    assert decision.event is Event.TEASER
    assert 'date:"2022-07-04" ahead' in decision.cues
    # Once the day has passed it is no longer a teaser cue.
    assert classify_event("Xiaomi's Leica phones", text, datetime(2022, 7, 10)).event is not Event.TEASER


def test_cues_explain_the_decision_title_first() -> None:
    decision = classify_event("Xiaomi 14 launches", "Xiaomi unveiled the phone in Beijing.", None)
    assert decision.cues[0] == 'title:"launches"'
    assert 'lead:"unveiled"' in decision.cues


def test_hands_on_video_of_a_leak_is_not_a_review() -> None:
    text = "A leaked hands-on video shows the camera island. Rumor has it the phone has a 200 MP telephoto."
    assert classify_event("New leak pinpoints Xiaomi 15 Ultra launch date", text, None).event is Event.RUMOR


def test_named_days_line_up_across_languages() -> None:
    assert named_days("launch on July 4") == {(7, 4)}
    assert named_days("am 4. Juli vorgestellt") == {(7, 4)}
    assert named_days("présenté le 26 février") == {(2, 26)}
    assert named_days("将于 7 月 4 日发布") == {(7, 4)}
    assert named_days("on March 2nd and December 1") == {(3, 2), (12, 1)}
    assert named_days("chega em 4 de março") == {(3, 4)}
    assert named_days("назвала 4 марта датой анонса") == {(3, 4)}
    assert named_days("12 जुलाई को भारत में लॉन्च") == {(7, 12)}


def _seed(path: Path) -> tuple[str, str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    first = next(i for i, line in enumerate(lines) if len(line.split()) >= 5)  # skip date/weather junk
    return lines[first].strip(), "\n".join(lines[first + 1 :])


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds not present")
def test_seed_articles() -> None:
    events = {p.name[:3]: classify_event(*_seed(p), None).event for p in sorted(SEEDS.glob("*.txt"))}
    assert events == {"000": Event.TEASER, "001": Event.PARTNERSHIP, "002": Event.PARTNERSHIP,
                      "003": Event.PARTNERSHIP, "004": Event.PARTNERSHIP}


# --- the cue matcher is a pre-filtered search: it must find exactly what searching every cue finds -----------


def _every_cue(part: str) -> list[str]:
    """The straightforward matcher: every cue's pattern searched in the part, in CUES order."""
    return [cue.label for cue in CUES if part and cue.pattern.search(part)]


def _parts(title: str, text: str) -> list[str]:
    return [title, text[:LEAD_CHARS]]  # what the classifier searches (the whole text too cost 20 s per run)


@pytest.mark.skipif(not DEV.is_file(), reason="../shared/judgement-dev/articles.jsonl not present")
def test_cue_matcher_finds_what_every_cue_finds_on_the_development_set() -> None:
    rows = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    parts = [p for row in rows for p in _parts(row["title"] or "", row["text"] or "")]
    parts += [p.upper() for p in parts] + [p.swapcase() for p in parts]
    fired = 0
    for part in parts:
        expected = _every_cue(part)
        assert [cue.label for cue in _fired(part)] == expected, part[:200]
        fired += len(expected)
    assert fired > 500  # the texts do exercise the cues


# Text made of cue phrases in any case, glued by the characters that decide word boundaries and tenses, with
# the letters re.IGNORECASE treats specially ("İ", "ı" and "ſ" match "i" and "s"; the Kelvin sign matches "k").
_PIECES = sorted({cue.label for cue in CUES}) + ["will ", "to be ", "official ", "Xiaomi", "14", "-", "video",
                                                 "extended", "partnership", "Kooperation", "confirms", "rumours",
                                                 "announced", "their", "long-standing"]
_GLUE = st.sampled_from([" ", "", "-", ":", ".", ", ", "\n", "x", "é", "_", "İ", "ı", "ſ", "\u212a", "发布"])


@st.composite
def _cue_text(draw: st.DrawFn) -> str:
    out = []
    for piece in draw(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=12)):
        case = draw(st.sampled_from([str, str.upper, str.title, str.swapcase]))
        piece = case(piece)
        if draw(st.booleans()):
            piece = piece.replace("i", "ı").replace("s", "ſ").replace("k", "\u212a").replace("I", "İ")
        out += [piece, draw(_GLUE)]
    return "".join(out)


@settings(max_examples=400, deadline=None)
@given(_cue_text())
def test_cue_matcher_finds_what_every_cue_finds_on_generated_text(part: str) -> None:
    assert [cue.label for cue in _fired(part)] == _every_cue(part)


_DATE_PIECES = ["July", "jul", "JUNE", "4", "12", "2nd", "21st", "of", "am", "4.", "Juli", "März", "août", "déc",
                "septembre", "ſept", "JUİLLET", "Dez.", "7 月 4 日", "月", "日", "3", "x", "1999"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_DATE_PIECES), st.sampled_from([" ", "", ".", "  ", "\n", ", "])),
                max_size=10))
def test_named_days_are_those_the_plain_date_patterns_find(pieces: list[tuple[str, str]]) -> None:
    import re

    from monitor.judgement.classify import _MONTH_WORD

    text = "".join(piece + glue for piece, glue in pieces)
    month_day = re.compile(rf"(?<!\w){_MONTH_WORD}\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?!\d)", re.IGNORECASE)
    day_month = re.compile(rf"(?<!\d)(\d{{1,2}})(?:\.|er|st|nd|rd|th)?\s+(?:of\s+)?{_MONTH_WORD}(?!\w)", re.IGNORECASE)
    cjk = re.compile(r"(\d{1,2})\s*月\s*(\d{1,2})\s*日")
    from monitor.judgement.classify import _month

    found = {(_month(m), int(d)) for m, d in month_day.findall(text)} | {
        (_month(m), int(d)) for d, m in day_month.findall(text)} | {(int(m), int(d)) for m, d in cjk.findall(text)}
    assert named_days(text) == {(m, d) for m, d in found if 1 <= m <= 12 and 1 <= d <= 31}


# --- a second topic, in every language the cues cover: sentences written for these tests ------------------
# A made-up phone maker ("Kestrel") and camera partner ("Arden"): the rules know no brand, so a topic they never
# saw is read like any other.


@pytest.mark.parametrize(
    ("title", "text", "event"),
    [
        # launches, including "now official / on sale / available from / price" forms and past participles
        ("Kestrel K7 Ultra is now official with an Arden-tuned camera", "It goes on sale in Europe on Friday.",
         Event.LAUNCH),
        ("Kestrel K7 Ultra offiziell vorgestellt", "Das Smartphone ist ab sofort im Handel erhältlich.", Event.LAUNCH),
        ("Le Kestrel K7 Ultra débarque en France", "Il est disponible dès aujourd'hui au prix de 999 euros.",
         Event.LAUNCH),
        ("Kestrel K7 Ultra presentato ufficialmente", "Il nuovo smartphone è disponibile da oggi in Italia.",
         Event.LAUNCH),
        ("El Kestrel K7 Ultra ya es oficial", "El teléfono ya está a la venta en España.", Event.LAUNCH),
        ("Kestrel K7 Ultra 正式发布", "该机今日开售，售价 5999 元。", Event.LAUNCH),
        ("Kestrel K7 Ultraを正式発表", "本日より販売開始、価格は税込12万円。", Event.LAUNCH),
        # teasers: an official date, an invitation, a countdown
        ("Kestrel confirms K7 Ultra launch event on March 10", "Invitations went out this morning.", Event.TEASER),
        ("Kestrel K7 Ultra wird am 10. März vorgestellt", "Kestrel hat die Einladungen verschickt.", Event.TEASER),
        ("Le Kestrel K7 Ultra sera présenté le 10 mars", "La marque a confirmé la date de lancement.",
         Event.TEASER),
        ("Kestrel K7 Ultra: la data di lancio è il 10 marzo", "L'azienda ha confermato l'evento.", Event.TEASER),
        ("Kestrel K7 Ultra: fecha de lanzamiento confirmada", "Se presentará el 10 de marzo en Madrid.",
         Event.TEASER),
        ("Kestrel K7 Ultra 官宣定档 3 月 10 日", "官方海报显示新机将于 3 月 10 日发布。", Event.TEASER),
        ("Kestrel K7 Ultra、3月10日に発表予定", "公式サイトでカウントダウンが始まった。", Event.TEASER),
        # partnership announcements and next steps
        ("Kestrel and Arden extend their imaging partnership to tablets", "They will also open a joint lab.",
         Event.PARTNERSHIP),
        ("Kestrel und Arden verlängern ihre Partnerschaft", "Die Zusammenarbeit wird bis 2030 ausgebaut.",
         Event.PARTNERSHIP),
        ("Kestrel et Arden renouvellent leur partenariat", "Les deux marques ouvrent un laboratoire commun.",
         Event.PARTNERSHIP),
        ("Kestrel e Arden rinnovano la collaborazione", "Le due aziende apriranno un laboratorio congiunto.",
         Event.PARTNERSHIP),
        ("Kestrel 与 Arden 续约，深化战略合作", "双方还将成立联合实验室。", Event.PARTNERSHIP),
        ("KestrelとArdenが業務提携", "両社はカメラを共同開発する。", Event.PARTNERSHIP),
        # rumours and reviews
        ("Kestrel K7 Ultra-Renderbilder geleakt", "Ein Leaker zeigt angeblich das finale Design.", Event.RUMOR),
        ("Kestrel K7 Ultra : les caractéristiques fuitent", "Selon une rumeur, le capteur ferait 1 pouce.",
         Event.RUMOR),
        ("爆料：Kestrel K7 Ultra 谍照曝光", "知名博主透露了新机的外观。", Event.RUMOR),
        ("Kestrel K7 Ultra, análisis: la mejor cámara del año", "Lo hemos probado durante dos semanas.",
         Event.REVIEW),
        ("Kestrel K7 Ultra 実機レビュー", "二週間使ってみた。", Event.REVIEW),
        ("Recensione Kestrel K7 Ultra", "Abbiamo provato a lungo la fotocamera.", Event.REVIEW),
        # the Romance present of a headline reports a launch; a conditional is a rumour
        ("Kestrel dévoile le K7 Ultra", "", Event.LAUNCH),
        ("Kestrel presenta il K7 Ultra", "", Event.LAUNCH),
        ("Kestrel lanza el K7 Ultra", "", Event.LAUNCH),
        ("El Kestrel K8 tendría una batería más grande", "", Event.RUMOR),
        # a design a leak shows is a leak
        ("Kestrel K8 design revealed in leaked images", "", Event.RUMOR),
        ("Kestrel K8 : une fuite révèle son design", "", Event.RUMOR),
        # a leaked launch window, and a report's hedge, are rumours too
        ("Kestrel K8 Pro launch timeline leaked", "The phone arrives before the holidays.", Event.RUMOR),
        ("Kestrel K8 may launch in February, report says", "The company did not comment.", Event.RUMOR),
    ],
)
def test_a_topic_the_rules_never_saw_in_eight_languages(title: str, text: str, event: Event) -> None:
    assert classify_event(title, text, None).event is event


def test_a_leaked_date_is_a_rumour_and_an_official_date_a_teaser() -> None:
    published = datetime(2027, 2, 20)
    leaked = classify_event("Tipster says the Kestrel K7 Ultra launches March 10",
                            "The date comes from a retail listing.", published)
    official = classify_event("Kestrel confirms March 10 launch for the K7 Ultra",
                              "The company posted the date on its channels.", published)
    assert leaked.event is Event.RUMOR
    assert 'date with "tipster"' in leaked.cues
    assert official.event is Event.TEASER
    assert 'date with "confirms"' in official.cues


def test_a_guessed_chinese_date_is_no_date_set() -> None:
    # "或将于" ("may be on") guesses; "将于" ("will be on") announces.
    assert classify_event("Kestrel K7 Ultra 或将于 3 月 10 日发布", "消息称新机已入网。", None).event is Event.RUMOR
    assert classify_event("Kestrel K7 Ultra 将于 3 月 10 日发布", "官方发布了预热海报。", None).event is Event.TEASER


def test_a_partnership_step_explains_itself() -> None:
    decision = classify_event("Arden and Kestrel deepen their long-standing collaboration",
                              "A joint lab in Wetzlar is the next step.", None)
    assert decision.event is Event.PARTNERSHIP
    assert decision.cues[0] == 'title:"extends / renews / deepens a partnership"'
    assert 'lead:"joint lab"' in decision.cues


def test_a_launch_reported_in_the_past_is_not_a_teaser() -> None:
    assert classify_event("Kestrel K7 Ultra launched in Beijing", "It was unveiled on stage yesterday.",
                          datetime(2027, 3, 11)).event is Event.LAUNCH
    assert classify_event("Kestrel K7 Ultra will be unveiled in Beijing", "The event is on March 10.",
                          datetime(2027, 3, 1)).event is Event.TEASER


def test_a_leaked_launch_date_in_a_headline_is_a_rumour() -> None:
    decision = classify_event("Kestrel K7 Ultra launch date leaked by a retailer", "A banner shows the day.", None)
    assert decision.event is Event.RUMOR
    assert '"launch date" with "leaked"' in decision.cues
    assert classify_event("Kestrel K7 Ultra launch date confirmed", "A banner shows the day.", None).event \
        is Event.TEASER


def test_confirming_the_rumours_is_a_teaser() -> None:
    decision = classify_event("Kestrel confirms the rumours: a K7 Ultra is coming", "More details next month.", None)
    assert decision.event is Event.TEASER
    assert 'title:"confirms the rumours"' in decision.cues


def test_announcing_a_partnership_in_other_words_and_languages() -> None:
    for title in ("Kestrel and Arden have officially announced a new imaging collaboration",
                  "Kestrel e Arden hanno annunciato ufficialmente l'inizio di una collaborazione",
                  "Kestrel und Arden haben eine langfristige Partnerschaft angekündigt",
                  "Kestrel ha llegado a un acuerdo de colaboración con Arden",
                  "Kestrel与Arden宣布独家合作"):
        assert classify_event(title, "", None).event is Event.PARTNERSHIP, title


def test_the_end_of_a_partnership_is_no_partnership_news() -> None:
    decision = classify_event("Arden's partnership with Kestrel has ended", "Neither company gave a reason.", None)
    assert decision.event is not Event.PARTNERSHIP
    started = classify_event("Arden announces a partnership with Kestrel", "Neither company gave a reason.", None)
    assert started.event is Event.PARTNERSHIP


LEAD_WITH_RUMOURS = ("The CEO confirmed it in a forum post, responding to rumours from earlier this week. The next "
                     "flagship will debut with the company's own imaging engine.")


@pytest.mark.parametrize("title", [
    "Arden and Kestrel part ways after five years",
    "Arden goes solo on imaging, ends Kestrel partnership",
    "Arden met fin à son alliance avec Kestrel",
    "Arden e Kestrel si separano dopo cinque anni",
    "Arden und Kestrel trennen sich",
    "Arden 結束與 Kestrel 的合作",
])
def test_a_headline_ending_a_partnership_is_other_news_even_beside_rumours(title: str) -> None:
    """The end itself is the news: neither partnership news nor, because the lead recalls the rumours that came
    before the confirmation, a rumour."""
    assert classify_event(title, LEAD_WITH_RUMOURS, None).event is Event.OTHER


# --- dated sentences: the days are found once per article, by position --------------------------------------


def _dated_sentences_one_by_one(head: str) -> list[tuple[str, Event, str]]:
    """The straightforward reading: split the head into sentences and look for a named day in each."""
    from monitor.judgement.classify import _SENTENCE_END, _dated_sentences, day_spans

    out = []
    for sentence in _SENTENCE_END.split(head):
        if named_days(sentence):
            out += _dated_sentences(sentence, day_spans(sentence), None)
    return out


_SENTENCE_PIECES = _DATE_PIECES + ["confirms", "tipster", "将于", "leaked", "Invitation", "said", "The"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_SENTENCE_PIECES),
                          st.sampled_from([" ", "", ". ", "! ", "\n", "。", ", ", "|"])), max_size=12))
def test_dated_sentences_are_those_a_sentence_by_sentence_search_finds(pieces: list[tuple[str, str]]) -> None:
    from monitor.judgement.classify import _dated_sentences, day_spans

    head = "".join(piece + glue for piece, glue in pieces)
    assert _dated_sentences(head, day_spans(head), None) == _dated_sentences_one_by_one(head)


def test_a_date_in_another_sentence_than_the_confirmation_is_no_official_date() -> None:
    from monitor.judgement.classify import evidence

    published = datetime(2027, 2, 20)
    apart = evidence("Kestrel K7 Ultra", "Kestrel confirms a new phone.\nShops open on March 10.", published)
    together = evidence("Kestrel K7 Ultra", "Kestrel confirms a new phone on March 10.", published)
    assert apart.signals["official_date"] == 0.0
    assert together.signals["official_date"] == 1.0


def test_a_date_already_past_is_no_teased_date() -> None:
    """A teaser's date is still to come: "held its launch event on March 28" in an article of March 29 reports
    the event, in any language; the same sentence a week earlier sets the date."""
    from monitor.judgement.classify import evidence

    for text in ("Kestrel held its launch event on March 28 and confirms the K7 Ultra.",
                 "3月28日晚,Kestrel举办发布会,正式发布K7 Ultra。"):
        after = evidence("", text, datetime(2027, 3, 29))
        before = evidence("", text, datetime(2027, 3, 21))
        assert after.signals["official_date"] == 0.0, text
        assert before.signals["official_date"] == 1.0, text
    reported = classify_event("", "3月28日晚,Kestrel举办发布会,正式发布K7 Ultra。售价2999元。", datetime(2027, 3, 29))
    assert reported.event is Event.LAUNCH


@pytest.mark.parametrize("text", [
    "Kestrel has not yet confirmed a launch date for the K7 Ultra, which insiders say is coming.",
    "Kestrel hat den Termin noch nicht bestätigt; angeblich kommt das K7 Ultra im Mai.",
    "Kestrel n'a pas confirmé la date; le K7 Ultra serait prévu pour mai.",
    "Kestrel hasn’t confirmed a launch date for the K7 Ultra, which insiders say is coming.",  # typographic
])
def test_a_negated_confirmation_is_no_teaser_word(text: str) -> None:
    from monitor.judgement.classify import evidence

    labels = [label for _, label, event in evidence("", text, None).cues if event is Event.TEASER]
    assert not any("confirm" in label or "bestätigt" in label for label in labels), labels


@pytest.mark.parametrize(
    ("title", "text", "event"),
    [
        # a past tense and a future tense of the same news, in several languages
        ("Kestrel hat das K7 Ultra vorgestellt", "Das Telefon kostet 999 Euro.", Event.LAUNCH),
        ("El Kestrel K7 Ultra ya está disponible en España", "Cuesta 999 euros.", Event.LAUNCH),
        ("Kestrel K7 Ultra makes its debut in Europe", "Shipping starts today.", Event.LAUNCH),
        ("Le Kestrel K7 Ultra est sorti", "Il coûte 999 euros en France.", Event.LAUNCH),
        ("Kestrel vient de présenter le K7 Ultra", "Il coûte 999 euros.", Event.LAUNCH),
        ("Kestrel bringt in Japan das K7 Ultra mit 1-Zoll-Kamera auf den Markt", "Es kostet 999 Euro.",
         Event.LAUNCH),
        ("Das Kestrel K7 Ultra erscheint heute in Japan", "Es kostet 999 Euro.", Event.LAUNCH),
        ("Kestrel presenterà il K7 Ultra il 10 marzo", "L'evento si terrà a Milano.", Event.TEASER),
        ("Kestrel lancera le K7 Ultra en Europe", "La marque n'a pas encore donné de prix.", Event.TEASER),
        ("Kestrel presentará el K7 Ultra en Madrid", "La marca envió las invitaciones.", Event.TEASER),
        ("Kestrel K7 Ultra is set to arrive with a bigger sensor", "Kestrel is teasing the camera.",
         Event.TEASER),
        # leak forms and review forms any product has
        ("Kestrel K7 Ultra dummy units show the camera bump", "The design is supposedly final.", Event.RUMOR),
        ("Kestrel K7 Ultra 渲染图曝光", "据称新机采用全新设计。", Event.RUMOR),
        ("Le Kestrel K7 Ultra se montre avant l’heure", "Très bientôt, Kestrel officialisera le K7 Ultra.",
         Event.RUMOR),
        ("Kestrel K7 Ultra: unser Fazit nach zwei Wochen", "Die Kamera überzeugt.", Event.REVIEW),
        ("Kestrel K7 Ultra: should you buy it?", "After a month with it, the camera still impresses.",
         Event.REVIEW),
        ("Kestrel K7 Ultra experience evaluation", "A month after it was released, the camera still impresses.",
         Event.REVIEW),
        ("The Kestrel K7 Ultra is a gorgeous phone that usually delivers", "It costs 999 euros.", Event.REVIEW),
        ("The Kestrel K7 Ultra is the first phone with a 1-inch zoom", "Kestrel launched it today.", Event.LAUNCH),
        ("Test kestrel k7 ultra excellent appareil photo", "Un mois avec le K7 Ultra.", Event.REVIEW),
        ("ケストレルK7 Ultraの実機画像が流出", "前モデルから値下げの噂も。", Event.RUMOR),
        ("", "筆者も実機を購入したので、K7 Ultraのレポートをお送りしよう。", Event.REVIEW),
        ("Official video reveals unveiling date for the new Kestrel phones", "Rumors had tipped May.",
         Event.TEASER),
    ],
)
def test_tense_leak_and_review_forms_of_any_product(title: str, text: str, event: Event) -> None:
    assert classify_event(title, text, None).event is event


def test_a_space_or_a_hyphen_joins_the_words_of_a_cue() -> None:
    # Headlines rebuilt from a page address lose their hyphens: "team-up" and "team up" are one cue.
    for title in ("Kestrel and Arden team-up is official", "Kestrel and Arden team up"):
        assert classify_event(title, "", None).event is Event.PARTNERSHIP, title
    assert classify_event("Kestrel K7 Ultra pre order", "", None).cues == ('title:"pre-order"',)


def test_a_product_made_in_cooperation_is_no_partnership_announcement() -> None:
    made = classify_event("Kestrel unveils the K7 Ultra, made in cooperation with Arden", "", None)
    assert made.event is Event.LAUNCH
    signed = classify_event("Kestrel announces a cooperation with Arden", "", None)
    assert signed.event is Event.PARTNERSHIP


def test_a_launch_headline_makes_a_day_ahead_the_sale_date() -> None:
    published = datetime(2031, 3, 1)
    text = ("Nimbus has unveiled the Nimbus 9 and 9 Pro. Pre-orders are open now and sales start on March 14, "
            "Nimbus confirmed.")
    assert classify_event("Nimbus 9 series launched: price starts at 699 euros", text, published).event is Event.LAUNCH
    # The same day ahead under a headline of a launch to come is the date being teased.
    assert classify_event("Nimbus 9 series: what to expect", text, published).event is Event.TEASER


@pytest.mark.parametrize("title", ["Nimbus 9 Ultra design unveiled ahead of its debut",
                                   "Nimbus 9 Ultra: Design offiziell enthüllt", "星云9 Ultra官宣外观"])
def test_an_official_design_reveal_is_a_teaser(title: str) -> None:
    assert classify_event(title, "The maker showed the phone's back and its camera.", None).event is Event.TEASER


def test_a_day_only_guessed_at_is_no_announced_day() -> None:
    from monitor.judgement.classify import guessed_days

    head = ("Kestrel K7 Ultra to launch this month\nOn April 6 Kestrel confirmed the launch. The release date may be "
            "between April 17-21. Analysts say it could also slip to April 25.")
    assert guessed_days(head) == {(4, 17), (4, 25)}
    assert guessed_days("Kestrel K7 Ultra launches on May 5") == frozenset()  # the month is no hedge


@pytest.mark.parametrize("title", ["Kestrel K7 Ultra drops to its lowest price ever",
                                   "Kestrel K7 Ultra price drops to 699 euros",
                                   "Kestrel K7 Ultra: 20% off the launch price",
                                   "Kestrel K7 Ultra im Angebot: Preis fällt auf 699 Euro",
                                   "Kestrel K7 Ultra 售价直降 1000 元"])
def test_a_price_cut_is_no_launch_price(title: str) -> None:
    assert classify_event(title, "The phone costs less than ever at several shops.", None).event is not Event.LAUNCH


@pytest.mark.parametrize(("title", "lead"), [
    ("Kestrel K7 Ultra gets a camera update", "The Kestrel K7 Ultra, which launched in February, now focuses faster."),
    ("Kestrel K7 Ultra sales top a million", "Since it was released in China, the K7 Ultra has sold a million units."),
    ("Kestrel K5 receives a new system", "Two years after it was launched, the Kestrel K5 gets a new system."),
])
def test_a_launch_recalled_is_no_launch_reported(title: str, lead: str) -> None:
    """Coverage after a launch recalls it in its lead; read as a launch it would start a story and alert again."""
    assert classify_event(title, lead, datetime(2027, 6, 1)).event is not Event.LAUNCH


def test_a_launch_in_the_month_of_publication_is_reported_not_recalled() -> None:
    lead = "The Kestrel K7 Ultra was launched in June with a one-inch sensor and costs 999 euros."
    assert classify_event("Kestrel K7 Ultra", lead, datetime(2027, 6, 3)).event is Event.LAUNCH
    assert classify_event("Kestrel K7 Ultra", "Kestrel K7 Ultra is to be launched in July.",
                          datetime(2027, 6, 3)).event is Event.TEASER


@pytest.mark.parametrize(("title", "lead"), [
    ("Kestrel unveils a concept phone with detachable lenses", "It was shown at a trade show."),
    ("", "Kestrel hat ein Konzept-Smartphone vorgestellt. Es hat ein Objektiv zum Wechseln."),
    ("Kestrel K7 Ultra Concept Edition unveiled", "The concept will not go on sale."),
])
def test_a_concept_device_shown_is_no_launch(title: str, lead: str) -> None:
    assert classify_event(title, lead, None).event is not Event.LAUNCH
    assert classify_event(title.replace("oncept", "amera") or "Kestrel hat ein Smartphone vorgestellt", "",
                          None).event is Event.LAUNCH  # the same words without the concept are a launch


def test_a_date_next_to_a_launch_reported_is_the_launchs() -> None:
    """"officially unveiled … on December 25, establishing a global launch timeline": the date is the launch's,
    not one a teaser sets, even when the article carries no date to tell past from future."""
    from monitor.judgement.classify import evidence

    lead = ("Kestrel officially unveiled the K7 Ultra in China on December 25, establishing a global launch "
            "timeline for early next year.")
    assert evidence("", lead, None).signals["official_date"] == 0.0
    assert evidence("", "Kestrel confirms a global launch timeline: December 25.", None).signals["official_date"] == 1.0


@pytest.mark.parametrize("title", [
    "Kestrel s’associe à Lumio pour ses photophones",
    "Kestrel et Lumio s’allient pour le K7 Ultra",
    "Le K7 Ultra se montre avant l’heure",
    "Kestrel hasnʼt confirmed the K7 Ultra launch",
])
def test_a_typographic_apostrophe_reads_as_a_plain_one(title: str) -> None:
    """Most outlets set "’": the cues and the negation guard read it as "'"."""
    plain = classify_event(title.replace("\u2019", "'").replace("\u02bc", "'"), "", None)
    typographic = classify_event(title, "", None)
    assert typographic.event is plain.event
    assert typographic.cues == plain.cues


def test_a_partnership_announced_with_a_typographic_apostrophe_is_partnership_news() -> None:
    assert classify_event("Kestrel s’associe à Lumio", "", None).event is Event.PARTNERSHIP


@pytest.mark.parametrize(("title", "text"), [
    ("Kestrel K7 Ultra: the ultimate camera phone", "It has a 1-inch sensor, a 6.8-inch 120 Hz screen and a 5000 mAh "
     "battery, and comes in black and white."),
    ("Kestrel K7 Ultra, das endgültige Kamera-Smartphone", "Ein 1-Zoll-Sensor mit 50 MP, ein Akku mit 5000 mAh "
     "und 16 GB Arbeitsspeicher."),
])
def test_a_spec_sheet_with_no_word_of_any_event_is_a_launch(title: str, text: str) -> None:
    decision = classify_event(title, text, None)
    assert decision.event is Event.LAUNCH
    assert "a spec sheet, and no word of any event" in decision.cues


def test_a_spec_sheet_with_a_leak_word_or_without_units_is_no_launch() -> None:
    leaked = classify_event("Kestrel K7 Ultra specs leak", "A 1-inch sensor, a 120 Hz screen and a 5000 mAh battery.",
                            None)
    assert leaked.event is Event.RUMOR
    weak = classify_event("Kestrel K7 Ultra: the ultimate camera phone", "It is black and white, designed in "
                          "collaboration with Lumio.", None)
    assert weak.event is Event.OTHER  # a weak partnership word, and no units
    channel = classify_event("", "据渠道消息透露,Kestrel K7 Ultra将采用1英寸传感器,电池为5000mAh。", None)
    assert channel.event is Event.RUMOR


@pytest.mark.parametrize(("title", "text"), [
    ("Kestrel K7 Ultra: the ultimate camera phone", "It is black and white."),
    ("Das japanische Kestrel K7 ist ein Heilmittel für schlechtes Smartphone-Design", "Kestrel zeigt, wie es geht."),
    ("Para verte mejor: el primer smartphone con tres cámaras traseras", "El Kestrel K7 tiene tres cámaras Lumio."),
])
def test_an_article_with_no_word_of_any_event_is_a_launch(title: str, text: str) -> None:
    decision = classify_event(title, text, None)
    assert decision.event is Event.LAUNCH
    assert decision.cues == ("no word of any event: the product as it is",)


def test_with_no_word_of_any_event_a_date_or_a_price_cut_still_speaks() -> None:
    ahead = classify_event("Kestrel K7 Ultra: May 12", "The Kestrel K7 Ultra, on May 12.", datetime(2025, 5, 2))
    assert ahead.event is Event.TEASER
    deal = classify_event("Kestrel K7 Ultra drops to its lowest price ever", "It is black and white.", None)
    assert deal.event is Event.OTHER
    concept = classify_event("Kestrel shows a concept phone with a Lumio lens", "It is black and white.", None)
    assert concept.event is Event.OTHER


@pytest.mark.parametrize(("title", "verdict"), [
    ("The Kestrel K7 Ultra is a gorgeous phone that usually delivers", True),
    ("Is the Kestrel Phone 2 coming soon?", False),  # a question, and a model's name
    ("Why the Kestrel K7 Ultra is the Phone 3 of this year", False),  # "Phone 3": a name, not a verdict
    ("Test Kestrel K7 Ultra : un excellent appareil photo", True),  # titled a test
    ("Test of the new Kestrel update", False),
])
def test_a_verdict_in_the_headline_is_no_question_and_no_model_name(title: str, verdict: bool) -> None:
    from monitor.judgement.classify import evidence

    assert evidence(title, "", None).signals["title_verdict"] == float(verdict)


def test_a_japanese_partnership_recalled_is_no_partnership_news_and_one_announced_is() -> None:
    recalled = classify_event("", "ケストレルの「K7 Ultra」の評価機を借りた。カメラはアーデンと協業して開発したもので、"
                              "昨年の提携製品よりAFが速い。", None)
    assert recalled.event is Event.REVIEW
    announced = classify_event("ケストレル、アーデンと提携を発表", "スマートフォンのカメラを共同で開発する。", None)
    assert announced.event is Event.PARTNERSHIP
    background = classify_event("", "ケストレルはアーデンとの協業を2021年に開始した。", None)
    assert background.event is not Event.PARTNERSHIP


@pytest.mark.parametrize(("title", "event"), [
    ("Kestrel K7 wird Mitte August vorgestellt", Event.TEASER),  # the auxiliary first, the participle last: future
    ("Das Kestrel K7 wird bald in Berlin präsentiert", Event.TEASER),
    ("Kestrel hat das K7 vorgestellt, das ab März erhältlich sein wird", Event.LAUNCH),  # "wird" after: no future
])
def test_a_german_participle_after_wird_is_the_future(title: str, event: Event) -> None:
    assert classify_event(title, "", None).event is event


@pytest.mark.parametrize("title", [
    "Kestrel K7 Ultra gets its Nimbus OS 2 update",
    "Kestrel K7 Ultra sales top one million units",
    "Kestrel K7 Ultra vs Nimbus 15: camera comparison",
    "How to use the Lumio modes on the Kestrel K7 Ultra",
    "Kestrel K7 Ultra: 5 tips for better photos",
    "Kestrel K7 Ultra erhält Update auf Nimbus OS 2",
    "Kestrel K7 Ultra推送系统更新",
])
def test_coverage_of_a_product_already_out_is_no_launch_read_from_silence(title: str) -> None:
    """No event word, but a headline about an update, sales, a comparison or tips: months after a launch a monitor
    meets many such articles, and read as launches each would start a story and alert."""
    decision = classify_event(title, "The Kestrel K7 Ultra has a Lumio camera.", datetime(2027, 9, 1))
    assert decision.event is Event.OTHER
    assert decision.cues and decision.cues[0].endswith("coverage of a product already out")


@pytest.mark.parametrize("text", [
    "Su lanzamiento en China está previsto para la próxima semana.",
    "Dont la présentation est attendue dans les prochaines semaines, du moins pour la Chine.",
    "Das Unternehmen bestätigte, dass das K7 und das K7 Pro im Oktober in China erscheinen werden.",
    "Kestrel says the phone will reach stores in the coming weeks.",
])
def test_a_launch_planned_for_the_coming_weeks_is_a_teaser(text: str) -> None:
    assert classify_event("Kestrel K7 Ultra", text, None).event is Event.TEASER


@pytest.mark.parametrize(("title", "event"), [
    ("The Kestrel K7 Ultra is set to launch in January?", Event.RUMOR),  # asks whether: hedged
    ("Is the Kestrel K7 Ultra coming soon?", Event.RUMOR),
    ("Kestrel K7 Ultra launching on March 2?", Event.RUMOR),  # a date asked about is no date announced
    ("Kestrel K7 Ultra is set to launch on March 2", Event.TEASER),  # the same, stated
    ("Kestrel K7 Ultra: what to expect on March 2?", Event.TEASER),  # asks what, takes the date as given
    ("Kestrel K7 Ultra: Was erwartet uns am 2. März?", Event.TEASER),
    ("Will the Kestrel K7 Ultra come to Europe soon?", Event.RUMOR),  # "come" asks nothing here
])
def test_a_headline_asking_whether_hedges_its_launch_and_teaser_words(title: str, event: Event) -> None:
    assert classify_event(title, "The Kestrel K7 Ultra has a Lumio camera.", datetime(2027, 2, 20)).event is event


def test_ahead_of_a_launch_no_launch_yet_and_no_date_set() -> None:
    """"Ahead of" the launch says it is still to come (no launch, a teaser when nothing else speaks), but sets no
    date: a leak ahead of a dated launch stays a leak."""
    french = classify_event("Kestrel K7 Ultra : caractéristiques", "A l'approche du salon MWC, Kestrel montre déjà le "
                            "dos du K7 Ultra sous toutes les coutures.", None)
    assert french.event is Event.TEASER
    leak = classify_event("Kestrel K7 Ultra", "Ahead of the launch on September 5, live images of the Kestrel K7 "
                          "Ultra leaked.", datetime(2027, 8, 20))
    assert leak.event is Event.RUMOR
    assert not any(cue.startswith('date with "ahead') for cue in leak.cues)


@pytest.mark.parametrize(("title", "text"), [
    ("Kestrel K7 presentazione ufficiale il 5 marzo", "Il Kestrel K7 ha un sensore da un pollice."),  # dated headline
    ("Kestrel K7 llega el 2 de marzo", "El Kestrel K7 tiene un sensor de una pulgada."),
    ("Kestrel K7", "Il Kestrel K7 verrà presentato ufficialmente durante l'evento."),  # the Italian future passive
    ("Kestrel K7", "Kestrel a officiellement teasé le K7, qui sortira cet été."),  # French tech usage
])
def test_italian_spanish_and_french_teasers_in_their_own_forms(title: str, text: str) -> None:
    assert classify_event(title, text, None).event is Event.TEASER  # undated: no day ahead, the words decide


def test_teasers_a_launch_report_looks_back_on_are_its_past() -> None:
    decision = classify_event("", "The Kestrel K7 was launched in several markets on Tuesday after weeks of teasers "
                              "and hype.", None)
    assert decision.event is Event.LAUNCH


def test_ahead_of_launch_beside_a_leak_word_is_the_leaks_timing() -> None:
    """"Emerges ahead of launch" is a leak, however weak the leak word: the timing says when, not who."""
    assert classify_event("Kestrel K7 Ultra emerges ahead of launch", "", None).event is Event.RUMOR
    assert classify_event("Kestrel K7 Ultra: first look ahead of launch", "", None).event is Event.TEASER


def test_a_headline_asking_whether_a_partnership_ends_is_a_rumour_in_any_script() -> None:
    asked = classify_event("凯斯特与阿登即将终止合作?官方回应了", "近日有传闻称双方合作即将结束。", None)
    assert asked.event is Event.RUMOR
    assert classify_event("Kestrel and Arden end their partnership", "The two companies confirmed it.",
                          None).event is Event.OTHER


@pytest.mark.parametrize(("title", "event"), [
    ("Best Kestrel K7 Ultra deals this week", Event.OTHER),  # shopping
    ("Kestrel K7 Ultra after the Arden deal", Event.LAUNCH),  # a business deal is no price cut
])
def test_deals_are_shopping_but_a_deal_may_be_business(title: str, event: Event) -> None:
    assert classify_event(title, "Kestrel hat das K7 Ultra vorgestellt.", None).event is event


@pytest.mark.parametrize("title", ["Kestrel K7 Ultra opiniones", "Reseña del Kestrel K7 Ultra"])
def test_spanish_reviews_in_their_own_words(title: str) -> None:
    assert classify_event(title, "Kestrel ha lanzado un teléfono que destaca del resto.", None).event is Event.REVIEW


@pytest.mark.parametrize(("title", "text", "published", "event"), [
    # A month and no day in the headline is when a launch is planned: its launch words say what is coming.
    ("Kestrel K7 Ultra April announcement global launch", "The Kestrel K7 Ultra is coming later this April.",
     None, Event.TEASER),
    ("Kestrel e Arden insieme per un nuovo smartphone presentato a luglio",
     "Kestrel e Arden hanno annunciato una collaborazione strategica.", None, Event.PARTNERSHIP),
    ("Kestrel K7 Ultra 4月发布", "凯斯特K7 Ultra即将到来。", None, Event.TEASER),
    # A month behind publication is a launch recalled: the headline's launch words stand.
    ("Kestrel K7 Ultra, launched in April, now costs less", "The Kestrel K7 Ultra has a Lumio camera.",
     datetime(2027, 11, 2), Event.LAUNCH),
    # A day in the headline is a date, which the dated-headline rule reads.
    ("Kestrel K7 Ultra launches on April 4", "The Kestrel K7 Ultra has a Lumio camera.", datetime(2027, 3, 20),
     Event.TEASER),
])
def test_a_month_without_a_day_in_the_headline_is_a_planned_launch(title: str, text: str,
                                                                  published: datetime | None, event: Event) -> None:
    assert classify_event(title, text, published).event is event


@pytest.mark.parametrize(("title", "text"), [
    ("Kestrel K7 Ultra squeezes a zoom into a phone",
     "Kestrel has today lifted the covers from its latest flagship phone, the K7 Ultra."),
    ("", "ケストレルの新しいスマートフォン「K7 Ultra」が登場しました。"),  # the polite past, as the plain "登場した"
])
def test_launch_idioms_and_japanese_polite_past_forms_report_a_launch(title: str, text: str) -> None:
    assert classify_event(title, text, None).event is Event.LAUNCH


@pytest.mark.parametrize(("title", "text", "event"), [
    ("Kestrel K7 Ultra é oficial", "A Kestrel apresentou o K7 Ultra com câmera de uma polegada.", Event.LAUNCH),
    ("Kestrel K7 Ultra será lançado na próxima semana", "A Kestrel confirmou a data de lançamento.", Event.TEASER),
    ("Kestrel K7 Ultra aparece em vazamento", "Segundo um boato, o K7 Ultra poderá ter zoom de 10x.", Event.RUMOR),
    ("Kestrel K7 Ultra", "Kestrel представила K7 Ultra, цена начинается с 899 евро.", Event.LAUNCH),
    ("Kestrel K7 Ultra", "Kestrel K7 Ultra будет представлен 4 марта, компания показала тизер.", Event.TEASER),
    ("Kestrel K7 Ultra", "Инсайдер опубликовал рендеры: по слухам, K7 Ultra получит новую камеру.", Event.RUMOR),
    ("Kestrel K7 Ultra भारत में लॉन्च हुआ", "Kestrel ने K7 Ultra पेश किया, कीमत 49,999 रुपये।", Event.LAUNCH),
    ("Kestrel K7 Ultra 12 जुलाई को लॉन्च होगा", "कंपनी ने लॉन्च डेट की पुष्टि की है।", Event.TEASER),
    ("Kestrel K7 Ultra", "फोन को 12 जुलाई को लॉन्च किया जाएगा।", Event.TEASER),  # the future after the verb
    ("Kestrel K7 Ultra की तस्वीरें लीक", "टिप्स्टर के अनुसार फोन में नया कैमरा हो सकता है।", Event.RUMOR),
])
def test_portuguese_russian_and_hindi_coverage_names_its_event(title: str, text: str, event: Event) -> None:
    assert classify_event(title, text, None).event is event


@pytest.mark.parametrize(("title", "text"), [
    ("Kestrel Acquires Minority Stake in Arden", "Kestrel said this week it is buying into the camera maker."),
    ("Kestrel kauft sich bei Arden ein", "Der Drohnenhersteller steigt mit einer Minderheitsbeteiligung ein."),
    ("", "凯斯特宣布入股阿登。"),
])
def test_a_stake_taken_in_the_partner_is_partnership_news(title: str, text: str) -> None:
    assert classify_event(title, text, None).event is Event.PARTNERSHIP
