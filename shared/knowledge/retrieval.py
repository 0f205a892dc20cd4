"""Hybrid retrieval over one store's knowledge: BM25 and vector cosine, fused by rank.

- **Lexical**: Okapi BM25 over the chunks' text, their heading and file name a field of their
  own (BM25F, `lexical.py`).
- **Vectors**, when an embedder is configured: cosine similarity between the question's vector
  and the chunks' vectors of the same embeddings model (rows of a normalised numpy matrix, so
  one matrix-vector product scores them all).
- **Fusion**: reciprocal rank fusion, score = sum over both rankings of 1 / (60 + rank); each
  ranking contributes its best `POOL` chunks. Ranks, not raw scores, are combined because BM25
  scores and cosines live on unrelated scales.
- **Threshold**: a passage is returned only if it is relevant on its own, so that a question
  the knowledge does not cover gets an empty list (the responder then says it does not know
  or hands over). Relevant means either
  - *coverage* >= `min_score`: the passage contains question words carrying at least that
    share of the question's idf mass, compared after normalisation (`lexical.py`: chat words
    written standard, misspellings matched to the index's words, an expanded word counted
    once); a word no chunk contains counts as much as the rarest term some chunk contains, so
    "do you sell cars?" against a batik shop covers little, or
  - cosine >= `min_similarity` (only with vectors).
  BM25 scores themselves are not thresholded: they grow with question length and corpus
  statistics, while coverage is a fraction comparable across questions and stores.
- **Order**: BM25's first `CANDIDATES` passages are reordered by a learned ranker
  (`ranker.py`: how the passage holds the question, its heading, the kind of fact asked),
  before the fusion.

`Passage.score` is the passage's evidence in [0, 1]: its coverage, or its cosine if higher.
Passages are ordered by the fused rank, best first.

Each store's index is built once per knowledge revision and kept in memory (the least recently
used stores are dropped past `max_stores`). A search reads the revision (one small `find_one`),
rebuilds if it moved, and then works on that one immutable snapshot, so an answer never mixes
chunks of two revisions. Building is CPU work (1.5-2.5 s for 10,000 chunks) and runs in a
thread; a search over a built index takes milliseconds and runs inline.
"""

import asyncio
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import PurePath

import numpy as np
import numpy.typing as npt
import structlog
from pydantic import BaseModel, ConfigDict

from shared.knowledge.answer_kinds import asked_kinds, sentence_terms, states, topic
from shared.knowledge.embeddings import Embedder
from shared.knowledge.lexical import LexicalIndex, Matches
from shared.knowledge.models import Chunk, current_revision, load_active_chunks
from shared.knowledge.ranker import CANDIDATES, Features, Ranker, features, shipped
from shared.mongo import Database
from shared.recent import Recent
from shared.text.normalise import terms
from shared.text.sentences import sentence_ends

log = structlog.get_logger(__name__)

RRF_K = 60  # the constant of Cormack et al. (2009): damps the weight of the very first ranks
POOL = 50  # candidates each ranking contributes to the fusion
KIND_POOL = 2  # times k: the relevant passages read for the kind of fact asked (answer_kinds)
MIN_SCORE = 0.4  # coverage: 40 % of the question's idf mass
RANKER = shipped()  # the order of the relevant passages (ranker.py)
# Cosine of text-embedding-3-small between a question and a passage that answers it is
# typically 0.4-0.7, between unrelated texts below 0.25.
MIN_SIMILARITY = 0.4


class Passage(BaseModel):
    """A chunk that answers a question, with what a citation needs."""

    model_config = ConfigDict(frozen=True)

    chunk_id: str
    document_id: str
    filename: str
    locator: str
    heading: str | None
    text: str
    score: float


def title(chunk: Chunk) -> str:
    """The chunk's title field for the lexical index: its heading path and its file name."""
    return "\n".join(filter(None, (chunk.heading, PurePath(chunk.filename).stem)))


