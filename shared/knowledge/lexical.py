"""Lexical search: an Indonesian + English analyser and Okapi BM25 over an array inverted index.

The analyser turns text into index terms, the same way for documents and questions:

- accents and case are folded ("Café" -> "cafe");
- numbers are normalised so that the ways a shop writes them meet: thousand separators go
  ("Rp150.000", "150,000", "IDR 150.000,00" -> "150000"), Indonesian and English shorthands are
  multiplied out ("150rb", "150 ribu", "150k" -> "150000"; "1,5jt" -> "1500000"), percentages
  stay one term ("20%", "20 persen", "20 percent" -> "20%"), decimals use a dot ("1,5" -> "1.5";
  "10.00" -> "10");
- codes that mix letters and digits keep together without their separators ("SKU-1234",
  "sku1234" -> "sku1234"; "INV/2024/001" -> "inv2024001"), a number glued to a unit splits
  ("500ml" -> "500", "ml");
- stop words of both languages, chat fillers ("kak", "dong", "please") and question framing
  ("berapa", "how", "tanya") are dropped: they say nothing about which passage answers;
- a small glossary maps chat shorthand and English shop words to Indonesian ("ongkir" ->
  "ongkos kirim", "return" -> "kembali"), so BM25 alone, without embeddings, still meets a
  question in one language with a passage in the other;
- light stemming: English plurals ("boxes" -> "box"), then Indonesian particles (-lah, -kah,
  -tah, -pun), possessives (-nya, -ku, -mu), the suffixes -kan and -an, and up to two prefixes
  (di-, ter-, ber-, meN-, peN-, per-, ke-...-an) with the meN-/peN- sound changes
  ("pengiriman", "dikirim", "mengirimkan" -> "kirim"). It is deliberately conservative: no
  dictionary, a minimum stem length, and the ambiguous "meN + vowel" cases resolved by a short
  list of shop-talk roots. A wrong stem costs little as long as question and passage get the
  same one. The word lists are in `vocabulary.py`.

Scoring is Okapi BM25 with k1 = 1.2 (how fast repeated terms stop adding: a term's weight
saturates at k1 + 1 times one occurrence) and b = 0.75 (how much a long passage is penalised
against the average length), the usual defaults; idf = ln(1 + (N - df + 0.5) / (df + 0.5)),
Lucene's form, which never goes negative. Each posting stores its precomputed term-frequency
weight, so a search is one numpy scatter-add per query term.
"""

import re
import unicodedata
from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from shared.knowledge.vocabulary import (
    GLOSSARY,
    KNOWN_ROOTS,
    ROOTS_ENDING_LIKE_PARTICLES,
    SHORT_ROOTS,
    STOP_WORDS,
)

K1 = 1.2
B = 0.75


_VOWELS = frozenset("aiueo")
_LABIALS = frozenset("bfpv")
_DENTALS = frozenset("cdjtz")
_LIQUIDS = frozenset("lrwy")
_MULTIPLIERS = {"rb": 1_000, "ribu": 1_000, "k": 1_000, "jt": 1_000_000, "juta": 1_000_000}
_PERCENT_WORDS = frozenset({"persen", "percent", "pct"})

_RAW_TOKEN = re.compile(r"[a-z0-9]+(?:[-_/.,:'][a-z0-9]+)*%?")
_THOUSANDS = re.compile(r"\d{1,3}([.,])\d{3}(?:\1\d{3})*(?:[.,](\d{1,2}))?")
_DECIMAL = re.compile(r"(\d+)[.,:](\d+)")
_NUMBER_AND_UNIT = re.compile(r"(\d+(?:[.,]\d+)*)([a-z]+)")
_CURRENCY_PREFIX = re.compile(r"(?:rp|idr)(?=\d)")
_SEPARATORS = re.compile(r"[-_/.,:']")
_THANKS = re.compile(r"\b(?:terima\s*kasih|thank\s*you)\b")  # thanks, not "received"


