"""The editor's brief as plain data, shared by the Markdown and HTML renderers.

Every sentence of the brief carries footnote numbers that point at evidence
quotes (article + exact text), so a reader can check each line against its
source. Nothing is written that no claim or entity supports.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from newsledger.model import (
    Article,
    Claim,
    Conflict,
    Entity,
    EventRecord,
    Evidence,
    Ledger,
    OriginGroup,
)
from newsledger.reconcile.claims import claim_body, lead_rank
from newsledger.reconcile.lexicon import claim_outcome
from newsledger.reconcile.outlets import outlet_basis, outlet_label

STATUS_LABEL = {
    "corroborated": "corroborated",
    "single-source": "single source",
    "contested": "contested",
    "unverified-as-reported": "unverified, as reported",
}
# in a comma-separated count line the label's own comma would split it in two
STATUS_COUNT_LABEL = {**STATUS_LABEL, "unverified-as-reported": "unverified as reported"}
STATUS_COUNT_ORDER = ("contested", "corroborated", "unverified-as-reported", "single-source")


@dataclass
class Footnote:
    number: int
    outlet: str
    title: str
    article_id: str
    published: str | None
    quote: str
    language: str | None = None  # the evidence's language, shown when not English


@dataclass
class ClaimView:
    id: str
    statement: str
    claimants: list[str]
    status: str
    status_label: str
    origins: int
    outlets: list[str]
    notes: list[int]
    body: str = ""  # the statement without its speaker
    languages: list[str] = field(default_factory=list)  # of its evidence, when not English only


@dataclass
class ConflictView:
    id: str
    kind: str
    explanation: str
    sides: list[list[ClaimView]]  # contradiction: two sides; numeric: one column of figures
    figures: list[dict[str, object]] = field(default_factory=list)
    # both camps quote one speaker: the columns are reports, not sides
    same_speaker: bool = False


@dataclass
class EventView:
    id: str
    headline: str
    title: str
    lead: str
    lead_notes: list[int]
    date: str | None
    event_type: str | None
    sub_event_type: str | None
    location: str | None
    place_detail: str | None
    other_places: list[str]
    actors: list[str]
    fatalities: str | None
    claims: list[ClaimView]
    conflicts: list[ConflictView]
    numbers: list[dict[str, object]]
    origins: list[str]
    counts: dict[str, int]
    sources_line: str = ""
    joined_by: str = ""  # why these reports are one event
    story: dict[str, object] | None = None  # the story it is part of: id, title, size


@dataclass
class StoryView:
    id: str
    title: str
    first_date: str | None
    last_date: str | None
    events: list[dict[str, object]]  # id, date, title, number in this brief (or None)
    basis: list[str]


@dataclass
class Brief:
    title: str
    summary: str
    events: list[EventView]
    footnotes: list[Footnote]
    sources: list[dict[str, object]]
    rejected: list[dict[str, str]] = field(default_factory=list)  # inputs not read, and why
    stories: list[StoryView] = field(default_factory=list)


class _Notes:
    """Numbers evidence spans in order of first citation."""

    def __init__(self, articles: dict[str, Article]) -> None:
        self.articles = articles
        self.by_key: dict[tuple[str, int, int], int] = {}
        self.notes: list[Footnote] = []

    def cite(self, evidence: tuple[Evidence, ...], limit: int = 6) -> list[int]:
        out = []
        for ev in evidence[:limit]:
            key = (ev.article_id, ev.start, ev.end)
            if key not in self.by_key:
                article = self.articles.get(ev.article_id)
                self.by_key[key] = len(self.notes) + 1
                self.notes.append(
                    Footnote(
                        number=len(self.notes) + 1,
                        # a headline label would repeat the title printed beside it
                        outlet=source_name(article)
                        if article and outlet_basis(article) != "headline" else "",
                        title=(article.title if article else None) or ev.article_id,
                        article_id=ev.article_id,
                        published=when(article.published) if article else None,
                        quote=ev.quote,
                        language=language_of(article),
                    )
                )
            out.append(self.by_key[key])
        return out


def _name(entities: dict[str, Entity], eid: str | None) -> str | None:
    return entities[eid].name if eid and eid in entities else None


def _num(x: float | None) -> str:
    if x is None:
        return "?"
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _claim_view(claim: Claim, entities: dict[str, Entity], notes: _Notes) -> ClaimView:
    return ClaimView(
        id=claim.id,
        statement=claim.statement,
        claimants=[n for n in (_name(entities, e) for e in claim.claimants) if n],
        status=claim.status,
        status_label=STATUS_LABEL.get(claim.status, claim.status),
        origins=claim.independent_origins,
        outlets=list(claim.outlets),
        notes=notes.cite(claim.evidence),
        body=claim_body(claim.statement),  # shown only where every claim is attributed
        languages=_languages(claim, notes.articles),
    )


def language_of(article: Article | None) -> str | None:
    lang = ((article.language if article else None) or "").lower().split("-")[0]
    return lang or None


def _languages(claim: Claim, articles: dict[str, Article]) -> list[str]:
    """Languages a claim is reported in, English-only claims left unmarked."""
    found = [language_of(articles.get(e.article_id)) for e in claim.evidence]
    languages = list(dict.fromkeys(lang for lang in found if lang))
    return languages if languages != ["en"] else []


def _who(view: ClaimView) -> str:
    if view.claimants:
        return ", ".join(view.claimants)
    if ": " in view.statement:
        return view.statement.split(": ", 1)[0]
    return "reported by " + ", ".join(view.outlets) if view.outlets else "the reporting outlet"


def _numbers(claims: list[Claim], views: dict[str, ClaimView]) -> list[dict[str, object]]:
    """Figures as ranges, per slot and claimant."""
    rows: dict[tuple[str, str, str], list[tuple[float, float, list[int]]]] = defaultdict(list)
    for claim in claims:
        view = views[claim.id]
        for q in claim.quantities:
            low = q.low if q.low is not None else q.value
            high = q.high if q.high is not None else q.value
            if low is None or high is None or q.qualifier == "vague":
                continue  # "multiple attacks" is no figure to set against another
            rows[q.slot, q.subject or "", _who(view)].append((low, high, view.notes))
    out = []
    for (slot, subject, who), items in sorted(rows.items()):
        low, high = min(i[0] for i in items), max(i[1] for i in items)
        notes = sorted({n for i in items for n in i[2]})
        figure = _num(low) if low == high else f"{_num(low)}–{_num(high)}"
        out.append({"slot": slot, "subject": subject, "claimant": who, "figure": figure,
                    "notes": notes})
    return out


def _fatalities(event: EventRecord) -> str | None:
    f = event.fatalities
    if f is None or f.best is None:
        return None
    if f.low == f.high == f.best:
        return f"{f.best} (best estimate)"
    return f"{f.best} (best estimate; reported range {_num(f.low)}–{_num(f.high)})"


def _headline(event: EventRecord, entities: dict[str, Entity]) -> str:
    """What and where, in ACLED's words: a headline that does not depend on one article."""
    what = event.sub_event_type or event.event_type or "Reported event"
    where = _name(entities, event.location)
    return f"{what} — {where}" if where else what


