"""The claims benchmark's metrics and its use of the reconciler's claim equivalence."""

from __future__ import annotations

import json

import pytest

from newsledger.bench.claims import adjusted_rand_index, bcubed, group_answers, run


def test_ari_known_values():
    assert adjusted_rand_index([0, 0, 1, 1], [5, 5, 7, 7]) == pytest.approx(1.0)
    # the classic example: ARI of these two labelings is 0.24242...
    gold = [0, 0, 0, 1, 1, 1]
    pred = [0, 0, 1, 1, 2, 2]
    assert adjusted_rand_index(gold, pred) == pytest.approx(0.2424, abs=1e-3)
    assert adjusted_rand_index([0, 1, 2, 3], [0, 0, 0, 0]) == pytest.approx(0.0)


def test_bcubed_singletons_and_lumping():
    gold = ["a", "a", "b"]
    p, r = bcubed(gold, [1, 2, 3])
    assert p == pytest.approx(1.0) and r == pytest.approx((0.5 + 0.5 + 1) / 3)
    p, r = bcubed(gold, [1, 1, 1])
    assert r == pytest.approx(1.0) and p == pytest.approx((2 / 3 + 2 / 3 + 1 / 3) / 3)


def test_grouping_merges_paraphrases_and_keeps_distinct_answers_apart():
    labels = group_answers(
        [
            "to curb human trafficking and the flow of drugs",
            "to curb the flow of drugs and human trafficking",
            "in response to the end of Title 42",
        ]
    )
    assert labels[0] == labels[1] != labels[2]


def test_run_on_a_tiny_file(tmp_path):
    answers = [
        {"Answer": "to curb human trafficking and drug smuggling", "cluster_global": 0},
        {"Answer": "to curb drug smuggling and human trafficking", "cluster_global": 0},
        {"Answer": "because of the Title 42 decision", "cluster_global": 1},
    ]
    path = tmp_path / "nanco_dataset.json"
    path.write_text(json.dumps([{"question": "Why?", "answers": answers}]))
    result = run(tmp_path, None)
    assert result["n"] == 1
    assert result["metrics"]["ari"] == pytest.approx(1.0)
    assert result["metrics"]["bcubed_f1"] == pytest.approx(1.0)


def test_statements_of_different_figures_are_never_one_claim():
    from newsledger.extract.quantities import exact_numbers
    from newsledger.reconcile.propositions import from_text, group_propositions

    answers = ["for two more years", "two years", "for three more years", "three years"]
    for labels in (
        group_answers(answers),  # by meaning (the embedder)
        [g for i in range(len(answers)) for g, group in
         enumerate(group_propositions([from_text(a) for a in answers])) if i in group],  # words
    ):
        assert labels[0] == labels[1] != labels[2] == labels[3]
    assert exact_numbers("one of them said it would last two years") == {2.0}
    assert exact_numbers("until July 1, 2024") == {1.0, 2024.0}
    assert exact_numbers("dozens of people") == frozenset()
