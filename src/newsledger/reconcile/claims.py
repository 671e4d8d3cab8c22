"""Claims and conflicts of one event, from its statements.

Numbers are compared by slot and by the *side* they count: a subject's side is
the nation it names ("Ukrainian soldiers"), or, for words that name the
speaker's opponent ("enemy", "terrorists", "partisans"), the other nation of
the event as seen from the speaker. So a ministry's count of attackers and a
monitor's count of the ministry's own soldiers are different subjects.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from newsledger import meaning
from newsledger.model import (
    Article,
    Claim,
    ClaimQuantity,
    Conflict,
    Entity,
    Evidence,
    Quantity,
)
from newsledger.reconcile.events import FigureReport, place_rank
from newsledger.reconcile.lexicon import (
    ADVANCE,
    CIVILIAN_WORDS,
    OPPOSITE,
    cyrillic_civilians,
    nation_of,
    outcome,
    self_negative,
    side_words,
)
from newsledger.reconcile.outlets import outlet_label
from newsledger.reconcile.propositions import (
    CLAIMS,
    EARLIER,
    NEAR_TARGET,
    Figure,
    Proposition,
    claimants_compatible,
    group_propositions,
    is_cyrillic,
    opposed,
    places_compatible,
)
from newsledger.reconcile.stance import contradicts
from newsledger.reconcile.statements import Statement, is_anaphor
from newsledger.reconcile.text import (
    clean_content,
    content_words,
    fold,
    overlap,
    sentence_case,
)


def _digest(*parts: object) -> str:
    return hashlib.sha1("\x1f".join(map(str, parts)).encode("utf-8")).hexdigest()[:12]


def context_nations(
    entities: Sequence[Entity], articles: Mapping[str, Article]
) -> dict[str, str]:
    """Nations of organisations named with a nationality in front ("Russian state media X").

    Only the words directly before a mention count, and only when every such
    nationality seen for the entity agrees.
    """
    out: dict[str, str] = {}
    for entity in entities:
        if entity.type not in {"ORG", "GOV", "ARMED_GROUP", "PERSON"}:
            continue
        found: set[str] = set()
        for m in entity.mentions:
            article = articles.get(m.article_id)
            if article is None:
                continue
            before = article.text[max(0, m.start - 40) : m.start]
            words = re.findall(r"[A-Za-z][\w-]*", before.split(".")[-1].split(",")[-1])[-3:]
            capitals = [w for w in words if w[:1].isupper()]
            # the last capitalised word before the name, followed only by common nouns
            if capitals and (iso := nation_of(capitals[-1])):
                found.add(iso)
        if len(found) == 1:
            out[entity.id] = found.pop()
    return out


def entity_nation(entity: Entity) -> str | None:
    if entity.type in {"GPE", "LOC"} and entity.country:
        return entity.country
    return nation_of(" ".join((entity.name, *entity.aliases)))


def speaker_nation(
    stmt: Statement, entities: Mapping[str, Entity], nations: Mapping[str, str] | None = None
) -> str | None:
    for eid in stmt.claimants:
        if eid in entities and (found := entity_nation(entities[eid])):
            return found
        if nations and eid in nations:
            return nations[eid]
    return nation_of(stmt.claimant_label) if stmt.claimant_label else None


def _raw_side(q: Quantity, speaker: str | None) -> tuple[str, str | None] | None:
    """("nation", ISO) | ("civilians", None) | ("opp"/"own", speaker's ISO) | None."""
    text = q.subject or ""
    if not text.strip():
        return None
    iso = nation_of(text)
    if iso:
        return ("nation", iso)
    if set(fold(text).split()) & CIVILIAN_WORDS or cyrillic_civilians(text):
        return ("civilians", None)
    opp, own = side_words(text)
    if opp:
        return ("opp", speaker)
    if own:
        return ("own", speaker)
    return None


def resolve_sides(
    statements: Sequence[Statement],
    entities: Mapping[str, Entity],
    nations: Mapping[str, str] | None = None,
) -> dict[tuple[int, int], str | None]:
    """Side of every quantity, keyed by (statement index, quantity index)."""
    known = nations
    raw: dict[tuple[int, int], tuple[str, str | None] | None] = {}
    nations: set[str] = set()
    for i, stmt in enumerate(statements):
        speaker = speaker_nation(stmt, entities, known)
        if speaker:
            nations.add(speaker)
        for j, q in enumerate(stmt.quantities):
            raw[i, j] = side = _raw_side(q, speaker)
            if side and side[0] == "nation" and side[1]:
                nations.add(side[1])
    # "4 soldiers killed and 9 injured": a number without a subject counts what its
    # neighbour in the same statement counts.
    for i, stmt in enumerate(statements):
        known = [raw[i, j] for j in range(len(stmt.quantities)) if raw.get((i, j))]
        if len(set(known)) == 1:
            for j in range(len(stmt.quantities)):
                if raw.get((i, j)) is None and not (stmt.quantities[j].subject or "").strip():
                    raw[i, j] = known[0]
    sides: dict[tuple[int, int], str | None] = {}
    pending: list[tuple[int, int]] = []
    for key, side in raw.items():
        if side is None:
            sides[key] = None
        elif side[0] == "nation":
            sides[key] = side[1]
        elif side[0] == "civilians":
            sides[key] = "civilians"
        elif side[0] == "own":
            sides[key] = side[1] or "own"
        elif side[1] is None:
            pending.append(key)
        else:
            others = nations - {side[1]}
            sides[key] = next(iter(others)) if len(others) == 1 else f"not-{side[1]}"
    opponents = {
        sides[k] for k, s in raw.items() if s and s[0] == "opp" and k in sides
    }
    for key in pending:
        sides[key] = next(iter(opponents)) if len(opponents) == 1 else "opponent"
    return sides


def _figures(
    stmt: Statement, index: int, sides: Mapping[tuple[int, int], str | None]
) -> list[tuple[Figure, Quantity]]:
    out = []
    for j, q in enumerate(stmt.quantities):
        low = q.low if q.low is not None else q.value
        high = q.high if q.high is not None else q.value
        if low is None or high is None or q.slot == "other" or high <= 0:
            continue  # "no casualties" is an outcome (a contradiction), not a figure
        side = sides.get((index, j))
        out.append((Figure(q.slot, side, float(low), float(high), _kind(q)), q))
    return out


PEOPLE_SLOTS = frozenset({"killed", "wounded", "captured", "displaced", "affected"})


def _kind(q: Quantity) -> str | None:
    """The head of what a count of things counts ("armored vehicles" -> "vehicl")."""
    if q.slot in PEOPLE_SLOTS:
        return None
    words = content_words(q.subject or "")
    return words[-1] if words else None


@dataclass
class _Draft:
    """A claim being assembled: its statements and their propositions."""

    statements: list[Statement]
    props: list[Proposition]
    figures: list[tuple[Figure, Quantity]]
    claim: Claim | None = None
    # per figure, the places and words of its statement
    where: list[tuple[frozenset[str], tuple[str, ...]]] | None = None


def _display_name(stmt: Statement, entities: Mapping[str, Entity]) -> str | None:
    names = [entities[e].name for e in stmt.claimants if e in entities]
    if names:
        return " / ".join(names[:2])
    if stmt.claimant_label and is_anaphor(stmt.claimant_label):
        # "they" whose antecedent is unknown names nobody
        return f"Unidentified speaker (“{stmt.claimant_label}”)"
    return stmt.claimant_label


def _representative(statements: Sequence[Statement], articles: Mapping[str, Article]) -> Statement:
    """The statement that reads best as the claim's sentence."""

    def score(s: Statement) -> tuple:
        lang = (articles[s.article_id].language or "en") if s.article_id in articles else "en"
        length = len(s.content)
        return (
            bool(s.claimants),
            bool(s.quantities),  # a claim with figures reads best in the words that give them
            s.attributed,
            lang.startswith("en"),
            20 <= length <= 200,
            bool(s.places),
            -abs(length - 90),
        )

    return max(statements, key=score)


_CUE = re.compile(r"[A-Za-z]+(?:ed|d)(?: on)?|(?:has|have|had) [a-z]+ed", re.I)
_VERBISH = re.compile(
    r"\b(?:is|are|was|were|be|been|being|has|have|had|do|does|did|will|would|can|could|may|"
    r"might|must|shall|should|[a-z]{3,}(?:ed|ing))\b",
    re.I,
)


def _bare_phrase(content: str) -> bool:
    """Content that is a noun phrase, not a clause ("the attack", "a slight injury").

    Such content reads as a claim only with its reporting verb in front.
    """
    words = content.split()
    return (
        0 < len(words) <= 12
        and content[:1].islower()
        and not _VERBISH.search(content)
    )


def _statement_text(rep: Statement, entities: Mapping[str, Entity]) -> str:
    content = clean_content(rep.content)
    name = _display_name(rep, entities)
    if rep.attributed and name:
        # "denies any breakthrough", but "There was no violation": negative content is
        # the denial already
        deny = rep.polarity == "denies" and not self_negative(content)
        if deny:
            body = f"denies {content}"
        elif _bare_phrase(content) and _CUE.fullmatch(rep.cue):
            body = f"{rep.cue.lower()} {content}"  # "confirmed the attack", not "the attack"
        else:
            body = content
        return f"{clean_content(name)}: {body}."
    return sentence_case(content) + "."


def figure_reports(
    statements: Sequence[Statement],
    pairs: Sequence[Sequence[tuple[Figure, Quantity]]],
    entities: Mapping[str, Entity],
    nations: Mapping[str, str] | None = None,
    articles: Mapping[str, Article] | None = None,
) -> list[FigureReport]:
    """Every figure with its claimant, flagged when a party counts its enemy's losses.

    The article's publication date travels along so that a claimant's later
    count can supersede its earlier one.
    """
    out = []
    for stmt, figures in zip(statements, pairs, strict=True):
        article = (articles or {}).get(stmt.article_id)
        published = article.published if article is not None else None
        speaker = speaker_nation(stmt, entities, nations)
        who = _display_name(stmt, entities) or "unattributed report"
        for f, q in figures:
            opponent_words = side_words(q.subject or "")[0]
            about_enemy = bool(stmt.claimants or stmt.claimant_label) and (
                opponent_words
                or (speaker is not None and f.side not in (None, "civilians", speaker))
            )
            out.append(FigureReport(f, q, who, about_enemy, published))
    return out


def build_claims(
    event_id: str,
    statements: Sequence[Statement],
    articles: Mapping[str, Article],
    origin_of: Mapping[str, str],
    entities: Mapping[str, Entity],
    nations: Mapping[str, str] | None = None,
) -> tuple[list[Claim], list[Conflict], list[FigureReport]]:
    """Merge an event's statements into claims, find its conflicts and set each status."""
    sides = resolve_sides(statements, entities, nations)
    pairs = [_figures(s, i, sides) for i, s in enumerate(statements)]
    props = [
        s.proposition(tuple(f for f, _ in p), entities)
        for s, p in zip(statements, pairs, strict=True)
    ]
    drafts: list[_Draft] = []
    def vectors(indices: Sequence[int]) -> np.ndarray | None:
        return meaning.embed([clean_content(statements[i].content) for i in indices])

    for group in group_propositions(props, vectors, CLAIMS):
        members = [statements[i] for i in group]
        figures = [pair for i in group for pair in pairs[i]]
        where = [(statements[i].places, props[i].words) for i in group for _ in pairs[i]]
        drafts.append(_Draft(members, [props[i] for i in group], figures, None, where))
    used_ids: set[str] = set()
    for draft in drafts:
        draft.claim = _make_claim(event_id, draft, articles, origin_of, entities, used_ids)
    conflicts = _contradictions(event_id, drafts, entities, origin_of) + _numeric(
        event_id, drafts, entities
    )
    contested = {cid for c in conflicts for cid in c.claim_ids}
    claims = []
    for draft in drafts:
        claim = draft.claim
        assert claim is not None
        if claim.id in contested:
            status = "contested"
        elif any(s.hedged for s in draft.statements):
            status = "unverified-as-reported"
        elif claim.independent_origins >= 2:
            status = "corroborated"
        else:
            status = "single-source"
        claims.append(replace(claim, status=status))
    return claims, conflicts, figure_reports(statements, pairs, entities, nations, articles)


def _make_claim(
    event_id: str,
    draft: _Draft,
    articles: Mapping[str, Article],
    origin_of: Mapping[str, str],
    entities: Mapping[str, Entity],
    used_ids: set[str],
) -> Claim:
    rep = _representative(draft.statements, articles)
    claimants: list[str] = []
    for s in draft.statements:
        claimants.extend(e for e in s.claimants if e not in claimants)
    quantities: list[ClaimQuantity] = []
    for _, q in draft.figures:
        cq = ClaimQuantity(q.slot, q.value, q.low, q.high, q.unit, q.qualifier, q.subject)
        if cq not in quantities and not any(_translated(cq, other) for other in quantities):
            quantities.append(cq)
    evidence: list[Evidence] = []
    for s in draft.statements:
        if s.evidence not in evidence:
            evidence.append(s.evidence)
    evidence.sort(key=lambda e: (e.article_id, e.start))
    article_ids = sorted({e.article_id for e in evidence})
    outlets = sorted({outlet_label(articles[a]) for a in article_ids if a in articles})
    origins = {origin_of.get(a, a) for a in article_ids}
    key_words = " ".join(sorted(set(content_words(rep.content))))
    figures = sorted((f.slot, f.side or "", f.low, f.high) for f, _ in draft.figures)
    cid = "c-" + _digest(
        event_id,
        rep.polarity,
        outcome(rep.content, rep.polarity),
        ",".join(sorted(claimants)) or (rep.claimant_label or ""),
        figures,
        key_words,
    )
    while cid in used_ids:
        cid = "c-" + _digest(cid, "next")
    used_ids.add(cid)
    return Claim(
        id=cid,
        event_id=event_id,
        statement=_statement_text(rep, entities),
        claimants=tuple(claimants),
        polarity=rep.polarity,
        quantities=tuple(quantities),
        evidence=tuple(evidence),
        outlets=tuple(outlets),
        independent_origins=len(origins),
        status="single-source",
    )


def _translated(a: ClaimQuantity, b: ClaimQuantity) -> bool:
    """One figure of one claim in two languages ("60 Ukrainian soldiers", «до 60 боевиков»)."""
    return (
        a.slot == b.slot
        and a.value == b.value
        and is_cyrillic(a.subject or "") != is_cyrillic(b.subject or "")
    )


def _who(draft: _Draft, entities: Mapping[str, Entity]) -> str:
    names: list[str] = []
    for s in draft.statements:
        name = _display_name(s, entities)
        if name and name not in names:
            names.append(name)
    if names:
        return ", ".join(names[:3])
    outlets = list(draft.claim.outlets) if draft.claim else []
    return "reports in " + ", ".join(outlets[:3]) if outlets else "unattributed reports"


def _components(nodes: int, edges: Sequence[tuple[int, int]]) -> list[list[int]]:
    parent = list(range(nodes))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        parent[find(a)] = find(b)
    groups: dict[int, list[int]] = defaultdict(list)
    for n in sorted({n for e in edges for n in e}):
        groups[find(n)].append(n)
    return sorted(groups.values())


def _contradictions(
    event_id: str,
    drafts: Sequence[_Draft],
    entities: Mapping[str, Entity],
    origin_of: Mapping[str, str] | None = None,
) -> list[Conflict]:
    edges = []
    outcomes = [{p.outcome for p in d.props} for d in drafts]
    polarities = [{p.polarity for p in d.props} for d in drafts]
    for i in range(len(drafts)):
        opposite = {OPPOSITE[o] for o in outcomes[i] if o in OPPOSITE}
        for j in range(i + 1, len(drafts)):
            if not (opposite & outcomes[j]) and polarities[i] == polarities[j]:
                continue  # neither incompatible outcomes nor opposite polarity
            if any(opposed(a, b) for a in drafts[i].props for b in drafts[j].props) or (
                _denied_across(drafts[i], drafts[j])
            ):
                edges.append((i, j))
    out = []
    pairs = set(edges)
    for component in _components(len(drafts), edges):
        first = drafts[component[0]]
        first_outcome = next((p.outcome for p in first.props if p.outcome), None)
        side_a = [i for i in component if _same_side(drafts[i], first, first_outcome)]
        side_b = [i for i in component if i not in side_a]
        if not side_b:
            # opposed by polarity alone ("captured" against "denies it captured"): the
            # shared outcome cannot tell the camps apart, the polarity can
            stance = first.props[0].polarity
            side_a = [i for i in component if drafts[i].props[0].polarity == stance]
            side_b = [i for i in component if i not in side_a]
        if not side_a or not side_b:
            continue  # no two camps to set against each other
        for part_a, part_b in _split_by_place(drafts, side_a, side_b, pairs, entities):
            discrepancy = _discrepancy(drafts, part_a, part_b, entities, origin_of)
            explanation = discrepancy or (
                f"{_side_text(drafts, part_a, entities)}. "
                f"Against this, {_side_text(drafts, part_b, entities)}."
            )
            ids = tuple(drafts[i].claim.id for i in sorted(part_a + part_b) if drafts[i].claim)
            camps = tuple(
                tuple(drafts[i].claim.id for i in sorted(part) if drafts[i].claim)
                for part in (part_a, part_b)
            )
            out.append(
                Conflict(
                    id="k-" + _digest(event_id, "contradiction", *sorted(ids)),
                    kind="contradiction",
                    claim_ids=ids,
                    explanation=explanation,
                    sides=camps,
                    same_speaker=discrepancy is not None,
                )
            )
    return out


def _denied_across(a: _Draft, b: _Draft) -> bool:
    """A denial in one script of a claim in another: the stance test on meaning.

    Words cannot say that «Минобороны опровергло ...» is about the English claim it
    denies; the stance test reads relatedness from the embedding and the denial
    from polarity. Claims in one script are left to :func:`opposed`, as before.
    """
    pa, pb = a.props[0], b.props[0]
    if pa.cyrillic == pb.cyrillic or pa.polarity == pb.polarity:
        return False
    if not places_compatible(pa, pb) or not claimants_compatible(pa, pb):
        return False
    sa, sb = clean_content(a.statements[0].content), clean_content(b.statements[0].content)
    vectors = meaning.embed([sa, sb])
    if vectors is None:
        return False
    return contradicts(sa, sb, pa.polarity, pb.polarity, float(vectors[0] @ vectors[1]))


LOCAL_PLACE = 4  # place_rank of a populated place below a capital (villages, towns)


def _places_of(draft: _Draft, entities: Mapping[str, Entity]) -> set[str]:
    """Villages and towns a claim names: a capital or region is usually context, not target."""
    out: set[str] = set()
    for p in draft.props:
        for eid in p.places:
            entity = entities.get(eid)
            if entity is not None and place_rank(entity) >= LOCAL_PLACE:
                out.update((eid, fold(entity.name)))
    return out


def _split_by_place(
    drafts: Sequence[_Draft],
    side_a: list[int],
    side_b: list[int],
    pairs: set[tuple[int, int]],
    entities: Mapping[str, Entity],
) -> list[tuple[list[int], list[int]]]:
    """One conflict per place fought over.

    Claims of one side about different places (a village here, another village
    on another front) are separate disputes even when a placeless denial
    ("the attack was repelled") opposes both.
    """
    for this, other in ((side_a, side_b), (side_b, side_a)):
        if not all(ADVANCE in {p.outcome for p in drafts[i].props} for i in this):
            continue  # only claims of taking ground name the place fought over
        where = {i: _places_of(drafts[i], entities) for i in this}
        placed = [i for i in this if where[i]]
        groups = _components(
            len(drafts),
            [(i, j) for i in placed for j in placed if i < j and where[i] & where[j]],
        )
        groups += [[i] for i in placed if not any(i in g for g in groups)]
        if len(groups) < 2:
            continue
        groups.sort(key=len, reverse=True)
        groups[0] += [i for i in this if i not in placed]
        out = []
        for group in groups:
            against = [j for j in other if any((min(i, j), max(i, j)) in pairs for i in group)]
            if against:
                parts = (sorted(group), against) if this is side_a else (against, sorted(group))
                out.append(parts)
        return out
    return [(side_a, side_b)]


def _speakers(
    drafts: Sequence[_Draft], side: Sequence[int], entities: Mapping[str, Entity]
) -> list[str]:
    names: list[str] = []
    for i in side:
        for name in _who(drafts[i], entities).split(", "):
            if name not in names:
                names.append(name)
    return names


def _names(names: Sequence[str], limit: int = 4) -> str:
    """"A", "A and B", "A, B, C and 2 more"."""
    shown = list(names[:limit])
    if not shown:
        return "unattributed reports"
    if len(names) > limit:
        return f"{', '.join(shown)} and {len(names) - limit} more"
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"


def lead_rank(claim: Claim) -> tuple:
    """How well a claim speaks for its camp: most origins, then one that reads whole.

    Shared with the report, so the brief's summary quotes the claim the conflict's
    explanation quotes.
    """
    body = claim_body(claim.statement)
    return (
        claim.independent_origins,
        bool(claim.claimants),  # a named speaker over a bare label
        30 <= len(body) <= 160,
        -abs(len(body) - 80),
    )


def _lead(drafts: Sequence[_Draft], side: Sequence[int]) -> int:
    """The claim that best speaks for a camp."""

    def score(i: int) -> tuple:
        claim = drafts[i].claim
        return (0, False, False, 0) if claim is None else lead_rank(claim)

    return max(side, key=score)


def _side_text(
    drafts: Sequence[_Draft], side: Sequence[int], entities: Mapping[str, Entity]
) -> str:
    """Who holds one side, how many accounts, and its best statement in their words."""
    names = _speakers(drafts, side, entities)
    count = f" ({len(side)} accounts)" if len(side) > 1 else ""
    return f"{_names(names)}{count}: “{_body(drafts[_lead(drafts, side)])}”"


def _discrepancy(
    drafts: Sequence[_Draft],
    part_a: Sequence[int],
    part_b: Sequence[int],
    entities: Mapping[str, Entity],
    origin_of: Mapping[str, str] | None,
) -> str | None:
    """Explanation when both camps quote one speaker: the reports disagree, not the speakers.

    Two copies of one wire story that render a speaker differently are a
    reporting discrepancy; presenting them as "X against X" would mislead.
    """
    names_a, names_b = _speakers(drafts, part_a, entities), _speakers(drafts, part_b, entities)
    if not names_a or set(names_a) != set(names_b) or not all(
        drafts[i].claim and (drafts[i].claim.claimants or drafts[i].statements[0].claimant_label)
        for i in (*part_a, *part_b)
    ):
        return None

    def reports(part: Sequence[int]) -> tuple[list[str], set[str]]:
        outlets: list[str] = []
        articles: set[str] = set()
        for i in part:
            claim = drafts[i].claim
            assert claim is not None
            outlets += [o for o in claim.outlets if o not in outlets]
            articles.update(e.article_id for e in claim.evidence)
        return outlets, articles

    (outlets_a, arts_a), (outlets_b, arts_b) = reports(part_a), reports(part_b)
    origin = origin_of or {}
    shared = {origin.get(a, a) for a in arts_a} & {origin.get(a, a) for a in arts_b}
    text = (
        f"Reports disagree about what {_names(names_a)} said. "
        f"{_names(outlets_a, 2)}: “{_body(drafts[_lead(drafts, part_a)])}”; "
        f"{_names(outlets_b, 2)}: “{_body(drafts[_lead(drafts, part_b)])}”"
    )
    if shared:
        text += ". These reports are copies of one story, so the discrepancy lies in the copies"
    return text + "."


def _same_side(draft: _Draft, first: _Draft, first_outcome: str | None) -> bool:
    if draft is first:
        return True
    outcomes = {p.outcome for p in draft.props if p.outcome}
    if first_outcome:
        return first_outcome in outcomes and OPPOSITE[first_outcome] not in outcomes
    return draft.props[0].polarity == first.props[0].polarity


def _body(draft: _Draft) -> str:
    return claim_body(draft.claim.statement if draft.claim else "")


def claim_body(statement: str) -> str:
    """A claim's words without its speaker ("X: denies it." -> "denies it")."""
    body = statement.split(": ", 1)[1] if ": " in statement else statement
    return body.rstrip(".")


def _fmt(f: Figure, q: Quantity) -> str:
    def num(x: float) -> str:
        return str(int(x)) if float(x).is_integer() else f"{x:g}"

    value = num(f.low) if f.low == f.high else f"{num(f.low)}–{num(f.high)}"
    qualifier = {"about": "about ", "at_least": "at least ", "over": "over ",
                 "up_to": "up to ", "at_most": "at most "}.get(q.qualifier or "", "")
    return qualifier + value


def _same_incident(
    figure: Figure,
    a: tuple[frozenset[str], tuple[str, ...]],
    b: tuple[frozenset[str], tuple[str, ...]],
) -> bool:
    """Whether two figures can count the same thing.

    Figures about different named places, or about an earlier incident, count
    different things; counts of civilians must also describe the same incident
    in some shared words (one report's shelling victims are not another's drone
    victims).
    """
    (places_a, words_a), (places_b, words_b) = a, b
    if places_a and places_b and not places_a & places_b:
        return False
    if (set(words_a) | set(words_b)) & EARLIER:
        return False
    if figure.side == "civilians":
        return overlap(words_a, words_b) >= NEAR_TARGET
    return True


def _numeric(
    event_id: str, drafts: Sequence[_Draft], entities: Mapping[str, Entity]
) -> list[Conflict]:
    """One conflict per slot and side whose figures do not all agree."""
    by_slot: dict[str, list[tuple[int, Figure, Quantity]]] = defaultdict(list)
    where: dict[int, tuple[frozenset[str], tuple[str, ...]]] = {}
    for i, draft in enumerate(drafts):
        for n, (f, q) in enumerate(draft.figures):
            if q.qualifier == "vague":
                continue  # "several", "multiple": no figure to dispute
            by_slot[f.slot].append((i, f, q))
            where[id(q)] = draft.where[n] if draft.where else (frozenset(), ())
    out = []
    for slot, items in sorted(by_slot.items()):
        keyed: dict[str, list[tuple[int, Figure, Quantity]]] = defaultdict(list)
        loose = []
        for item in items:
            key = f"{item[1].side}|{item[1].kind or ''}" if item[1].side or item[1].kind else ""
            (keyed[key] if key else loose).append(item)
        if len(keyed) == 1:
            next(iter(keyed.values())).extend(loose)
        elif not keyed and loose:
            keyed["?"] = loose
        for side, group in sorted(keyed.items()):
            if not any(
                a[0] != b[0]
                and not a[1].agrees(b[1])
                and _same_incident(a[1], where[id(a[2])], where[id(b[2])])
                for a in group
                for b in group
            ):
                continue
            parts, ids = [], []
            camps: dict[tuple[float, float], list[str]] = defaultdict(list)
            listed: dict[tuple[str, float, float], bool] = {}
            for i, f, q in sorted(group, key=lambda x: (x[1].low, x[1].high)):
                cid = drafts[i].claim.id if drafts[i].claim else ""
                script = is_cyrillic(q.subject or "")
                if listed.get((cid, f.low, f.high), script) != script:
                    continue  # one claim's figure told in two languages is listed once
                listed[cid, f.low, f.high] = script
                ids.append(cid)
                if cid not in camps[f.low, f.high]:
                    camps[f.low, f.high].append(cid)
                subject = f" {q.subject}" if q.subject else ""
                parts.append(f"{_fmt(f, q)}{subject} ({_who(drafts[i], entities)})")
            ids = list(dict.fromkeys(ids))
            out.append(
                Conflict(
                    id="k-" + _digest(event_id, "numeric", slot, side, *sorted(ids)),
                    kind="numeric",
                    claim_ids=tuple(ids),
                    explanation=f"Figures for {slot} differ: " + "; ".join(parts) + ".",
                    sides=tuple(tuple(c) for c in camps.values()),
                )
            )
    return out
