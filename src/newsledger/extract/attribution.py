"""Who says what: attribution relations (source, cue, content) from the dependency parse.

A reporting verb (say, claim, deny, tell, write ...) with a clausal or nominal
complement is a cue; its subject (or passive agent) is the source, its
complement the content. Direct quotes are found in the raw text first so that
a content can grow to the whole quotation even when it spans sentences or lacks
a closing mark. "according to X" is a prepositional cue. An outlet that relays
someone else's statement ("..., X reported", "X told AFP", "citing Y") becomes
the ``via`` of that statement, never its claimant.

The speaker span is what an analyst would name: a title keeps the person in
apposition ("the governor, NAME,"), footage speaks for whoever released it, and
layout debris is cut (a headline before a paragraph break, a word glued on by a
lost space, "for its part"). Verb forms that report no one are no cues:
imperatives, "as promised", "a unit called X", "this indicates".

Docs without a parse (non-English, blank pipelines) fall back to surface
patterns: quotation + "X said", "according to X", and a few Russian cues.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import replace

from spacy.tokens import Doc, Span, Token

from newsledger.extract.entities import glue_points
from newsledger.extract.nlp import children as _children
from newsledger.extract.nlp import doc_text
from newsledger.extract.nlp import sentence_of as _sentence_span
from newsledger.isolation import check_deadline
from newsledger.model import Attribution, Mention, TextSpan

# Verbs of saying, reporting and (as in PARC/PolNeAR) of belief and knowledge.
SPEECH_LEMMAS = frozenset(
    {
        "say", "tell", "claim", "deny", "report", "announce", "assure", "declare", "state",
        "write", "add", "note", "explain", "insist", "argue", "warn", "accuse", "suggest",
        "acknowledge", "admit", "confirm", "allege", "assert", "reveal", "tweet", "post",
        "indicate", "contend", "maintain", "stress", "emphasize", "emphasise", "recall",
        "respond", "reply", "answer", "quip", "joke", "complain", "charge", "concede",
        "agree", "vow", "pledge", "promise", "urge", "demand", "testify", "predict",
        "conclude", "estimate", "disclose", "inform", "mention", "remark", "observe",
        "reiterate", "repeat", "caution", "point", "ask", "tout", "boast", "brag",
        "speculate", "reject", "refute", "dismiss", "dispute", "rebut", "retort",
        "counter", "affirm", "attest", "publish", "broadcast", "cite", "quote",
        "show", "find", "signal", "imply", "hint", "threaten", "blame", "describe",
        "proclaim", "call", "yell", "shout", "scream", "whisper", "chant", "told",
    }
)  # fmt: skip
# Cognition verbs count only with a clausal complement ("believes that ...").
THINK_LEMMAS = frozenset(
    {
        "think", "believe", "know", "feel", "hope", "fear", "expect", "doubt", "worry",
        "learn", "hear", "understand", "realize", "realise", "assume", "suspect", "guess",
        "wonder", "recognize", "recognise", "imagine", "want", "wish", "consider", "see",
        "remember", "forget", "decide", "figure", "reckon", "bet", "trust",
    }
)  # fmt: skip
# Verbs of evaluation and advocacy: attributions (PARC/PolNeAR) only with a speaker-like subject.
STANCE_LEMMAS = frozenset(
    {
        "echo", "attack", "condemn", "praise", "liken", "endorse", "criticize", "criticise",
        "blast", "slam", "question", "mock", "oppose", "propose", "encourage", "defend",
        "decry", "denounce", "applaud", "welcome", "hail", "lament", "acknowledge", "decline",
        "refuse", "accept", "vow", "insist", "recommend", "advocate", "champion", "support",
        "back", "document", "highlight", "chronicle", "detail", "discuss", "reference",
        "raise", "cite", "address", "characterize", "characterise", "label", "dub", "brand",
        "predict", "forecast", "estimate", "project", "release", "issue", "scold",
        "downplay", "lambaste", "portray", "rail", "bemoan", "judge", "stress",
    }
)  # fmt: skip
# Intentions stated by a speaker ("X plans to ...", "Y refused to ..."): content is the infinitive.
INTENT_LEMMAS = frozenset(
    {"plan", "refuse", "decline", "vow", "pledge", "promise", "threaten", "want"}
)  # fmt: skip
GENERIC_EXCLUDED = frozenset({"be", "have", "do", "make", "get", "go", "seem", "appear", "mean"})
SPEAKER_PRONOUNS = frozenset({"he", "she", "they", "we", "i", "you", "who"})
SPEAKER_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP"})
DENY_LEMMAS = frozenset({"deny", "reject", "refute", "dismiss", "dispute", "rebut", "disprove"})
RELAY_LEMMAS = frozenset({"cite", "quote"})
CLAUSE_DEPS = frozenset({"ccomp", "xcomp"})
NOMINAL_CONTENT_LEMMAS = frozenset(
    {"claim", "deny", "report", "announce", "confirm", "reveal", "reject", "refute", "dismiss",
     "dispute", "allege", "acknowledge", "admit", "predict", "estimate", "disclose", "tweet",
     "post", "publish", "write", "say", "declare", "show", "find", "echo", "cite", "accuse",
     "indicate", "blame", "warn", "urge", "describe", "portray", "scold", "downplay",
     "lambaste", "tout", "promise", "pledge", "demand", "ask", "signal", "suggest"} | STANCE_LEMMAS
)  # fmt: skip
SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass", "csubj"})
PRONOUNS = {
    "he": ("PERSON",),
    "she": ("PERSON",),
    "him": ("PERSON",),
    "her": ("PERSON",),
    "it": ("ORG", "ARMED_GROUP", "GPE"),
    "they": ("ORG", "ARMED_GROUP", "NORP"),
}
SOURCE_LABELS = frozenset({"PERSON", "ORG", "ARMED_GROUP", "GPE", "NORP"})
OUTLET_LABELS = frozenset({"ORG"})
TRIM = " \t\n,;:—–-"
OPEN_QUOTES = '“«„"'
CLOSE_FOR = {"“": "”", "«": "»", "„": "“", '"': '"'}
SAY_FORMS = (
    r"said|says|say|claimed|claims|added|adds|told|tells|stated|states|declared|declares|"
    r"reported|reports|announced|announces|wrote|writes|insisted|denied|denies|noted|explained"
)
# Layout cues: a quotation signed with a dash, a "NAME: words" line (transcripts, headlines).
DASH_SIGNED_RE = re.compile(
    r"[ \t\xa0]*(?P<cue>[―—–])[ \t\xa0]*(?P<source>[A-ZА-ЯЁ][^\n“”\"«»]{1,60}?)"
    r"(?=[ \t\xa0]*(?:[\n“”\"«»]|\.(?:\s|$)|$))"
)
LABEL_LINE_RE = re.compile(
    r"(?m)^[ \t]*[\"“]?[ \t]*(?P<source>[A-ZА-ЯЁ][\w.'’-]*(?:[ \t]+[A-ZА-ЯЁ][\w.'’-]*){0,3})"
    r"[ \t]*(?P<cue>:)[ \t]+(?P<content>\S[^\n]+)"
)
SENTENCE_END_RE = re.compile(r"[.!?…]+[”\"’]*(?=\s|$)")
# Surface fallbacks (no parser).
ACCORDING_RE = re.compile(
    r"\b(?P<cue>[Aa]ccording to|[Пп]о словам|[Пп]о данным|[Пп]о информации|[Сс]огласно)\s+"
    r"(?P<source>[^,.;:]{2,80}?)\s*,\s*(?P<content>[^.!?]+[.!?]?)"
)
QUOTE_SAID_RE = re.compile(
    r"(?P<content>[“\"«][^”\"»]{3,}[”\"»])\s*,?\s*(?P<source>(?:[A-ZА-ЯЁ][\w.'’-]*\s?){1,5}|he|she|they)"
    r"\s+(?P<cue>" + SAY_FORMS + r"|заявил[аи]?|сообщил[аи]?|сказал[аи]?)\b"
)
RU_QUOTE_DASH_RE = re.compile(
    r"(?P<content>[«„\"][^»“\"]{3,}[»“\"])\s*,?\s*[—–-]\s*"
    r"(?P<cue>сказал[аио]?|заявил[аио]?|сообщил[аио]?|добавил[аио]?|отметил[аио]?)\s+"
    r"(?P<source>(?:[А-ЯЁ][\w.-]*\s?){1,4})"
)
RU_CUE_RE = re.compile(
    r"(?P<source>(?:[А-ЯЁ][\w-]*\s?){1,5})\s+(?P<cue>заявил[аи]?|сообщил[аи]?|сказал[аи]?|"
    r"заявило|сообщило|утверждает|утверждают|отрицает|отрицают|опроверг(?:ли|ла|ло)?)\s*,?\s+(?:что\s+)?(?P<content>[^.!?]+)"
)


# --------------------------------------------------------------------------- helpers


def _span(text: str, start: int, end: int) -> TextSpan:
    return TextSpan(start, end, text[start:end])


def _trimmed(text: str, start: int, end: int, keep_quotes: bool = True) -> tuple[int, int]:
    """Drop surrounding punctuation; keep quotation marks only when they are balanced."""
    strip = TRIM if keep_quotes else TRIM + "“”\"«»‘’'"
    while start < end and text[start] in strip:
        start += 1
    while end > start and text[end - 1] in strip + ".":
        end -= 1
    return start, end


def _tok_range(tokens: Iterable[Token]) -> tuple[int, int]:
    toks = list(tokens)
    return toks[0].idx, toks[-1].idx + len(toks[-1])


def find_quotes(text: str) -> list[tuple[int, int]]:
    """Quotation spans, marks included; an unclosed quote runs to the end of its paragraph."""
    spans: list[tuple[int, int]] = []
    i = 0
    n = len(text)
    para_end = -1  # end of the paragraph holding i, found once per paragraph (linear)
    while i < n:
        ch = text[i]
        if ch in OPEN_QUOTES and (ch != '"' or i == 0 or not text[i - 1].isalnum()):
            close = CLOSE_FOR[ch]
            if para_end < i:
                para_end = text.find("\n", i)
                para_end = n if para_end < 0 else para_end
            j = text.find(close, i + 1, para_end)
            if j < 0:
                end = para_end
                # a new paragraph opening with a quote continues the same quotation (press style)
                spans.append((i, end))
                i = end
                continue
            if j - i > 2:
                spans.append((i, j + 1))
            i = j + 1
            continue
        i += 1
    return spans


def _sentence_index(doc: Doc) -> tuple[list[Span], list[int]]:
    """Sentences and, per token, the index of its sentence."""
    if doc.has_annotation("SENT_START") or doc.has_annotation("DEP"):
        sents = list(doc.sents)
    else:
        sents = [doc[:]]
    of_token = [0] * len(doc)
    for k, sent in enumerate(sents):
        for t in range(sent.start, sent.end):
            of_token[t] = k
    return sents, of_token


def _np_span(tok: Token) -> tuple[int, int]:
    """The noun phrase headed by ``tok``, without appositions or relative clauses."""
    cut = {"appos", "relcl", "acl", "punct", "advcl", "parataxis"}
    left = tok.left_edge.i
    right = tok.i
    for child in tok.rights:
        if child.dep_ in cut:
            break
        right = child.right_edge.i
    doc = tok.doc
    # nor a relative clause deeper down ("the fighters of a unit, which has ...")
    for t in doc[tok.i + 1 : right + 1]:
        if t.dep_ in {"relcl", "parataxis"} and t.left_edge.i > tok.i:
            right = t.left_edge.i - 1
            break
    start = doc[left].idx
    end = doc[right].idx + len(doc[right])
    return _trimmed(doc_text(doc), start, end, keep_quotes=False)


def _mention_at(mentions: tuple[Mention, ...], start: int, end: int) -> Mention | None:
    best = None
    for m in mentions:
        if (
            m.start < end
            and start < m.end
            and m.label in SOURCE_LABELS
            and (best is None or (m.end - m.start) > (best.end - best.start))
        ):
            best = m
    return best


def _source_span(tok: Token, mentions: tuple[Mention, ...]) -> tuple[int, int]:
    """The speaker span: the entity mention containing the head, else the noun phrase.

    A title with the person's name in apposition ("the governor of the region, NAME,")
    keeps the name, which is who speaks.
    """
    text = doc_text(tok.doc)
    glued = glue_points(text, tok.idx, tok.idx + len(tok))
    if glued:
        # "continued TelegramHe indicated": the speaker is the word glued on next to the cue
        return _trimmed(text, glued[-1][0], tok.idx + len(tok), keep_quotes=False)
    head_m = _mention_at(mentions, tok.idx, tok.idx + len(tok))
    if head_m is not None:
        return clean_source(text, head_m.start, head_m.end)
    publisher = _publisher(tok)
    if publisher is not None:
        return _source_span(publisher, mentions)
    # a compound head ("RIA Novosti news agency") may hold the name in a child
    start, end = _np_span(tok)
    for child in tok.rights:
        if child.dep_ == "appos" and _names_person(child, mentions):
            end = max(end, _trimmed(text, child.left_edge.idx, _edge_end(child))[1])
    return clean_source(text, start, end)


PUBLISHED_NOUNS = frozenset(
    {"footage", "video", "image", "photo", "statement", "document", "communique", "release",
     "message", "post", "letter", "recording", "clip", "bulletin"}
)  # fmt: skip
PUBLISHING_VERBS = frozenset(
    {"release", "publish", "post", "issue", "share", "distribute", "circulate", "broadcast"}
)  # fmt: skip


def _publisher(tok: Token) -> Token | None:
    """ "Footage released by X shows ...": X speaks through what it published."""
    if tok.lemma_.lower() not in PUBLISHED_NOUNS:
        return None
    for child in _children(tok):
        if child.dep_ == "acl" and child.lemma_.lower() in PUBLISHING_VERBS:
            for agent in _children(child):
                if agent.dep_ == "agent":
                    pobj = [g for g in _children(agent) if g.dep_ == "pobj"]
                    if pobj:
                        return pobj[0]
    return None


def _edge_end(tok: Token) -> int:
    last = tok.doc[tok.right_edge.i]
    return last.idx + len(last)


def _names_person(tok: Token, mentions: tuple[Mention, ...]) -> bool:
    """The apposition is (or holds) a person's name."""
    lo, hi = tok.left_edge.idx, _edge_end(tok)
    if any(m.label == "PERSON" and lo <= m.start and m.end <= hi for m in mentions):
        return True
    return any(t.ent_type_ == "PERSON" for t in tok.subtree)


