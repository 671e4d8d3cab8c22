"""Event clustering benchmark: B-cubed P/R/F1 of article-level event assignment.

Runs the real stages (extract, resolve, group) over the documents, fed in
batches so later batches must join the events earlier ones opened, through the
pipeline's own stored path (a temporary SQLite ledger; ``NEWSLEDGER_BENCH_IN_MEMORY=1``:
the in-memory clusterer, as figures before the store were measured). An
article's event is the cluster holding most of its sentences. Data sets:
``newswcl50`` (gold: the event in the document id), ``ecbplus_docs`` (gold:
subtopic), ``gva_semeval2018t5`` (gold: incident_uri), ``uci_news_aggregator_subset``
(headlines only; gold: the aggregator's story id). Annotations are cached
under /tmp by content hash and extractor version, since extraction dominates.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import resource
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from newsledger import codec
from newsledger.extract import EXTRACTOR_VERSION, annotate_articles
from newsledger.group import cluster_events
from newsledger.group.stories import key_counts, link_keys, stories_of
from newsledger.model import Annotations, Article, Entity, EventCluster, EventRecord, Resolution
from newsledger.resolve import resolve_entities

BATCHES = 4
CACHE = Path(os.environ.get("NEWSLEDGER_BENCH_CACHE", "/tmp/newsledger-bench-annotations"))


@dataclass(frozen=True)
class Doc:
    doc_id: str
    gold: str
    text: str
    title: str | None = None
    published: str | None = None


# --------------------------------------------------------------------------- data sets


def detect(data: Path) -> str:
    names = {p.name for p in data.iterdir()} if data.is_dir() else {data.name}
    if any(n.endswith(".conll") for n in names):
        return "newswcl50"
    if any(n.startswith("gva_docs") for n in names):
        return "gva"
    if any(n.startswith("ecbplus") for n in names):
        return "ecbplus"
    if any(n.startswith("uci-news-aggregator") for n in names):
        return "uci"
    first = json.loads(data.open().readline()) if data.is_file() else {}
    if "incident_uri" in first:
        return "gva"
    if "subtopic" in first:
        return "ecbplus"
    raise ValueError(f"cannot tell which cluster benchmark {data} holds")


def _file(data: Path, pattern: str) -> Path:
    return data if data.is_file() else sorted(data.glob(pattern))[0]


def load_newswcl50(data: Path) -> list[Doc]:
    """Rebuild each text from its tokens only; the coreference columns carry gold labels."""
    sentences: dict[str, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    for line in _file(data, "*.conll").open(encoding="utf-8"):
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.rstrip("\n").split("\t")
        if len(cols) < 4:
            continue
        sentences[cols[0]][int(cols[1])].append(cols[3])
    docs = []
    for doc_id, sents in sentences.items():
        # The tokens keep no paragraph breaks, so the text is one paragraph.
        text = " ".join(_detokenise(sents[i]) for i in sorted(sents))
        docs.append(Doc(doc_id, doc_id.split("/")[0], text))
    return docs


def _detokenise(tokens: list[str]) -> str:
    out = ""
    for tok in tokens:
        if (
            out
            and tok not in {",", ".", ";", ":", "!", "?", ")", "'s", "n't", "%"}
            and not out.endswith(("(", "$"))
        ):
            out += " "
        out += tok
    return out


def load_jsonl(data: Path, pattern: str, gold_key: str) -> list[Doc]:
    docs = []
    for line in _file(data, pattern).open(encoding="utf-8"):
        if not line.strip():
            continue
        row = json.loads(line)
        title = row.get("title") or None
        body = row.get("text") or row.get("content") or ""
        text = f"{title}\n\n{body}" if title else body
        docs.append(
            Doc(str(row["doc_id"]), str(row[gold_key]), text, title, row.get("dct") or None)
        )
    return docs


def load_uci(data: Path) -> list[Doc]:
    """Headline rows (ID, TITLE, URL, PUBLISHER, CATEGORY, STORY, HOSTNAME, TIMESTAMP in ms).

    A row cut short (the subset ends mid-line) is skipped; the publication day comes
    from the timestamp, since a headline carries no date of its own.
    """
    docs = []
    with _file(data, "uci-news-aggregator*.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            title, story, stamp = row.get("TITLE"), row.get("STORY"), row.get("TIMESTAMP")
            if not title or not story or not stamp or not stamp.isdigit():
                continue
            day = time.strftime("%Y-%m-%d", time.gmtime(int(stamp) / 1000))
            docs.append(Doc(f"uci-{row['ID']}", story, title, title, day))
    return docs


def load(data: Path) -> tuple[str, list[Doc]]:
    kind = detect(data)
    if kind == "newswcl50":
        return kind, load_newswcl50(data)
    if kind == "gva":
        return kind, load_jsonl(data, "gva_docs*.jsonl", "incident_uri")
    if kind == "uci":
        return kind, load_uci(data)
    return kind, load_jsonl(data, "ecbplus*.jsonl", "subtopic")


# --------------------------------------------------------------------------- running


def _article(doc: Doc) -> Article:
    digest = hashlib.sha256(doc.text.encode()).hexdigest()
    return Article(
        id="a-" + hashlib.sha1(doc.doc_id.encode()).hexdigest()[:12],
        content_hash=digest,
        path_or_url=doc.doc_id,
        text=doc.text,
        title=doc.title,
        language="en",
        published=doc.published,
    )


def cache_version() -> str:
    """The extractor version whose cached annotations are read.

    ``NEWSLEDGER_BENCH_EXTRACTOR`` pins an earlier version's cache, for when the
    extractor changed but re-extracting thousands of documents does not fit.
    """
    return os.environ.get("NEWSLEDGER_BENCH_EXTRACTOR") or EXTRACTOR_VERSION


def annotate_cached(articles: list[Article]) -> dict[str, Annotations]:
    folder = CACHE / cache_version()
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, Annotations] = {}
    missing = []
    for a in articles:
        path = folder / f"{a.content_hash}.json"
        try:
            cached = codec.loads(Annotations, path.read_text(encoding="utf-8"))
        except (OSError, ValueError):  # absent, or cut short by an interrupted run
            missing.append(a)
            continue
        out[a.id] = replace(cached, article_id=a.id)
    if missing and cache_version() != EXTRACTOR_VERSION:
        raise RuntimeError(
            f"{len(missing)} documents lack cached annotations of extractor {cache_version()}"
        )
    for a, annotation in zip(missing, annotate_articles(missing), strict=True):
        (folder / f"{a.content_hash}.json").write_text(codec.dumps(annotation), encoding="utf-8")
        out[a.id] = annotation
    return out


def article_assignment(clusters: Iterable[EventCluster]) -> dict[str, str]:
    """Each article's event: the cluster holding most of its sentences."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for c in clusters:
        for ref in c.sentences:
            counts[ref.article_id][c.id] += 1
        for aid in c.article_ids:
            counts[aid][c.id] += 0
    return {aid: min(cnt.items(), key=lambda kv: (-kv[1], kv[0]))[0] for aid, cnt in counts.items()}


