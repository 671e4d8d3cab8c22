"""Geocoding with document context: countries, regions, containment and co-occurring places."""

from __future__ import annotations

import re

import pytest

from newsledger.resolve.gazetteer import Gazetteer, open_gazetteer
from newsledger.resolve.geocode import Toponym, _admin_hint, geocode
from tests.gazetteer_subset import subset_index


@pytest.fixture(scope="session")
def gaz(tmp_path_factory: pytest.TempPathFactory) -> Gazetteer:
    return open_gazetteer(subset_index(tmp_path_factory))


def toponyms(text: str, names: list[str]) -> list[Toponym]:
    out = []
    for name in names:
        for m in re.finditer(re.escape(name), text):
            out.append(Toponym(m.start(), m.end(), name))
    return sorted(out, key=lambda t: t.start)


def test_same_name_follows_the_document_country(gaz: Gazetteer) -> None:
    us = "A woman from Alexandria was arrested. Louisiana police said the fire spread."
    eg = "Protests spread in Alexandria on Friday. Egypt closed the roads to Cairo."
    us_place = geocode(gaz, us, toponyms(us, ["Alexandria", "Louisiana"]))[0]
    eg_place = geocode(gaz, eg, toponyms(eg, ["Alexandria", "Egypt", "Cairo"]))[0]
    assert us_place is not None and (us_place.country, us_place.admin1) == ("US", "US.LA")
    assert eg_place is not None and eg_place.country == "EG"


def test_comma_container_picks_the_small_place(gaz: Gazetteer) -> None:
    text = "The University of Idaho in Moscow, Idaho, reopened."
    place = geocode(gaz, text, toponyms(text, ["Moscow", "Idaho"]))[0]
    assert place is not None and place.country == "US"
    plain = "Moscow said the talks failed."
    assert geocode(gaz, plain, toponyms(plain, ["Moscow"]))[0].country == "RU"


def test_possessive_region_and_admin_word_after_the_span(gaz: Gazetteer) -> None:
    text = "Shelling hit villages in Ukraine's Kharkiv region overnight, and Kharkiv itself."
    first, last = text.find("Kharkiv"), text.rfind("Kharkiv")
    tops = [
        Toponym(text.find("Ukraine"), text.find("Ukraine") + 7, "Ukraine"),
        Toponym(first, first + 7, "Kharkiv"),
        Toponym(last, last + 7, "Kharkiv"),
    ]
    country, region, city = geocode(gaz, text, tops)
    assert country is not None and country.feature == "A.PCLI"
    assert region is not None and region.feature == "A.ADM1" and region.country == "UA"
    assert city is not None and city.feature.startswith("P.")
    assert city.admin1 == region.admin1 and city.geonames_id != region.geonames_id


def test_co_occurring_places_pull_an_ambiguous_name(gaz: Gazetteer) -> None:
    text = "Drones struck Belgorod and Shebekino; officials in Kursk and Tyotkino reported damage."
    names = ["Belgorod", "Shebekino", "Kursk", "Tyotkino"]
    places = geocode(gaz, text, toponyms(text, names))
    assert all(p is not None and p.country == "RU" for p in places)


def test_unknown_toponym_is_left_unresolved(gaz: Gazetteer) -> None:
    text = "They met at Zzyzxqwerty yesterday."
    assert geocode(gaz, text, toponyms(text, ["Zzyzxqwerty"])) == [None]


def test_capitalised_admin_word_opening_an_institution_is_no_hint(gaz: Gazetteer) -> None:
    text = "Officials at the U.S. Department of Justice and Washington State University agreed."
    us, wa = geocode(gaz, text, toponyms(text, ["U.S.", "Washington"]))
    assert us is not None and us.feature == "A.PCLI"
    assert _admin_hint("U.S.", text, text.find("U.S.") + 4)[1] is None
    assert _admin_hint("Washington", text, text.find("Washington") + 10)[1] is None
    assert wa is not None and wa.feature.startswith("P.")  # not the state
    # A lower-case region word stays a hint even before a title.
    doc = "Kursk region Governor Alexei Smirnov said."
    assert _admin_hint("Kursk", doc, 5) == ("Kursk", "region")
    region = geocode(gaz, doc, toponyms(doc, ["Kursk"]))[0]
    assert region is not None and region.feature == "A.ADM1"


def test_demonym_beats_towns_that_only_sound_alike(gaz: Gazetteer) -> None:
    # "Iowans" reads like the towns called Evans; as a demonym it names the state.
    text = "Iowans and Asians voted."
    iowa, asia = geocode(gaz, text, toponyms(text, ["Iowans", "Asians"]))
    assert iowa is not None and (iowa.name, iowa.feature) == ("Iowa", "A.ADM1")
    assert asia is not None and asia.feature == "L.CONT"


