"""Extract stage: per-article annotations, a pure function of the article text (cached by hash).

One spaCy ``Doc`` is built per article with ``doc.text == article.text``, so every
character offset is an article offset. English articles (and those of unknown
language) go through the full English pipeline in batches; Russian gets natasha
entities and sentences; other languages a blank tokenizer with a sentencizer,
which still yields sentences, numbers and times. Attribution, quantities and
hedges come from their own modules and receive the same ``Doc``.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from types import ModuleType
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from newsledger.extract import entities as _entities
from newsledger.extract import events as _events
from newsledger.extract import nlp as _nlp
from newsledger.extract import times as _times
from newsledger.extract.entities import RawMention
from newsledger.isolation import (
    ARTICLE_FAULTS,
    WHOLE_RUN_ERRORS,
    Unanalysed,
    article_timeout,
    deadline,
    failure_reason,
    log_failure,
)
from newsledger.model import (
    Annotations,
    Article,
    EventMention,
    Mention,
    Sentence,
    TextSpan,
    TimeExpression,
)

EXTRACTOR_VERSION = "8"  # 8: Russian and Ukrainian cues, figures and mention fixes


SLAVIC = frozenset({"ru", "uk"})


def _partner(name: str) -> ModuleType:
    """Import a sibling extractor, failing with one clear message when it is absent."""
    import importlib

    try:
        return importlib.import_module(f"newsledger.extract.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"newsledger.extract.{name}":
            raise RuntimeError(
                f"newsledger.extract.{name} is missing: the extract stage needs the attribution, "
                "quantities and hedges modules (issue 3)"
            ) from exc
        raise


def _language(article: Article) -> str:
    lang = (article.language or "en").lower().split("-")[0].split("_")[0]
    return lang or "en"


def _russian_doc(text: str) -> tuple[Doc, list[RawMention]]:
    """A blank Russian doc whose sentence boundaries follow natasha's segmenter."""
    from newsledger.extract import russian

    doc = _nlp.blank("ru").make_doc(text)
    starts = {s for s, _ in russian.sentences(text)}
    for i, token in enumerate(doc):
        token.is_sent_start = i == 0 or token.idx in starts
    return doc, russian.mentions(text)


def _sentence_of(starts: list[int]) -> Callable[[int], int]:
    def index(offset: int) -> int:
        return max(0, bisect_right(starts, offset) - 1)

    return index


def _annotate_doc(article: Article, doc: Doc, raw: list[RawMention], lang: str) -> Annotations:
    text = article.text
    sentences = tuple(Sentence(s.start_char, s.end_char) for s in doc.sents) if len(doc) else ()
    sent_of = _sentence_of([s.start for s in sentences])
    mentions = tuple(
        Mention(m.start, m.end, text[m.start : m.end], m.label, sent_of(m.start)) for m in raw
    )
    attribution = _partner("attribution")
    quantities = _partner("quantities")
    hedges = _partner("hedges")
    attributions = tuple(attribution.find_attributions(doc, mentions))
    if lang in SLAVIC:
        from newsledger.extract import slavic

        attributions = slavic.merge_attributions(slavic.attributions(text, sentences), attributions)
    found_quantities = tuple(quantities.find_quantities(doc, attributions))
    if lang in SLAVIC:
        found_quantities = tuple(slavic.figures(text, sentences, attributions, found_quantities))
    found_hedges: tuple[TextSpan, ...] = tuple(hedges.find_hedges(text))
    times = tuple(
        TimeExpression(
            t.start, t.end, t.text, t.value, t.end_value, t.precision, t.relative, sent_of(t.start)
        )
        for t in _times.find_times(text, article.published, lang)
    )
    events: tuple[EventMention, ...] = ()
    if lang == "en":
        events = tuple(
            EventMention(
                sent_of(e.sentence_start),
                TextSpan(e.trigger_start, e.trigger_end, text[e.trigger_start : e.trigger_end]),
                e.event_type,
                e.sub_event_type,
                e.negated,
                e.score,
            )
            for e in _events.find_events(doc)
        )
    return Annotations(
        article_id=article.id,
        content_hash=article.content_hash,
        language=article.language,
        sentences=sentences,
        mentions=mentions,
        attributions=attributions,
        quantities=found_quantities,
        times=times,
        events=events,
        hedges=found_hedges,
        extractor=EXTRACTOR_VERSION,
    )


