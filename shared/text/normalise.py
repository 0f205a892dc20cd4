"""One normalisation pipeline for Indonesian and English chat and shop text.

- `normalise(text)`: the message in standard words, case and accents folded. Stretched letters
  are squeezed ("bangettt"), chat spellings and colloquial words replaced from the lexicons
  ("udh" -> "sudah", "kpn" -> "kapan", also with a clitic: "brgnya" -> "barangnya"),
  reduplication written with "2" spelled out ("brg2nya" -> "barang-barangnya"), the Jakarta
  suffix "-in" written standard ("kirimin" -> "kirimkan"), and a country's abbreviation in
  capitals kept apart from the pronoun ("US" -> "usa"). Punctuation and numbers stay. What the
  classifier reads.
- `terms(text)`, `words(text)`: index terms for retrieval, grouped by the word they come from
  in `words`, in order: normalise, split numbers and codes (`numbers.py`), drop stop words,
  expand the bilingual shop glossary (also under a clitic: "ongkirnya") and a city to the
  island shops price shipping by as a related term ("medan": "medan", related "sumatra"),
  stem (`stemming.py`), drop stop words again. `words(text, with_synonyms=True)`, what a
  search asks, also gives each word the terms of its WordNet synonyms and translations
  ("fertilizer": "pupuk"; `synonyms.py`), except for glossary words and places.
- `shop_word_terms(word)`: for a word an index does not know, the terms of the glossary or
  lexicon word it is a misspelling of ("ongkr" -> "ongkir" -> "ongkos", "kirim"). Only an
  index asks, and only for words its documents do not use, so a word that is merely rare in
  the lexicons is never rewritten.
"""

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import NamedTuple

from shared.privacy.memory import forgotten_on_erasure
from shared.text.lexicon import PHRASES, PLACES, STANDARD_WORDS, WORDS
from shared.text.numbers import MULTIPLIERS, PERCENT_WORDS, is_number, multiply, raw_terms
from shared.text.stemming import english_singular, english_stem, indonesian_stem, is_root, stem
from shared.text.synonyms import synonyms
from shared.text.typos import NearestWords
from shared.text.vocabulary import COUNTRIES, GLOSSARY, STOP_WORDS

_WORD = re.compile(r"[a-z]+(?:2[a-z]*)?")
_STRETCHED = re.compile(r"([a-z])\1{2,}")
_REDUPLICATED = re.compile(r"([a-z]{3,})2(nya|an|in|lah|kah|ku|mu|)")
_CLITICS = ("nya", "lah", "kah", "pun", "ku", "mu")
_PHRASE = re.compile(
    "(?<![a-z])(?:"
    + "|".join(re.escape(key) for key in sorted(PHRASES, key=len, reverse=True))
    + ")(?![a-z])"
)
# "US" in capitals is the country, not the stop word "us".
_COUNTRY_US = re.compile(r"\bUS\b")

_RAW_TOKEN = re.compile(r"[a-z0-9]+(?:[-_/.,:'&][a-z0-9]+)*%?")
_THANKS = re.compile(r"\b(?:terima\s*kasih|thank\s*you)\b")  # thanks, not "received"


