"""The stance test between statements, and the FNC-1 scoring the benchmark uses."""

from __future__ import annotations

import pytest

from newsledger import meaning
from newsledger.bench.stance import fnc_score, part_of, scores
from newsledger.reconcile.stance import contradicts, stance

CLAIM = "Pro-Ukrainian fighters captured the border village of Tyotkino in the Kursk region."


def _sim(a: str, b: str) -> float:
    vectors = meaning.embed([a, b])
    assert vectors is not None
    return float(vectors[0] @ vectors[1])


def test_four_stances() -> None:
    agree = ("Fighters loyal to Kyiv captured the village of Tyotkino in the Kursk region on "
             "Tuesday. They raised their flag over the village.")
    hedge = ("Fighters reportedly captured the village of Tyotkino in the Kursk region, "
             "according to unverified posts. The claim could not be confirmed.")
    deny = ("The ministry denied that fighters captured the village of Tyotkino in the Kursk "
            "region, calling the reports fake.")
    other = "The central bank raised interest rates by half a point to fight inflation."
    labels = {name: stance(CLAIM, text, similarity=_sim(CLAIM, text)).label
              for name, text in (("agree", agree), ("hedge", hedge), ("deny", deny),
                                 ("other", other))}
    assert labels == {"agree": "agrees", "hedge": "discusses", "deny": "disagrees",
                      "other": "unrelated"}


def test_words_only_without_an_embedder() -> None:
    result = stance(CLAIM, "A recipe for apple pie with cinnamon.", similarity=None)
    assert result.label == "unrelated" and result.similarity is None


def test_denial_in_another_script_contradicts() -> None:
    denial = "Минобороны опровергло захват села Тёткино в Курской области."
    unrelated = "Центробанк повысил ключевую ставку на половину пункта."
    assert contradicts(CLAIM, denial, "asserts", "denies", _sim(CLAIM, denial))
    assert not contradicts(CLAIM, unrelated, "asserts", "denies", _sim(CLAIM, unrelated))
    assert not contradicts(CLAIM, denial, "asserts", "denies", None)


def test_fnc_score_weights() -> None:
    gold = ["agrees", "unrelated", "discusses", "disagrees"]
    assert fnc_score(gold, gold) == 1.0
    # related but the wrong class earns the 0.25 for relatedness only
    assert fnc_score(["agrees"], ["discusses"]) == pytest.approx(0.25)
    assert fnc_score(["agrees"], ["unrelated"]) == 0.0
    assert scores(gold, gold)["macro_f1"] == 1.0
    assert {part_of(str(i)) for i in range(20)} == {"calibration", "held_out"}
