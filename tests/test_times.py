"""Time expressions normalised against the publication date (weekday rule fixed)."""

from __future__ import annotations

from newsledger.extract.times import find_times, weekday_on_or_before


def _by_text(text: str, published: str | None, language: str = "en") -> dict[str, object]:
    found = find_times(text, published, language)
    for t in found:
        assert text[t.start : t.end] == t.text
    return {t.text: t for t in found}


def test_weekday_is_most_recent_on_or_before_publication() -> None:
    wednesday = _by_text("The attack began on Tuesday.", "2024-03-13")
    assert wednesday["on Tuesday"].value == "2024-03-12"
    tuesday = _by_text("The attack began on Tuesday.", "2024-03-12")
    assert tuesday["on Tuesday"].value == "2024-03-12"  # the same day, not a week earlier
    early = _by_text("Drones struck early Tuesday.", "2024-03-14T08:00:00")
    assert early["early Tuesday"].value == "2024-03-12"
    assert early["early Tuesday"].relative == "weekday:1"


def test_weekday_helper_covers_every_offset() -> None:
    from datetime import date, timedelta

    pub = date(2024, 3, 13)
    for wd in range(7):
        day = weekday_on_or_before(wd, pub)
        assert day.weekday() == wd and timedelta(0) <= pub - day < timedelta(days=7)


def test_undated_article_keeps_relative_meaning() -> None:
    found = _by_text(
        "On Tuesday fighters crossed; yesterday and overnight drones flew. March 12, 2024 it ends.",
        None,
    )
    assert found["On Tuesday"].value is None and found["On Tuesday"].relative == "weekday:1"
    assert found["yesterday"].value is None and found["yesterday"].relative == "days:-1"
    assert found["overnight"].relative == "part_of_day:night"
    assert found["March 12, 2024"].value == "2024-03-12"  # absolute dates still resolve


def test_relative_words_with_publication_date() -> None:
    found = _by_text("Yesterday shelling; last night and this morning more drones.", "2024-03-13")
    assert found["Yesterday"].value == "2024-03-12"
    assert found["last night"].value == "2024-03-12"
    assert found["this morning"].value == "2024-03-13"


def test_date_and_time_ranges() -> None:
    found = _by_text(
        "The election is scheduled for March 15 to 17. Attacks came between 12:40 pm and 1:40 pm.",
        "2024-03-12",
    )
    assert found["March 15 to 17"].value == "2024-03-15"
    assert found["March 15 to 17"].end_value == "2024-03-17"
    clock = found["between 12:40 pm and 1:40 pm"]
    assert clock.value == "2024-03-12T12:40:00" and clock.end_value == "2024-03-12T13:40:00"
    assert clock.precision == "minute"


def test_times_with_zones() -> None:
    found = _by_text("3:35 PM EDT, March 13, 2024. At 9 AM Eastern Time he spoke.", "2024-03-13")
    assert found["3:35 PM EDT, March 13, 2024"].value == "2024-03-13T15:35:00-04:00"
    assert found["9 AM Eastern Time"].value == "2024-03-13T09:00:00-04:00"
    assert found["9 AM Eastern Time"].precision == "hour"


def test_year_inference_months_and_since() -> None:
    found = _by_text(
        "Since March 10 attacks grew. In May 2023 and in mid-February, and on 28 December.",
        "2024-01-05",
    )
    assert found["Since March 10"].value == "2023-03-10"
    assert found["Since March 10"].end_value == "2024-01-05"
    assert found["May 2023"].value == "2023-05" and found["May 2023"].precision == "month"
    assert found["mid-February"].value == "2024-02"
    assert found["28 December"].value == "2023-12-28"  # the previous year, not the next


def test_other_language_through_dateparser() -> None:
    found = find_times("Атака произошла 12 марта 2024 года.", "2024-03-13", "ru")
    assert any(t.value == "2024-03-12" for t in found)


def test_other_language_weekday_same_day_and_undated() -> None:
    tuesday = find_times("Во вторник дроны атаковали город.", "2024-03-12", "ru")
    assert [(t.value, t.relative) for t in tuesday] == [("2024-03-12", "weekday:1")]
    undated = find_times("Am Dienstag griffen Drohnen an. Gestern auch.", None, "de")
    assert [(t.value, t.relative) for t in undated] == [(None, "weekday:1"), (None, "days:-1")]


def test_publication_date_at_the_calendars_edge_keeps_expressions_unanchored() -> None:
    text = "The attack came on Monday; yesterday the mayor spoke, and tomorrow schools reopen."
    for published in ("0001-01-01", "9999-12-31"):
        found = find_times(text, published)
        assert {t.text.lower() for t in found} >= {"on monday", "yesterday", "tomorrow"}