def story_assignment(
    clusters: Iterable[EventCluster],
    assignment: dict[str, str],
    annotations: dict[str, Annotations],
    resolution: Resolution,
) -> dict[str, str]:
    """Each article's story (its event's, when the event is in one; else the event)."""
    entities = {e.id: e for e in resolution.entities}
    records = [
        EventRecord(id=c.id, title=c.title or "", date=c.date, date_precision=None,
                    event_type=None, sub_event_type=None, location=None, locations=(),
                    actors=(), article_ids=c.article_ids, claim_ids=(), fatalities=None,
                    link_keys=link_keys(c, annotations, resolution, entities))
        for c in clusters
    ]
    story_of = {e: s.id for s in stories_of(records, key_counts(records)) for e in s.event_ids}
    return {aid: story_of.get(cid, cid) for aid, cid in assignment.items()}


def _event_scores(gold: dict[str, str], assignment: dict[str, str]) -> dict:
    metrics: dict = bcubed(gold, assignment)
    metrics["clusters"] = len(set(assignment.values()))
    metrics["gold_clusters"] = len(set(gold.values()))
    return metrics


def _story_scores(gold: dict[str, str], clusters: Iterable[EventCluster],
                  assignment: dict[str, str], annotations: dict[str, Annotations],
                  resolution: Resolution) -> dict:
    story = story_assignment(clusters, assignment, annotations, resolution)
    return {**{f"story_{k}": v for k, v in bcubed(gold, story).items()},
            "stories": len(set(story.values()))}


def bcubed(gold: dict[str, str], predicted: dict[str, str]) -> dict[str, float]:
    by_gold: dict[str, set[str]] = defaultdict(set)
    by_pred: dict[str, set[str]] = defaultdict(set)
    for item, g in gold.items():
        by_gold[g].add(item)
        by_pred[predicted.get(item, "missing:" + item)].add(item)
    p = r = 0.0
    for item, g in gold.items():
        cluster = by_pred[predicted.get(item, "missing:" + item)]
        correct = len(cluster & by_gold[g])
        p += correct / len(cluster)
        r += correct / len(by_gold[g])
    n = max(len(gold), 1)
    p, r = p / n, r / n
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"bcubed_p": round(p, 4), "bcubed_r": round(r, 4), "bcubed_f1": round(f1, 4)}


