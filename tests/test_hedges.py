"""Hedges: reports that flag their own uncertainty."""

from __future__ import annotations

import pytest

from newsledger.extract.hedges import find_hedges


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The claims could not be independently verified.", "could not be independently verified"),
        (
            "The authenticity of the footage remains unconfirmed.",
            "authenticity of the footage remains unconfirmed",
        ),
        ("AFP has yet to independently confirm the report.", "has yet to independently confirm"),
        (
            "These claims remain unverified by independent sources.",
            "claims remain unverified by independent sources",
        ),
        ("Footage purportedly shows the retreat.", "purportedly"),
        ("Reuters was unable to verify the video.", "unable to verify"),
    ],
)
def test_hedges_found(text: str, expected: str) -> None:
    spans = find_hedges(text)
    assert expected in [s.text for s in spans]
    for s in spans:
        assert text[s.start : s.end] == s.text


def test_plain_statements_are_not_hedges() -> None:
    assert find_hedges("The attack was confirmed by police. He claimed victory.") == ()