def fold(text: str) -> str:
    """Lower case without accents."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _is_known(word: str) -> bool:
    return word in STANDARD_WORDS or word in STOP_WORDS or word in GLOSSARY or is_root(word)


def _squeezed(word: str) -> str:
    """ "bangettt" -> "banget"; a doubled letter survives where the word needs it ("maaaf")."""
    single = _STRETCHED.sub(r"\1", word)
    double = _STRETCHED.sub(r"\1\1", word)
    return double if double != single and _is_known(double) and not _is_known(single) else single


@lru_cache(maxsize=100_000)
def _standard(word: str) -> str:
    """One folded word in its standard spelling (possibly several words)."""
    word = _squeezed(word)
    if match := _REDUPLICATED.fullmatch(word):
        base = _standard(match.group(1))
        return f"{base}-{base}{match.group(2)}" if " " not in base else word
    if word in WORDS:
        return WORDS[word]
    if _is_known(word):
        return word
    for clitic in _CLITICS:  # "brgnya": the lexicon's word with its clitic
        base = word[: -len(clitic)]
        if word.endswith(clitic) and base in WORDS and " " not in WORDS[base]:
            return WORDS[base] + clitic
    # "kirimin" -> "kirimkan", where the stemmer reads the word as a root with "-in" ("bermain"
    # is "ber-" + "main", "pendingin" "peN-" + "dingin": no "-in" to rewrite).
    if len(word) > 4 and word.endswith("in"):
        root = indonesian_stem(word[:-2])
        if is_root(root) and indonesian_stem(word) == root:
            return word[:-2] + "kan"
    return word


def normalise(text: str) -> str:
    """`text` in standard words, folded; punctuation, numbers and spacing kept."""
    if not text.isupper():  # a shouted message has no abbreviations to tell apart
        text = _COUNTRY_US.sub("usa", text)
    # Phrases before and after the words: a phrase may hold a chat spelling ("bayar ditempat").
    return _phrases(_WORD.sub(lambda m: _standard(m[0]), _phrases(fold(text))))


def _phrases(folded: str) -> str:
    if any(phrase in folded for phrase in PHRASES):  # a scan in C before the slower regex
        return _PHRASE.sub(lambda m: PHRASES[m[0]], folded)
    return folded


class Word(NamedTuple):
    """One word of a text as index terms: the terms it means, related terms (a city's island)
    that are weaker evidence of it, whether it names a place (a city, a country): weaker
    evidence of what a question asks than a shop word, and the terms of words sharing one of
    its meanings in either language (WordNet's synonyms): weak hints a search may use, never
    indexed; and the word as written before stemming, for a search to correct a misspelling
    the stemmer cut ("rekning" stems to "rekn")."""

    terms: tuple[str, ...]
    related: tuple[str, ...] = ()
    place: bool = False
    synonyms: tuple[str, ...] = ()
    written: str = ""


def _stems(words: Iterable[str]) -> tuple[str, ...]:
    return tuple(stemmed for word in words if (stemmed := stem(word)) not in STOP_WORDS)


# Countries, and the islands and areas cities ship by ("bali", "sumatra"); cities are PLACES.
_PLACE_NAMES = COUNTRIES | {area for areas in PLACES.values() for area in areas.split()}


@lru_cache(maxsize=100_000)
def _expanded(term: str) -> Word:
    """The stems of the glossary's words for `term` (also as an English singular or under a
    clitic), or of `term` itself; a city keeps its island as a related term; cities and
    countries are places."""
    if area := PLACES.get(term):  # a name has no affixes: "bekasi" is no "bekas" + "-i"
        return Word((term,), _stems(area.split()), place=True, written=term)
    return Word(_stems(_glossary(term)), place=term in _PLACE_NAMES, written=term)


@lru_cache(maxsize=100_000)
def _with_synonyms(term: str) -> Word:
    """`_expanded(term)` with the index terms of its synonyms, for a word that is neither a
    place nor a glossary word (the glossary's translations are curated: they win)."""
    word = _expanded(term)
    if word.place or word.terms != _stems((term,)):
        return word
    hints = (s for t in word.terms for other in synonyms(t) for s in _stems(_glossary(other)))
    return word._replace(synonyms=tuple(s for s in dict.fromkeys(hints) if s not in word.terms))


# The glossary's English base forms by their stem too, so an inflected form finds its entry
# ("refunded", "cancelling", "replaced"). Derived keys stay out ("installment" is no "install"),
# and so does a stem that is itself a key ("code" is no "cod").
_GLOSSARY_BY_STEM = {
    stemmed: words
    for key, words in GLOSSARY.items()
    if (stemmed := english_stem(key)) == key or (stemmed == key[:-1] and stemmed not in GLOSSARY)
}


def _glossary(term: str) -> tuple[str, ...]:
    for form in (term, english_singular(term)):
        if words := GLOSSARY.get(form):
            return words
    if words := _GLOSSARY_BY_STEM.get(english_stem(term)):
        return words
    for clitic in _CLITICS:
        if term.endswith(clitic) and (words := GLOSSARY.get(term[: -len(clitic)])):
            return words
    return (term,)


@lru_cache(maxsize=100_000)
def _token_terms(token: str) -> tuple[str, ...]:
    """The unstemmed terms of one token; a reduplication ("barang-barangnya") is one."""
    parts = raw_terms(token)
    if len(parts) == 2 and parts[0].isalpha() and stem(parts[0]) == stem(parts[1]):
        return tuple(parts[:1])
    return tuple(parts)


def words(text: str, with_synonyms: bool = False) -> list[Word]:
    """The words of `text` as index terms, in order, repeats kept; with their synonyms' terms
    if asked (what a search uses; the WordNet table is read on the first such call)."""
    expand = _with_synonyms if with_synonyms else _expanded
    found: list[Word] = []
    for token in _RAW_TOKEN.findall(_THANKS.sub(" ", normalise(text))):
        for term in _token_terms(token):
            if (term in MULTIPLIERS or term in PERCENT_WORDS) and found:
                last = found[-1].terms[0] if found[-1].terms else ""
                if is_number(last) and term in MULTIPLIERS:  # "150 ribu"
                    found[-1] = Word((multiply(last, term),))
                    continue
                if is_number(last):  # "20 persen"
                    found[-1] = Word((last + "%",))
                    continue
            if term in STOP_WORDS or (len(term) < 2 and not term.isdigit()):
                continue
            if (word := expand(term)).terms or word.related:
                found.append(word)
    return found


def terms(text: str) -> list[str]:
    """The index terms of `text`, in order, repeats kept (their count is the term frequency)."""
    return [term for word in words(text) for term in (*word.terms, *word.related)]


_SHOP_WORDS = sorted(set(GLOSSARY) | set(WORDS))
_NEAREST_SHOP_WORDS = NearestWords(_SHOP_WORDS)


def shop_word_terms(word: str) -> list[str]:
    """The terms of the glossary or lexicon word nearest the misspelt `word`; [] if none."""
    nearest = _NEAREST_SHOP_WORDS.nearest(word)
    return terms(_SHOP_WORDS[nearest[0]]) if len(nearest) == 1 else []


@forgotten_on_erasure
def forget_words() -> None:
    """Empty the word caches of the pipeline. They hold single words of customers' messages,
    names among them, with no customer attached: an erasure empties them all, as nothing tells
    an erased customer's words apart. They fill again as messages come."""
    for cached in (_standard, _expanded, _token_terms, stem, indonesian_stem):
        cached.cache_clear()
