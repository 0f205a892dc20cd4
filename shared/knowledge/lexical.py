"""Lexical search: Okapi BM25 over an array inverted index of normalised terms.

Documents and questions become index terms the same way, through `shared.text.normalise.terms`
(colloquial words to standard ones, numbers and codes one way, a bilingual shop glossary,
stemming, stop words; described there).

A question term the index does not know may be a misspelling of a word the documents use: it
counts as the index term(s) nearest in edit distance, within a bound that grows with the
word's length (`shared.text.typos`). "pembayran" finds "bayar", "garnsi" finds "garansi";
failing that, a misspelt shop word of the glossary finds its terms ("ongkr": "ongkos kirim").

A question word's synonyms and translations (WordNet, `shared.text.synonyms`) are weak hints:
only those the index holds, as written, and a passage that holds only a synonym holds the word
at `SYNONYM` (half) of its weight, in the coverage and in the score, so "What fertilizer do you
recommend?" reaches a passage on "pupuk" while a passage with the word itself ranks first.

Scoring is Okapi BM25 with k1 = 1.2 (how fast repeated terms stop adding: a term's weight
saturates at k1 + 1 times one occurrence) and b = 0.75 (how much a long passage is penalised
against the average length), the usual defaults; idf = ln(1 + (N - df + 0.5) / (df + 0.5)),
Lucene's form, which never goes negative. Each posting stores its precomputed term-frequency
weight, so a search is one numpy scatter-add per query term.

A passage may have a title (a chunk's heading path and file name) scored as its own field,
BM25F-style: a term's frequency in the text and in the title are each normalised by that
field's length against the field's average, then added, the title's counting `TITLE` times.
Counted as words of the text, the title words shared by every chunk of a page weighed most in
the shortest chunk ("cara belinya" found the page's one-line bank account before its steps);
as a field, chunks of one page are compared on the title by the titles' lengths alone.
"""

from array import array
from collections import Counter
from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

from shared.text import synonyms
from shared.text.names import is_name
from shared.text.normalise import Word, shop_word_terms, words
from shared.text.stemming import stem, store_stemmer
from shared.text.typos import NearestWords

K1 = 1.2
B = 0.75
RELATED = 0.5  # the weight of a related term (a city's island) against the word's own
SYNONYM = 0.5  # the weight of a synonym (WordNet) against the word's own
GENERAL = 0.5  # the weight of an unknown general English word against an unknown word
TITLE = 2.0  # a term of the title (heading path, file name) against one of the text
TITLE_B = B  # how much a long title is penalised against the average title


EXACT, TYPO, HINT = range(3)  # how a passage holds a question word, the strongest first
# One way a question word is held: (way, the index term, the passages holding it, how much
# they hold).
Held = tuple[int, int, npt.NDArray[np.int32], float]


def _split(
    words_held: list[list[Held]], hits: npt.NDArray[np.int64], size: int
) -> npt.NDArray[np.float32]:
    """For each of `hits`, the idf mass it holds of the question by each way (columns EXACT,
    TYPO, HINT): each word counted once, the way it is held best (the strongest on a tie).
    Computed for the hits alone, so its cost follows the postings, not the store's size."""
    row = np.full(size, -1, dtype=np.int64)
    row[hits] = np.arange(len(hits))
    split = np.zeros((len(hits), 3), dtype=np.float32)
    for held in words_held:
        ways = np.zeros((len(hits), 3), dtype=np.float32)
        for way, _, docs, amount in held:
            rows = row[docs]
            rows = rows[rows >= 0]
            ways[rows, way] = np.maximum(ways[rows, way], amount)
        best = ways.max(axis=1)
        first = np.argmax(ways == best[:, None], axis=1)  # the strongest way reaching the best
        split[np.arange(len(hits)), first] += best
    return split