# A reporting clause's discourse adverbials, parsed into the subject ("the navy, for its part,").
DISCOURSE_TAIL_RE = re.compile(
    r"[\s,]*\b(?:for (?:its|his|her|their|our|my) part|on the other hand|in turn|in response|"
    r"however|meanwhile|too|also|though|instead|in a statement|for example)$",
    re.I,
)


def clean_source(text: str, start: int, end: int) -> tuple[int, int]:
    """A speaker span without what layout or a lost space glued onto it.

    Only the line next to the cue is kept (a headline glued on by a paragraph break
    is not the speaker); a word glued to the next without a space is cut where the
    glued part is a function word ("TelegramHe" -> "He"; "McDonald" stays whole);
    discourse adverbials the parser left on the subject ("for its part") go.
    """
    piece = text[start:end]
    if "\n" in piece.strip():
        stripped = piece.rstrip()
        start += stripped.rfind("\n") + 1
    start, end = _trimmed(text, start, end, keep_quotes=False)
    for point, _ in glue_points(text, start, end):
        start = point  # the speaker is the part next to the cue ("TelegramHe said": He)
    tail = DISCOURSE_TAIL_RE.search(text, start, end)
    if tail is not None and tail.start() > start:
        end = tail.start()
    return _trimmed(text, start, end, keep_quotes=False)


