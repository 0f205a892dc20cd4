"""The offline engine's answer to one question: the passages' sentences that carry what was
asked, written as a reply rather than pasted as a passage.

1. Each retrieved passage is cut into *segments*: sentences and list items, as written. Lines
   of a PDF are joined back into sentences; a short title-case line ("Ongkos Kirim dan
   Estimasi") is a sub-heading, and an FAQ's own question ("Apakah bisa COD?") is never said
   back: both become the *context* of the segments that follow them. Sentences end where
   `shared.text.sentences` says (the chunker's rule); a sentence announcing a list ("… yaitu:")
   is said only with its items.
2. Segments are scored against the question's normalised terms (`shared.text.normalise.terms`, the
   same analyser as retrieval): a term found in the segment counts fully, one only in its context or
   in the passage's heading counts less; rarer terms among the retrieved segments count more; a
   later passage's segment counts less, and one stating the kind of fact asked ("berapa lama":
   a duration) more.
3. The best segment and its passage's next best (those close to it) are kept, at most
   `MAX_SEGMENTS` and `MAX_CHARS`, in the document's order, preferring segments in the
   customer's language. A yes/no question keeps the segment that starts with the answer
   ("Bisa, ...") and gets a short lead ("Bisa, kak.").
4. What remains is plain text: no document titles or heading paths, no markdown, no list
   numbers, every segment a whole sentence. When the only answer is in the other language, the
   reply says so before quoting it.

`MAX_CHARS` is 450: about 70 words, what a phone shows in one WhatsApp bubble without
scrolling; a customer asking one thing should not have to read a page to find it.
"""

import math
import re
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from itertools import groupby

from shared.answering.wording import Phrase, address, detect_language, phrase
from shared.knowledge.answer_kinds import asked_kinds, stated
from shared.knowledge.retrieval import Passage
from shared.stores.bot_settings import Language, Tone
from shared.text.normalise import terms
from shared.text.sentences import sentences

MAX_SEGMENTS = 3
MAX_CHARS = 450
CONTEXT_WEIGHT = 0.6  # a question term in the segment's FAQ question or sub-heading
HEADING_WEIGHT = 0.3  # a question term only in the passage's heading
RELATED = 0.5  # a segment scoring this share of the best one is kept beside it
RANK_DECAY = 0.2  # a sentence of the n-th passage retrieved counts 1 / (1 + 0.2 n)
KIND_WEIGHT = 1.0  # a sentence stating the kind of fact asked for (answer_kinds.py)
ABOUTNESS = 0.05  # at most this is added for a question term early in the sentence
SHORT_LINE = 45  # a line this short that is followed by a capital ends its own statement
PARAGRAPH_JOINT = 2  # answers are paragraphs: a blank line between them

_LIST_ITEM = re.compile(r"^(?:[-*•·▪]|\d{1,2}[.)]|[a-z][.)])\s+")
_MARKDOWN_HEADING = re.compile(r"^#{1,6}\s+")
# A numbered heading that states a rule or a step ("1. Siram tanaman 1-2 kali per minggu"); a
# numbered question ("1. Do you have a backup?") only says what its section answers.
_NUMBERED_RULE = re.compile(r"^\d{1,2}[.)]\s+(?P<rule>.*[^?\s])\s*$")
_INTRO_END = re.compile(r"\s*(?::|\.\.\.|…)$")  # "... yaitu:", "... antara lain..."
_LIST_ITEM_JOINER = re.compile(r"\s*[;,]\s*(?:dan|atau|and|or)\s*$", re.IGNORECASE)
# Words a sentence never ends on: one that does was cut short.
_CANNOT_END = frozenset(
    re.findall(
        r"\w+",
        "dan atau yang di ke dari untuk dengan serta bahwa yaitu adalah and or the of to with for "
        "from that a an",
    )
)
# Markdown, and the inline HTML tags markdown pages carry ("<u>Disks</u>", "<br>")
_MARKDOWN = re.compile(r"\*\*|__|`|^>\s*|^#{1,6}\s+|</?[a-zA-Z][a-zA-Z0-9]*\s*/?>")
_TITLE_SMALL_WORDS = frozenset(
    re.findall(r"\w+", "dan atau di ke dari untuk yang serta dengan pada and or of the for to")
)
_YES_NO_QUESTION = re.compile(
    r"^\W*(?:(?:kak|min|halo|hai|hi|hello)\W+)?(?:apakah|apa\s+bisa|bisa|bs|bisakah|boleh|"
    r"bolehkah|ada|can|could|do|does|is|are|will|may)\b",
    re.IGNORECASE,
)
_ANSWER_WORD = re.compile(
    r"^(?P<word>bisa|boleh|ya|iya|ada|tentu|tidak|tdk|belum|enggak|nggak|yes|no|sure)\b"
    r"(?:\s*[,.!:;]\s*|\s+[-\u2013]\s+|\s*$)",  # "Bisa, ..." but not "Tidak semua ..."
    re.IGNORECASE,
)
_NEGATIVE_WORDS = frozenset({"tidak", "tdk", "belum", "enggak", "nggak", "no"})
_INDONESIAN_ANSWER_WORDS = frozenset(
    {"bisa", "boleh", "ya", "iya", "ada", "tentu", "tidak", "tdk", "belum", "enggak", "nggak"}
)