def _body(view: ClaimView) -> str:
    return claim_body(view.statement)


DENIES = "denies "


def _says(who: str, view: ClaimView, verb: str) -> str:
    """"X claims: “…”", but "X denies …": a denial is its own reporting verb."""
    one = ", " not in who
    body = _body(view)
    if body.startswith(DENIES):
        return f"{who} {'denies' if one else 'deny'} {body[len(DENIES):]}"
    return f"{who} {verb}{'s' if one else ''}: “{body}”"


def _sentence(view: ClaimView) -> str:
    """A claim as a sentence of the summary: "X denies …" rather than "X: denies …"."""
    who, _, body = view.statement.partition(": ")
    if body.startswith(DENIES) and view.claimants:
        return f"{who} {'denies' if ', ' not in who else 'deny'} {body[len(DENIES):]}"
    return view.statement


def _same_speakers(conflict: ConflictView) -> bool:
    """Both camps quote the same people: a reporting discrepancy, not two sides."""
    if conflict.same_speaker:
        return True
    names = [{n for v in side for n in v.claimants} for side in conflict.sides]
    return len(names) == 2 and bool(names[0]) and names[0] == names[1]


def _lead(
    event: EventRecord,
    views: list[ClaimView],
    entities: dict[str, Entity],
    contradiction: ConflictView | None = None,
    claims: Mapping[str, Claim] | None = None,
) -> tuple[str, list[int]]:
    """What happened, where and when: the type and place, then the best-supported claim.

    Each camp is quoted by the claim reconcile's explanation quotes (``lead_rank``:
    most origins, a named speaker, a readable length), not by its shortest words.
    """
    known = claims or {}

    def rank(view: ClaimView) -> tuple:
        claim = known.get(view.id)
        return lead_rank(claim) if claim else (view.origins, bool(view.claimants), False, 0)

    what = event.sub_event_type or event.event_type or "Reported event"
    where = _name(entities, event.location)
    place = entities.get(event.location or "")
    region = place.admin1 if place and place.admin1 and place.admin1 != where else None
    parts = [what]
    if where:
        parts.append(f"in {where}" + (f" ({region})" if region else ""))
    if event.date:
        parts.append(f"on {event.date}")
    lead = " ".join(parts) + "."
    notes: list[int] = []
    if contradiction is not None and len(contradiction.sides) == 2 and all(contradiction.sides):
        tops = [max(side, key=rank) for side in contradiction.sides]
        a, b = (_who(v) for v in tops)
        if a == b or _same_speakers(contradiction):
            # "X claims …; X says …" would set a speaker against himself
            lead += f" Reports differ on what {a} said: “{_body(tops[0])}”; “{_body(tops[1])}”."
        else:
            lead += f" {_says(a, tops[0], 'claim')}; {_says(b, tops[1], 'say')}."
        return lead, tops[0].notes[:2] + tops[1].notes[:2]
    ranked = sorted(
        views,
        key=lambda v: (v.status == "contested", -v.origins, v.status != "corroborated"),
    )
    if ranked:
        top = ranked[0]
        sentence = _sentence(top)
        lead += f" {sentence}" + ("" if sentence.endswith((".", "!", "?")) else ".")
        notes = top.notes[:3]
    return lead, notes