def _cue_span(tok: Token) -> tuple[int, int]:
    """The cue verb with its adjacent auxiliaries, negation and particle ("has learned")."""
    left = tok.i
    for child in reversed(list(tok.lefts)):
        if child.dep_ in {"aux", "auxpass", "neg"} and child.i == left - 1:
            left = child.i
    right = tok.i
    for child in tok.rights:
        particle = child.dep_ == "prt" or (
            tok.lemma_ == "call" and child.dep_ == "prep" and child.lower_ in {"for", "on"}
        )
        if particle and child.i == right + 1:
            right = child.i
    doc = tok.doc
    return doc[left].idx, doc[right].idx + len(doc[right])


def _subject(tok: Token) -> Token | None:
    """Grammatical speaker: subject, passive agent, or the subject of a coordinated verb."""
    agent = None
    subj = None
    for child in _children(tok):
        if child.dep_ in {"nsubj", "csubj"} and child.lower_ not in {"it", "there"}:
            subj = child
        elif child.dep_ == "nsubj" and child.lower_ == "it":
            subj = child  # "it said" about an organisation
        elif child.dep_ == "agent":
            pobj = [g for g in _children(child) if g.dep_ == "pobj"]
            if pobj:
                agent = pobj[0]
        elif child.dep_ == "nsubjpass" and child.lower_ not in {"it", "there"}:
            subj = None  # "X was told": X is the addressee
    if agent is not None:
        return agent
    if subj is not None:
        return subj
    if tok.dep_ == "conj" and tok.head.pos_ in {"VERB", "AUX"}:
        return _subject(tok.head)
    if tok.tag_ == "VBG":
        # "..., saying that ...", "before asking her": the main clause's subject speaks
        head = tok
        for _ in range(3):
            if (
                head.dep_ not in {"xcomp", "advcl", "pcomp", "prep", "conj"}
                or head.head.i == head.i
            ):
                break
            head = head.head
            if head.pos_ in {"VERB", "AUX"}:
                return _subject(head)
    return None