def fold(text: str) -> str:
    """Lower case without accents: what the analyser and the index compare."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _number(raw: str) -> str | None:
    """A plain number in one canonical spelling, or None if `raw` is not one."""
    if raw.isdigit():
        return raw.lstrip("0") or "0"
    if match := _THOUSANDS.fullmatch(raw):
        whole = re.sub(r"[.,]", "", raw[: match.start(2) - 1] if match.group(2) else raw)
        cents = (match.group(2) or "").rstrip("0")
        return (whole.lstrip("0") or "0") + (f".{cents}" if cents else "")
    if match := _DECIMAL.fullmatch(raw):
        whole, fraction = match.group(1).lstrip("0") or "0", match.group(2).rstrip("0")
        return whole + (f".{fraction}" if fraction else "")
    return None


def _multiply(number: str, unit: str) -> str:
    value = float(number) * _MULTIPLIERS[unit]
    return str(int(value)) if value == int(value) else f"{value:g}"


def _raw_terms(token: str) -> list[str]:
    """One raw token (already folded) as zero or more unstemmed terms."""
    token = _CURRENCY_PREFIX.sub("", token, count=1)
    if token.endswith("%"):
        number = _number(token[:-1])
        return [f"{number}%"] if number else _raw_terms(token[:-1])
    if (number := _number(token)) is not None:
        return [number]
    if match := _NUMBER_AND_UNIT.fullmatch(token):
        number = _number(match.group(1))
        unit = match.group(2)
        if number is not None and unit in _MULTIPLIERS:
            return [_multiply(number, unit)]
        if number is not None:
            return [number, unit]
    parts = [part for part in _SEPARATORS.split(token) if part]
    numbers = [part for part in re.split(r"[-_/']", token) if part]
    if len(numbers) > 1 and not any(c.isalpha() for c in token):  # ranges: "08.00-17.00"
        return [term for number in numbers for term in _raw_terms(number)]
    if any(c.isdigit() for c in token):  # a code (order, product, invoice) or "1.2.3"
        return ["".join(parts)]
    if len(parts) == 2 and parts[0] == parts[1]:  # reduplication: "barang-barang"
        return [parts[0]]
    return parts


def _english_singular(word: str) -> str:
    if len(word) < 4 or not word.endswith("s") or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes", "zes")):
        return word[:-2]
    return word[:-1]


def _strip_suffix(word: str, suffixes: Sequence[str], keep: int = 4) -> str:
    for suffix in suffixes:
        if word.endswith(suffix) and len(word) - len(suffix) >= keep:
            return word[: -len(suffix)]
    return word


def _choose(consonant: str, rest: str) -> str:
    """meN-/peN- before a vowel: the root lost `consonant` if it is a known root, else not."""
    return consonant + rest if consonant + rest in KNOWN_ROOTS else rest


def _without_nasal_prefix(word: str, head: str) -> str | None:
    """`word` without the meN- (head "me") or peN- (head "pe") prefix, or None."""
    rest = word[len(head) :]
    if rest.startswith("nge") and rest[3:] in SHORT_ROOTS:
        return rest[3:]  # mengecek -> cek
    if rest.startswith("ng"):
        after = rest[2:]
        return _choose("k", after) if after[:1] in _VOWELS else after
    if rest.startswith("ny") and rest[2:3] in _VOWELS:
        return "s" + rest[2:]  # menyimpan -> simpan
    if rest.startswith("m"):
        after = rest[1:]
        if after[:1] in _LABIALS:
            return after  # membeli -> beli
        return _choose("p", after) if after[:1] in _VOWELS else None
    if rest.startswith("n"):
        after = rest[1:]
        if after[:1] in _DENTALS or after.startswith("sy"):
            return after  # mencari -> cari
        return _choose("t", after) if after[:1] in _VOWELS else None
    if rest[:1] in _LIQUIDS:
        return rest  # melihat -> lihat
    return None


def _without_prefix(word: str, had_an: bool) -> str | None:
    """`word` without one Indonesian prefix, or None if it has none worth removing."""
    stem: str | None = None
    keep = 4
    if word.startswith("di"):
        stem, keep = word[2:], 3
    elif word.startswith(("ter", "ber", "per")):
        stem = word[3:]
    elif word.startswith("ke") and had_an:  # only the ke-...-an confix: "kecil" stays
        stem = word[2:]
    elif word.startswith(("me", "pe")):
        stem = _without_nasal_prefix(word, word[:2])
    if stem is None or (len(stem) < keep and stem not in SHORT_ROOTS):
        return None
    return stem


def _without_prefixes(word: str, had_an: bool) -> str:
    for _ in range(2):  # "keterlambatan" -> "terlambat" -> "lambat"
        if _is_root(word) or (without := _without_prefix(word, had_an)) is None:
            break
        word, had_an = without, False
    return word


def _is_root(word: str) -> bool:
    return word in KNOWN_ROOTS or word in SHORT_ROOTS


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The stem of one folded word (English plural, then Indonesian affixes)."""
    if not word.isalpha() or len(word) < 4 or _is_root(word):
        return word
    word = _english_singular(word)
    if _is_root(word) or word in ROOTS_ENDING_LIKE_PARTICLES:
        return word
    word = _strip_suffix(word, ("lah", "kah", "tah", "pun"))
    word = _strip_suffix(word, ("nya", "ku", "mu"))
    if _is_root(word):
        return word
    # Without a dictionary "-an" may be the root's own ending ("memesan" is "pesan"): try the
    # word with and without each suffix, take the first that ends on a known root, else the
    # shortest reading.
    candidates = [(word, False)]
    if (without_an := _strip_suffix(word, ("an",))) != word:
        candidates.insert(0, (without_an, True))
    if (without_kan := _strip_suffix(word, ("kan",))) != word:
        candidates.insert(0, (without_kan, False))
    readings = [_without_prefixes(candidate, had_an) for candidate, had_an in candidates]
    return next((reading for reading in readings if _is_root(reading)), readings[0])