class KnowledgeIndex:
    """An immutable search index over the chunks of one store at one revision."""

    def __init__(
        self,
        store_id: str,
        revision: int,
        chunks: Sequence[Chunk],
        embedding_model: str | None = None,
    ) -> None:
        self.store_id = store_id
        self.revision = revision
        # load_active_chunks filters by store already; a second filter keeps stores apart even
        # if a caller hands in a mixed list.
        mine = [chunk for chunk in chunks if chunk.store_id == store_id]
        self.lexical = LexicalIndex([c.text for c in mine], [title(c) for c in mine])
        # Each heading's terms (for the ranker), one set per heading however many chunks share it.
        headings: dict[str | None, frozenset[str]] = {}
        for chunk in mine:
            if chunk.heading not in headings:
                headings[chunk.heading] = frozenset(terms(chunk.heading or ""))
        self._headings = [headings[chunk.heading] for chunk in mine]
        self._rows, self._matrix = _vectors(mine, embedding_model)
        # The vectors live on in the matrix only: as lists of Python floats they would take
        # about eight times the memory (some 50 KB per chunk at 1,536 dimensions).
        self.chunks = [chunk.model_copy(update={"embedding": None}) for chunk in mine]

    @property
    def size(self) -> int:
        return len(self.chunks)

    @property
    def has_vectors(self) -> bool:
        return len(self._rows) > 0

    @property
    def nbytes(self) -> int:
        """Bytes of the index's arrays (not the chunks' texts, nor the vocabulary)."""
        return self.lexical.nbytes + self._rows.nbytes + self._matrix.nbytes

    def search(
        self,
        query: str,
        k: int = 5,
        query_vector: Sequence[float] | None = None,
        min_score: float = MIN_SCORE,
        min_similarity: float = MIN_SIMILARITY,
        ranker: Ranker | None = RANKER,
    ) -> list[Passage]:
        """The passages covering `min_score` of the question (or at `min_similarity` with
        vectors), best first: BM25's first `CANDIDATES` in the `ranker`'s order (BM25's alone
        without one), fused by rank with the vectors' order."""
        fused: dict[int, float] = {}
        matches = self.lexical.search(query, POOL)
        positions = matches.positions.tolist()
        evidence = dict(zip(positions, matches.coverage.tolist(), strict=True))
        relevant = {position for position in positions if evidence[position] >= min_score}
        if ranker is not None and len(relevant) > 1:  # one relevant passage needs no order
            # Each candidate's preference is its own row's: the relevant ones are ordered
            # alone (the others are dropped below), and only their features are computed.
            ranks = [r for r in range(min(CANDIDATES, len(positions))) if positions[r] in relevant]
            preference = ranker.preference(self.candidates(query, matches, ranks))
            first = [positions[ranks[i]] for i in np.argsort(-preference, kind="stable").tolist()]
            positions = first + [position for position in positions if position not in first]
        for rank, position in enumerate(positions):
            fused[position] = 1.0 / (RRF_K + rank + 1)
        for rank, (position, cosine) in enumerate(self._nearest(query_vector)):
            fused[position] = fused.get(position, 0.0) + 1.0 / (RRF_K + rank + 1)
            evidence[position] = max(evidence.get(position, 0.0), cosine)
            if cosine >= min_similarity:
                relevant.add(position)
        best = sorted(relevant, key=lambda position: (-fused[position], position))
        if kinds := asked_kinds(query):  # of the best, those stating the kind asked for first
            about = self.lexical.spelt(topic(query))
            best = best[: KIND_POOL * k]  # sentences are read only here: a bounded few
            best.sort(key=lambda position: not states(self.chunks[position].text, kinds, about))
        best = best[:k]
        return [self._passage(position, evidence[position]) for position in best]

    def candidates(
        self, query: str, matches: Matches, ranks: Sequence[int] | None = None
    ) -> Features:
        """The features (`ranker.FEATURES`) of the passages of `matches`, the lexical search's
        answer to `query`, at BM25 `ranks` (by default the first `CANDIDATES`)."""
        if ranks is None:
            ranks = range(min(CANDIDATES, len(matches.positions)))
        positions = [int(matches.positions[r]) for r in ranks]
        asked = set(terms(query))
        heading = [len(asked & self._headings[p]) / len(asked) if asked else 0.0 for p in positions]
        kinds = asked_kinds(query)
        about = self.lexical.spelt(topic(query)) if kinds else set()
        stating = [bool(kinds) and states(self.chunks[p].text, kinds, about) for p in positions]
        sentence = [self._best_sentence(matches, r) for r in ranks]
        return features(
            matches,
            ranks,
            np.asarray(heading),
            np.asarray(stating, dtype=np.float64),
            np.asarray(sentence),
        )

    def _best_sentence(self, matches: Matches, rank: int) -> float:
        """The coverage of the passage's best sentence read under its heading: the answer is
        often one sentence of a long passage, whose other sentences hold words by chance. A
        passage of one sentence is its best (catalogue rows, most FAQ answers): its own
        coverage, without reading its terms again."""
        position = int(matches.positions[rank])
        text = self.chunks[position].text
        if next(sentence_ends(text), None) is None:
            return float(matches.coverage[rank])
        heading = self._headings[position]
        found = (held | heading for _, held in sentence_terms(text))
        return self.lexical.best_coverage(matches, found)

    def _nearest(self, query_vector: Sequence[float] | None) -> list[tuple[int, float]]:
        """The `POOL` chunks nearest the question's vector: (position, cosine), nearest first."""
        if query_vector is None or not self.has_vectors:
            return []
        query = np.asarray(query_vector, dtype=np.float32)
        norm = float(np.linalg.norm(query))
        if query.shape != (self._matrix.shape[1],) or norm == 0.0:
            return []  # another model's vector: not comparable
        cosines = self._matrix @ (query / norm)
        candidates = (
            np.argpartition(-cosines, POOL - 1)[:POOL]
            if len(cosines) > POOL
            else np.arange(len(cosines))
        )
        order = candidates[np.argsort(-cosines[candidates], kind="stable")]
        return [(int(self._rows[row]), float(cosines[row])) for row in order]

    def _passage(self, position: int, score: float) -> Passage:
        chunk = self.chunks[position]
        return Passage(
            chunk_id=chunk.id,
            document_id=chunk.document_id,
            filename=chunk.filename,
            locator=chunk.locator,
            heading=chunk.heading,
            text=chunk.text,
            score=round(min(score, 1.0), 4),
        )