def _relative_antecedent(subj: Token, cue: Token) -> Token:
    """ "the official who said ...": the speaker is the noun the relative clause modifies."""
    if subj.tag_ in {"WP", "WDT"} and cue.dep_ == "relcl" and cue.head.pos_ in {"NOUN", "PROPN"}:
        return cue.head
    return subj


def _modified_noun(tok: Token) -> Token:
    """The noun a participle phrase ending in ``tok`` modifies: "volunteers fighting
    alongside NAME said" -> volunteers, not NAME."""
    node = tok
    for _ in range(6):
        if node.dep_ not in {"pobj", "prep", "dobj", "acl"} or node.head.i == node.i:
            return tok
        step = node
        node = node.head
        if step.dep_ == "acl" and node.pos_ in {"NOUN", "PROPN"}:
            return node
    return tok


def _adjacent_np(tok: Token, cue_s: int, cue_e: int) -> Token | None:
    """A misparsed subjectless cue's neighbouring noun ("... the Washington Post Trump said")."""
    doc = tok.doc
    left = doc.char_span(cue_s, cue_e, alignment_mode="expand")
    if left is None:
        return None
    i = left.start - 1
    if (
        i >= 0
        and doc[i].pos_ in {"PROPN", "PRON", "NOUN"}
        and doc[i].tag_ not in {"WP", "WDT"}
        and doc[i].ent_type_ not in {"TIME", "DATE", "CARDINAL", "ORDINAL", "QUANTITY"}
    ):
        return _modified_noun(doc[i])
    j = left.end
    if (
        j < len(doc)
        and doc[j].pos_ in {"PROPN", "NOUN", "PRON", "DET"}
        and tok.i > 0
        and doc[tok.i - 1].is_punct
    ):
        k = j
        while k + 1 < len(doc) and doc[k + 1].pos_ in {"PROPN", "NOUN", "ADJ"}:
            k += 1
        return doc[k]
    return None


def _generic_cue(tok: Token) -> bool:
    """Any content verb with a "that" clause ("X conceded that ...") from a speaker."""
    if tok.lemma_.lower() in GENERIC_EXCLUDED or tok.pos_ != "VERB":
        return False
    has_clause = any(
        c.dep_ == "ccomp" and any(g.dep_ == "mark" and g.lower_ == "that" for g in _children(c))
        for c in _children(tok)
    )
    return has_clause and _speaker_subject(tok)


def _speaker_subject(tok: Token) -> bool:
    """The subject is someone who can hold a stance: a person, organisation or personal pronoun."""
    subj = _subject(tok)
    if subj is None:
        return False
    return (
        subj.lower_ in SPEAKER_PRONOUNS
        or subj.ent_type_ in SPEAKER_LABELS
        or any(t.ent_type_ in SPEAKER_LABELS for t in subj.subtree if t.dep_ == "compound")
    )


