"""Entity mentions: cleaned NER spans, armed groups, acronyms, Russian through natasha."""

from __future__ import annotations

import pytest

from newsledger.extract.entities import clean_span, english_mentions, glue_points
from newsledger.extract.nlp import english


@pytest.fixture(scope="session")
def nlp():
    return english()


def _found(nlp, text: str) -> dict[str, str]:
    doc = nlp(text)
    mentions = english_mentions(doc)
    for m in mentions:
        assert 0 <= m.start < m.end <= len(text)
    return {text[m.start : m.end]: m.label for m in mentions}


def test_armed_groups_with_quotes_and_acronym(nlp) -> None:
    text = (
        'The soldiers from the "Freedom of Russia" Legion, the Russian Volunteer Corps (RDK) '
        "and the Siberian Battalion wrote on Telegram. Later the RDK said it crossed the border."
    )
    found = _found(nlp, text)
    assert found.get('"Freedom of Russia" Legion') == "ARMED_GROUP"
    assert found.get("Russian Volunteer Corps") == "ARMED_GROUP"
    assert found.get("Siberian Battalion") == "ARMED_GROUP"
    doc = nlp(text)
    rdk = [m for m in english_mentions(doc) if text[m.start : m.end] == "RDK"]
    assert len(rdk) == 2 and {m.label for m in rdk} == {"ARMED_GROUP"}


def test_conjoined_armed_groups_are_split(nlp) -> None:
    found = _found(nlp, "Russia's Freedom Legion and Siberia Battalion announced new attacks.")
    assert found.get("Freedom Legion") == "ARMED_GROUP"
    assert found.get("Siberia Battalion") == "ARMED_GROUP"
    assert "Russia" in found and "Russia's" not in found


def test_head_after_of_phrase_and_nationality_forces(nlp) -> None:
    found = _found(nlp, "Fighters of the Army of Islam clashed with Syrian troops near Damascus.")
    assert found.get("Army of Islam") == "ARMED_GROUP"
    assert found.get("Syrian troops") == "ARMED_GROUP"
    assert found.get("Damascus") == "GPE"


def test_people_and_organisations(nlp) -> None:
    found = _found(
        nlp, "Roman Starovoyt, the governor, met officials of the United Nations in Geneva."
    )
    assert found.get("Roman Starovoyt") == "PERSON"
    assert found.get("United Nations") == "ORG"
    assert found.get("Geneva") == "GPE"


def test_clean_span_strips_article_possessive_and_quotes() -> None:
    text = "“the Kremlin’s”"
    start, end = clean_span(text, 0, len(text))
    assert text[start:end] == "Kremlin"


def test_russian_entities_have_article_offsets() -> None:
    from newsledger.extract.russian import mentions, sentences

    text = (
        "Во вторник бойцы Легиона «Свобода России» заявили о захвате села Тёткино в Курской "
        "области. Губернатор Вячеслав Гладков сообщил о двух раненых."
    )
    found = {text[m.start : m.end]: m.label for m in mentions(text)}
    assert found.get("Вячеслав Гладков") == "PERSON"
    assert found.get("Тёткино") == "GPE"
    assert found.get("Легиона «Свобода России»") == "ARMED_GROUP"
    assert len(sentences(text)) == 2


def test_nationality_groups_and_bodies(nlp) -> None:
    found = _found(
        nlp,
        "Russian volunteers fighting for Ukraine said they took a village. According to the "
        "Russian authorities, drones hit two depots. The Russian defense ministry denied it.",
    )
    assert found.get("Russian volunteers") == "ARMED_GROUP"
    assert found.get("Russian authorities") == "ORG"
    assert found.get("Russian defense ministry") == "ORG"


def test_lone_surname_after_full_name_is_the_person(nlp) -> None:
    text = (
        "From Kyiv, Andriy Yusov of Ukrainian intelligence spoke to reporters. "
        '"They are entitled to such actions," Yusov explained.'
    )
    doc = nlp(text)
    people = [text[m.start : m.end] for m in english_mentions(doc) if m.label == "PERSON"]
    assert "Andriy Yusov" in people and "Yusov" in people


def test_words_glued_by_a_lost_space() -> None:
    assert glue_points("TelegramHe", 0, 10) == [(8, False)]
    assert glue_points("TheKremlin", 0, 10) == [(3, True)]
    assert glue_points("McDonald", 0, 8) == []
    assert glue_points("YouTube", 0, 7) == []
    text = "on TelegramHe said"
    start, end = clean_span(text, 3, 13)
    assert text[start:end] == "Telegram"
    text = "TheKremlin"
    start, end = clean_span(text, 0, len(text))
    assert text[start:end] == "Kremlin"


def test_one_sense_a_name_tagged_organisation_is_not_a_nationality() -> None:
    from newsledger.extract.entities import RawMention, _one_sense

    text = "They wrote on Telegram. Later Telegram and Russian media said Russian troops left."
    org = RawMention(14, 22, "ORG")
    norp = RawMention(30, 38, "NORP")
    demonym_org = RawMention(43, 50, "ORG")
    demonym = RawMention(62, 69, "NORP")
    assert text[norp.start : norp.end] == "Telegram"
    assert text[demonym.start : demonym.end] == "Russian"
    out = _one_sense(text, [org, norp, demonym_org, demonym])
    assert out[1].label == "ORG"
    assert out[3].label == "NORP"


def _span(doc, phrase: str):
    start = doc.text.find(phrase)
    return doc.char_span(start, start + len(phrase))


def test_model_designation_is_not_a_person(nlp) -> None:
    from newsledger.extract.entities import _no_entity

    doc = nlp("John Smith said the Ilyushin IL-76 and a Su-34 crashed.")
    starts = frozenset(s.start for s in doc.sents)
    assert _no_entity(_span(doc, "Ilyushin IL-76"), "PERSON", starts)
    assert _no_entity(_span(doc, "Su-34"), "PERSON", starts)
    assert not _no_entity(_span(doc, "John Smith"), "PERSON", starts)
    found = _found(nlp, "Boeing said Russian Su-34 jets bombed the town.")
    assert "Russian Su-34" not in found and found.get("Russian") == "NORP"


def test_clause_initial_plural_common_noun_is_not_a_person(nlp) -> None:
    text = "The army said “Strikes continue against enemy positions”, Roman Starovoyt said."
    found = _found(nlp, text)
    assert "Strikes" not in found
    assert found.get("Roman Starovoyt") == "PERSON"


def test_name_of_a_weapon_is_not_an_organisation(nlp) -> None:
    text = (
        "“Six tanks, Caesar cannons, 20 armored vehicles” were destroyed. "
        "Officials said Caesar was hit in the Kursk region."
    )
    found = _found(nlp, text)
    assert found.get("Caesar") is None
    from newsledger.extract.entities import names_weapon

    doc = nlp("France delivered the Caesar howitzer, said Nexter Systems.")
    assert names_weapon(_span(doc, "Caesar"))
    assert not names_weapon(_span(doc, "Nexter Systems"))


def test_bare_compass_word_is_not_a_place(nlp) -> None:
    found = _found(
        nlp, "Troops took a village in the East, near Donetsk, and moved to the Middle East."
    )
    assert "East" not in found
    assert found.get("Donetsk") == "GPE"
    assert "Middle East" in found
