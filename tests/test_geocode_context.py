"""Geocoding that holds on unseen news (issue 17): names that belong to a country,
context that picks homonyms and regions, facilities, and places below the cut-off."""

from __future__ import annotations

import re

import pytest

from newsledger.resolve.gazetteer import CODE, Gazetteer, open_gazetteer
from newsledger.resolve.geocode import Resolved, Toponym, candidates, geocode_detailed
from tests.gazetteer_subset import subset_index


@pytest.fixture(scope="session")
def gaz(tmp_path_factory: pytest.TempPathFactory) -> Gazetteer:
    return open_gazetteer(subset_index(tmp_path_factory))


def resolve(gaz: Gazetteer, text: str, names: list[str]) -> dict[str, Resolved]:
    """The resolution of each name's first mention, the names tagged wherever they occur."""
    tops = sorted((Toponym(m.start(), m.end(), n) for n in names
                   for m in re.finditer(re.escape(n), text)), key=lambda t: t.start)
    out: dict[str, Resolved] = {}
    for t, r in zip(tops, geocode_detailed(gaz, text, tops), strict=True):
        out.setdefault(t.text, r)
    return out


def where(r: Resolved) -> tuple[str | None, str | None, str | None]:
    assert r.place is not None, r.reason
    return r.place.feature, r.place.country, r.place.admin1


# ------------------------------------------------------------- 1. a country keeps its names


@pytest.mark.parametrize(("name", "iso"), [("China", "CN"), ("Chinese", "CN"), ("US", "US"),
                                          ("U.S.", "US"), ("USA", "US"), ("UK", "GB"),
                                          ("Korea", "KR"), ("Democratic Republic of Congo", "CD"),
                                          ("Democratic Republic of the Congo", "CD")])
def test_country_names_codes_and_demonyms_stay_with_the_country(
        gaz: Gazetteer, name: str, iso: str) -> None:
    found = candidates(gaz, name)
    best = max(found, key=lambda c: c.base)
    assert (best.place.feature, best.place.country) == ("A.PCLI", iso)
    # No other country or territory holds the name by an alternate, and no spelling key
    # (the skeleton "us" of Wuxi) stands beside the exact country match.
    others = [c for c in found if c.place.feature == "A.PCLI" and c.place.country != iso]
    assert iso == "KR" or others == []
    assert all(c.kind <= CODE for c in found if c.place.feature.startswith("P."))


def test_china_stays_china_beside_its_territories(gaz: Gazetteer) -> None:
    text = "Protesters in Hong Kong and Taiwan criticised China, and Macau stayed quiet."
    out = resolve(gaz, text, ["Hong Kong", "Taiwan", "China", "Macau"])
    assert where(out["China"])[:2] == ("A.PCLI", "CN")
    assert out["Hong Kong"].place is not None and out["Hong Kong"].place.country == "HK"


def test_congo_names_a_congo_and_korea_the_south_by_default(gaz: Gazetteer) -> None:
    out = resolve(gaz, "Refugees from Congo reached Korea.", ["Congo", "Korea"])
    assert where(out["Congo"])[0] == "A.PCLI" and where(out["Congo"])[1] in ("CG", "CD")
    assert where(out["Korea"])[:2] == ("A.PCLI", "KR")
    north = resolve(gaz, "Pyongyang said North Korea would test.", ["Pyongyang", "North Korea"])
    assert where(north["North Korea"])[:2] == ("A.PCLI", "KP")


def test_georgia_follows_its_context(gaz: Gazetteer) -> None:
    country = resolve(gaz, "Tbilisi said Georgia would not join.", ["Tbilisi", "Georgia"])
    state = resolve(gaz, "Atlanta police said Georgia roads were icy.", ["Atlanta", "Georgia"])
    assert where(country["Georgia"])[:2] == ("A.PCLI", "GE")
    assert where(state["Georgia"]) == ("A.ADM1", "US", "US.GA")


# ------------------------------------------------------- 3. context decides homonyms/regions


def test_qualifier_picks_the_homonym(gaz: Gazetteer) -> None:
    ont = resolve(gaz, "A crash in London, Ont., killed two.", ["London"])
    plain = resolve(gaz, "London police said the bridge was closed.", ["London"])
    italy = resolve(gaz, "Tourists in Venice, Italy, saw floods.", ["Venice", "Italy"])
    assert where(ont["London"])[1:] == ("CA", "CA.08")
    assert where(plain["London"])[1] == "GB"
    assert where(italy["Venice"])[1] == "IT"