class _Quotes(list):
    """:func:`find_quotes`' spans (sorted, disjoint) with their starts and ends for bisection,
    so a lookup per cue is logarithmic, not a scan of every quote in the article."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        super().__init__(spans)
        self.starts = [s for s, _ in spans]
        self.ends = [e for _, e in spans]


def _indexed(quotes: list[tuple[int, int]]) -> _Quotes:
    return quotes if isinstance(quotes, _Quotes) else _Quotes(quotes)


def _quote_around(quotes: list[tuple[int, int]], start: int, end: int) -> tuple[int, int] | None:
    quotes = _indexed(quotes)
    k = bisect_right(quotes.ends, start)  # the first quote ending after start
    if k < len(quotes) and quotes[k][0] < end:
        return quotes[k]
    return None


def _content_from_children(tok: Token, lemma: str) -> tuple[int, int, Token | None] | None:
    """Content span from a clausal complement, else a nominal object for claim-type verbs."""
    doc = tok.doc
    clauses = [
        c
        for c in _children(tok)
        if c.dep_ in CLAUSE_DEPS
        and not (c.lemma_.lower() in RELAY_LEMMAS and c.tag_ == "VBG")
        and (c.dep_ == "ccomp" or c.pos_ in {"VERB", "AUX"})
    ]
    if not clauses and lemma not in THINK_LEMMAS:
        clauses = [c for c in _children(tok) if c.dep_ == "parataxis" and c.i > tok.i]
    if (
        clauses
        and lemma in NOMINAL_CONTENT_LEMMAS
        and all(c.i < tok.i for c in clauses)
        and any(c.dep_ == "dobj" and c.i > tok.i for c in _children(tok))
    ):
        # "X confirmed the attack, however he denied any breakthrough": the clause before
        # is a coordinated statement the parser hung on the cue; the object says what
        clauses = []
    if clauses:
        first = min(c.left_edge.i for c in clauses)
        last = max(c.right_edge.i for c in clauses)
        # keep only the side of the cue where the clause sits
        if first < tok.i < last:
            first = (
                min(c.left_edge.i for c in clauses if c.i > tok.i)
                if any(c.i > tok.i for c in clauses)
                else first
            )
        start, end = doc[first].idx, doc[last].idx + len(doc[last])
        return start, end, clauses[0]
    if lemma == "call":
        preps = [c for c in _children(tok) if c.dep_ == "prep" and c.lower_ in {"for", "on"}]
        if preps:
            p = preps[0]
            objs = [g for g in _children(p) if g.dep_ == "pobj"]
            if objs:
                tail = [c.right_edge.i for c in tok.rights if c.i > p.i and c.dep_ != "punct"]
                last = max([p.right_edge.i, *tail])
                return objs[0].left_edge.idx, doc[last].idx + len(doc[last]), objs[0]
        if any(c.dep_ == "oprd" for c in _children(tok)):
            o = next(c for c in _children(tok) if c.dep_ == "oprd")
            return o.left_edge.idx, doc[o.right_edge.i].idx + len(doc[o.right_edge.i]), o
        return None
    if lemma in NOMINAL_CONTENT_LEMMAS or (
        lemma in SPEECH_LEMMAS | {"plan", "see", "continue"} and _speaker_subject(tok)
    ):
        objs = [c for c in _children(tok) if c.dep_ in {"dobj", "attr"}]
        if objs:
            o = objs[0]
            # the object with what completes it: "accused X of Y", "called X a liar"
            last = max(
                [o.right_edge.i]
                + [
                    c.right_edge.i
                    for c in tok.rights
                    if c.i > o.i and c.dep_ in {"prep", "oprd", "xcomp", "dative"}
                ]
            )
            start, end = doc[o.left_edge.i].idx, doc[last].idx + len(doc[last])
            return start, end, o
        preps = [
            c
            for c in _children(tok)
            if c.dep_ == "prep" and c.lower_ in {"about", "on"} and not _medium(c)
        ]
        if preps and lemma in {"report", "write", "tweet", "post", "warn"}:
            p = preps[0]
            return p.idx, doc[p.right_edge.i].idx + len(doc[p.right_edge.i]), p
    return None


MEDIUM_NOUNS = frozenset(
    {"media", "website", "site", "blog", "page", "channel", "account", "feed", "platform",
     "network", "television", "radio", "air", "telegram", "twitter", "facebook", "app"}
)  # fmt: skip


def _medium(prep: Token) -> bool:
    """ "wrote on Telegram", "posted on its website": where it was said, not what about."""
    if prep.lower_ != "on":
        return False
    objs = [g for g in _children(prep) if g.dep_ == "pobj"]
    return any(
        t.lemma_.lower() in MEDIUM_NOUNS or t.pos_ == "PROPN" or t.ent_type_ in {"ORG", "PRODUCT"}
        for o in objs
        for t in (o, *(c for c in _children(o) if c.dep_ == "compound"))
    )


def _inverted_subject(tok: Token) -> Token | None:
    """ "“...”, assured on Telegram the fighters of a unit": the speaker follows the cue."""
    for child in tok.rights:
        if child.dep_ in {"dobj", "npadvmod"} and child.pos_ in {"NOUN", "PROPN"}:
            return child
    return None


def _head_content(tok: Token) -> tuple[int, int, Token] | None:
    """Parenthetical cue ("the attack, he said, failed"): the content is the governing clause.

    "X crashed after its engine caught fire, as reported by Y": what Y reported is the
    whole main clause, not only the subordinate clause the parser hung the cue on.
    """
    if tok.dep_ not in {"parataxis", "advcl"} or tok.head.pos_ not in {"VERB", "AUX"}:
        return None
    if tok.dep_ == "advcl" and not any(c.lower_ in {"as"} for c in _children(tok)):
        return None
    head = tok.head
    while (
        tok.dep_ == "advcl"
        and head.dep_ == "advcl"
        and head.head.pos_ in {"VERB", "AUX"}
        and any(c.dep_ == "mark" for c in _children(head))
    ):
        head = head.head
    doc = tok.doc
    sub_lo, sub_hi = tok.left_edge.i, tok.right_edge.i
    lo, hi = head.left_edge.i, head.right_edge.i
    while hi > lo and doc[hi].is_punct:
        hi -= 1  # the closing full stop is the sentence's, not the clause's
    if sub_hi >= hi:
        hi = sub_lo - 1
        while hi >= lo and (doc[hi].is_punct or doc[hi].lower_ == "as"):
            hi -= 1  # the cue clause's own "as" the parser left outside it
    elif sub_lo <= lo:
        lo = sub_hi + 1
    if hi < lo:
        return None
    return doc[lo].idx, doc[hi].idx + len(doc[hi]), head


def _is_negative(tok: Token | None) -> bool:
    """Content that asserts an absence: "there was no breakthrough", "no one was hurt"."""
    if tok is None:
        return False
    for child in _children(tok):
        if child.dep_ in {"attr", "nsubj", "nsubjpass", "dobj"} and (
            child.lower_ in {"nobody", "nothing", "none", "no"}
            or any(g.dep_ == "det" and g.lower_ == "no" for g in _children(child))
        ):
            return any(c.dep_ == "expl" for c in _children(tok)) or child.dep_ != "dobj"
    return False


# --------------------------------------------------------------------------- main


def find_attributions(doc: Doc, mentions: tuple[Mention, ...]) -> tuple[Attribution, ...]:
    """Attributions in ``doc``; pronoun sources resolved to a nearby entity when obvious."""
    return _find(doc, mentions, resolve_pronouns=True)


def find_attributions_raw(doc: Doc, mentions: tuple[Mention, ...]) -> tuple[Attribution, ...]:
    """As :func:`find_attributions` but keeping pronoun sources as written (PolNeAR style)."""
    return _find(doc, mentions, resolve_pronouns=False)


def _find(
    doc: Doc, mentions: tuple[Mention, ...], resolve_pronouns: bool
) -> tuple[Attribution, ...]:
    text = doc_text(doc)
    quotes = _Quotes(find_quotes(text))
    if not doc.has_annotation("DEP"):
        return _surface(doc, quotes)
    sents, sent_of = _sentence_index(doc)
    found: list[Attribution] = []
    cue_tokens: set[int] = set()
    for tok in doc:
        check_deadline()
        att = _according_to(tok, sent_of, sents, mentions)
        if att is not None:
            found.append(att)
            continue
        verbal = tok.pos_ in {"VERB", "AUX"} or (
            tok.pos_ == "NOUN"
            and tok.dep_ in {"ROOT", "ccomp", "conj"}
            and any(c.dep_ in {"nsubj", "ccomp"} for c in _children(tok))
        )  # "Trump claims that ..." tagged as a plural noun
        if not verbal:
            continue
        lemma = tok.lemma_.lower()
        if lemma in STANCE_LEMMAS and lemma not in SPEECH_LEMMAS and not _speaker_subject(tok):
            continue
        if (
            lemma not in SPEECH_LEMMAS
            and lemma not in THINK_LEMMAS
            and lemma not in STANCE_LEMMAS
            and not _generic_cue(tok)
            and not (lemma in INTENT_LEMMAS and _speaker_subject(tok))
        ):
            continue
        if lemma == "point" and not any(
            c.dep_ == "prt" and c.lower_ == "out" for c in _children(tok)
        ):
            continue
        att = _from_verb(tok, lemma, text, quotes, mentions, sent_of)
        if att is not None:
            found.append(att)
            cue_tokens.add(tok.i)
    found += _layout(doc, quotes, sent_of)
    found = _nest(found)
    found.sort(key=lambda a: (a.cue.start, a.cue.end))
    if resolve_pronouns:
        resolved: list[Attribution] = []
        for att in found:
            att = _previous_speaker(att, resolved, mentions) or _resolve_pronoun(att, mentions, doc)
            resolved.append(att)
        found = resolved
    return tuple(_dedupe(found))


def _previous_speaker(
    att: Attribution, earlier: list[Attribution], mentions: tuple[Mention, ...]
) -> Attribution | None:
    """A pronoun speaking right after a named speaker is that speaker ("It claimed ...")."""
    src = att.source
    if src is None or src.text.lower() not in PRONOUNS:
        return None
    for prev in reversed(earlier):
        if att.sentence - prev.sentence > 2:
            return None
        if prev.source is None or prev.source.text.lower() in set(PRONOUNS) | SPEAKER_PRONOUNS:
            continue
        if prev.source.end > src.start:
            continue
        person = any(
            m.label == "PERSON" and m.start < prev.source.end and prev.source.start < m.end
            for m in mentions
        )
        if person == (src.text.lower() in {"he", "she", "him", "her"}):
            return replace(att, source=prev.source)
        return None
    return None


def _from_verb(
    tok: Token,
    lemma: str,
    text: str,
    quotes: list[tuple[int, int]],
    mentions: tuple[Mention, ...],
    sent_of: list[int],
) -> Attribution | None:
    if tok.dep_ in {"amod", "relcl", "acl"} and lemma not in SPEECH_LEMMAS:
        return None
    if tok.dep_ == "acl" and tok.tag_ == "VBN":
        return None  # "the figures reported by ..." handled as nominal context, skip
    if any(c.dep_ == "aux" and c.lower_ == "to" for c in _children(tok)):
        return None  # "to ask", "to announce": intended, not uttered
    if _not_a_report(tok, lemma):
        return None
    inside_quote = _quote_around(quotes, tok.idx, tok.idx + len(tok)) is not None
    if inside_quote and (
        lemma in THINK_LEMMAS
        or any(c.dep_ == "nsubj" and c.lower_ in {"i", "you", "we"} for c in _children(tok))
    ):
        return None  # the quoted speaker's own musings ("I think ...")
    content = _content_from_children(tok, lemma)
    content_tok: Token | None = None
    if content is not None:
        cstart, cend, content_tok = content
    else:
        head = _head_content(tok)
        if head is None:
            if lemma in THINK_LEMMAS or lemma not in SPEECH_LEMMAS | STANCE_LEMMAS:
                return None
            q = _adjacent_quote(tok, quotes)
            if q is None:
                return None
            cstart, cend = q
        else:
            cstart, cend, content_tok = head
    if (
        (lemma in THINK_LEMMAS or lemma not in SPEECH_LEMMAS | STANCE_LEMMAS)
        and (content_tok is None or content_tok.dep_ != "ccomp")
        and not (content_tok is not None and content_tok.dep_ == "xcomp" and lemma in INTENT_LEMMAS)
    ):
        return None
    cstart, cend = _trimmed(text, cstart, cend)
    if cend <= cstart:
        return None
    direct = False
    q = _quote_around(quotes, cstart, cend)
    if q is not None and q[0] <= tok.idx < q[1]:
        q = None  # a cue inside the quotation: the quotation is someone else's
    if q is not None and (q[1] - q[0]) >= 0.5 * (cend - cstart):
        cstart, cend = min(cstart, q[0]), max(cend, q[1])
        direct = True
    # the cue must not sit inside its own content
    cue_s, cue_e = _cue_span(tok)
    if cstart <= cue_s < cend:
        if cue_s - cstart > cend - cue_e:
            cend = _trimmed(text, cstart, cue_s)[1]
        else:
            cstart = _trimmed(text, cue_e, cend)[0]
        if cend <= cstart:
            return None
    if cue_e <= cstart:
        # a quotation closing the sentence keeps its punctuation ("... wraps.”")
        tail = SENTENCE_END_RE.match(text, cend)
        if tail and tail.group(0)[-1] in '”"’':
            cend = tail.end()
    subj = _subject(tok)
    if subj is None and cend <= cue_s:
        subj = _inverted_subject(tok)
    if subj is None:
        subj = _adjacent_np(tok, cue_s, cue_e)
    source = via = None
    if subj is not None:
        s, e = _source_span(subj, mentions)
        quote = _quote_around(quotes, s, e)
        if quote is not None and not quote[0] <= cue_s < quote[1]:
            pass  # a word inside someone's quotation ("“... I decided ...” wrote") is no speaker
        elif e > s and not (cstart <= s < cend):
            source = _span(text, s, e)
    # "X told AFP": the addressee outlet relays
    if lemma in {"tell", "told", "say", "confirm"}:
        for child in _children(tok):
            if child.dep_ in {"dative", "dobj"} and child.ent_type_ in OUTLET_LABELS:
                vs, ve = _source_span(child, mentions)
                via = _span(text, vs, ve)
    # "X reported, citing Y": Y speaks, X relays
    relays = [c for c in _children(tok) if c.lemma_.lower() in RELAY_LEMMAS and c.tag_ == "VBG"]
    if content_tok is not None and content_tok.i != tok.i:
        relays += [
            c
            for c in _children(content_tok)
            if c.lemma_.lower() in RELAY_LEMMAS and c.tag_ == "VBG"
        ]
    for rel in relays:
        objs = [g for g in _children(rel) if g.dep_ == "dobj"]
        if not objs:
            continue
        vs, ve = _source_span(objs[0], mentions)
        if source is not None:
            via = source
        source = _span(text, vs, ve)
        r_lo, r_hi = _tok_range(rel.subtree)
        if r_lo <= cstart < r_hi:
            cstart = _trimmed(text, r_hi, cend)[0]
        elif cstart < r_lo < cend:
            cend = _trimmed(text, cstart, r_lo)[1]
        break
    polarity = "denies" if lemma in DENY_LEMMAS or _is_negative(content_tok) else "asserts"
    if any(c.dep_ == "neg" for c in _children(tok)) and lemma in DENY_LEMMAS:
        polarity = "asserts"  # "did not deny"
    return Attribution(
        source=source,
        cue=_span(text, cue_s, cue_e),
        content=_span(text, cstart, cend),
        polarity=polarity,
        via=via,
        direct=direct,
        sentence=sent_of[tok.i],
    )


NAMING_LEMMAS = frozenset({"call", "name", "dub", "label", "brand", "title", "know"})
EVIDENTIAL_LEMMAS = frozenset(
    {"show", "indicate", "signal", "suggest", "imply", "mean", "reveal", "prove", "demonstrate"}
)  # fmt: skip
DEMONSTRATIVES = frozenset({"this", "that", "these", "those", "which"})


def _not_a_report(tok: Token, lemma: str) -> bool:
    """Verb forms that look like cues but report no one's words.

    An imperative ("find shelter") or "as promised" has no speaker; "a unit called
    X" names; "accusing X" without what of is a stance, not a statement; "this
    indicates", "these actions, signaling ..." are inferences, not speech.
    """
    has_subject = any(c.dep_ in SUBJECT_DEPS | {"agent", "expl"} for c in _children(tok))
    if (
        tok.tag_ == "VB"
        and not has_subject
        and tok.dep_ in {"ROOT", "conj"}
        and not any(c.dep_ in {"aux", "auxpass"} for c in _children(tok))
    ):
        return True  # imperative
    if (
        tok.tag_ == "VBN"
        and not has_subject
        and any(c.dep_ == "mark" and c.lower_ == "as" for c in _children(tok))
    ):
        return True  # "as promised", "as expected"
    if lemma in NAMING_LEMMAS and tok.dep_ in {"acl", "relcl", "amod"} and not has_subject:
        return True
    if lemma == "accuse" and not any(
        c.dep_ in CLAUSE_DEPS or (c.dep_ == "prep" and c.lower_ in {"of", "for"})
        for c in _children(tok)
    ):
        return True
    if lemma in EVIDENTIAL_LEMMAS:
        subj = _subject(tok)
        if subj is not None and (
            subj.lower_ in DEMONSTRATIVES
            or (
                any(c.dep_ == "det" and c.lower_ in DEMONSTRATIVES for c in _children(subj))
                and subj.ent_type_ not in SPEAKER_LABELS
            )
        ):
            return True
    return False


def _adjacent_quote(tok: Token, quotes: list[tuple[int, int]]) -> tuple[int, int] | None:
    """A quotation right before or after the cue clause (", he said" / "said: “...")."""
    sent = _sentence_span(tok)
    quotes = _indexed(quotes)
    lo = bisect_left(quotes.ends, tok.idx - 40)
    hi = bisect_right(quotes.starts, tok.idx + 40 + 2 * len(tok))
    for qs, qe in quotes[lo:hi]:  # the only quotes near enough to qualify, in order
        if qe <= tok.idx and tok.idx - qe <= 40 and qe >= sent.start_char - 1:
            between = doc_text(tok.doc)[qe : tok.idx]
            if "\n" not in between and not re.search(r"[.!?]\s", between):
                return qs, qe
        if qs >= tok.idx + len(tok) and qs - tok.idx <= 40 + len(tok):
            between = doc_text(tok.doc)[tok.idx + len(tok) : qs]
            if "\n" not in between and not re.search(r"[.!?]", between):
                return qs, qe
    return None


def _according_to(
    tok: Token, sent_of: list[int], sents: list[Span], mentions: tuple[Mention, ...]
) -> Attribution | None:
    """ "according to X, ..." anywhere in a sentence."""
    if tok.lower_ != "according" or tok.i + 1 >= len(tok.doc) or tok.doc[tok.i + 1].lower_ != "to":
        return None
    doc = tok.doc
    text = doc_text(doc)
    to = doc[tok.i + 1]
    pobj = [c for c in _children(to) if c.dep_ == "pobj"]
    if not pobj:
        return None
    src_tok = pobj[0]
    s, e = _source_span(src_tok, mentions)
    phrase_lo = tok.i
    phrase_hi = max(src_tok.right_edge.i, to.i + 1)
    sent = sents[sent_of[tok.i]]
    before = (sent.start_char, doc[phrase_lo].idx)
    after = (doc[phrase_hi].idx + len(doc[phrase_hi]), sent.end_char)
    cstart, cend = before if before[1] - before[0] > after[1] - after[0] else after
    cstart, cend = _trimmed(text, cstart, cend)
    if cend <= cstart:
        return None
    source = _span(text, s, e) if e > s else None
    return Attribution(
        source=source,
        cue=_span(text, tok.idx, to.idx + len(to)),
        content=_span(text, cstart, cend),
        polarity="asserts",
        sentence=sent_of[tok.i],
    )


def _contains(outer: TextSpan, inner: TextSpan) -> bool:
    return outer.start <= inner.start and inner.end <= outer.end


def _nest(found: list[Attribution]) -> list[Attribution]:
    """A statement reported inside another's content is relayed by the outer source."""
    out: list[Attribution] = []
    # Sourced attributions by content start, with the running maximum of content ends: the
    # outers of a cue are found by bisection and a backward scan that stops as soon as no
    # earlier content reaches the cue's end (a scan of all pairs is quadratic).
    sourced = sorted(
        ((o.content.start, i, o) for i, o in enumerate(found) if o.source is not None),
        key=lambda item: (item[0], item[1]),
    )
    starts = [start for start, _, _ in sourced]
    reach: list[int] = []
    for _, _, o in sourced:
        reach.append(max(o.content.end, reach[-1]) if reach else o.content.end)
    for att in found:
        if att.via is None and att.source is not None:
            outers: list[tuple[int, int, Attribution]] = []
            k = bisect_right(starts, att.cue.start) - 1
            while k >= 0 and reach[k] >= att.cue.end:
                _, i, o = sourced[k]
                if o is not att and _contains(o.content, att.cue):
                    outers.append((o.content.end - o.content.start, i, o))
                k -= 1
            if outers:
                outer = min(outers, key=lambda item: item[:2])[2]  # shortest, first in order
                if (
                    outer.source is not None
                    and outer.source.text.lower() != att.source.text.lower()
                ):
                    att = replace(att, via=outer.source)
                elif outer.via is not None:
                    att = replace(att, via=outer.via)
        out.append(att)
    return out


