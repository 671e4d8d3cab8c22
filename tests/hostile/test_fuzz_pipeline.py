"""Property tests for issue 13: numbers in every locale style, and the whole pipeline on small
generated documents.

Extraction never raises on them (``annotate_isolated`` reports no article as unanalysed),
every span still quotes its text, a count written with thousands separators is parsed to
its value, and a run over a generated folder accounts for every input: articles plus
rejections plus duplicates, each evidence quote equal to its span in the article.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsledger.extract import annotate_isolated
from newsledger.extract.quantities import _digits_value
from newsledger.isolation import Unanalysed
from newsledger.model import Article
from newsledger.pipeline import analyze
from tests.hostile.fuzzing import examples
from tests.hostile.test_extract_hostile import _article, check_annotations, hostile_text

SEPARATORS = [",", ".", " ", "\u00a0", "\u202f", "\u2009", "'", "’", "_"]
SLOW = settings(
    max_examples=examples(6),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FAST = settings(max_examples=examples(60), deadline=None)


def _grouped(n: int, sep: str, indian: bool = False) -> str:
    digits = str(n)
    if indian and len(digits) > 3:  # 1,00,000: the last group of three, then pairs
        head, tail = digits[:-3], digits[-3:]
        pairs = [head[max(0, i - 2) : i] for i in range(len(head), 0, -2)][::-1]
        return sep.join([*pairs, tail])
    groups = [digits[max(0, i - 3) : i] for i in range(len(digits), 0, -3)][::-1]
    return sep.join(groups)


locale_number = st.builds(
    _grouped,
    st.integers(0, 10**12),
    st.sampled_from(SEPARATORS),
    st.booleans(),
) | st.sampled_from(["3,5", "0,5", "1.000.000,25", "12.5", "10 000 000", "٣٤", "1e5", "1,00"])

TEMPLATES = [
    "{n} people were killed, officials said.",
    "At least {n} soldiers were wounded on Tuesday.",
    "The ministry said between {n} and {m} civilians died.",
    "The toll rose to {n}; {m}, and now less than {n}.",
    "A man, {n}, and his son, {m}, were hurt.",
    "({n}) «{m}» “{n}",
    "{n}{m}",
    "",
    ".",
]


@st.composite
def number_sentences(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 5))):
        template = draw(st.sampled_from(TEMPLATES))
        parts.append(template.format(n=draw(locale_number), m=draw(locale_number)))
    glue = draw(st.sampled_from([" ", "\n", "\n\n", "", " . "]))
    return glue.join(parts)


@FAST
@given(st.integers(0, 10**15), st.sampled_from(SEPARATORS[:1] + SEPARATORS[2:]), st.booleans())
def test_every_grouping_style_parses_to_its_value(n: int, sep: str, indian: bool) -> None:
    assert _digits_value(_grouped(n, sep, indian and sep == ",")) == n


@SLOW
@given(st.lists(number_sentences(), min_size=1, max_size=4))
def test_numbers_of_every_locale_never_break_extraction(texts: list[str]) -> None:
    articles = [_article(t) for t in texts]
    out = list(annotate_isolated(articles, timeout=None))
    assert [o.article_id for o in out] == [a.id for a in articles]  # one result per article
    for article, ann in zip(articles, out, strict=True):
        assert not isinstance(ann, Unanalysed), ann.reason
        check_annotations(article, ann)


@FAST
@given(st.integers(1_000, 10**9))
def test_a_count_with_commas_is_its_value(n: int) -> None:
    figure = f"{n:,}"
    text = f"Officials said {figure} people were killed in the attack."
    (ann,) = annotate_isolated([_article(text)], timeout=None)
    assert not isinstance(ann, Unanalysed)
    assert {q.value for q in ann.quantities if q.text == figure} == {float(n)}


story = st.sampled_from(
    [
        "Fighters crossed the border on Tuesday and took control of a village near Kursk, "
        "the group said.",
        "The ministry said the attack had been repelled and 12,500 soldiers were killed.",
        '"We will not give up," the governor said on Telegram.',
        "Police said 3 people were wounded in a shooting in Springfield on Sunday.",
    ]
)
document = st.lists(st.one_of(story, hostile_text, number_sentences()), min_size=0, max_size=6)


@SLOW
@given(st.lists(document, min_size=1, max_size=3))
def test_the_pipeline_accounts_for_every_generated_document(docs: list[list[str]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folder = root / "in"
        folder.mkdir()
        for i, parts in enumerate(docs):
            body = " ".join(parts)
            (folder / f"doc-{i}.txt").write_text(f"Title {i}\n\n{body}", encoding="utf-8")
        summary = analyze([str(folder)], root / "out")
        ledger = json.loads((root / "out" / "ledger.json").read_text(encoding="utf-8"))
    duplicates = summary.read_articles - summary.new_articles
    assert len(ledger["articles"]) + len(ledger["rejected"]) + duplicates == len(docs)
    for rejection in ledger["rejected"]:
        assert rejection["reason"].strip()
        assert "could not be analysed" not in rejection["reason"], rejection  # no crash
    texts = {a["id"]: a["text"] for a in ledger["articles"]}
    for claim in ledger["claims"]:
        assert claim["evidence"]
        for ev in claim["evidence"]:
            assert texts[ev["article_id"]][ev["start"] : ev["end"]] == ev["quote"]
    for entity in ledger["entities"]:
        for m in entity["mentions"]:
            assert texts[m["article_id"]][m["start"] : m["end"]] == m["text"]


def test_an_article_of_many_empty_and_one_very_long_sentence() -> None:
    long_sentence = " and ".join(f"{n:,} people were killed near Kursk" for n in range(1000, 1600))
    texts = ["." * 5000, ". " * 3000, long_sentence, "\n" * 3000 + "x"]
    articles = [Article(f"a-{i}", f"h-{i}", f"{i}.txt", t) for i, t in enumerate(texts)]
    out = list(annotate_isolated(articles, timeout=None))
    for article, ann in zip(articles, out, strict=True):
        assert not isinstance(ann, Unanalysed), ann.reason
        check_annotations(article, ann)