@dataclass(frozen=True)
class Segment:
    text: str  # one sentence or list item, as the document writes it
    context: str  # the FAQ question or sub-heading it answers; "" when none
    passage: int  # its passage's position among the retrieved ones
    position: int  # its order in the passage
    intro: str = ""  # the sentence announcing the list it belongs to, without its colon
    passage_language: Language | None = None

    @property
    def language(self) -> Language | None:
        """Its own words' language; a sentence too short to tell ("Semua paket
        diasuransikan.") is in its passage's."""
        return language_of(self.text) or self.passage_language


@dataclass(frozen=True)
class Composed:
    # What it says, sentence by sentence: the first is the lead (with the yes/no word and the
    # other language's notice), said even when the reply has room for nothing more. Empty
    # when the reply already says what answers this question.
    said: list[str]
    passages: list[Passage]  # where its sentences come from: the draft's citations
    sentences: list[str]  # the segments it says, as the documents write them

    @property
    def text(self) -> str:
        return " ".join(self.said)


def compose(
    question: str,
    passages: Sequence[Passage],
    language: Language,
    tone: Tone,
    said: Collection[str] = (),
) -> Composed | None:
    """The reply to `question` from `passages` (best first), or None when none has a sentence.

    `said` are the segments the reply says already (for an earlier question of the message):
    they are not said twice."""
    segments = [
        s for index, p in enumerate(passages) for s in segments_of(p.text, index, p.heading)
    ]
    if not segments:
        return None
    scores = _scores(question, segments, passages)
    best = max(range(len(segments)), key=lambda i: (scores[i], -i))
    if scores[best] > 0 and segments[best].text in said:
        return Composed(said=[], passages=[passages[segments[best].passage]], sentences=[])
    fresh = [i for i, segment in enumerate(segments) if segment.text not in said]
    if not fresh:
        return None
    segments, scores = [segments[i] for i in fresh], [scores[i] for i in fresh]
    chosen = _chosen(segments, scores, language, yes_no=is_yes_no(question))
    lead, facts = _lead_and_facts(chosen, language, tone, yes_no=is_yes_no(question))
    if not facts and not lead:
        return None
    facts_language = _language_of_all(chosen)
    if facts and facts_language is not None and facts_language is not language:
        facts[0] = phrase(language, Phrase.IN_OTHER_LANGUAGE).format(text=facts[0])
    said = [" ".join(part for part in (lead, *facts[:1]) if part), *facts[1:]]
    used = sorted({segment.passage for segment in chosen})
    return Composed(
        said=said,
        passages=[passages[index] for index in used],
        sentences=[segment.text for segment in chosen],
    )


def fitted(answers: Sequence[Sequence[str]], room: int) -> list[list[str]]:
    """The sentences of each answer (one paragraph each) that fit in `room` characters: every
    answer's first sentence, then each one's second in the customer's order, then the third...
    A later question's answer is never left out for an earlier one's detail."""
    kept = [list(answer[:1]) for answer in answers]
    used = sum(len(" ".join(answer)) for answer in kept) + PARAGRAPH_JOINT * (len(answers) - 1)
    for depth in range(1, max((len(answer) for answer in answers), default=0)):
        for answer, mine in zip(answers, kept, strict=True):
            if len(answer) > depth and len(mine) == depth and used + 1 + len(answer[depth]) <= room:
                mine.append(answer[depth])
                used += 1 + len(answer[depth])
    return kept


def is_yes_no(question: str) -> bool:
    return _YES_NO_QUESTION.match(question) is not None


def language_of(text: str) -> Language | None:
    """The language of a sentence by its function words; None when they do not tell."""
    as_indonesian = detect_language(text, Language.ID, content_words=False)
    as_english = detect_language(text, Language.EN, content_words=False)
    return as_indonesian if as_indonesian is as_english else None


# -- cutting a passage -------------------------------------------------------------------------


