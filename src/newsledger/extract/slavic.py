"""Russian and Ukrainian: attribution cues, counted figures and mention fixes, from patterns.

No Russian or Ukrainian dependency parser ships here, so what English gets from
the parse comes from the surface, the way the wires write it:

- attribution: «X заявил/заявив, что/що ...», «по словам/за словами X, ...»,
  «..., сообщили в Минобороны», «Об этом сообщил X» (the sentence before is the
  content), «як зазначив X», ««...», — заявили в ведомстве»;
- figures: a number (digits or a number word in any case: «два», «двох») with its
  qualifier («до», «около», «более», «понад», «щонайменше») and the participle or
  verb that gives its slot, before or after («уничтожено до 60 боевиков», «ранены
  два человека», «поранено двох людей»); people and things are told apart by the
  counted noun (a destroyed fighter is killed, a destroyed tank destroyed);
- mentions: natasha's NER, trained on Russian, also reads Ukrainian names, but it
  takes a case form of a city for a person («Житомира») and a ministry for a
  person: a mention whose dictionary form is a gazetteer place becomes a place,
  one led by an institution word an organisation.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from functools import lru_cache

from newsledger.extract.entities import RawMention
from newsledger.lemmas import lemma, name_forms
from newsledger.model import Attribution, Quantity, Sentence, TextSpan

UP = "А-ЯЁІЇЄҐ"
LOW = "а-яёіїєґ'’ʼ"
_NAME_WORD = rf"(?:[{UP}][{UP}{LOW}-]*|«[^»\n]{{1,40}}»)"
_SOURCE = rf"(?P<source>{_NAME_WORD}(?:\s+(?:{_NAME_WORD}|[{LOW}-]+\s+[{UP}][{LOW}-]*)){{0,5}})"
_SAY = (
    r"заявил[аио]?|сообщил[аио]?|сказал[аио]?|отметил[аио]?|подчеркнул[аио]?|добавил[аио]?|"
    r"уточнил[аио]?|рассказал[аио]?|написал[аио]?|утверждает|утверждают|отрицает|отрицают|"
    r"опроверг(?:ли|ла|ло)?|"
    r"заявив|заявила|заявило|заявили|повідомив|повідомила|повідомило|повідомили|сказав|"
    r"сказала|сказали|зазначив|зазначила|зазначили|наголосив|наголосила|наголосили|"
    r"підкреслив|підкреслила|підкреслили|додав|додала|додали|написав|написала|уточнив|"
    r"стверджує|стверджують|заперечив|заперечила|заперечили|заперечує|спростував|спростували"
)
_DENY = ("отрица", "опроверг", "заперечи", "заперечу", "спростов")
_NOT_SOURCES = frozenset(
    {"как", "об", "это", "также", "кроме", "при", "позже", "ранее", "затем", "як", "про",
     "також", "це", "крім", "пізніше", "раніше", "потім", "він", "вона", "вони", "он", "она",
     "они", "в", "у", "по", "за", "на"}
)  # fmt: skip
# «X заявил, что ...» / «X заявив, що ...»
CUE_RE = re.compile(
    _SOURCE + rf"\s+(?P<cue>{_SAY})\s*,?\s+(?:что|що|о том, что|про те, що)?\s*"
    r"(?P<content>[^.!?\n]{4,})"
)
# «По словам X, ...», «За словами X, ...», «Как сообщил X, ...», «Як зазначив X, ...»
ACCORDING_RE = re.compile(
    r"(?P<cue>(?:[Пп]о словам|[Пп]о данным|[Пп]о информации|[Сс]огласно данным|[Сс]огласно|"
    r"[Зз]а словами|[Зз]а даними|[Зз]а інформацією|[Зз]гідно з даними|[Зз]гідно з|"
    r"[Кк]ак (?:сообщил[аи]?|заявил[аи]?|отметил[аи]?|сообщает|сообщают|передает)|"
    r"[Яя]к (?:повідомив|повідомила|повідомили|повідомляє|зазначив|зазначила|зазначили|заявив|"
    r"заявили|передає))(?:\s+(?:в|у))?)\s+"
    r"(?P<source>[^,.;:!?\n]{2,80}?)\s*,\s*(?P<content>[^.!?\n]{4,}[.!?]?)"
)
# «..., сообщили в Минобороны России.» / «..., повідомили в ЗСУ.»
# Found from the cue back, not from every start: a content pattern run at each position
# of a long text without commas would scan to its end each time (quadratic).
AFTER_CUE_RE = re.compile(
    r",\s*(?:—\s*)?(?P<cue>сообщили|заявили|рассказали|отметили|"
    r"уточнили|подчеркнули|сообщает|сообщил[аи]?|заявил[аи]?|повідомили|заявили|зазначили|"
    r"підкреслили|наголосили|повідомляє|повідомив|повідомила|заявив|заявила)\s+"
    r"(?:(?:в|у|во)\s+)?(?P<source>[^,.;:!?\n«»]{2,60}?)\s*(?=[.!?\n]|$)"
)
_CLAUSE_ENDS = ".!?\n«»"
AFTER_MIN_CONTENT = 8


def _after_matches(text: str) -> Iterator[tuple[re.Match[str], tuple[int, int]]]:
    """«X, — сообщили в Y.»: each cue after a comma, with the clause before it as content
    (back to the last sentence end or guillemet, or the end of the previous match)."""
    floor = 0
    for m in AFTER_CUE_RE.finditer(text):
        end = m.start()
        start = max(floor, *(text.rfind(c, floor, end) + 1 for c in _CLAUSE_ENDS))
        if end - start >= AFTER_MIN_CONTENT:
            yield m, (start, end)
            floor = m.end()


# «Все атаки отражены», — заявили в ведомстве.
QUOTE_DASH_RE = re.compile(
    r"(?P<content>[«„\"][^»“\"]{3,}[»“\"])\s*,?\s*[—–-]\s*(?P<cue>" + _SAY + r")\s+"
    r"(?:(?:в|у|во)\s+)?(?P<source>[^,.;:!?\n]{2,60}?)\s*(?=[.!?\n]|$)"
)
# «Об этом сообщил губернатор X.» / «Про це повідомив X.»: the content is the sentence before
THIS_RE = re.compile(
    r"(?P<lead>[Оо]б этом|[Оо] том|[Пп]ро це|[Оо]б атаке)\s+(?P<cue>" + _SAY + r")\s+"
    r"(?:(?:в|у)\s+)?(?P<source>[^.!?\n]{2,120}?)\s*(?=[.!?\n]|$)"
)

# ---------------------------------------------------------------- figures

_NUMBER_WORDS = {
    "один": 1, "одна": 1, "одно": 1, "одного": 1, "одной": 1, "одну": 1, "одне": 1,
    "однієї": 1,
    "два": 2, "две": 2, "двух": 2, "двое": 2, "двоих": 2, "дві": 2, "двох": 2, "двоє": 2,
    "три": 3, "трех": 3, "трёх": 3, "трое": 3, "троих": 3, "трьох": 3, "троє": 3,
    "четыре": 4, "четырех": 4, "четырёх": 4, "четверо": 4, "чотири": 4, "чотирьох": 4,
    "пять": 5, "пяти": 5, "пятеро": 5, "пятерых": 5, "п'ять": 5, "п’ять": 5, "п'яти": 5,
    "п’яти": 5, "шесть": 6, "шести": 6, "шестеро": 6, "шість": 6, "шістьох": 6,
    "семь": 7, "семи": 7, "сім": 7, "семеро": 7, "восемь": 8, "восьми": 8, "вісім": 8,
    "девять": 9, "девяти": 9, "дев'ять": 9, "дев’ять": 9, "десять": 10, "десяти": 10,
    "десятеро": 10, "двадцать": 20, "двадцяти": 20, "двадцять": 20, "тридцать": 30,
    "тридцять": 30, "сто": 100, "сотни": 100, "сотні": 100, "десятки": 10, "десятків": 10,
    "десятков": 10,
}  # fmt: skip
_VAGUE = {"десятки": (10, 10, 99), "десятков": (10, 10, 99), "десятків": (10, 10, 99),
          "сотни": (100, 100, 999), "сотні": (100, 100, 999)}  # fmt: skip
_QUALIFIERS = (
    (r"(?:до|не более|не больше|не більше|максимум)", "up_to"),
    (r"(?:около|примерно|порядка|приблизно|близько|почти|майже)", "about"),
    (r"(?:более|больше|свыше|понад|більше|більш ніж|более чем)", "over"),
    (r"(?:не менее|не менше|щонайменше|по меньшей мере|как минимум|принаймні|минимум)",
     "at_least"),
)  # fmt: skip
_NUM = (
    r"(?P<num>\d{1,3}(?:[  ]\d{3})+|\d+|" + "|".join(
        sorted((re.escape(w) for w in _NUMBER_WORDS), key=len, reverse=True)) + r")"
)
_QUAL = r"(?:(?P<qual>" + "|".join(q for q, _ in _QUALIFIERS) + r")\s+)?"
# (stem, slot for people, slot for things)
_VERBS = (
    ("уничтож", "killed", "destroyed"), ("знищ", "killed", "destroyed"),
    ("ликвидир", "killed", "destroyed"), ("ліквідов", "killed", "destroyed"),
    ("убит", "killed", "killed"), ("убил", "killed", "killed"), ("погиб", "killed", "killed"),
    ("вбит", "killed", "killed"), ("вбил", "killed", "killed"), ("загин", "killed", "killed"),
    ("загибл", "killed", "killed"), ("ранен", "wounded", "wounded"),
    ("ранил", "wounded", "wounded"), ("поранен", "wounded", "wounded"),
    ("поранил", "wounded", "wounded"), ("травм", "wounded", "wounded"),
    ("пострадал", "wounded", "wounded"), ("постраждал", "wounded", "wounded"),
    ("сбит", "intercepted", "intercepted"), ("сбил", "intercepted", "intercepted"),
    ("збит", "intercepted", "intercepted"), ("збил", "intercepted", "intercepted"),
    ("перехвач", "intercepted", "intercepted"), ("перехопл", "intercepted", "intercepted"),
    ("взят в плен", "captured", "captured"), ("взяты в плен", "captured", "captured"),
    ("взято в плен", "captured", "captured"), ("полонен", "captured", "captured"),
    ("захоплено в полон", "captured", "captured"), ("эвакуир", "displaced", "displaced"),
    ("евакуйов", "displaced", "displaced"),
)  # fmt: skip
_VERB_RE = "|".join(re.escape(v) for v, _, _ in _VERBS)
_PEOPLE = (
    "человек", "люд", "боевик", "бойовик", "военн", "військов", "солдат", "бойц", "бійц",
    "военнослужащ", "військовослужбов", "террорист", "терорист", "диверсант", "мирн",
    "цивільн", "жител", "мешкан", "ребен", "дет", "дит", "діт", "женщин", "жінк", "мужчин",
    "чоловік", "наемник", "найманц", "пограничник", "прикордонник", "сотрудник", "оккупант",
    "окупант", "нацист", "националист", "пленн", "полонен", "сапер", "пилот", "пілот",
)  # fmt: skip
_BEFORE_RE = re.compile(
    rf"(?P<verb>(?:{_VERB_RE})[{LOW}]*)(?:\s+(?:были|было|был|была|є|було|були|всего|всього|"
    rf"уже|вже|еще|ще|также|також|ещё))*\s+{_QUAL}{_NUM}(?=[\s,.;:!?)»]|$)"
    rf"(?P<subject>(?:\s+[{LOW}{UP}-]+){{1,3}})?",
    re.I,
)
_AFTER_RE = re.compile(
    rf"{_QUAL}{_NUM}(?P<subject>(?:\s+(?![{LOW}]*(?:{_VERB_RE}))[{LOW}{UP}-]+){{1,3}}?)"
    rf"(?:\s+(?:были|было|был|была|было|були|було|получили|получил|получила|отримали|"
    rf"отримав|отримала))?\s+(?P<verb>(?:{_VERB_RE}|ранени|поранен)[{LOW}]*)",
    re.I,
)
_SUBJECT_STOP = re.compile(
    r"\s+(?:и|і|й|та|в|во|у|на|по|при|с|з|із|от|від|за|после|після|а|но|але)(?:\s.*)?$", re.I
)


def _slot(verb: str, subject: str) -> str | None:
    verb = verb.lower()
    for stem, people_slot, thing_slot in _VERBS:
        if verb.startswith(stem) or stem in verb:
            return people_slot if counts_people(subject) else thing_slot
    if verb.startswith(("ранени", "поранен")):
        return "wounded"
    return None


def counts_people(subject: str) -> bool:
    words = [w.lower() for w in subject.split()]
    return any(w.startswith(_PEOPLE) for w in words)


def _value(word: str) -> tuple[float, float, float | None, bool] | None:
    w = word.lower().replace(" ", "").replace(" ", "")
    if w.isdigit():
        v = float(w)
        return v, v, v, False
    if w in _VAGUE:
        best, low, high = _VAGUE[w]
        return float(best), float(low), float(high) if high is not None else None, True
    if w in _NUMBER_WORDS:
        v = float(_NUMBER_WORDS[w])
        return v, v, v, False
    return None


def _qualifier(word: str | None) -> str | None:
    if not word:
        return None
    for pattern, name in _QUALIFIERS:
        if re.fullmatch(pattern, word.lower()):
            return name
    return None


def _subject(raw: str | None) -> str | None:
    if not raw:
        return None
    text = _SUBJECT_STOP.sub("", " " + raw.strip()).strip(" ,.;:")
    return text or None


def _sentence_of(sentences: Sequence[Sentence], pos: int) -> int:
    k = 0
    for i, s in enumerate(sentences):
        if s.start <= pos:
            k = i
    return k


def _enclosing(attributions: Sequence[Attribution], start: int, end: int) -> int | None:
    for i, a in enumerate(attributions):
        if a.content.start <= start and end <= a.content.end:
            return i
    return None


def figures(
    text: str,
    sentences: Sequence[Sentence],
    attributions: Sequence[Attribution],
    found: Sequence[Quantity],
) -> list[Quantity]:
    """Counted figures with their slots; ``found`` (the surface pass) is kept where not read."""
    out: list[Quantity] = []
    taken: list[tuple[int, int]] = []
    for rx in (_BEFORE_RE, _AFTER_RE):
        for m in rx.finditer(text):
            num = m.group("num")
            parsed = _value(num)
            if parsed is None:
                continue
            value, low, high, vague = parsed
            subject = _subject(m.group("subject"))
            slot = _slot(m.group("verb"), subject or "")
            if slot is None:
                continue
            start = m.start("qual") if m.group("qual") else m.start("num")
            end = m.end("num")
            if any(s < end and start < e for s, e in taken):
                continue
            qualifier = _qualifier(m.group("qual")) or ("vague" if vague else "exact")
            if qualifier == "up_to":
                low = None
            elif qualifier in {"over", "at_least"}:
                high = None
            taken.append((start, end))
            out.append(
                Quantity(
                    start=start,
                    end=end,
                    text=text[start:end],
                    value=value,
                    low=low,
                    high=high,
                    qualifier=qualifier,
                    slot=slot,
                    subject=subject,
                    attribution=_enclosing(attributions, start, end),
                    sentence=_sentence_of(sentences, start),
                    trigger=lemma(m.group("verb"), "ru"),
                )
            )
    # numbers the patterns did not read keep the surface pass's reading
    for q in found:
        if not any(s < q.end and q.start < e for s, e in taken):
            out.append(q)
    # a list after the verb: «уничтожено до 60 боевиков, пять танков и бронетранспортер»
    out.extend(_listed(text, sentences, attributions, out))
    out.sort(key=lambda q: (q.start, q.slot))
    return out


_LIST_ITEM_RE = re.compile(
    rf"\s*(?:,|\sи|\sі|\sта|\sй)\s+{_QUAL}{_NUM}(?P<subject>(?:\s+[{LOW}-]+){{1,2}})"
)


def _listed(
    text: str,
    sentences: Sequence[Sentence],
    attributions: Sequence[Attribution],
    read: Sequence[Quantity],
) -> list[Quantity]:
    """Figures listed after a read one share its verb: people killed, things destroyed."""
    extra: list[Quantity] = []
    for q in read:
        if q.slot not in {"killed", "destroyed"} or not q.trigger:
            continue
        if not q.trigger.startswith(("уничтож", "знищ", "ликвид", "ліквід")):
            continue
        pos = q.end + len(q.subject or "") + 1
        while True:
            m = _LIST_ITEM_RE.match(text, pos)
            if not m:
                break
            parsed = _value(m.group("num"))
            if parsed is None or any(r.start == m.start("num") for r in read):
                break
            value, low, high, vague = parsed
            subject = _subject(m.group("subject"))
            start = m.start("qual") if m.group("qual") else m.start("num")
            extra.append(
                Quantity(
                    start=start,
                    end=m.end("num"),
                    text=text[start : m.end("num")],
                    value=value,
                    low=low,
                    high=high,
                    qualifier=_qualifier(m.group("qual")) or ("vague" if vague else "exact"),
                    slot="killed" if counts_people(subject or "") else "destroyed",
                    subject=subject,
                    attribution=_enclosing(attributions, start, m.end("num")),
                    sentence=_sentence_of(sentences, start),
                    trigger=q.trigger,
                )
            )
            pos = m.end()
    return extra


# ---------------------------------------------------------------- attribution


def _span(text: str, start: int, end: int) -> TextSpan:
    while start < end and text[start] in " \t\n,;:—–-":
        start += 1
    while end > start and text[end - 1] in " \t\n,;:—–-":
        end -= 1
    return TextSpan(start, end, text[start:end])


def merge_attributions(
    own: Sequence[Attribution], surface: Sequence[Attribution]
) -> tuple[Attribution, ...]:
    """These patterns' attributions, plus the generic surface ones on other cues."""
    out = list(own)
    for a in surface:
        source = (a.source.text.split() or [""])[0].lower() if a.source else ""
        if source in _NOT_SOURCES:
            continue  # «Как сообщили ...»: a conjunction read as the speaker
        if any(a.cue.start < b.cue.end and b.cue.start < a.cue.end for b in out):
            continue
        out.append(a)
    out.sort(key=lambda a: (a.cue.start, a.content.start))
    return tuple(out)