def analyse(text: str) -> list[str]:
    """The index terms of `text`, in order, repeats kept (their count is the term frequency)."""
    terms: list[str] = []
    for raw in _RAW_TOKEN.findall(_THANKS.sub(" ", fold(text))):
        for term in _raw_terms(raw):
            if terms and _is_number(terms[-1]):
                if term in _MULTIPLIERS:  # "150 ribu"
                    terms[-1] = _multiply(terms[-1], term)
                    continue
                if term in _PERCENT_WORDS:  # "20 persen"
                    terms[-1] += "%"
                    continue
            if term in STOP_WORDS or (len(term) < 2 and not term.isdigit()):
                continue
            for word in GLOSSARY.get(term) or GLOSSARY.get(_english_singular(term)) or (term,):
                stemmed = stem(word)
                if stemmed not in STOP_WORDS:
                    terms.append(stemmed)
    return terms


def _is_number(term: str) -> bool:
    return term.replace(".", "", 1).isdigit()


@dataclass(frozen=True)
class Matches:
    """The passages a query matched: positions, BM25 scores and matched share of the query."""

    positions: npt.NDArray[np.int64]  # best first
    scores: npt.NDArray[np.float32]
    # For each passage: the idf mass of the query terms it contains over the idf mass of all
    # query terms (unknown terms count as much as the rarest known term). 1.0: every term.
    coverage: npt.NDArray[np.float32]


class LexicalIndex:
    """An immutable BM25 index over a list of texts; passages are their positions in the list."""

    def __init__(self, texts: Sequence[str], k1: float = K1, b: float = B) -> None:
        vocabulary: dict[str, int] = {}
        # Typed arrays, not lists: numpy takes them without a copy, so a build in a thread does
        # not hold the GIL (and stall the event loop) for a long conversion.
        term_ids, doc_ids, frequencies = array("i"), array("i"), array("f")
        lengths = np.zeros(len(texts), dtype=np.float32)
        for position, text in enumerate(texts):
            counts = Counter(analyse(text))
            lengths[position] = sum(counts.values())
            for term, count in counts.items():
                term_ids.append(vocabulary.setdefault(term, len(vocabulary)))
                doc_ids.append(position)
                frequencies.append(count)
        terms = np.frombuffer(term_ids, dtype=np.int32)
        order = np.argsort(terms, kind="stable")
        terms_sorted = terms[order]
        docs = np.frombuffer(doc_ids, dtype=np.int32)[order]
        tf = np.frombuffer(frequencies, dtype=np.float32)[order]
        df = np.bincount(terms_sorted, minlength=len(vocabulary)).astype(np.float32)
        average = float(lengths.mean()) if len(texts) and lengths.mean() > 0 else 1.0
        norm = k1 * (1.0 - b + b * lengths[docs] / average)

        self.size = len(texts)
        self._vocabulary = vocabulary
        self._offsets = np.concatenate(([0], np.cumsum(df, dtype=np.int64)))
        self._docs = docs
        self._weights = (tf * (k1 + 1.0) / (tf + norm)).astype(np.float32)
        self._idf = self._idf_of(df)
        # A question word no passage contains weighs as much as the rarest word that one does.
        self._unknown_idf = float(self._idf_of(np.ones(1, dtype=np.float32))[0])

    def _idf_of(self, df: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        n = float(self.size)
        return np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)

    @property
    def nbytes(self) -> int:
        """Bytes held by the arrays (the vocabulary dict is extra)."""
        return sum(a.nbytes for a in (self._offsets, self._docs, self._weights, self._idf))

    def search(self, query: str, limit: int) -> Matches:
        """Up to `limit` passages containing a query term, by BM25 score, best first."""
        terms = list(dict.fromkeys(analyse(query)))  # a repeated query word counts once
        scores = np.zeros(self.size, dtype=np.float32)
        matched = np.zeros(self.size, dtype=np.float32)
        mass = 0.0
        for term in terms:
            term_id = self._vocabulary.get(term)
            if term_id is None:
                mass += self._unknown_idf
                continue
            idf = float(self._idf[term_id])
            mass += idf
            start, end = self._offsets[term_id], self._offsets[term_id + 1]
            docs = self._docs[start:end]  # a term occurs once per passage: no repeats here
            scores[docs] += idf * self._weights[start:end]
            matched[docs] += idf
        hits = np.flatnonzero(matched)
        if len(hits) > limit:
            hits = hits[np.argpartition(-scores[hits], limit - 1)[:limit]]
        hits = hits[np.argsort(-scores[hits], kind="stable")]
        coverage = matched[hits] / mass if mass else np.zeros(len(hits), dtype=np.float32)
        return Matches(positions=hits.astype(np.int64), scores=scores[hits], coverage=coverage)