def _resolve_pronoun(att: Attribution, mentions: tuple[Mention, ...], doc: Doc) -> Attribution:
    src = att.source
    if src is None:
        return att
    rel = doc.char_span(src.start, src.end)
    cue = doc.char_span(att.cue.start, att.cue.end, alignment_mode="expand")
    if rel is not None and len(rel) == 1 and cue is not None and len(cue):
        head = _relative_antecedent(rel[0], cue.root)
        if head.i != rel[0].i:
            s, e = _source_span(head, mentions)
            return replace(att, source=_span(doc_text(doc), s, e))
    if src.text.lower() not in PRONOUNS:
        return att
    labels = PRONOUNS[src.text.lower()]
    earlier = [
        m
        for m in mentions
        if m.end <= src.start and m.label in labels and att.sentence - m.sentence <= 3
    ]
    if not earlier:
        return att
    best = max(earlier, key=lambda m: m.end)
    if src.text.lower() in {"he", "she"}:
        people = [m for m in earlier if m.label == "PERSON"]
        if not people:
            return att
        best = max(people, key=lambda m: m.end)
    return replace(att, source=TextSpan(best.start, best.end, best.text))


def _dedupe(found: list[Attribution]) -> list[Attribution]:
    seen: set[tuple[int, int, int, int]] = set()
    out: list[Attribution] = []
    for a in found:
        key = (a.cue.start, a.cue.end, a.content.start, a.content.end)
        if key not in seen:
            seen.add(key)
            out.append(a)
    return out