def test_region_name_without_a_city_cue_is_the_region(gaz: Gazetteer) -> None:
    quebec = resolve(gaz, "Voters in Quebec rejected the plan.", ["Quebec"])
    city = resolve(gaz, "The mayor of Quebec said the city would pay.", ["Quebec"])
    state = resolve(gaz, "Lawmakers in the state of New York voted.", ["New York"])
    town = resolve(gaz, "Rents in New York rose again.", ["New York"])
    states = resolve(gaz, "Laws in states such as California or Washington allow it.",
                     ["California", "Washington"])
    assert where(quebec["Quebec"])[0] == "A.ADM1"
    assert where(city["Quebec"])[0].startswith("P.")
    assert where(state["New York"])[0] == "A.ADM1"
    assert where(town["New York"])[0].startswith("P.")
    assert where(states["Washington"]) == ("A.ADM1", "US", "US.WA")


# ------------------------------------------------------------------------ 4. facilities


@pytest.mark.parametrize(("text", "name", "word"), [
    ("Dinner at the White House was cancelled.", "White House", "house"),
    ("A plane landed at Heathrow airport in London.", "Heathrow", "airport"),
    ("Diplomats left the Russian Embassy in Washington.", "Russian Embassy", "embassy"),
    ("Crowds filled St. Peter's Basilica.", "St. Peter's Basilica", "basilica"),
])
def test_facility_never_takes_a_town_that_shares_its_name(
        gaz: Gazetteer, text: str, name: str, word: str) -> None:
    found = resolve(gaz, text, [name])[name]
    assert found.place is None
    assert found.reason is not None and word in found.reason


def test_facility_resolves_to_the_town_named_inside(gaz: Gazetteer) -> None:
    found = resolve(gaz, "He was taken to St. Cloud Hospital in Minnesota.",
                    ["St. Cloud Hospital", "Minnesota"])
    assert where(found["St. Cloud Hospital"])[1:] == ("US", "US.MN")


def test_qualified_short_form_is_not_the_country(gaz: Gazetteer) -> None:
    found = resolve(gaz, "Migrants from Latin America arrived.", ["Latin America"])
    assert found["Latin America"].place is None


# ------------------------------------------------------------- 5. below the cut-off


def test_ukrainian_village_gets_its_oblast_not_a_sound_alike(gaz: Gazetteer) -> None:
    """Platonivka (a village of KATOTTG, not in cities500) is not Platonovka, Russia."""
    text = "Russian troops took Platonivka in Donetsk region of Ukraine on Monday."
    found = resolve(gaz, text, ["Platonivka", "Donetsk", "Ukraine"])["Platonivka"]
    assert found.place is None
    assert found.reason is not None and "KATOTTG" in found.reason
    assert "Donetska oblast" in found.reason and "Odeska" not in found.reason
    bare = resolve(gaz, "Russian troops took Platonivka in Ukraine.", ["Platonivka", "Ukraine"])
    assert "Donetska oblast" in (bare["Platonivka"].reason or "")


def test_russian_village_spelt_its_own_way_stays_put(gaz: Gazetteer) -> None:
    found = resolve(gaz, "Officials in Belgorod said Platonovka was shelled.",
                    ["Belgorod", "Platonovka"])
    assert where(found["Platonovka"])[1] == "RU"


def test_town_missing_from_the_index_is_not_the_country(gaz: Gazetteer) -> None:
    found = resolve(gaz, "The fair in Turkey, Texas, drew crowds.", ["Turkey", "Texas"])
    assert found["Turkey"].place is None
    assert "Texas" in (found["Turkey"].reason or "")


def test_entity_says_why_a_place_is_unresolved(tmp_path_factory: pytest.TempPathFactory) -> None:
    from tests.test_resolve import _resolve_texts

    text = "Russian troops took Platonivka in Donetsk region of Ukraine on Monday."
    result = _resolve_texts(tmp_path_factory, [
        ("u1", text, [("Platonivka", "GPE"), ("Donetsk", "GPE"), ("Ukraine", "GPE")])])
    village = next(e for e in result.entities if e.name == "Platonivka")
    assert village.geonames_id is None and village.lat is None
    assert village.unresolved is not None and "Donetska oblast" in village.unresolved
    country = next(e for e in result.entities if e.name == "Ukraine")
    assert country.country == "UA" and country.unresolved is None


def test_initials_stand_for_a_place_the_document_names(gaz: Gazetteer) -> None:
    text = "North Korea fired a missile on Monday. NK state media called it a success."
    found = resolve(gaz, text, ["North Korea", "NK"])
    assert where(found["NK"])[:2] == ("A.PCLI", "KP")
    alone = resolve(gaz, "NK state media called it a success.", ["NK"])["NK"]
    assert alone.place is None or alone.place.country != "KP"