def segments_of(text: str, passage: int = 0, heading_path: str | None = None) -> list[Segment]:
    """The passage's sentences and list items, each with the question or sub-heading before it;
    first, its own heading when that states a numbered rule or step (tips and how-tos put the
    fact in the heading: "1. Siram tanaman 1-2 kali per minggu" over "Tanaman kaktus tidak
    membutuhkan terlalu banyak air.").

    A sentence that announces what follows ("Produk yang dapat diretur yaitu:", "Methods
    include:") is never said alone, which would leave it cut: it leads the rest of its block."""
    segments: list[Segment] = []
    heading = ""
    written_in = language_of(text)
    rule = _NUMBERED_RULE.match((heading_path or "").split(" > ")[-1])
    if rule and heading_path and " > " in heading_path:  # never the document's title
        segments.append(Segment(rule["rule"], "", passage, 0, "", written_in))
        heading = rule["rule"]  # what its body explains: said beside it ("Dengan komposisi …")
    for block in re.split(r"\n\s*\n", text):
        asked = intro = ""
        for piece in _pieces(block):
            if _is_heading(piece):
                heading, asked, intro = _MARKDOWN_HEADING.sub("", piece), "", ""
                continue
            for sentence in sentences(piece):
                if sentence.endswith("?"):
                    asked, intro = sentence, ""
                elif _INTRO_END.search(sentence):
                    intro = _INTRO_END.sub("", sentence)
                elif not _has_words(sentence) or _is_cut(sentence):
                    continue  # a stray mark ("2-3 hari. ."), or cut by the chunk's end
                else:
                    context = asked or heading
                    segments.append(
                        Segment(sentence, context, passage, len(segments), intro, written_in)
                    )
    return segments


def _pieces(block: str) -> list[str]:
    """The block's lines joined back into statements: a list item or a heading stands alone, a
    line continues the one before unless that one ended a sentence or was short and the next
    starts with a capital."""
    pieces: list[str] = []
    previous = ""
    for raw in block.splitlines():
        line = " ".join(raw.split())
        if not line:
            continue
        starts_anew = (
            not pieces
            or _LIST_ITEM.match(line) is not None
            or _is_heading(line)
            or _is_heading(previous)
            or previous.endswith((".", "!", "?"))
            or (len(previous) < SHORT_LINE and line[0].isupper())
        )
        if starts_anew:
            pieces.append(_LIST_ITEM.sub("", line, count=1))
        else:
            pieces[-1] = f"{pieces[-1]} {line}"
        previous = line
    return pieces


def _is_cut(sentence: str) -> bool:
    """A sentence ending on a word no sentence ends with ("… untuk wilayah dan") was cut where
    its chunk or page ended; a list item's closing "; dan" is no cut."""
    words = re.findall(r"[^\W\d_]+", _LIST_ITEM_JOINER.sub("", sentence))
    return bool(words) and words[-1].casefold() in _CANNOT_END


def _is_heading(line: str) -> bool:
    if _MARKDOWN_HEADING.match(line):
        return True
    words = line.split()
    if not words or len(words) > 6 or line[-1] in ".!?:;," or any(c.isdigit() for c in line):
        return False
    return all(
        word.lower() in _TITLE_SMALL_WORDS or not word[0].isalpha() or word[0].isupper()
        for word in words
    ) and any(word[0].isupper() for word in words)


# -- choosing ----------------------------------------------------------------------------------


def _scores(question: str, segments: Sequence[Segment], passages: Sequence[Passage]) -> list[float]:
    asked = set(terms(question))
    segment_terms = [terms(segment.text) for segment in segments]
    own = [set(found) for found in segment_terms]
    context = [set(terms(f"{segment.context} {segment.intro}")) for segment in segments]
    headings = [set(terms(passage.heading or "")) for passage in passages]
    seen_in = Counter(term for found in own for term in found)
    count = len(segments)
    kinds = asked_kinds(question)

    def weight(term: str) -> float:
        return math.log(1 + count / (1 + seen_in[term]))

    scores = []
    for index, segment in enumerate(segments):
        found = asked & own[index]
        in_context = (asked & context[index]) - found
        in_heading = (asked & headings[segment.passage]) - found - in_context
        # Retrieval ranked the passages on all their words and headings: a later passage's
        # sentence must match the question clearly better to be said instead.
        prior = 1 / (1 + RANK_DECAY * segment.passage)
        scores.append(
            prior
            * (
                sum(weight(term) for term in found)
                + CONTEXT_WEIGHT * sum(weight(term) for term in in_context)
                + HEADING_WEIGHT * sum(weight(term) for term in in_heading)
            )
            + _aboutness(segment_terms[index], found)
            # "Berapa lama?": of the sentences on it, the one stating a duration answers it
            + (KIND_WEIGHT if (found or in_context) and stated(segment.text, kinds) else 0.0)
        )
    return scores