def test_sentence_context_beats_the_document_and_vetoes_a_far_spelling(gaz: Gazetteer) -> None:
    text = ("Drones hit Kursk and Belgorod overnight. Moscow and Kursk reported damage. "
            "On the front in Ukraine, Russian forces took the village of Nevelske, "
            "near the city of Donetsk.")
    tops = toponyms(text, ["Kursk", "Belgorod", "Moscow", "Ukraine", "Nevelske"])
    places = dict(zip([t.text for t in tops], geocode(gaz, text, tops), strict=True))
    # Only a phonetic namesake on Sakhalin exists; its sentence names Ukraine and Donetsk.
    nevelske = places["Nevelske"]
    assert nevelske is None or nevelske.country == "UA"
    far = "Ferries from Nevelske on Sakhalin were cancelled."
    place = geocode(gaz, far, toponyms(far, ["Nevelske", "Sakhalin"]))[0]
    assert place is not None and place.country == "RU"  # without contrary context: kept


def test_untagged_country_in_the_sentence_outweighs_population(
        gaz: Gazetteer, monkeypatch: pytest.MonkeyPatch) -> None:
    text = "Shelling hit Odessa on the coast of Ukraine overnight. Texas news followed."
    tops = toponyms(text, ["Odessa"])
    place = geocode(gaz, text, tops)[0]
    assert place is not None and place.country == "UA"  # "Ukraine" is not even tagged
    monkeypatch.setattr("newsledger.resolve.geocode.LOCAL", 0.0)
    without = geocode(gaz, text, tops)[0]
    assert without is not None and without.country == "US"  # the bigger namesake otherwise
    other = "Shelling hit Odessa overnight. Officials in Ukraine spoke later."
    place = geocode(gaz, other, toponyms(other, ["Odessa"]))[0]
    assert place is not None and place.country == "US"  # another sentence: not local


def test_plural_admin_word_after_a_list_applies_to_every_member(gaz: Gazetteer) -> None:
    text = "Drones were shot down over the Moscow, Leningrad, Belgorod and Kursk regions."
    assert _admin_hint("Leningrad", text, text.find("Leningrad") + 9)[1] == "region"
    assert _admin_hint("Moscow", text, text.find("Moscow") + 6)[1] == "region"
    place = geocode(gaz, text, toponyms(text, ["Moscow", "Leningrad", "Belgorod", "Kursk"]))[1]
    assert place is not None and place.feature == "A.ADM1" and place.country == "RU"
    alone = "Drones were shot down over Leningrad and Kursk."
    assert _admin_hint("Leningrad", alone, alone.find("Leningrad") + 9)[1] is None


def test_plural_admin_word_before_a_list_applies_to_every_member(gaz: Gazetteer) -> None:
    text = "Drones hit several regions, including Moscow, Oryol, Leningrad, and Tula."
    for name in ("Moscow", "Leningrad", "Tula"):
        assert _admin_hint(name, text, text.find(name) + len(name))[1] == "region"
    place = geocode(gaz, text, toponyms(text, ["Leningrad"]))[0]
    assert place is not None and place.feature == "A.ADM1"
    cities = "Drones hit several cities, including Moscow and Tula."
    assert _admin_hint("Tula", cities, cities.find("Tula") + 4)[1] is None


def test_region_named_after_a_city_with_region_status_is_the_surrounding_one(
    gaz: Gazetteer,
) -> None:
    text = "Drones hit the Moscow region and the Kyiv region; Moscow and Kyiv traded blame."
    tops = toponyms(text, ["Moscow", "Kyiv"])
    moscow_region, kyiv_region, moscow, kyiv = geocode(gaz, text, tops)
    for region, city in ((moscow_region, moscow), (kyiv_region, kyiv)):
        assert region is not None and city is not None
        assert region.feature == "A.ADM1" and city.feature.startswith("P.")
        assert region.admin1 != city.admin1  # the oblast around the city, not the city itself


def test_a_governor_heads_a_region_not_a_town(gaz: Gazetteer) -> None:
    text = "The governors of Kursk and Belgorod issued alerts; Belgorod's governor spoke."
    for name in ("Kursk", "Belgorod"):
        assert _admin_hint(name, text, text.find(name) + len(name))[1] == "region"
    last = text.rfind("Belgorod")
    assert _admin_hint("Belgorod", text, last + 8)[1] == "region"
    place = geocode(gaz, text, toponyms(text, ["Kursk"]))[0]
    assert place is not None and place.feature == "A.ADM1"
    mayor = "The mayor of Kursk spoke."
    assert _admin_hint("Kursk", mayor, mayor.find("Kursk") + 5)[1] is None
