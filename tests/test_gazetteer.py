"""Gazetteer index: built from a small country subset, opened fast, keys fold spellings."""

from __future__ import annotations

import time

import pytest

from newsledger.resolve.gazetteer import Gazetteer, country_short_forms, open_gazetteer
from newsledger.resolve.geocode import Toponym, candidates, geocode
from newsledger.resolve.keys import norm, skeleton
from tests.gazetteer_subset import subset_index


@pytest.fixture(scope="session")
def gaz(tmp_path_factory: pytest.TempPathFactory) -> Gazetteer:
    return open_gazetteer(subset_index(tmp_path_factory))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Tyotkino", "Tetkino"),
        ("Tiotkino", "Tjotkino"),
        ("Тёткино", "Tetkino"),
        ("Kurskiy", "Kursky"),
        ("Starovoit", "Starovoyt"),
        ("Baranowski", "Baranovsky"),
        ("Kharkiv", "Харків"),
        ("Yaroslavl", "Jaroslawl"),
    ],
)
def test_skeleton_folds_romanisation_variants(a: str, b: str) -> None:
    assert skeleton(a) == skeleton(b)


@pytest.mark.parametrize(("a", "b"), [("Kursk", "Kiev"), ("Belgorod", "Bryansk"), ("Orel", "Oryx")])
def test_skeleton_keeps_different_names_apart(a: str, b: str) -> None:
    assert skeleton(a) != skeleton(b)


def test_norm_strips_accents_and_soft_signs() -> None:
    assert norm("Tëtkino") == "tetkino"
    assert norm("Khar’kov") == norm("Kharkov") == "kharkov"


def test_index_opens_fast(tmp_path_factory: pytest.TempPathFactory) -> None:
    path = subset_index(tmp_path_factory)
    started = time.perf_counter()
    fresh = Gazetteer(path)
    assert fresh.lookup(["kursk"])
    assert time.perf_counter() - started < 2.0


def test_spellings_reach_one_geonames_id(gaz: Gazetteer) -> None:
    ids = set()
    for spelling in ("Tetkino", "Tyotkino", "Tiotkino", "Tjotkino", "Тёткино", "Теткино"):
        best = max(candidates(gaz, spelling), key=lambda c: c.base)
        ids.add(best.place.geonames_id)
    assert len(ids) == 1
    place = gaz.place(ids.pop())
    assert place is not None and place.country == "RU" and place.feature.startswith("P.")


def test_admin_word_asks_for_the_region_not_the_city(gaz: Gazetteer) -> None:
    city = max(candidates(gaz, "Kursk"), key=lambda c: c.base).place
    region = max(candidates(gaz, "Kursk region"), key=lambda c: c.base).place
    oblast = max(candidates(gaz, "Kursk Oblast"), key=lambda c: c.base).place
    assert city.feature.startswith("P.")
    assert region.feature == "A.ADM1" and oblast.geonames_id == region.geonames_id
    assert city.geonames_id != region.geonames_id
    assert city.admin1 == region.admin1


def test_region_named_after_its_largest_city(gaz: Gazetteer) -> None:
    orel = max(candidates(gaz, "Orel region"), key=lambda c: c.base).place
    oryol = max(candidates(gaz, "Oryol region"), key=lambda c: c.base).place
    assert orel.feature == "A.ADM1" and orel.geonames_id == oryol.geonames_id


def test_country_names_codes_and_demonyms(gaz: Gazetteer) -> None:
    for text in ("Ukraine", "Ukrainian"):
        assert max(candidates(gaz, text), key=lambda c: c.base).place.feature == "A.PCLI"
    us = max(candidates(gaz, "U.S."), key=lambda c: c.base).place
    assert us.feature == "A.PCLI" and us.country == "US"
    # A lower-case or longer word is never read as a country code.
    assert all(c.place.feature != "A.PCLI" for c in candidates(gaz, "Ru"))


def test_fuzzy_near_miss_is_bounded(gaz: Gazetteer) -> None:
    found = candidates(gaz, "Belgorodd")
    assert any(c.place.name == "Belgorod" for c in found)
    assert candidates(gaz, "Qqqzzxv") == []