# --------------------------------------------------------------------------- no parser


def _layout(doc: Doc, quotes: list[tuple[int, int]], sent_of: list[int]) -> list[Attribution]:
    """Attributions signalled by layout rather than grammar."""
    text = doc_text(doc)

    def sentence(pos: int) -> int:
        span = doc.char_span(pos, pos + 1, alignment_mode="expand")
        return sent_of[span.start] if span is not None and len(span) else 0

    out: list[Attribution] = []
    for qs, qe in quotes:
        m = DASH_SIGNED_RE.match(text, qe)
        if m is None:
            continue
        ss, se = _trimmed(text, *m.span("source"), keep_quotes=False)
        if se > ss:
            out.append(
                Attribution(
                    source=_span(text, ss, se),
                    cue=_span(text, *m.span("cue")),
                    content=_span(text, qs, qe),
                    direct=True,
                    sentence=sentence(m.start("cue")),
                )
            )
    for m in LABEL_LINE_RE.finditer(text):
        cs, ce = m.span("content")
        ce = cs + len(text[cs:ce].rstrip())
        if ce - cs < 8:
            continue
        out.append(
            Attribution(
                source=_span(text, *m.span("source")),
                cue=_span(text, *m.span("cue")),
                content=_span(text, cs, ce),
                direct=text[m.start("source") - 1 : m.start("source")] in OPEN_QUOTES,
                sentence=sentence(m.start("cue")),
            )
        )
    return out