def attributions(text: str, sentences: Sequence[Sentence]) -> list[Attribution]:
    """Cue patterns of Russian and Ukrainian news, in text order."""
    found: list[Attribution] = []

    def add(m: re.Match[str], content: tuple[int, int] | None = None) -> None:
        cs, ce = content or m.span("content")
        ss, se = m.span("source")
        source = _span(text, ss, se)
        if not source.text or source.text.split()[0].lower() in _NOT_SOURCES:
            return
        body = _span(text, cs, ce)
        if len(body.text) < 4:
            return
        cue = m.group("cue").lower()
        found.append(
            Attribution(
                source=source,
                cue=_span(text, *m.span("cue")),
                content=body,
                polarity="denies" if cue.startswith(_DENY) else "asserts",
                direct=text[body.start] in "«„\"“",
                sentence=_sentence_of(sentences, m.start("cue")),
            )
        )

    for rx in (CUE_RE, ACCORDING_RE):
        for m in rx.finditer(text):
            add(m)
    for m, content in _after_matches(text):
        add(m, content)
    for m in QUOTE_DASH_RE.finditer(text):
        add(m)
    for m in THIS_RE.finditer(text):
        here = _sentence_of(sentences, m.start())
        if here == 0:
            continue
        before = sentences[here - 1]
        add(m, (before.start, before.end))
    found.sort(key=lambda a: (a.cue.start, a.content.start))
    out: list[Attribution] = []
    for a in found:
        if any(a.cue.start < b.cue.end and b.cue.start < a.cue.end for b in out):
            continue  # one cue, one attribution: the first pattern that read it
        out.append(a)
    return out