def _non_english(article: Article, lang: str) -> Annotations:
    if lang in SLAVIC:
        # natasha reads Ukrainian names too; razdel splits both languages' sentences
        from newsledger.extract import slavic

        doc, raw = _russian_doc(article.text)
        raw = slavic.fix_mentions(article.text, raw)
    else:
        doc, raw = _nlp.blank(lang)(article.text), []
    return _annotate_doc(article, doc, raw, lang)


def _chunks(articles: Iterable[Article], size: int) -> Iterator[list[Article]]:
    """The articles in lists of ``size`` (the last shorter): one ``nlp.pipe`` batch each."""
    chunk: list[Article] = []
    for article in articles:
        chunk.append(article)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def annotate_articles(
    articles: Iterable[Article], *, nlp: Language | None = None, batch_size: int = 32
) -> Iterator[Annotations]:
    """Annotations per article, in input order; English texts stream through ``nlp.pipe``."""
    english = nlp

    def flush(chunk: list[Article]) -> Iterator[Annotations]:
        nonlocal english
        english_items = [a for a in chunk if _language(a) == "en"]
        docs: dict[int, Any] = {}
        if english_items:
            if english is None:
                english = _nlp.english()
            for article, doc in zip(
                english_items,
                english.pipe((a.text for a in english_items), batch_size=batch_size),
                strict=True,
            ):
                docs[id(article)] = doc
        for article in chunk:
            lang = _language(article)
            if lang == "en":
                doc = docs[id(article)]
                yield _annotate_doc(article, doc, _entities.english_mentions(doc), lang)
            else:
                yield _non_english(article, lang)

    for chunk in _chunks(articles, batch_size):
        yield from flush(chunk)


_FROM_ENV = object()


def annotate_isolated(
    articles: Iterable[Article],
    *,
    nlp: Language | None = None,
    batch_size: int = 32,
    timeout: float | object | None = _FROM_ENV,
) -> Iterator[Annotations | Unanalysed]:
    """:func:`annotate_articles` with each article isolated: one that raises or runs over its
    time budget comes out as :class:`~newsledger.isolation.Unanalysed`, in its place.

    ``timeout`` is seconds per article (default ``NEWSLEDGER_ARTICLE_TIMEOUT``, None: no
    bound). A batch's parse has the budget of all its articles; when it raises or runs over,
    its unparsed articles are parsed one by one, each within its own budget. The model and
    the sibling modules load outside the guard: their absence stops the run, as it should.
    """
    seconds: float | None = article_timeout() if timeout is _FROM_ENV else timeout  # type: ignore[assignment]
    for name in ("attribution", "quantities", "hedges"):
        _partner(name)
    english = nlp

    def flush(chunk: list[Article]) -> Iterator[Annotations | Unanalysed]:
        nonlocal english
        english_items = [a for a in chunk if _language(a) == "en"]
        docs: dict[int, Doc] = {}
        if english_items:
            if english is None:
                english = _nlp.english()
            try:
                with deadline(seconds * len(english_items) if seconds else None):
                    texts = (a.text for a in english_items)
                    for article, doc in zip(
                        english_items, english.pipe(texts, batch_size=batch_size), strict=True
                    ):
                        docs[id(article)] = doc
            except WHOLE_RUN_ERRORS:
                raise
            except ARTICLE_FAULTS as exc:  # parsed one by one below, each within its own budget
                log_failure(f"a batch of {len(english_items)} articles", "parsing", exc)
        for article in chunk:
            yield _annotate_one(article, docs.get(id(article)), english, seconds)

    for chunk in _chunks(articles, batch_size):
        yield from flush(chunk)


def _annotate_one(
    article: Article, doc: Doc | None, english: Language | None, seconds: float | None
) -> Annotations | Unanalysed:
    lang = _language(article)
    try:
        with deadline(seconds):
            if lang != "en":
                return _non_english(article, lang)
            if doc is None:
                assert english is not None
                doc = english(article.text)
            return _annotate_doc(article, doc, _entities.english_mentions(doc), lang)
    except WHOLE_RUN_ERRORS:
        raise
    except ARTICLE_FAULTS as exc:
        log_failure(article.path_or_url, "extraction", exc)
        return Unanalysed(
            article.id, article.content_hash, article.path_or_url, failure_reason(exc)
        )