def _surface(doc: Doc, quotes: list[tuple[int, int]]) -> tuple[Attribution, ...]:
    """Pattern rules for docs without a dependency parse."""
    text = doc_text(doc)
    sents, _ = _sentence_index(doc)
    starts = [s.start_char for s in sents]

    def sentence_of(pos: int) -> int:
        k = 0
        for i, s in enumerate(starts):
            if s <= pos:
                k = i
        return k

    found: list[Attribution] = []
    for rx in (ACCORDING_RE, QUOTE_SAID_RE, RU_CUE_RE, RU_QUOTE_DASH_RE):
        for m in rx.finditer(text):
            cs, ce = _trimmed(text, *m.span("content"))
            ss, se = _trimmed(text, *m.span("source"), keep_quotes=False)
            if ce <= cs:
                continue
            cue = m.group("cue").lower()
            polarity = "denies" if cue.startswith(("denie", "отрица", "опроверг")) else "asserts"
            found.append(
                Attribution(
                    source=_span(text, ss, se) if se > ss else None,
                    cue=_span(text, *m.span("cue")),
                    content=_span(text, cs, ce),
                    polarity=polarity,
                    direct=text[cs] in OPEN_QUOTES,
                    sentence=sentence_of(m.start("cue")),
                )
            )
    found.sort(key=lambda a: a.cue.start)
    return tuple(_dedupe(found))