# ---------------------------------------------------------------- mentions

_INSTITUTIONS = (
    "министерств", "минобороны", "мвд", "мчс", "міністерств", "міноборони", "мвс", "дснс",
    "служб", "штаб", "генштаб", "управлени", "управлін", "администрац", "адміністрац",
    "правительств", "уряд", "ведомств", "відомств", "прокуратур", "комитет", "комітет",
    "совет", "рада", "департамент", "фсб", "сбу", "гур", "агентств", "пресс-служб",
    "прес-служб", "кремл", "кабмин", "кабмін", "мэри", "мері", "губернатор",
)  # fmt: skip
_FORCES = ("вооруженн", "вооружённ", "збройн", "войск", "військ", "сил", "всу", "зсу")


@lru_cache(maxsize=50_000)
def _is_place(text: str) -> bool:
    from newsledger.resolve.gazetteer import open_gazetteer
    from newsledger.resolve.keys import norm

    try:
        gaz = open_gazetteer()
    except (OSError, RuntimeError, FileNotFoundError):
        return False
    keys = [norm(f) for f in (text, *name_forms(text))]
    return any(kind <= 1 for _, kind, _ in gaz.lookup(keys))


_UNIT_BEFORE = re.compile(
    r"(?:[Лл]егион|[Лл]егіон|[Бб]атальон|[Бб]атальйон|[Кк]орпус|[Бб]ригада|[Пп]олк|[Дд]ивизия|"
    r"[Дд]ивізія)\s*«$"
)
_COUNTRY_AFTER = re.compile(r"\s+(?:России|Росії|РФ|Украины|України)\b")


