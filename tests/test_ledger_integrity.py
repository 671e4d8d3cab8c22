"""Nothing is invented: every span in the example ledger matches the article text it points to."""

from __future__ import annotations


def _texts(ledger: dict) -> dict[str, str]:
    return {a["id"]: a["text"] for a in ledger["articles"]}


def test_entity_mentions_match_article_text(example_ledger: dict) -> None:
    texts = _texts(example_ledger)
    for entity in example_ledger["entities"]:
        assert entity["mentions"], entity["id"]
        for m in entity["mentions"]:
            assert texts[m["article_id"]][m["start"] : m["end"]] == m["text"], entity["name"]
        assert {m["text"] for m in entity["mentions"]} <= set(entity["aliases"])


def test_claim_evidence_quotes_match_article_text(example_ledger: dict) -> None:
    texts = _texts(example_ledger)
    for claim in example_ledger["claims"]:
        assert claim["evidence"], claim["id"]
        for ev in claim["evidence"]:
            assert texts[ev["article_id"]][ev["start"] : ev["end"]] == ev["quote"]


def test_references_between_records_resolve(example_ledger: dict) -> None:
    articles = set(_texts(example_ledger))
    entities = {e["id"] for e in example_ledger["entities"]}
    events = {e["id"] for e in example_ledger["events"]}
    claims = {c["id"] for c in example_ledger["claims"]}
    groups = {g["id"] for g in example_ledger["origin_groups"]}
    assert {a["origin_group"] for a in example_ledger["articles"]} <= groups
    grouped = [aid for g in example_ledger["origin_groups"] for aid in g["article_ids"]]
    assert sorted(grouped) == sorted(articles), "every article in exactly one origin group"
    for event in example_ledger["events"]:
        assert set(event["article_ids"]) <= articles
        assert set(event["claim_ids"]) <= claims
        assert set(event["actors"]) <= entities
        assert set(event["locations"]) <= entities
        assert event["location"] is None or event["location"] in entities
    for claim in example_ledger["claims"]:
        assert claim["event_id"] in events
        assert set(claim["claimants"]) <= entities
        assert claim["independent_origins"] <= len(groups)
    for conflict in example_ledger["conflicts"]:
        assert set(conflict["claim_ids"]) <= claims


def test_ids_are_unique(example_ledger: dict) -> None:
    for key in ("articles", "origin_groups", "events", "entities", "claims", "conflicts"):
        ids = [r["id"] for r in example_ledger[key]]
        assert len(ids) == len(set(ids)), key