def _cpu_seconds() -> float:
    """CPU time of this process: wall time on a shared machine mostly measures the neighbours."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def evaluate(docs: list[Doc], batches: int = BATCHES) -> dict:
    """Extract (cached), then resolve and cluster batch after batch, as repeated runs would.

    Each batch is resolved on its own and its entities added to the earlier ones
    (entity ids derive from canonical keys, so they agree across batches); the
    resolver's cost per run then follows the batch, not the corpus.
    ``NEWSLEDGER_BENCH_TEXT_ONLY=1`` skips extraction and resolution to measure
    the grouping stage alone on text features.
    """
    text_only = os.environ.get("NEWSLEDGER_BENCH_TEXT_ONLY") == "1"
    started = time.perf_counter()
    cpu_started = _cpu_seconds()
    articles = [_article(d) for d in docs]
    annotations = {} if text_only else annotate_cached(articles)
    extract_s = time.perf_counter() - started
    clusters: tuple[EventCluster, ...] = ()
    size = max(1, -(-len(articles) // batches))
    seen: list[Article] = []
    entities: list[Entity] = []
    resolve_s = group_s = 0.0
    for i in range(0, len(articles), size):
        batch = articles[i : i + size]
        seen.extend(batch)
        t0 = time.perf_counter()
        if not text_only:
            entities.extend(
                resolve_entities(batch, {a.id: annotations[a.id] for a in batch}).entities
            )
        t1 = time.perf_counter()
        clusters = cluster_events(seen, annotations, Resolution(tuple(entities)), clusters)
        t2 = time.perf_counter()
        resolve_s += t1 - t0
        group_s += t2 - t1
    assignment = article_assignment(clusters)
    gold = {a.id: d.gold for a, d in zip(articles, docs, strict=True)}
    metrics = _event_scores(gold, assignment)
    t3 = time.perf_counter()
    metrics.update(_story_scores(gold, clusters, assignment, annotations,
                                 Resolution(tuple(entities))))
    story_s = time.perf_counter() - t3
    return {
        "metrics": metrics,
        "annotations": "none (text features only)"
        if text_only
        else f"extractor {cache_version()} (current {EXTRACTOR_VERSION})",
        "batches": batches,
        "extract_seconds": round(extract_s, 2),
        "resolve_seconds": round(resolve_s, 2),
        "group_seconds": round(group_s, 2),
        "story_seconds": round(story_s, 2),
        "seconds": round(time.perf_counter() - started, 2),
        "cpu_seconds": round(_cpu_seconds() - cpu_started, 2),
        "peak_rss_mb": _peak_rss_mb(),
    }


def evaluate_stored(docs: list[Doc], batches: int, order: str = "file",
                    stories: bool = False) -> dict:
    """The pipeline's own path: each batch resolved against the stored entities and placed
    through the stored cluster state (newsledger.resolve.incremental, group.incremental),
    one transaction per batch, in a temporary SQLite ledger.

    ``order``: ``file`` splits the documents in the data file's order (ECB+ lists its
    documents topic by topic); ``arrival`` in the order one batch places them
    (publication date, then id), as a stream arriving over time would bring them.
    """
    import tempfile

    from newsledger.group.features import article_features
    from newsledger.group.incremental import cluster_batch, refresh_units
    from newsledger.group.young import limit_for, place_young_again
    from newsledger.resolve.incremental import local_resolution, resolve_batch
    from newsledger.store import LedgerStore
    from newsledger.store.sql import clusters_table

    text_only = os.environ.get("NEWSLEDGER_BENCH_TEXT_ONLY") == "1"
    started, cpu_started = time.perf_counter(), _cpu_seconds()
    unique = {_article(d).id: d for d in reversed(docs)}  # a repeated doc id: its first row
    docs = [d for d in docs if unique.get(_article(d).id) is d]
    if order == "arrival":
        docs = sorted(docs, key=lambda d: (_article(d).published or "9999", _article(d).id))
    articles = [_article(d) for d in docs]
    annotations = {} if text_only else annotate_cached(articles)
    extract_s = time.perf_counter() - started
    by_id = {a.id: a for a in articles}
    size = max(1, -(-len(articles) // batches))
    with tempfile.TemporaryDirectory(prefix="newsledger-cluster-") as tmp:
        store = LedgerStore(f"sqlite:///{tmp}/ledger.sqlite")
        store.add_articles(articles)

        def load(ids):  # type: ignore[no-untyped-def]
            return [by_id[i] for i in ids], {i: annotations[i] for i in ids if i in annotations}

        for i in range(0, len(articles), size):
            batch = articles[i : i + size]
            with store.transaction() as conn:
                delta = resolve_batch(conn, batch, annotations, load)
                res = local_resolution(conn, [a.id for a in batch])
                feats = {a.id: article_features(a, annotations.get(a.id), res) for a in batch}

                def features_of(aid, conn=conn):  # type: ignore[no-untyped-def]
                    a = by_id.get(aid)
                    if a is None:
                        return None
                    return article_features(a, annotations.get(aid),
                                            local_resolution(conn, [aid]))

                refresh_units(conn, sorted(delta.moved_articles - set(feats)), features_of)
                changed = cluster_batch(conn, feats, features_of)
                place_young_again(conn, features_of, limit_for(len(batch)),
                                  {c.id for c in changed})
        with store.reading() as conn:
            clusters = [codec.loads(EventCluster, r)
                        for r in conn.execute(clusters_table.select()).mappings()
                        .all() for r in [r["record"]]]
            resolution = local_resolution(conn, by_id) if stories else None
        store.close()
    assignment = article_assignment(clusters)
    gold = {a.id: d.gold for a, d in zip(articles, docs, strict=True)}
    metrics = _event_scores(gold, assignment)
    group_s = time.perf_counter() - started - extract_s
    story_started = time.perf_counter()
    if resolution is not None:
        metrics.update(_story_scores(gold, clusters, assignment, annotations, resolution))
    return {"metrics": metrics, "batches": batches, "order": order,
            "path": "stored (as analyze: resolve_batch, cluster_batch, small events again)",
            "extract_seconds": round(extract_s, 2),
            "resolve_and_group_seconds": round(group_s, 2),
            "story_seconds": round(time.perf_counter() - story_started, 2),
            "seconds": round(time.perf_counter() - started, 2),
            "cpu_seconds": round(_cpu_seconds() - cpu_started, 2),
            "peak_rss_mb": _peak_rss_mb()}


def in_half(gold: str, half: str) -> bool:
    """Held-out discipline: ``dev`` holds the events whose gold id's SHA-1 ends in an even
    hex digit, ``held`` the others; a whole gold event is always on one side."""
    even = int(hashlib.sha1(gold.encode()).hexdigest()[-1], 16) % 2 == 0
    return even == (half == "dev")


def run(data: Path, limit: int | None, batches: int | None = None,
        half: str | None = None) -> dict:
    kind, docs = load(data)
    if half is not None:
        if half not in ("dev", "held"):
            raise ValueError(f"--half is dev or held, not {half!r}")
        docs = [d for d in docs if in_half(d.gold, half)]
    if limit:
        docs = docs[:limit]
    if batches is not None:
        # what batch order may change, bounded: one batch against ``batches`` batches
        one = evaluate_stored(docs, 1)
        many = evaluate_stored(docs, batches)
        arriving = evaluate_stored(docs, batches, order="arrival")
        f1_one, f1_many = one["metrics"]["bcubed_f1"], many["metrics"]["bcubed_f1"]
        f1_arriving = arriving["metrics"]["bcubed_f1"]
        return {"n": len(docs), "dataset": kind,
                "metrics": {"bcubed_f1_one_batch": f1_one,
                            f"bcubed_f1_{batches}_batches": f1_many,
                            "difference": round(abs(f1_one - f1_many), 4),
                            f"bcubed_f1_{batches}_batches_arrival_order": f1_arriving,
                            "difference_arrival_order": round(abs(f1_one - f1_arriving), 4)},
                "one_batch": one, "batched": many, "batched_arrival_order": arriving,
                **({"half": half} if half is not None else {}),
                "annotations": "none (text features only)"
                if os.environ.get("NEWSLEDGER_BENCH_TEXT_ONLY") == "1"
                else f"extractor {cache_version()}"}
    scaling = {}
    # the pipeline's own path by default; the in-memory clusterer (cluster_events) on request,
    # for comparison with figures measured before the ledger lived in the store
    measure = evaluate if os.environ.get("NEWSLEDGER_BENCH_IN_MEMORY") == "1" else (
        lambda some: evaluate_stored(some, BATCHES, stories=True))
    if kind == "gva" and len(docs) > 1000:
        # Measured first: peak RSS only grows within a process.
        small = measure(docs[:1000])
        scaling["1000"] = _scaling_row(small)
    result = measure(docs)
    out = {"n": len(docs), "dataset": kind, **result}
    if half is not None:
        out["half"] = half
    if scaling:
        scaling[str(len(docs))] = _scaling_row(result)
        out["scaling"] = scaling
    return out


def _scaling_row(result: dict) -> dict:
    keys = ("seconds", "cpu_seconds", "extract_seconds", "resolve_seconds", "group_seconds",
            "resolve_and_group_seconds", "peak_rss_mb")
    return {k: result[k] for k in keys if k in result} | {
        "bcubed_f1": result["metrics"]["bcubed_f1"]}