def build_brief(ledger: Ledger) -> Brief:
    articles = {a.id: a for a in ledger.articles}
    entities = {e.id: e for e in ledger.entities}
    claims_by_id = {c.id: c for c in ledger.claims}
    origin_of = {aid: g for g in ledger.origin_groups for aid in g.article_ids}
    notes = _Notes(articles)
    events = []
    for event in ledger.events:
        claims = [claims_by_id[c] for c in event.claim_ids if c in claims_by_id]
        if not claims:
            continue
        views = {c.id: _claim_view(c, entities, notes) for c in claims}
        conflicts = [k for k in ledger.conflicts if set(k.claim_ids) & set(views)]
        conflict_views = [_conflict_view(k, views, claims_by_id) for k in conflicts]
        # a reporting discrepancy is no dispute about the event: the lead sets sides apart
        main = max(
            (k for k in conflict_views if k.kind == "contradiction" and not _same_speakers(k)),
            key=lambda k: sum(v.origins for side in k.sides for v in side),
            default=None,
        )
        lead, lead_notes = _lead(event, list(views.values()), entities, main, claims_by_id)
        place = entities.get(event.location or "")
        detail = None
        if place:
            bits = [b for b in (place.admin1, place.country) if b]
            if place.lat is not None and place.lon is not None:
                bits.append(f"{place.lat:.3f}, {place.lon:.3f}")
            detail = ", ".join(bits) or None
        groups: dict[str, list[str]] = defaultdict(list)
        for aid in event.article_ids:
            group = origin_of.get(aid)
            if group and len(group.article_ids) > 1:
                outlet = source_name(articles.get(aid)) if aid in articles else aid
                groups[f"{group.id}|{group.basis}"].append(outlet)
        origins = [
            f"{' and '.join(sorted(set(outlets)))} carry one origin ({key.split('|', 1)[1]})"
            for key, outlets in sorted(groups.items())
            if len(outlets) > 1
        ]
        statuses = defaultdict(int)
        for c in claims:
            statuses[c.status] += 1
        events.append(
            EventView(
                id=event.id,
                headline=_headline(event, entities),
                title=event.title,
                lead=lead,
                lead_notes=lead_notes,
                date=event.date,
                event_type=event.event_type,
                sub_event_type=event.sub_event_type,
                location=_name(entities, event.location),
                place_detail=detail,
                other_places=_unique(
                    _name(entities, e) for e in event.locations if e != event.location
                )[:8],
                actors=_unique(_name(entities, e) for e in event.actors)[:8],
                fatalities=_fatalities(event),
                claims=[views[c.id] for c in _order(claims)],
                conflicts=conflict_views,
                numbers=_numbers(claims, views),
                origins=origins,
                counts={
                    "articles": len(event.article_ids),
                    "origins": len({origin_of[a].id if a in origin_of else a
                                    for a in event.article_ids}),
                    "claims": len(claims),
                    **statuses,
                },
            )
        )
        events[-1].sources_line = _sources_line(events[-1].counts)
        events[-1].joined_by = join_summary(event, entities)
    stories = _story_views(ledger, events)
    sources = _sources(ledger.articles, origin_of)
    n_origins = len({s["origin"] for s in sources})
    if not ledger.articles:
        summary = "The ledger holds no articles yet."
        if ledger.rejected:
            summary += f" {plural(len(ledger.rejected), 'input')} could not be read (listed below)."
    else:
        summary = (
            f"{plural(len(events), 'event')} from {plural(len(ledger.articles), 'article')} "
            f"({plural(n_origins, 'independent origin')}); {plural(len(ledger.claims), 'claim')}, "
            f"{plural(len(ledger.conflicts), 'conflict')}."
        )
        if not events:
            summary += " No event has an attributed claim yet."
    rejected = [{"input": r.path_or_url, "reason": r.reason} for r in ledger.rejected]
    return Brief("News ledger brief", summary, events, notes.notes, sources, rejected, stories)


