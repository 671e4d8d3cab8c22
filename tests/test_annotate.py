"""annotate_articles end to end: offsets, sentences, ordering, languages, version tag."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from newsledger.extract import EXTRACTOR_VERSION, annotate_articles
from newsledger.extract.nlp import english
from newsledger.model import Article

FIXTURES = Path(__file__).parent / "fixtures" / "extract"


def _article(text: str, published: str | None = None, language: str | None = "en") -> Article:
    digest = hashlib.sha256(text.encode()).hexdigest()
    return Article(digest[:16], digest, "test", text, language=language, published=published)


@pytest.fixture(scope="session")
def seed_annotations():
    articles = [
        _article((FIXTURES / "seed_dated.txt").read_text(encoding="utf-8"), "2024-03-13"),
        _article((FIXTURES / "seed_undated.txt").read_text(encoding="utf-8"), None),
    ]
    return articles, list(annotate_articles(articles, nlp=english(), batch_size=1))


def test_offsets_are_article_offsets(seed_annotations) -> None:
    articles, annotations = seed_annotations
    assert [a.article_id for a in annotations] == [a.id for a in articles]
    for article, ann in zip(articles, annotations, strict=True):
        assert ann.extractor == EXTRACTOR_VERSION and ann.content_hash == article.content_hash
        assert ann.sentences and ann.mentions
        for m in ann.mentions:
            assert article.text[m.start : m.end] == m.text
            sentence = ann.sentences[m.sentence]
            assert sentence.start <= m.start < sentence.end
        for t in ann.times:
            assert article.text[t.start : t.end] == t.text
        for e in ann.events:
            assert article.text[e.trigger.start : e.trigger.end] == e.trigger.text
            assert 0 <= e.sentence < len(ann.sentences)
        for q in ann.quantities:
            assert article.text[q.start : q.end] == q.text


def test_seed_content(seed_annotations) -> None:
    _, (dated, undated) = seed_annotations
    armed = {m.text for m in dated.mentions if m.label == "ARMED_GROUP"}
    assert "Siberian Battalion" in armed and "Russian Volunteer Corps" in armed
    assert any(t.text == "on Wednesday" and t.value == "2024-03-13" for t in dated.times)
    morning = [t for t in undated.times if t.text == "This morning"]
    assert morning and morning[0].value is None
    assert morning[0].relative == "today;part_of_day:morning"
    kinds = {e.sub_event_type for e in dated.events + undated.events}
    assert "Air/drone strike" in kinds and "Armed clash" in kinds


def test_russian_and_other_languages() -> None:
    ru = _article(
        "Во вторник губернатор Вячеслав Гладков сообщил об обстреле Белгорода. Двое ранены.",
        "2024-03-13",
        "ru",
    )
    de = _article("Am 12. März 2024 griffen Drohnen an. Zwei Menschen wurden verletzt.", None, "de")
    ann_ru, ann_de = annotate_articles([ru, de])
    assert len(ann_ru.sentences) == 2 and len(ann_de.sentences) == 2
    assert any(m.label == "PERSON" and m.text == "Вячеслав Гладков" for m in ann_ru.mentions)
    for article, ann in ((ru, ann_ru), (de, ann_de)):
        for m in ann.mentions:
            assert article.text[m.start : m.end] == m.text
    assert any(t.value == "2024-03-12" for t in ann_de.times)


def test_missing_model_gives_one_clear_error(monkeypatch) -> None:
    from newsledger.extract import nlp

    monkeypatch.setenv(nlp.MODEL_ENV, "no_such_spacy_model_xyz")
    with pytest.raises(nlp.ModelMissingError, match="not installed"):
        nlp.english()
