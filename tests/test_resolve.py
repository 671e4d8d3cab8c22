"""Entity resolution across articles and spellings, from general rules only."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from newsledger.model import Annotations, Article, Entity, Mention, Resolution
from newsledger.resolve import resolve_entities
from newsledger.resolve.gazetteer import INDEX_NAME
from tests.gazetteer_subset import subset_index

FIXTURES = Path(__file__).parent / "fixtures" / "resolve"

# (article, surface form, label): the mentions an extractor would give.
MENTIONS = [
    ("a1", "Freedom of Russia Legion", "ARMED_GROUP"),
    ("a1", "Tetkino", "GPE"),
    ("a1", "Kursk", "GPE"),
    ("a1", "Russian Volunteer Corps", "ARMED_GROUP"),
    ("a1", "RDK", "ORG"),
    ("a1", "Russia's Federal Security Service", "ORG"),
    ("a1", "Roman Starovoit", "PERSON"),
    ("a1", "Russian Liberation Army", "ARMED_GROUP"),
    ("a2", "Freedom Legion of Russia", "ORG"),
    ("a2", "Tyotkino", "GPE"),
    ("a2", "Governor Starovoyt", "PERSON"),
    ("a2", "Kursk Governor Roman Starovoyt's", "PERSON"),
    ("a2", "Russian Defense Ministry", "ORG"),
    ("a2", "FSB", "ORG"),
    ("a2", "Kursk", "GPE"),
    ("a3", "Russia's Freedom Legion", "ARMED_GROUP"),
    ("a3", "Siberian Battalion", "ARMED_GROUP"),
    ("a3", "Tiotkino", "GPE"),
    ("a3", "Ministry of Defence", "ORG"),
    ("a3", "MoD", "ORG"),
    ("a3", "RDK", "ARMED_GROUP"),
    ("a3", "Alexei Baranovsky", "PERSON"),
    ("a3", "Freedom for Russia Legion", "ARMED_GROUP"),
    ("a4", "Тёткино", "GPE"),
    ("a4", "Курской области", "GPE"),
    ("a4", "Baranovsky", "PERSON"),
    ("a4", "defence ministry of Russia", "ORG"),
    ("a4", "Siberia Battalion", "ARMED_GROUP"),
    ("a4", "Belgorod region", "GPE"),
    ("a4", "Ukraine", "GPE"),
    ("a4", "Kharkiv region", "GPE"),
]


def load_inputs(shuffle: int | None = None) -> tuple[list[Article], dict[str, Annotations]]:
    raw = json.loads((FIXTURES / "articles.json").read_text(encoding="utf-8"))
    articles = [Article(a["id"], a["id"], f"{a['id']}.txt", a["text"]) for a in raw]
    texts = {a.id: a.text for a in articles}
    found: dict[str, list[Mention]] = {a.id: [] for a in articles}
    for article_id, surface, label in MENTIONS:
        start = texts[article_id].find(surface)
        assert start >= 0, surface
        found[article_id].append(Mention(start, start + len(surface), surface, label, 0))
    if shuffle is not None:
        rng = random.Random(shuffle)
        articles = rng.sample(articles, len(articles))
        for ms in found.values():
            rng.shuffle(ms)
    annotations = {k: Annotations(k, k, "en", mentions=tuple(v)) for k, v in found.items()}
    return articles, annotations


@pytest.fixture(scope="module")
def resolution(tmp_path_factory: pytest.TempPathFactory) -> Resolution:
    path = subset_index(tmp_path_factory)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NEWSLEDGER_DATA_DIR", str(path.parent))
        assert path.name == INDEX_NAME
        return resolve_entities(*load_inputs())


def entity_of(resolution: Resolution, surface: str, article: str | None = None) -> Entity:
    hits = [
        e
        for e in resolution.entities
        for m in e.mentions
        if m.text == surface and (article is None or m.article_id == article)
    ]
    assert hits, surface
    return hits[0]


def same(resolution: Resolution, *surfaces: str) -> bool:
    return len({entity_of(resolution, s).id for s in surfaces}) == 1


def test_every_mention_belongs_to_exactly_one_entity(resolution: Resolution) -> None:
    owned = [(m.article_id, m.start, m.end) for e in resolution.entities for m in e.mentions]
    assert len(owned) == len(set(owned)) == len(MENTIONS)


def test_place_spellings_in_two_scripts_are_one_geocoded_entity(resolution: Resolution) -> None:
    assert same(resolution, "Tetkino", "Tyotkino", "Tiotkino", "Тёткино")
    village = entity_of(resolution, "Tetkino")
    assert village.country == "RU" and village.geonames_id is not None
    assert village.lat is not None and 50 < village.lat < 53
    assert set(village.aliases) == {"Tetkino", "Tyotkino", "Tiotkino", "Тёткино"}


def test_city_and_region_named_after_it_stay_apart(resolution: Resolution) -> None:
    city = entity_of(resolution, "Kursk")
    region = entity_of(resolution, "Курской области")
    assert city.id != region.id
    assert city.feature.startswith("P.") and region.feature == "A.ADM1"
    assert entity_of(resolution, "Tetkino").admin1 == region.admin1
    kharkiv = entity_of(resolution, "Kharkiv region")
    assert kharkiv.country == "UA" and kharkiv.feature == "A.ADM1"


def test_person_transliteration_and_surname_only(resolution: Resolution) -> None:
    assert same(resolution, "Roman Starovoit", "Governor Starovoyt",
                "Kursk Governor Roman Starovoyt's")
    assert same(resolution, "Alexei Baranovsky", "Baranovsky")
    assert entity_of(resolution, "Governor Starovoyt").name in {"Roman Starovoit"}
    assert not same(resolution, "Roman Starovoit", "Alexei Baranovsky")


def test_organisation_word_order_variants(resolution: Resolution) -> None:
    assert same(
        resolution,
        "Freedom of Russia Legion",
        "Freedom Legion of Russia",
        "Russia's Freedom Legion",
        "Freedom for Russia Legion",
    )
    assert same(resolution, "Siberian Battalion", "Siberia Battalion")


def test_acronyms(resolution: Resolution) -> None:
    assert same(resolution, "Russian Volunteer Corps", "RDK")  # defined "(RDK)" in a1
    assert same(resolution, "Russia's Federal Security Service", "FSB")
    assert same(resolution, "Ministry of Defence", "MoD")


def test_defense_ministry_variants(resolution: Resolution) -> None:
    assert same(
        resolution,
        "Russian Defense Ministry",
        "Ministry of Defence",
        "defence ministry of Russia",
        "MoD",
    )
    assert entity_of(resolution, "MoD").type == "ORG"


def test_similar_distinct_groups_stay_apart(resolution: Resolution) -> None:
    volunteers = entity_of(resolution, "Russian Volunteer Corps")
    liberation = entity_of(resolution, "Russian Liberation Army")
    legion = entity_of(resolution, "Freedom of Russia Legion")
    assert len({volunteers.id, liberation.id, legion.id}) == 3
    assert not same(resolution, "Siberian Battalion", "Freedom of Russia Legion")


def test_ids_are_stable_and_independent_of_input_order(
    tmp_path_factory: pytest.TempPathFactory, resolution: Resolution
) -> None:
    path = subset_index(tmp_path_factory)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NEWSLEDGER_DATA_DIR", str(path.parent))
        shuffled = resolve_entities(*load_inputs(shuffle=7))
    assert [(e.id, e.name, e.aliases, e.mentions) for e in shuffled.entities] == [
        (e.id, e.name, e.aliases, e.mentions) for e in resolution.entities
    ]
    assert all(e.id.startswith("e-") and len(e.id) == 12 for e in resolution.entities)


def test_empty_input() -> None:
    assert resolve_entities([], {}).entities == ()


def test_namesakes_with_different_first_names_stay_apart(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    text = "Roman Starovoit met Igor Starovoit; Alexei Baranovsky and Pavel Baranovsky spoke."
    surfaces = ["Roman Starovoit", "Igor Starovoit", "Alexei Baranovsky", "Pavel Baranovsky"]
    mentions = tuple(Mention(text.find(s), text.find(s) + len(s), s, "PERSON", 0)
                     for s in surfaces)
    path = subset_index(tmp_path_factory)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NEWSLEDGER_DATA_DIR", str(path.parent))
        result = resolve_entities([Article("x", "x", "x.txt", text)],
                                  {"x": Annotations("x", "x", "en", mentions=mentions)})
    assert len(result.entities) == 4


def _resolve_texts(tmp_path_factory: pytest.TempPathFactory,
                   items: list[tuple[str, str, list[tuple[str, str]]]]) -> Resolution:
    """Resolve (article id, text, [(surface, label)]) with the subset gazetteer."""
    articles, annotations = [], {}
    for article_id, text, surfaces in items:
        mentions = []
        for surface, label in surfaces:
            start = text.find(surface)
            assert start >= 0, surface
            mentions.append(Mention(start, start + len(surface), surface, label, 0))
        articles.append(Article(article_id, article_id, f"{article_id}.txt", text))
        annotations[article_id] = Annotations(article_id, article_id, "en",
                                              mentions=tuple(mentions))
    path = subset_index(tmp_path_factory)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NEWSLEDGER_DATA_DIR", str(path.parent))
        return resolve_entities(articles, annotations)


def test_defined_acronym_goes_to_its_own_group_not_one_sharing_words(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    result = _resolve_texts(tmp_path_factory, [
        ("b1", "Russian volunteers crossed the border at dawn.",
         [("Russian volunteers", "ARMED_GROUP")]),
        ("b2", "Additionally, the Russian Volunteer Corps (RDK) has also entered the fray.",
         [("Russian Volunteer Corps", "ARMED_GROUP"), ("RDK", "ARMED_GROUP")]),
        ("b3", "The RDK said it held the village.", [("RDK", "ORG")]),
    ])
    assert same(result, "Russian Volunteer Corps", "RDK")  # defined in b2, used in b3 too
    assert len({e.id for e in result.entities}) == 2
    assert not same(result, "Russian volunteers", "RDK")


def test_definition_names_a_bag_that_differs_by_a_country_word(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """The definition's long form is no mention itself: the acronym goes to the one bag it
    contains but for a country word, found among unrelated bags by a shared word's stem."""
    others = [(f"o{i}", f"The {name} issued a statement.", [(name, "ORG")])
              for i, name in enumerate(("Red Cross", "Free Press Union", "Border Guard Service",
                                        "Legal Aid Society", "Volunteer Fire Brigade"))]
    result = _resolve_texts(tmp_path_factory, [
        *others,
        ("d1", "The Free Brigade said it crossed the border.",
         [("Free Brigade", "ARMED_GROUP")]),
        ("d2", "Fighters of the Brigade of Free Poland (BFP) said so on Telegram.",
         [("Telegram", "ORG")]),
        ("d3", "The BFP posted a video.", [("BFP", "ARMED_GROUP")]),
    ])
    assert same(result, "Free Brigade", "BFP")
    assert not same(result, "Free Press Union", "BFP")
    assert not same(result, "Volunteer Fire Brigade", "BFP")
    assert not same(result, "Free Press Union", "Free Brigade")


