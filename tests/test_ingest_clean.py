"""Boilerplate removal on seed-like articles: what goes (with its reason) and that news stays."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsledger.ingest import IngestOptions, read_inputs
from newsledger.ingest.clean import clean_text
from newsledger.ingest.decode import normalise_text
from newsledger.model import Article

SEEDS = Path(__file__).parent / "fixtures" / "ingest" / "seeds"

# (reason, start of the removed line) for every removal expected in each seed.
EXPECTED = {
    "000": [
        ("metadata header", " date 2024-03-12"),
        ("dateline", "World » RUSSIA |"),
        ("repeated title", "Bulgaria: Russian Border Towns"),
    ],
    "001": [
        ("repeated title with section label", "NewsRussian volunteer"),
        ("image caption", "Damaged city council"),
        ("duplicate line", "Damaged city council"),
        ("image credit", "Images source:"),
        ("dateline", "3:35 PM EDT"),
        ("related-content link", "Related content"),
    ],
    "002": [
        ("share buttons", "Spread the love"),
        ("repeated title", "Russian pro-Ukraine fighters"),
        ("image caption and credit", "Kremlin spokesperson"),
        ("repeated title", "Russian pro-Ukraine fighters"),
        ("image caption and credit", "Ukraine: positions of"),
        ("repeated title", "Russian pro-Ukraine fighters"),
        ("image caption and credit", "Servicemen transport a drone"),
        ("copyright notice", "All rights of reproduction"),
        ("byline", "Teilor Stone"),
        ("byline", "By Teilor Stone"),
        ("author bio and contact details", "Teilor Stone has been a reporter"),
    ],
    "003": [
        ("related-content link", "Also Read: War in Ukraine"),
        ("related-content link", "Also read: Between the war"),
    ],
    "004": [("navigation", "in")],
}
TITLES = {
    "000": "Russian Border Towns Under Siege: Russian Volunteers Strike Deep Inside Russian "
    "Territory",
    "001": "Russian volunteer groups attack military sites in Belgorod and Kursk",
    "002": "Russian pro-Ukraine fighters attack border regions in Russia",
    "003": "Drones rain in Russia this Tuesday March 12, 2024",
    "004": "Pro-Ukrainian Russian Forces Report Launching Cross-Border Strikes in Russia",
}
DATES = {
    "000": ("2024-03-12", "header"),
    "001": ("2024-03-13T15:35:00-04:00", "dateline"),
    "002": (None, None),
    "003": (None, None),
    "004": (None, None),
}


@pytest.fixture(scope="module")
def seeds() -> dict[str, Article]:
    items = list(read_inputs([str(SEEDS)], IngestOptions()))
    assert all(isinstance(i, Article) for i in items)
    return {Path(a.path_or_url).name[:3]: a for a in items}


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_seed_removals_reasons_and_offsets(seeds: dict[str, Article], key: str) -> None:
    article = seeds[key]
    raw = normalise_text(next(SEEDS.glob(f"{key}_*.txt")).read_text(encoding="utf-8"))
    got = [(r.reason, r.text) for r in article.removed]
    assert len(got) == len(EXPECTED[key])
    for (reason, text), (want_reason, want_start) in zip(got, EXPECTED[key], strict=True):
        assert reason == want_reason and text.startswith(want_start)
    for removal in article.removed:
        assert raw[removal.start : removal.end] == removal.text


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_every_other_line_of_news_is_kept(seeds: dict[str, Article], key: str) -> None:
    article = seeds[key]
    raw = normalise_text(next(SEEDS.glob(f"{key}_*.txt")).read_text(encoding="utf-8"))
    removed = {(r.start, r.end) for r in article.removed}
    position = 0
    for line in raw.split("\n"):
        span = (position, position + len(line))
        position += len(line) + 1
        if line.strip() and span not in removed:
            assert line.strip() in article.text


@pytest.mark.parametrize("key", sorted(TITLES))
def test_seed_titles_dates_language(seeds: dict[str, Article], key: str) -> None:
    article = seeds[key]
    assert article.title == TITLES[key]
    assert (article.published, article.published_basis) == DATES[key]
    assert article.published_inferred is False
    assert article.language == "en"


def test_fake_bio_contact_details_are_gone(seeds: dict[str, Article]) -> None:
    text = seeds["002"].text
    assert "@" not in text and "1-800" not in text and "©" not in text
    assert text.rstrip().endswith("blocked for months by President Joe Biden's Republican rivals.")
    assert seeds["002"].byline == "Teilor Stone"


def clean(text: str, title: str | None = None) -> tuple[str, list[str]]:
    result = clean_text(text, title=title)
    return result.text, [r.reason for r in result.removed]


def test_share_and_related_lines() -> None:
    body = "The council approved the budget on Monday after a long debate, officials said."
    text, reasons = clean(
        f"Share | Tweet | Email\n\n{body}\n\nRead more: Council fights over budget\n"
        "Related articles\nSee also: budget timeline\n"
    )
    assert text == body
    assert reasons == [
        "share buttons",
        "related-content link",
        "related-content link",
        "related-content link",
    ]


def test_sentences_that_look_like_rules_stay() -> None:
    body = (
        "Officials said they would share the findings with the public next week.\n\n"
        "Read more about the plan, the mayor urged residents in a statement on Friday.\n\n"
        "Call the hotline on 8 800 200 34 11 if you see anything suspicious, police said "
        "in a statement issued on Tuesday evening after the attack.\n\n"
        "By Wednesday, the fire had been put out and the road was reopened to traffic."
    )
    text, reasons = clean(body)
    assert text == body and reasons == []


def test_photo_credits_and_copyright() -> None:
    body = "Rescuers searched the rubble for survivors through the night, the agency reported."
    text, reasons = clean(
        f"Rescuers at the site\nPhoto: Jane Doe/Agency\n\n{body}\n\n"
        "Firefighters on the scene © AGENCY – John SMITH\n\n"
        "Copyright 2024 The Paper. All rights reserved."
    )
    assert text == body
    assert reasons == [
        "image caption",
        "image credit",
        "image caption and credit",
        "copyright notice",
    ]


def test_repeated_title_and_glued_section_word() -> None:
    title = "Storm floods coastal towns"
    body = "Heavy rain flooded three coastal towns on Sunday, forcing hundreds to leave home."
    text, reasons = clean(f"WeatherStorm floods coastal towns\n{title}\n\n{body}\n\n{title}\n")
    assert text == f"{title}\n\n{body}"
    assert reasons == ["repeated title with section label", "repeated title"]
    result = clean_text(f"World: {title}\n\n{body}", title=title)
    assert result.text == body and result.title == title


def test_author_bio_at_the_end_only() -> None:
    body = "The minister is a former journalist who was elected to parliament in 2019."
    text, reasons = clean(
        f"{body}\n\nThe vote is expected next month, his office said on Thursday.\n\n"
        "Jane Roe\nBy Jane Roe\nJane Roe is a staff writer covering politics. "
        "Reach her at jane@example.com or +1 202 555 0147."
    )
    assert text.startswith(body) and "Jane Roe" not in text
    assert reasons == ["byline", "byline", "author bio and contact details"]
    assert clean_text(text).byline is None


def test_title_from_first_headline_line() -> None:
    result = clean_text(
        "Home\n\nMayor resigns after audit\n\n"
        "The mayor resigned on Monday, a week after an audit found missing funds."
    )
    assert result.title == "Mayor resigns after audit"
    assert [r.reason for r in result.removed] == ["navigation"]


def test_heading_lines_glued_to_a_sentence_end_before_the_body() -> None:
    from newsledger.ingest.clean import heading_lines_end

    text = "– Village taken in the east –\n\nOn the front, forces claimed an advance."
    assert text[heading_lines_end(text) :].startswith("On the front")
    plain = "Officials said:\n“We hold the line.”"
    assert heading_lines_end(plain) == 0  # a line ending in a colon introduces the next
    assert heading_lines_end("One sentence without a break") == 0