def feature_label(feature: str, name_of: Callable[[str], str | None]) -> str:
    """``place:<entity id>`` as the place's name (``name_of``), ``term:dam`` as "dam",
    ``days:0`` as "same day", ``merge:3`` as "merge #3", ``apart:side story`` as "side story"."""
    kind, _, key = feature.partition(":")
    if kind == "days":
        return "same day" if key == "0" else f"{key} days apart"
    if kind in ("merge", "split"):
        return f"{kind} #{key}"  # the stored correction (newsledger correct list)
    if kind == "apart":
        return key
    return name_of(key) or key.removeprefix("m:")


def _entity_name(entities: Mapping[str, Entity]) -> Callable[[str], str | None]:
    return lambda key: entity.name if (entity := entities.get(key)) is not None else None


RULE_LABEL = {
    "founded": "opened it",
    "wording": "joined on its wording",
    "identity": "joined on what happened, where and when",
    "language": "joined across languages",
    "correction": "put here by an analyst's correction",
}


def join_summary(event: EventRecord, entities: Mapping[str, Entity]) -> str:
    """One line: how many reports joined by which rule, and what most of them shared; a
    side story says where it happens apart from its article's main story."""
    if not event.basis:
        return ""
    name_of = _entity_name(entities)
    rules: dict[str, int] = defaultdict(int)
    shared: dict[str, int] = defaultdict(int)
    apart: list[str] = []
    for b in event.basis:
        if b.rule == "founded" and "apart:side story" in b.shared:
            apart += [feature_label(f, name_of) for f in b.shared if not f.startswith("apart:")]
            rules["side story"] += 1
            continue
        rules[b.rule] += 1
        for f in b.shared:
            if not f.startswith(("days:", "apart:")):
                shared[f] += 1
    labels = {**RULE_LABEL, "side story": "opened it as a side story of its own article"}
    parts = [f"{plural(n, 'report')} {labels.get(rule, rule)}"
             for rule, n in sorted(rules.items(), key=lambda kv: (-kv[1], kv[0]))]
    line = "; ".join(parts)
    if apart:
        line += " (at " + ", ".join(_unique(apart)) + ")"
    top = sorted(shared, key=lambda f: (-shared[f], f))[:5]
    if top:
        line += " (shared: " + ", ".join(_unique(feature_label(f, name_of) for f in top)) + ")"
    return line


def _story_views(ledger: Ledger, events: list[EventView]) -> list[StoryView]:
    number = {e.id: i for i, e in enumerate(events, 1)}
    records = {e.id: e for e in ledger.events}
    out = []
    for story in sorted(ledger.stories, key=lambda s: (s.first_date or "", s.id)):
        members = []
        for eid in story.event_ids:
            record = records.get(eid)
            members.append({"id": eid, "date": record.date if record else None,
                            "title": record.title if record else None,
                            "number": number.get(eid)})
        out.append(StoryView(story.id, story.title, story.first_date, story.last_date,
                             members, list(story.basis)))
        for e in events:
            if e.id in story.event_ids:
                e.story = {"id": story.id, "title": story.title,
                           "events": len(story.event_ids)}
    return out


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def when(value: str | None) -> str | None:
    """A date or timestamp as a reader writes it: ``2024-03-13`` or ``2024-03-13 15:35 -04:00``."""
    if not value:
        return None
    day, _, clock = value.partition("T") if "T" in value else value.partition(" ")
    if not clock:
        return day
    found = re.fullmatch(r"(\d\d:\d\d)(?::\d\d(?:\.\d+)?)?(Z|[+-]\d\d:?\d\d)?", clock)
    if not found:
        return value.replace("T", " ")
    hhmm, zone = found.groups()
    if hhmm == "00:00" and zone in (None, "Z", "+00:00"):
        return day  # a date given without a time
    return f"{day} {hhmm}" + (f" {'UTC' if zone == 'Z' else zone}" if zone else "")