@dataclass(frozen=True)
class Matches:
    """The passages a query matched: positions, BM25 scores and matched share of the query."""

    positions: npt.NDArray[np.int64]  # best first
    scores: npt.NDArray[np.float32]
    # For each passage: the idf mass of the query words it contains over the idf mass of all
    # query words (a word as its rarest known term; an unknown word as much as the rarest
    # term the index knows). 1.0: every word.
    coverage: npt.NDArray[np.float32]
    lengths: npt.NDArray[np.float32]  # each passage's number of terms
    held: list[list[Held]]  # each query word's ways of being held
    mass: float  # the query's idf mass
    size: int  # passages in the index

    @cached_property
    def split(self) -> npt.NDArray[np.float32]:
        """The coverage split by how each word is held (columns EXACT, TYPO, HINT: its own
        term, a misspelling's nearest term, a hint); read by the ranker alone, so only a
        search that orders pays for it."""
        return _split(self.held, self.positions, self.size) / (self.mass or 1.0)

    @cached_property
    def by_term(self) -> dict[int, list[tuple[int, float]]]:
        """For each index term that holds a query word: (the word's position, how much)."""
        found: dict[int, list[tuple[int, float]]] = {}
        for position, held in enumerate(self.held):
            for _, term, _, amount in held:
                found.setdefault(term, []).append((position, amount))
        return found


def _field_tf(
    tf: npt.NDArray[np.float32],
    lengths: npt.NDArray[np.float32],
    docs: npt.NDArray[np.int32],
    b: float,
) -> npt.NDArray[np.float32]:
    """The postings' term frequencies in one field, normalised by that field's length against
    its average (BM25F): a passage's title is long or short against other titles only."""
    average = float(lengths.mean()) if len(lengths) and lengths.mean() > 0 else 1.0
    return tf / (1.0 - b + b * lengths[docs] / average)


