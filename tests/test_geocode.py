"""Geocoding with document context: countries, regions, containment and co-occurring places."""

from __future__ import annotations

import re

import pytest

from newsledger.resolve.gazetteer import Gazetteer, open_gazetteer
from newsledger.resolve.geocode import Toponym, geocode
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