def _vectors(
    chunks: Sequence[Chunk], model: str | None
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    """Positions of the chunks with a usable vector, and those vectors normalised, as rows.

    Only vectors of `model` are comparable with the question's; chunks embedded by another
    model (before a model change was re-embedded) are found by the lexical side alone.
    """
    if model is None:
        return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32)
    usable = [
        (position, chunk.embedding)
        for position, chunk in enumerate(chunks)
        if chunk.embedding and chunk.embedding_model in (model, None)
    ]
    width = len(usable[0][1]) if usable else 0
    usable = [(position, vector) for position, vector in usable if len(vector) == width]
    if not usable:
        return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32)
    rows = np.asarray([position for position, _ in usable], dtype=np.int64)
    matrix = np.empty((len(usable), width), dtype=np.float32)
    for row, (_, vector) in enumerate(usable):  # row by row: other threads run in between
        matrix[row] = vector
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    matrix /= np.where(norms == 0.0, 1.0, norms)
    return rows, matrix


class Retriever:
    """Searches each store's active knowledge; one instance per process, shared by handlers."""

    def __init__(
        self,
        db: Database,
        embedder: Embedder | None,
        min_score: float = MIN_SCORE,
        min_similarity: float = MIN_SIMILARITY,
        max_stores: int = 256,
        revision_cache_seconds: float = 0.0,
    ) -> None:
        """`revision_cache_seconds`: how long a store's knowledge revision is trusted before
        it is read again (`SETTINGS_CACHE_SECONDS`); 0 reads it for every search."""
        self._db = db
        self._revisions: Recent[int] = Recent(revision_cache_seconds)
        self._embedder = embedder
        self._min_score = min_score
        self._min_similarity = min_similarity
        self._max_stores = max_stores
        self._indexes: OrderedDict[str, KnowledgeIndex] = OrderedDict()
        self._builds: dict[str, asyncio.Lock] = {}

    async def search(self, store_id: str, query: str, k: int = 5) -> list[Passage]:
        """The store's passages relevant to `query`, best first; empty if none is relevant."""
        if not query.strip():
            return []
        index = await self.index(store_id)
        if not index.size:
            return []
        vector = await self._query_vector(query) if index.has_vectors else None
        return index.search(query, k, vector, self._min_score, self._min_similarity)

    async def index(self, store_id: str) -> KnowledgeIndex:
        """The store's index at its current revision, built if the revision moved."""
        revision = await self._revisions.get_or_load(
            store_id, lambda: current_revision(self._db, store_id)
        )
        cached = self._indexes.get(store_id)
        if cached is None or cached.revision < revision:
            async with self._builds.setdefault(store_id, asyncio.Lock()):  # one build at a time
                cached = self._indexes.get(store_id)
                if cached is None or cached.revision < revision:
                    cached = self._indexes[store_id] = await self._build(store_id)
        self._indexes[store_id] = cached  # again: it may have been dropped while waiting
        self._indexes.move_to_end(store_id)
        while len(self._indexes) > self._max_stores:
            self._indexes.popitem(last=False)
        return cached

    def forget(self, store_id: str) -> None:
        """Drop the store's index: its knowledge was deleted with it, and the revision of a
        store made again under its id starts over, below the cached one."""
        self._indexes.pop(store_id, None)
        self._revisions.forget(store_id)

    async def _build(self, store_id: str) -> KnowledgeIndex:
        revision, chunks = await load_active_chunks(self._db, store_id)
        model = self._embedder.model if self._embedder else None
        index = await asyncio.to_thread(KnowledgeIndex, store_id, revision, chunks, model)
        log.info(
            "knowledge.index_built",
            store_id=store_id,
            revision=revision,
            chunks=index.size,
            vectors=index.has_vectors,
        )
        return index

    async def _query_vector(self, query: str) -> list[float] | None:
        if self._embedder is None:
            return None
        try:
            return await self._embedder.embed_query(query)
        except Exception as error:  # the embeddings API is down: answer from BM25 alone
            log.warning("knowledge.query_embedding_failed", error=type(error).__name__)
            return None