class LexicalIndex:
    """An immutable BM25 index over a list of texts, each with an optional title (BM25F);
    passages are their positions in the list."""

    def __init__(
        self,
        texts: Sequence[str],
        titles: Sequence[str] | None = None,
        k1: float = K1,
        b: float = B,
    ) -> None:
        titles = titles if titles is not None else [""] * len(texts)
        vocabulary: dict[str, int] = {}
        # Typed arrays, not lists: numpy takes them without a copy, so a build in a thread does
        # not hold the GIL (and stall the event loop) for a long conversion.
        term_ids, doc_ids = array("i"), array("i")
        in_text, in_title = array("f"), array("f")
        lengths = np.zeros((2, len(texts)), dtype=np.float32)  # terms of the text, of the title
        # Each word as the documents write it, by the terms it stands for: a misspelt affixed
        # word ("pengirman") is near the written word ("pengiriman"), not its stem ("kirim").
        written: dict[str, tuple[str, ...]] = {}
        for position, (text, title) in enumerate(zip(texts, titles, strict=True)):
            counts = []
            for field, field_text in enumerate((text, title)):
                field_words = words(field_text)
                for word in field_words:
                    if word.written and word.written not in word.terms:
                        written.setdefault(word.written, word.terms)
                found = Counter(t for word in field_words for t in (*word.terms, *word.related))
                lengths[field, position] = sum(found.values())
                counts.append(found)
            for term in counts[0] | counts[1]:
                term_ids.append(vocabulary.setdefault(term, len(vocabulary)))
                doc_ids.append(position)
                in_text.append(counts[0][term])
                in_title.append(counts[1][term])
        ids = np.frombuffer(term_ids, dtype=np.int32)
        order = np.argsort(ids, kind="stable")
        terms_sorted = ids[order]
        docs = np.frombuffer(doc_ids, dtype=np.int32)[order]
        df = np.bincount(terms_sorted, minlength=len(vocabulary)).astype(np.float32)
        # BM25F: each field's frequency normalised by its own length, the title's weighted.
        tf = _field_tf(np.frombuffer(in_text, dtype=np.float32)[order], lengths[0], docs, b)
        title_tf = np.frombuffer(in_title, dtype=np.float32)[order]
        tf += TITLE * _field_tf(title_tf, lengths[1], docs, TITLE_B)
        self.size = len(texts)
        self._lengths = lengths.sum(axis=0)
        self._vocabulary = vocabulary
        self._offsets = np.concatenate(([0], np.cumsum(df, dtype=np.int64)))
        self._docs = docs
        self._weights = (tf * (k1 + 1.0) / (tf + k1)).astype(np.float32)
        self._idf = self._idf_of(df)
        # A question word no passage contains weighs as much as the rarest word that one does.
        self._unknown_idf = float(self._idf_of(np.ones(1, dtype=np.float32))[0])
        self._terms = list(vocabulary)  # in id order: positions are term ids
        self._typos = NearestWords(self._terms)
        self._store_stem = store_stemmer(vocabulary)
        self._written = [(form, stems) for form, stems in written.items() if form not in vocabulary]
        self._written_typos = NearestWords([form for form, _ in self._written])
        synonyms.load()  # here, in the build's thread, rather than in a customer's search

    def _idf_of(self, df: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        n = float(self.size)
        return np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)

    @property
    def nbytes(self) -> int:
        """Bytes held by the arrays (the vocabulary dict is extra)."""
        arrays = (self._offsets, self._docs, self._weights, self._idf)
        return sum(a.nbytes for a in arrays) + self._typos.nbytes + self._written_typos.nbytes

    def search(self, query: str, limit: int) -> Matches:
        """Up to `limit` passages containing a query term, by BM25 score, best first."""
        scores = np.zeros(self.size, dtype=np.float32)
        matched = np.zeros(self.size, dtype=np.float32)
        mass = 0.0
        scored: dict[int, float] = {}
        words_held: list[list[Held]] = []
        question = words(query, with_synonyms=True)
        for word in dict.fromkeys(question):  # a repeated query word counts once
            # One question word counts once however many terms it stands for (a glossary
            # expansion, the nearest words of a misspelling): as its rarest known term, and a
            # passage holds it as much as its rarest term there. A related term (a city's
            # island) is weaker evidence and weighs half.
            weights, misspelt, related = self._weights_of(word)
            # A place the documents name (a city, a country) is weaker evidence of what is
            # asked than a shop word and counts half in the coverage, on both sides: "the
            # capital of Indonesia" is no question for a shop that ships across Indonesia.
            share = RELATED if word.place else 1.0
            word_mass = share * max(weights.values()) if weights else self._unknown_mass(word)
            mass += word_mass
            held: list[Held] = []  # by way: its own term, a misspelling's nearest, a hint
            for term_id, weight in weights.items():
                way = HINT if term_id in related else TYPO if term_id in misspelt else EXACT
                docs = self._score(term_id, weight, scores, scored)
                held.append((way, term_id, docs, share * weight))
            # A synonym (WordNet) is a weak hint: a passage holding only a synonym of the
            # word holds a fraction of it, and it adds as little to the passage's score.
            for term_id in self._synonym_ids(word) - weights.keys():
                docs = self._score(term_id, SYNONYM * float(self._idf[term_id]), scores, scored)
                held.append((HINT, term_id, docs, SYNONYM * word_mass))
            best = np.zeros(self.size, dtype=np.float32)
            for _, _, docs, amount in held:
                best[docs] = np.maximum(best[docs], amount)
            matched += best
            words_held.append(held)
        hits = np.flatnonzero(matched)
        if len(hits) > limit:
            hits = hits[np.argpartition(-scores[hits], limit - 1)[:limit]]
        hits = hits[np.argsort(-scores[hits], kind="stable")]
        coverage = matched[hits] / mass if mass else np.zeros(len(hits), dtype=np.float32)
        return Matches(
            positions=hits.astype(np.int64),
            scores=scores[hits],
            coverage=coverage,
            lengths=self._lengths[hits],
            held=words_held,
            mass=mass,
            size=self.size,
        )

    def spelt(self, found: Iterable[str]) -> set[str]:
        """`found` as the index writes it: each term, or the nearest terms of a misspelling
        ("repiar": "repair"), the way a search counts it."""
        return {self._terms[i] for term in found for i in self._term_ids(term)[0]}

    def best_coverage(self, matches: Matches, texts: Iterable[Set[str]]) -> float:
        """The highest coverage of the query (`matches`) among `texts`, each given as its
        terms (a passage's sentences): the share of the query's idf mass a text holds, each
        word as its best-held term there."""
        best = 0.0
        for found in texts:
            held: dict[int, float] = {}
            for term in found:
                for position, amount in matches.by_term.get(self._vocabulary.get(term, -1), ()):
                    held[position] = max(held.get(position, 0.0), amount)
            best = max(best, sum(held.values()))
        return best / matches.mass if matches.mass else 0.0

    def _score(
        self,
        term_id: int,
        weight: float,
        scores: npt.NDArray[np.float32],
        scored: dict[int, float],
    ) -> npt.NDArray[np.int32]:
        """Adds a term's BM25 contribution to `scores`, once, at the highest weight it is asked
        with (one word's synonym may be another word's own term); the passages holding it."""
        start, end = self._offsets[term_id], self._offsets[term_id + 1]
        docs = self._docs[start:end]  # a term occurs once per passage: no repeats
        if (extra := weight - scored.get(term_id, 0.0)) > 0:
            scores[docs] += extra * self._weights[start:end]
            scored[term_id] = weight
        return docs

    def _unknown_mass(self, word: Word) -> float:
        """A word no passage contains weighs as much as the rarest term one does: what the store
        never mentions is mostly what it does not sell ("laptop" in a batik shop). A general
        English word ("place", "take", "answer": many meanings in WordNet) weighs `GENERAL`
        of that: it frames the question more than it says what is asked."""
        general = len(word.terms) == 1 and synonyms.is_general(word.terms[0])
        return self._unknown_idf * (GENERAL if general else 1.0)

    def _synonym_ids(self, word: Word) -> set[int]:
        """The index terms among the word's synonyms: only words the documents use, as written
        (a synonym is no misspelling to correct)."""
        found = (self._vocabulary.get(term) for term in word.synonyms)
        return {term_id for term_id in found if term_id is not None}

    def _weights_of(self, word: Word) -> tuple[dict[int, float], set[int], set[int]]:
        """The index terms a question word stands for, with their weights (idf, halved for a
        related term), empty if the index knows none; of them, those found as the nearest
        terms of a misspelling, and the related terms."""
        weights: dict[int, float] = {}
        misspelt: set[int] = set()
        for share, found in ((RELATED, word.related), (1.0, word.terms)):
            for term in found:
                ids, exact = self._term_ids(term)
                weights.update({i: share * float(self._idf[i]) for i in ids})
                misspelt.update(() if exact else ids)
        if not weights and word.written and word.written not in word.terms:  # stemmed misspelt
            ids, exact = self._term_ids(word.written)
            weights = {i: float(self._idf[i]) for i in ids}
            misspelt.update(() if exact else ids)
        related = {i for i, weight in weights.items() if weight < float(self._idf[i])}
        return weights, misspelt, related

    def _term_ids(self, term: str) -> tuple[list[int], bool]:
        """The index's term for `term` (and True), also under a chat affix on a root the
        store writes, or the nearest ones if it is misspelt (and False); [] if none.

        A misspelling is looked for among the index's own terms first, then among its words
        as the documents write them ("pengirman" is "pengiriman", held as "kirim"), then among
        the shop words of the glossary and lexicon (which the index holds expanded: "ongkr" is
        "ongkir", held as "ongkos" and "kirim").
        """
        if (term_id := self._vocabulary.get(term)) is not None:
            return [term_id], True
        # A chat affix on a root the documents write but the stemmer's roots lack: "pupukin"
        # is "pupuk", not a misspelling.
        root = self._store_stem(term)
        if root != term and (term_id := self._vocabulary.get(root)) is not None:
            return [term_id], True
        if is_name(term):  # a place or a courier the store never names: "bali" is no "beli"
            return [], False
        if nearest := self._typos.nearest(term):
            return nearest, False
        # Near a written word only if no dictionary knows it: a word as written is nearer
        # more words than a stem is, and "lots" is no misspelt "lost".
        if not synonyms.is_known(stem(term)) and (nearest := self._written_typos.nearest(term)):
            stems = {stem for position in nearest for stem in self._written[position][1]}
            return sorted(self._vocabulary[stem] for stem in stems), False
        found = (self._vocabulary.get(word) for word in shop_word_terms(term))
        return [term_id for term_id in found if term_id is not None], False