def _sources_line(counts: dict[str, int]) -> str:
    """"5 articles from 4 independent origins; 78 claims (16 contested, 3 corroborated, ...)"."""
    line = (
        f"{plural(counts['articles'], 'article')} from "
        f"{plural(counts['origins'], 'independent origin')}; {plural(counts['claims'], 'claim')}"
    )
    parts = [f"{counts[s]} {STATUS_COUNT_LABEL[s]}" for s in STATUS_COUNT_ORDER if counts.get(s)]
    return line + (f" ({', '.join(parts)})" if parts else "")


def _sources(
    articles: tuple[Article, ...], origin_of: dict[str, OriginGroup]
) -> list[dict[str, object]]:
    """The source table: who published what, when, and which reports share an origin."""
    number = {a.id: i + 1 for i, a in enumerate(articles)}
    out: list[dict[str, object]] = []
    for a in articles:
        basis = outlet_basis(a)
        group = origin_of.get(a.id)
        siblings = [number[x] for x in (group.article_ids if group else ()) if x in number]
        others = [f"#{n}" for n in sorted(siblings) if n != number[a.id]]
        if basis == "outlet":
            shown = source_name(a)
        elif basis == "host":
            shown = f"{source_name(a)} (web address)"
        else:
            shown = "not stated"
        out.append({
            "number": number[a.id],
            "id": a.id,
            "outlet": source_name(a),
            "outlet_basis": basis,
            "outlet_shown": shown,
            "title": a.title or a.path_or_url,
            "published": when(a.published),
            "published_inferred": a.published_inferred,
            "origin": group.id if group else a.id,
            "origin_label": ("same origin as " + ", ".join(others)) if others else "independent",
            "path": a.path_or_url,
        })
    return out


def _unique(names: object) -> list[str]:
    out: list[str] = []
    for name in names:  # type: ignore[attr-defined]
        if name and name not in out:
            out.append(name)
    return out


def source_name(article: Article | None) -> str:
    """The article's outlet, or the label that stands for it (URL host, headline, file)."""
    return outlet_label(article) if article is not None else "unknown source"


def _order(claims: list[Claim]) -> list[Claim]:
    rank = {"contested": 0, "corroborated": 1, "unverified-as-reported": 2, "single-source": 3}
    return sorted(claims, key=lambda c: (rank.get(c.status, 9), -c.independent_origins))


def _conflict_view(
    conflict: Conflict, views: dict[str, ClaimView], claims: dict[str, Claim]
) -> ConflictView:
    members = [views[c] for c in conflict.claim_ids if c in views]
    if conflict.kind == "contradiction" and len(conflict.sides) == 2:
        camps = [[views[c] for c in camp if c in views] for camp in conflict.sides]
        view = ConflictView(conflict.id, conflict.kind, conflict.explanation, camps,
                            same_speaker=conflict.same_speaker)
        view.same_speaker = _same_speakers(view)  # a ledger written before the flag existed
        return view
    if conflict.kind == "contradiction" and members:
        first = claims[members[0].id]
        first_outcome = claim_outcome(first.statement, first.polarity)
        side_a, side_b = [], []
        for view in members:
            c = claims[view.id]
            same = (
                claim_outcome(c.statement, c.polarity) == first_outcome
                if first_outcome
                else c.polarity == first.polarity
            )
            (side_a if same else side_b).append(view)
        return ConflictView(conflict.id, conflict.kind, conflict.explanation, [side_a, side_b],
                            same_speaker=conflict.same_speaker)
    figures = []
    named = re.match(r"Figures for (\w+) differ", conflict.explanation)
    slot = named.group(1) if named else _disputed_slot([claims[v.id] for v in members])
    for view in members:
        for q in claims[view.id].quantities:
            if slot and q.slot != slot:
                continue
            low = q.low if q.low is not None else q.value
            high = q.high if q.high is not None else q.value
            figure = _num(low) if low == high else f"{_num(low)}–{_num(high)}"
            figures.append({"figure": figure, "slot": q.slot, "subject": q.subject or "",
                            "claimant": _who(view), "notes": view.notes, "status": view.status})
    return ConflictView(conflict.id, conflict.kind, conflict.explanation, [members], figures)


def _disputed_slot(members: list[Claim]) -> str | None:
    """The slot whose figures differ between the claims of a numeric conflict."""
    values: dict[str, set[float]] = defaultdict(set)
    for claim in members:
        for q in claim.quantities:
            value = q.low if q.low is not None else q.value
            if value is not None:
                values[q.slot].add(value)
    disputed = [s for s, v in values.items() if len(v) > 1]
    return max(disputed, key=lambda s: len(values[s])) if disputed else None