def test_state_abbreviations_and_abbreviated_words(gaz: Gazetteer) -> None:
    for text, state in (("Calif.", "California"), ("Ariz.", "Arizona")):
        best = max(candidates(gaz, text), key=lambda c: c.base).place
        assert (best.feature, best.name) == ("A.ADM1", state)
    # "Ky." alone could be Kyiv; after a US town it is Kentucky.
    doc = "Louisville, Ky., police said."
    town, state = geocode(gaz, doc, [Toponym(0, 10, "Louisville"), Toponym(12, 15, "Ky.")])
    assert state is not None and state.name == "Kentucky"
    assert town is not None and town.admin1 == state.admin1
    county = max(candidates(gaz, "Loudon Co."), key=lambda c: c.base).place
    assert county.feature == "A.ADM2" and "Loudon" in county.name


def test_name_embedding_a_place_falls_back_to_it(gaz: Gazetteer) -> None:
    best = max(candidates(gaz, "Arizona State University"), key=lambda c: c.base).place
    assert best.feature == "A.ADM1" and best.name == "Arizona"
    assert candidates(gaz, "West") == []  # a direction alone is no place


def _best(gaz: Gazetteer, text: str):
    return max(candidates(gaz, text), key=lambda c: c.base).place


@pytest.mark.parametrize(
    ("name", "forms"),
    [
        ("United States of America", {"America"}),
        ("Republic of Korea", {"Korea"}),
        ("Trinidad and Tobago", {"Trinidad", "Tobago", "T&T"}),
        ("Bosnia and Herzegovina", {"Bosnia", "Herzegovina", "B&H"}),
        ("Isle of Man", set()),  # "Isle" is no polity word: "Man" is no short form
        ("Turks and Caicos Islands", set()),  # "Turks" is a people
        ("Sao Tome and Principe", {"Sao Tome", "Principe"}),
    ],
)
def test_country_short_forms(name: str, forms: set[str]) -> None:
    assert set(country_short_forms(name)) == forms


def test_country_long_form_tail_names_the_country(gaz: Gazetteer) -> None:
    best = _best(gaz, "America")
    assert (best.feature, best.country) == ("A.PCLI", "US")


def test_institution_names_fall_back_to_the_place_after_of(gaz: Gazetteer) -> None:
    # "University" alone is a Florida town; the place of "University of Kansas" is Kansas.
    assert _best(gaz, "University of Kansas").name == "Kansas"
    assert all(c.place.name != "University" for c in candidates(gaz, "University of Kansas"))
    assert _best(gaz, "Bank of Russia").country == "RU"
    assert _best(gaz, "Bank of Russia").feature == "A.PCLI"


def test_other_towns_alternate_name_yields_to_namesakes(gaz: Gazetteer) -> None:
    # A Glendale lists "Riverdale" among its alternate names; the Riverdales come first.
    assert _best(gaz, "Riverdale").name == "Riverdale"


@pytest.mark.parametrize(
    ("text", "name", "feature"),
    [
        ("North American", "North America", "L.CONT"),
        ("Californians", "California", "A.ADM1"),
        ("Floridians", "Florida", "A.ADM1"),
        ("Texan", "Texas", "A.ADM1"),
    ],
)
def test_demonyms_name_the_area(gaz: Gazetteer, text: str, name: str, feature: str) -> None:
    best = _best(gaz, text)
    assert (best.name, best.feature) == (name, feature)


def test_dotted_abbreviations(gaz: Gazetteer) -> None:
    assert _best(gaz, "W.Va.").name == "West Virginia"
    assert _best(gaz, "N.Mex.").name == "New Mexico"
    phila = _best(gaz, "Phila.")  # no state starts so: a big city does
    assert (phila.name, phila.feature) == ("Philadelphia", "P.PPL")


def test_country_points_are_geonames_own(gaz: Gazetteer) -> None:
    """Countries sit at GeoNames' own point (vendored table), not at an estimate."""
    us = gaz.place(gaz.country_gid["US"])
    ru = gaz.place(gaz.country_gid["RU"])
    assert us is not None and (round(us.lat, 2), round(us.lon, 2)) == (39.76, -98.5)
    assert ru is not None and (ru.lat, ru.lon) == (60.0, 100.0)