def test_acronym_of_a_transliterated_name_links_only_when_unique(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    one = _resolve_texts(tmp_path_factory, [
        ("c1", "Бойцы: Русский добровольческий корпус заявил о бое.",
         [("Русский добровольческий корпус", "ARMED_GROUP")]),
        ("c2", "The RDK claimed the attack.", [("RDK", "ARMED_GROUP")]),
    ])
    assert same(one, "Русский добровольческий корпус", "RDK")
    two = _resolve_texts(tmp_path_factory, [
        ("c1", "Бойцы: Русский добровольческий корпус заявил о бое.",
         [("Русский добровольческий корпус", "ARMED_GROUP")]),
        ("c3", "Ранее Российский демократический комитет выступил.",
         [("Российский демократический комитет", "ORG")]),
        ("c2", "The RDK claimed the attack.", [("RDK", "ARMED_GROUP")]),
    ])
    assert len({e.id for e in two.entities}) == 3  # two groups with initials RDK: no guess


def test_river_is_not_the_city_named_after_it(tmp_path_factory: pytest.TempPathFactory) -> None:
    text = "A tanker ran aground near the estuary of the Dnipro River. Dnipro was shelled."
    result = _resolve_texts(tmp_path_factory, [
        ("d1", text, [("Dnipro River", "LOC"), ("Dnipro", "GPE")])])
    river, city = entity_of(result, "Dnipro River"), entity_of(result, "Dnipro")
    assert river.id != city.id
    assert river.geonames_id is None and river.lat is None
    assert city.geonames_id is not None and city.country == "UA"


def test_places_the_tagger_called_organisations_or_people(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    text = ("Drones targeted the two Russian cities of Orel and Kstovo. "
            "Oryol was hit again. An attempt by the Kiev regime failed, Kyiv said. "
            "Shots hit the border village of Prelacy. The Kremlin and Reuters spoke.")
    result = _resolve_texts(tmp_path_factory, [("f1", text, [
        ("Orel", "ORG"), ("Kstovo", "ORG"), ("Oryol", "GPE"), ("Kiev", "PERSON"),
        ("Kyiv", "GPE"), ("Prelacy", "PERSON"), ("Kremlin", "ORG"), ("Reuters", "ORG")])])
    assert same(result, "Orel", "Oryol") and entity_of(result, "Orel").country == "RU"
    assert entity_of(result, "Kstovo").type == "GPE"
    assert entity_of(result, "Kstovo").country == "RU"
    assert same(result, "Kiev", "Kyiv") and entity_of(result, "Kiev").type == "GPE"
    assert entity_of(result, "Prelacy").type == "GPE"  # framed, though no gazetteer entry
    assert entity_of(result, "Kremlin").type == "ORG"
    assert entity_of(result, "Reuters").type == "ORG"


def test_a_place_name_that_is_a_persons_name_stays_a_person(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    text = "The unit said (Vladimir) Putin's army left. Vladimir Putin spoke."
    result = _resolve_texts(tmp_path_factory, [("g1", text, [
        ("Vladimir Putin", "PERSON"), ("Vladimir", "PERSON")])])
    assert same(result, "Vladimir Putin", "Vladimir")  # a given name alone, one bearer here
    assert {e.type for e in result.entities} == {"PERSON"}
    two = "Vladimir agreed. Vladimir Putin and Vladimir Zelensky spoke."
    result = _resolve_texts(tmp_path_factory, [("g2", two, [
        ("Vladimir", "PERSON"), ("Vladimir Putin", "PERSON"), ("Vladimir Zelensky", "PERSON")])])
    assert len(result.entities) == 3  # two bearers: no guess
