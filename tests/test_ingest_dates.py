"""Publication dates: metadata values and datelines, never dates from captions or sentences."""

from __future__ import annotations

import pytest

from newsledger.ingest.clean import clean_text
from newsledger.ingest.dates import find_dateline, parse_date_value


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("3:35 PM EDT, March 13, 2024", "2024-03-13T15:35:00-04:00"),
        ("World » RUSSIA | March 12, 2024, Tuesday // 14:25", "2024-03-12T14:25:00"),
        ("Updated 13.03.2024", "2024-03-13"),
        ("12 марта 2024, 14:05", "2024-03-12T14:05:00"),
        ("Published: 2024-03-12T10:00:00Z", "2024-03-12T10:00:00+00:00"),
        ("Tuesday, 5 November 2019", "2019-11-05"),
        # Not datelines: sentences, captions, dates without a year.
        ("Drones rain in Russia this Tuesday March 12, 2024. Russia said", None),
        ("He said on March 12, 2024.", None),
        ("Servicemen in the Kyiv region, February 23, 2024 © AFP – Jane DOE", None),
        ("On March 12, partisans crossed the border", None),
        ("March 12", None),
    ],
)
def test_dateline(line: str, expected: str | None) -> None:
    assert find_dateline(line) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2014-01-28", "2014-01-28"),
        ("2024-03-12T10:00:00Z", "2024-03-12T10:00:00+00:00"),
        ("Tue, 12 Mar 2024 10:00:00 GMT", "2024-03-12T10:00:00+00:00"),
        ("January 12, 2014", "2014-01-12"),
        (1710237600, "2024-03-12T10:00:00+00:00"),
        ("1850-01-01", None),
        ("not a date", None),
        ("", None),
        (None, None),
        (True, None),
        ({"a": 1}, None),
    ],
)
def test_metadata_values(value: object, expected: str | None) -> None:
    assert parse_date_value(value) == expected


def test_caption_date_further_down_is_ignored() -> None:
    text = (
        "Flood hits town\n\n"
        "Water rose above the river banks on Sunday and forced families to leave their homes.\n\n"
        "Rescuers, March 3, 2024\n\n"
        "The mayor said the damage would take months to repair, according to local media."
    )
    assert clean_text(text).dateline is None


def test_dateline_at_the_top_is_used_and_removed() -> None:
    text = (
        "Flood hits town\n\nMarch 4, 2024 08:15 GMT\n\n"
        "Water rose above the river banks on Sunday and forced families to leave their homes."
    )
    result = clean_text(text)
    assert result.dateline == "2024-03-04T08:15:00+00:00"
    assert [r.reason for r in result.removed] == ["dateline"]
    assert "2024" not in result.text