def _aboutness(segment_terms: Sequence[str], found: set[str]) -> float:
    """A tie-break: a sentence that starts with what was asked ("Kurir yang tersedia: ...") is
    about it; one that names it last ("... diserahkan ke kurir") only mentions it."""
    first = next((n for n, term in enumerate(segment_terms) if term in found), None)
    return 0.0 if first is None else ABOUTNESS * (1 - first / len(segment_terms))


def _chosen(
    segments: Sequence[Segment], scores: Sequence[float], language: Language, yes_no: bool
) -> list[Segment]:
    """The best segment, the ones of its passage close to it, and for a yes/no question the
    segment of its FAQ entry that starts with the answer; in the passage's order."""
    ranked = sorted(
        range(len(segments)),
        key=lambda i: (-scores[i], segments[i].language not in (language, None), i),
    )
    in_my_language = [i for i in ranked if segments[i].language in (language, None)]
    best_score = scores[ranked[0]]
    if in_my_language and scores[in_my_language[0]] >= RELATED * best_score > 0:
        ranked = in_my_language  # the customer's language when it answers nearly as well
    best = ranked[0]
    if scores[best] == 0:
        best = 0  # retrieval found the passage relevant through words no sentence shows
    picked = [best]
    if yes_no:
        picked += [
            i
            for i, segment in enumerate(segments)
            if segment.passage == segments[best].passage
            and segment.context == segments[best].context
            and _same_language(segment, segments[best])
            and _ANSWER_WORD.match(segment.text)
            and i < best
        ][-1:]
    for i in ranked:
        candidate = segments[i]
        if len(picked) >= MAX_SEGMENTS:
            break
        if (
            i not in picked
            and candidate.passage == segments[best].passage
            and scores[i] >= RELATED * scores[best] > 0
            and _same_language(candidate, segments[best])
            and sum(len(segments[j].text) for j in picked) + len(candidate.text) <= MAX_CHARS
        ):
            picked.append(i)
    return [segments[i] for i in sorted(picked)]


def _same_language(one: Segment, other: Segment) -> bool:
    return None in (one.language, other.language) or one.language is other.language


# -- writing -----------------------------------------------------------------------------------


def _lead_and_facts(
    chosen: Sequence[Segment], language: Language, tone: Tone, yes_no: bool
) -> tuple[str, list[str]]:
    facts = _facts(chosen)
    lead = ""
    match = _ANSWER_WORD.match(facts[0]) if yes_no and facts else None
    if match:
        word = match.group("word").lower()
        negative = word in _NEGATIVE_WORDS
        if language is Language.EN:
            lead = phrase(language, Phrase.NO if negative else Phrase.YES)
        else:
            said = word if word in _INDONESIAN_ANSWER_WORDS else ("tidak" if negative else "ya")
            which = Phrase.NO if negative else Phrase.YES
            lead = phrase(language, which).format(word=said.capitalize(), address=address(tone))
        rest = facts[0][match.end() :]
        facts = ([_capitalised(rest)] if _has_words(rest) else []) + facts[1:]
    return lead, facts


def _facts(chosen: Sequence[Segment]) -> list[str]:
    """The chosen segments as sentences; list items after the sentence that announces them
    ("Methods include: cloud storage; an external drive.")."""
    facts: list[str] = []
    for intro, items in groupby(chosen, key=lambda segment: segment.intro):
        if intro:  # the items as written, small letters and all
            listed = "; ".join(_plain(item.text).rstrip(".") for item in items)
            facts.append(clean(f"{intro}: {listed}"))
        else:
            facts += [clean(item.text) for item in items]
    return facts


def clean(text: str) -> str:
    """A segment as a sentence of its own: no markdown, whole, capitalised, ended."""
    text = _capitalised(_plain(text))
    if text and (text[-1].isalnum() or text[-1] in ')%"”'):
        text += "."
    return text


def _plain(text: str) -> str:
    """No markdown, no stray spaces, no dangling punctuation at either end ("2-3 hari. .")."""
    text = _LIST_ITEM_JOINER.sub("", " ".join(_MARKDOWN.sub("", text).split()))
    return re.sub(r"(?<=[.!?])[\s.]+$", "", text).strip(" ;,:-\u2013")


def _capitalised(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:]


def _has_words(text: str) -> bool:
    return any(character.isalnum() for character in text)


def _language_of_all(segments: Sequence[Segment]) -> Language | None:
    languages = Counter(s.language for s in segments if s.language is not None)
    return languages.most_common(1)[0][0] if languages else None