def _widen(text: str, m: RawMention) -> RawMention:
    """«Легион «Свобода России»» and «Минобороны России»: the name with its head or country."""
    start, end = m.start, m.end
    if text[start - 1 : start] == "«" and text[end : end + 1] == "»":
        end += 1
    unit = _UNIT_BEFORE.search(text, max(0, start - 12), start + (text[start - 1 : start] != "«"))
    if unit and text[end - 1 : end] != "»" and text[end : end + 1] == "»":
        end += 1
    if unit:
        return RawMention(unit.start(), end, "ARMED_GROUP")
    words = text[start:end].lower().split()
    country = _COUNTRY_AFTER.match(text, end)
    if country and words and words[0].startswith(_INSTITUTIONS):
        return RawMention(start, country.end(), "ORG")
    if country and words and words[0].startswith(_FORCES):
        return RawMention(start, country.end(), "ARMED_GROUP")
    return m


_DATELINE = re.compile(r",\s*\d{1,2}\s+[а-яёіїє]+")


def fix_mentions(text: str, found: Sequence[RawMention]) -> list[RawMention]:
    """Relabel NER mistakes that structure and the gazetteer can correct."""
    out: list[RawMention] = []
    for m in sorted((_widen(text, m) for m in found), key=lambda m: (m.start, -m.end)):
        if out and m.start < out[-1].end:
            continue  # the country a widened name took in
        surface = text[m.start : m.end]
        if surface.isupper() and len(surface) > 3 and _DATELINE.match(text, m.end):
            continue  # «МОСКВА, 12 марта.»: where the agency filed, not where it happened
        words = surface.lower().split()
        label = m.label
        if words and words[0].startswith(_INSTITUTIONS):
            label = "ORG"
        elif words and words[0].startswith(_FORCES) and label != "GPE":
            label = "ARMED_GROUP"
        elif label in {"PERSON", "ORG"} and len(words) == 1 and _is_place(surface):
            label = "GPE"
        out.append(RawMention(m.start, m.end, label))
    return out
